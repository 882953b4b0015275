"""Configuration: defaults here → ``instance/config.py`` → environment variables → test overrides."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ["zh_CN", "en"]
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_PHOTO_BYTES = 5 * 1024 * 1024
    PAGE_SIZE = 20
    # How many reverse proxies (nginx) in front of the app set X-Forwarded-For/-Proto; 0: none, trust no header.
    TRUSTED_PROXIES = 0
    # When SQLite waits for the disk. NORMAL (in WAL mode): a commit is written to the WAL without waiting for the
    # disk, which is synchronised at checkpoints; the database never corrupts and a crash of the app or of a worker
    # loses nothing, but a power cut or a crash of the machine may undo the last commits before the checkpoint.
    # FULL waits for the disk on every commit (one fsync each: 2–8 ms on the test machine, which caps a single
    # client at a few hundred bookings a second). SQLite's own advice for WAL, and Rails' default, is NORMAL.
    SQLITE_SYNCHRONOUS = "NORMAL"
    # The pages of the database file each SQLite connection keeps in its own memory (SQLite's default is 2 MB, per
    # connection and process). The system's page cache keeps the file for every process already, and a connection's
    # own cache is dropped whenever another process commits; 256 KB cost no measurable time on the pages and leave
    # each web worker about 3.5 MB smaller at 10,000 listings.
    SQLITE_CACHE_KB = 256
    # Seconds a write waits for the database lock (SQLite busy timeout, PostgreSQL lock_timeout) before a 503.
    DATABASE_LOCK_TIMEOUT = 10
    # Login limits (kept in the database, see accounts/throttle.py): wrong passwords for one account from one
    # address; accounts failing from one address without a later success from it; all checks from one address.
    LOGIN_FAILURES_PER_PAIR = "5 per 15 minutes"
    LOGIN_FAILED_ACCOUNTS_PER_ADDRESS = "20 per 15 minutes"
    LOGINS_PER_ADDRESS = "300 per hour"
    API_TOKEN_LIFETIME = timedelta(days=30)
    # A booking's conversation (bookings/conversation.py): how many messages one person may write on one booking,
    # and for how many days after the booking is over (ended, or cancelled / rejected / expired) it stays open.
    BOOKING_MESSAGE_LIMIT = "20 per hour"
    BOOKING_CONVERSATION_OPEN_DAYS = 7
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_FROM = None
    SEARCH_RANKING_REPUTATION_WEIGHT = 0.3
    # Reviews and reputation (the formula is in reputation/services.py): days after a booking completes during
    # which each side may review the other; the prior's weight in reviews; the half-life of a review's weight;
    # how close to the start a booker's cancellation counts against their attendance.
    REVIEW_WINDOW_DAYS = 14
    REPUTATION_PRIOR_WEIGHT = 5.0
    REPUTATION_HALF_LIFE_DAYS = 180.0
    REPUTATION_LATE_CANCEL_HOURS = 24.0
    # The nightly full recompute of every reputation, at this hour UTC (19: 03:00 in Shanghai).
    REPUTATION_RECOMPUTE_HOUR_UTC = 19
    # Consequences: bookers scoring below this (out of 5), or with this many no-shows or more and an attendance
    # under the minimum, need the provider's approval even on instant listings; providers below this are
    # flagged to the street admin.
    REPUTATION_BOOKER_APPROVAL_BELOW = 2.5
    REPUTATION_BOOKER_MAX_NO_SHOWS = 2
    REPUTATION_BOOKER_MIN_ATTENDANCE = 0.8
    REPUTATION_PROVIDER_FLAG_BELOW = 2.5
    # After a confirmed booking's end, how long the provider may still mark a no-show before the scheduler
    # completes it (completed is final).
    COMPLETION_GRACE_MINUTES = 60
    # How long a slot freed for the first in its waitlist stays held for them (never past the slot's start).
    WAITLIST_HOLD_MINUTES = 30
    # A claimed wish not marked fulfilled this many days after its claim is released back to the wall; an unclaimed
    # wish moves up one wall (grid → community → street) after this many days on one.
    WISH_CLAIM_PROGRESS_DAYS = 7
    WISH_ESCALATE_AFTER_DAYS = 3
    # How many hours before a confirmed booking's start its booker is reminded, one reminder per entry.
    REMINDER_OFFSETS_HOURS = [24, 1]
    # Bookings one scheduler unit of work moves at most (a crash rolls back at most this many, to be redone).
    SCHEDULER_BATCH_SIZE = 100
    # Outbox deliveries one unit of work runs at most: a run's fixed cost (claim, savepoints, commit) is shared by
    # more deliveries, and each batch subscriber gets more events at once (about 6 deliveries per booking event).
    OUTBOX_BATCH_SIZE = 500
    # Anonymous pages kept in each worker's memory (core/pagecache.py): at most this many seconds after rendering
    # (committed changes show at once; this bounds what time alone changes), and this many bytes per worker: pages
    # past their time are dropped, so what is kept is what was asked for in the last PAGE_CACHE_SECONDS, and 2 MB
    # holds some 60 pages of 30 KB, more than a street's busy pages.
    PAGE_CACHE_SECONDS = 10
    PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024
    # Dashboards (street, communities, organisations, listings) whose snapshot sums each worker keeps in memory
    # until the next day is snapshotted (transparency.services.SettledSums); 0 computes them on every request.
    DASHBOARD_CACHE_ENTRIES = 256
    # The command-line commands: `flask db` (Flask-Migrate and Alembic, about 11 MB) and ours (the demo street, the
    # scheduler's APScheduler, imports and exports: a few MB more); the web server's app (serve.py) goes without.
    COMMANDS = True
    # Staff are warned (booking.deadline_near) once a pending request's approval deadline is this close.
    APPROVAL_REMINDER_HOURS = 2
    # Feedback and complaints nobody answered this many days after they were sent escalate to the street.
    FEEDBACK_ESCALATE_DAYS = 3
    # Service points (points/): what an hour of volunteering earns (a confirmed wish, each person who did it; a
    # completed booking of a volunteer's free skill or service), and the system accounts allowed below zero
    # (the database allows at most "issuance" and "street"; everyone else's balance never goes negative).
    POINTS_PER_HOUR = 10
    POINTS_OVERDRAFT_ACCOUNTS = ["issuance", "street"]
    # Webhooks (webhooks/): endpoints on loopback, private, link-local or reserved addresses are refused (SSRF)
    # unless this is on (tests, a private network); each send's connect and read timeouts; after a secret's
    # rotation how long the old one still signs; an endpoint is disabled when this many deliveries in a row
    # failed every attempt, or when everything sent to it failed for this many days.
    WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    WEBHOOK_TIMEOUT_SECONDS = 5.0
    WEBHOOK_SECRET_OVERLAP_HOURS = 24
    WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES = 5
    WEBHOOK_DISABLE_AFTER_DAYS = 5
    API_TITLE = "社区资源超市 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "info": {"description": "JSON face of the community resource marketplace."},
    }


ENVIRONMENT_KEYS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "TIMEZONE": str,
    "SEARCH_INDEX_DIR": str,
    "SESSION_COOKIE_SECURE": lambda v: v.lower() in {"1", "true", "yes"},
    "SMTP_HOST": str,
    "DATABASE_LOCK_TIMEOUT": float,
    "TRUSTED_PROXIES": int,
    "SMTP_PORT": int,
    "SMTP_FROM": str,
    "API_TOKEN_LIFETIME_DAYS": int,
    "PAGE_CACHE_SECONDS": float,
    "DASHBOARD_CACHE_ENTRIES": int,
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": lambda v: v.lower() in {"1", "true", "yes"},
    "SQLITE_SYNCHRONOUS": str.upper,
    "SQLITE_CACHE_KB": int,
    "REMINDER_OFFSETS_HOURS": lambda v: [int(hours) for hours in v.split(",") if hours.strip()],  # e.g. "24,1"
}


def load_config(app, overrides: dict | None = None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, overrides."""
    app.config.from_object(DefaultConfig)
    app.config["SEARCH_INDEX_DIR"] = str(PROJECT_ROOT / "search_index")
    app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    app.config.from_pyfile("config.py", silent=True)
    for key, parse in ENVIRONMENT_KEYS.items():
        if key in os.environ:
            app.config[key] = parse(os.environ[key])
    if "API_TOKEN_LIFETIME_DAYS" in app.config:
        app.config["API_TOKEN_LIFETIME"] = timedelta(days=app.config.pop("API_TOKEN_LIFETIME_DAYS"))
    if overrides:
        app.config.update(overrides)
    app.config.setdefault(
        "DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "marketplace.db")
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)


def _instance_secret_key(instance_path: str) -> str:
    """Read the key kept under instance/, creating it once so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
