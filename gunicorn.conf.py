"""gunicorn settings for `make run` (gunicorn reads this file from the working directory).

Threaded workers (gthread): a synchronous worker serves one connection at a time, so two clients that
send their headers slowly (or never) stall a two-worker site for everyone. A gthread worker parks idle
keep-alive connections in its poller and serves requests from a pool of threads, so a few slow or stuck
clients hold a few threads while the others keep serving. Greenlet workers (gevent) would take more
slow clients, but SQLite waits for its write lock inside C code, which would block every greenlet of
the worker. Past a handful of slow clients the answer is a buffering front server (nginx), which the
README's production section describes.
"""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = 2
worker_class = "gthread"
threads = 8
keepalive = 5
# A worker whose main loop stops answering for this long is replaced.
timeout = 30
graceful_timeout = 10
accesslog = "-"
