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

# glibc's malloc gives each thread that contends for it an arena of its own (up to eight per core) and keeps the
# memory freed into each: a worker's eight threads held about 10 MB more than with two arenas, for no speed a
# two-core machine can measure. Set in each worker before its threads start (the MALLOC_ARENA_MAX environment
# variable would have to be set before gunicorn itself starts).
M_ARENA_MAX = -8


def post_fork(_server, _worker):
    import ctypes
    import ctypes.util

    libc = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(libc), "mallopt", None) if libc else None
    if mallopt is not None:  # glibc; other C libraries may lack it
        mallopt(M_ARENA_MAX, 2)
