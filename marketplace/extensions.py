"""Extensions, created unbound and bound to the app in ``create_app``."""
from flask import has_request_context, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event

from marketplace.config import PROJECT_ROOT
from marketplace.core.api import MarketplaceApi
from marketplace.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = MarketplaceApi()


def select_locale() -> str:
    """The signed-in user's language, else the one chosen in this session, else Simplified Chinese."""
    if not has_request_context():
        return "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in ("zh_CN", "en"):
        return chosen
    return "zh_CN"


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    api.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_on_connect)
            event.listen(db.engine, "begin", _sqlite_on_begin)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; busy_timeout makes writers queue instead of failing.

    pysqlite's own transaction handling is switched off (isolation_level=None) so that SQLAlchemy
    emits BEGIN itself: savepoints then work, and a unit of work can ask for BEGIN IMMEDIATE.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE when the connection asks for it (``sqlite_begin_immediate``).

    IMMEDIATE takes the write lock at once, so a check-then-insert cannot interleave with another writer.
    """
    if connection.get_execution_options().get("sqlite_begin_immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
