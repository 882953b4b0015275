"""A real SMTP server (aiosmtpd, in-process) for tests of mailed password reset codes."""
from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def codes_for(self, address: str) -> list[str]:
        return [re.search(r"\b(\d{6})\b", m.get_content()).group(1) for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_inbox(app) -> Iterator[Inbox]:
    """A real SMTP server on a free port, and ``app`` configured to send through it until the block ends."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="noreply@example.org")
    try:
        yield handler
    finally:
        app.config.update(SMTP_HOST=None, SMTP_PORT=25, SMTP_FROM=None)
        controller.stop()
