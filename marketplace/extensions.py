"""Extensions, created unbound and bound to the app in ``create_app``."""
from babel import Locale
from flask import has_request_context, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event

from marketplace.config import PROJECT_ROOT
from marketplace.core.api import MarketplaceApi
from marketplace.core import events, transactions
from marketplace.core.db import Base

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# OFF is left out: with it a power cut can corrupt the database, not only undo the last commits.
SQLITE_SYNCHRONOUS_MODES = frozenset({"NORMAL", "FULL", "EXTRA"})

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = MarketplaceApi()


# Locales given to flask-babel as Locale objects: a name it would parse through babel's alias tables, its global
# data that only parsing reads (about 2 MB per worker).
_LOCALES = {"zh_CN": Locale("zh", "CN", script="Hans"), "en": Locale("en")}  # what parsing "zh_CN", "en" gives


def select_locale() -> Locale:
    """The signed-in user's language, else the one chosen in this session, else Simplified Chinese."""
    if not has_request_context():
        return _LOCALES["zh_CN"]
    if current_user and current_user.is_authenticated and current_user.locale in _LOCALES:
        return _LOCALES[current_user.locale]
    return _LOCALES.get(session.get("locale"), _LOCALES["zh_CN"])


def init_app(app) -> None:
    db.init_app(app)
    events.dispatch_after_commit(db.session)
    if app.config["COMMANDS"]:
        from flask_migrate import Migrate
        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    api.init_app(app)
    lock_timeout_ms = int(app.config["DATABASE_LOCK_TIMEOUT"] * 1000)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_settings(lock_timeout_ms, app.config["SQLITE_SYNCHRONOUS"],
                                                                   app.config["SQLITE_CACHE_KB"]))
            event.listen(db.engine, "begin", transactions.sqlite_begin_listener(_is_safe_request))
        elif db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", _postgresql_settings(lock_timeout_ms))


def _is_safe_request() -> bool:
    """A web request whose method never writes (GET, HEAD, OPTIONS): its unit of work only reads."""
    return has_request_context() and request.method in SAFE_METHODS


def _sqlite_settings(busy_timeout_ms: int, synchronous: str, cache_kb: int):
    if synchronous not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {sorted(SQLITE_SYNCHRONOUS_MODES)}")

    def on_connect(dbapi_connection, _record) -> None:
        """WAL lets readers run beside the writer; busy_timeout makes writers queue for the lock, for a bounded time;
        ``synchronous`` says when SQLite waits for the disk (see SQLITE_SYNCHRONOUS in config.py), ``cache_size`` how
        much of the file the connection keeps in its own memory (SQLITE_CACHE_KB).

        pysqlite's own transaction handling is switched off (isolation_level=None) so that SQLAlchemy
        emits BEGIN itself: savepoints then work, and ``core.transactions`` chooses BEGIN IMMEDIATE.
        """
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA cache_size=-{cache_kb:d}")  # negative: in KiB, not in pages
        cursor.close()

    return on_connect


def _postgresql_settings(lock_timeout_ms: int):
    def on_connect(dbapi_connection, _record) -> None:
        """A statement waiting longer than this for a row lock gives up (a 503 to the client, not a hang)."""
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {lock_timeout_ms:d}")
        cursor.close()
        dbapi_connection.commit()

    return on_connect
