"""A real HTTP receiver for webhook tests: http.server on 127.0.0.1 in a thread, answering with the status codes
it is told, recording each request's headers and body (verified afterwards with the standardwebhooks package)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        self.statuses: list[int] = []  # answered in order; 200 once they run out
        self.hang: threading.Event | None = None  # when set, requests wait for it before answering
        self.arrived = threading.Event()
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, *statuses: int) -> None:
        self.statuses.extend(statuses)

    def verified(self, secret: str) -> list[dict]:
        """Each request's payload, as the independent implementation reads it; it raises on a bad signature."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for headers, _body in self.requests]


@contextmanager
def receiving(path: str = "/hook"):
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            with receiver._lock:
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            receiver.arrived.set()
            if receiver.hang is not None:
                receiver.hang.wait(60)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender died mid-request

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield receiver
    finally:
        if receiver.hang is not None:
            receiver.hang.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
