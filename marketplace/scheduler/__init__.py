"""The scheduler: a fixed, small set of periodic jobs that sweep the database for due work.

Thin on purpose: each job opens its own unit of work and calls a service function of the area that owns
the work (``bookings.lifecycle``). One process at a time runs the jobs, the holder of a lease row in the
database (``lease.py``); web workers never run them (``create_app`` starts nothing). Commands:
``flask scheduler run`` (blocking, what ``make run`` starts beside the server) and ``flask scheduler tick``
(one sweep, for cron and tests).
"""
