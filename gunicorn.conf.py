"""gunicorn settings for `make run` (gunicorn reads this file from the working directory).

Threaded workers (gthread): a synchronous worker serves one connection at a time, so two clients that
send their headers slowly (or never) stall a two-worker site for everyone. A gthread worker parks idle
keep-alive connections in its poller and serves requests from a pool of threads, so a few slow or stuck
clients hold a few threads while the others keep serving. Greenlet workers (gevent) would take more
slow clients, but SQLite waits for its write lock inside C code, which would block every greenlet of
the worker. Past a handful of slow clients the answer is a buffering front server (nginx), which the
README's production section describes.
"""
import gc
import itertools
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
# memory freed into each: a worker's eight threads held about 10 MB more than with two arenas, and two arenas about
# 2-3 MB more than one, for no speed a two-core machine can measure (the threads take turns at Python's lock, so
# they seldom allocate at once). Set in each worker before its threads start (the MALLOC_ARENA_MAX environment
# variable would have to be set before gunicorn itself starts).
M_ARENA_MAX = -8
# glibc gives memory freed inside its heaps back to the system only when asked (malloc_trim): what a burst of
# requests freed (big pages rendered, kept pages evicted) otherwise stays in the worker, 1-3 MB of it after the
# pages bench. Asking takes about 0.3 ms, so a worker asks once every this many requests.
TRIM_EVERY_REQUESTS = 500
_malloc_trim = None
_requests = itertools.count(1)


def post_fork(_server, _worker):
    global _malloc_trim
    import ctypes
    import ctypes.util

    libc = ctypes.util.find_library("c")
    c_library = ctypes.CDLL(libc) if libc else None
    mallopt = getattr(c_library, "mallopt", None)
    if mallopt is not None:  # glibc; other C libraries may lack it
        mallopt(M_ARENA_MAX, 1)
    _malloc_trim = getattr(c_library, "malloc_trim", None)


def post_worker_init(_worker):
    """Python's full garbage collection walks every container object the worker holds: about 250,000 once the app is
    loaded and has served, 90 % of them made at start-up (modules, models, routes, schemas) and kept for the worker's
    life, so each full collection paused one request for 80-100 ms (250 ms in the search benchmark's process). Frozen
    here, after the app is loaded, they are never walked again; what requests make later is collected as before."""
    gc.freeze()


def post_request(_worker, _request, _environ, _response):
    if _malloc_trim is not None and next(_requests) % TRIM_EVERY_REQUESTS == 0:
        _malloc_trim(0)
