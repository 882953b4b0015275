"""The browser's side of a session: the session id in Flask's signed cookie, beside Flask-Login's user id.

Web glue only (it reads ``flask.session``); the rows live in ``accounts.sessions``.
"""
from __future__ import annotations

from flask import session as cookie
from flask_login import login_user, logout_user

from marketplace.accounts import sessions
from marketplace.accounts.models import User
from marketplace.extensions import db

SESSION_KEY = "sid"


def sign_in(user: User) -> None:
    """Start a recorded session for ``user`` in this browser and commit it."""
    locale = cookie.get("locale")
    cookie.clear()  # nothing but the chosen language carried over from before sign-in (session fixation)
    if locale:
        cookie["locale"] = locale
    cookie[SESSION_KEY] = sessions.start_session(db.session, user)
    db.session.commit()
    login_user(user)


def sign_out() -> None:
    """End this browser's session on the server, then forget it in the cookie."""
    sessions.end_session(db.session, current_session_id())
    db.session.commit()
    logout_user()
    cookie.pop(SESSION_KEY, None)


def current_session_id() -> str | None:
    return cookie.get(SESSION_KEY)


def user_for_cookie(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only while the cookie's session is in force on the server."""
    if not user_id.isdigit():
        return None
    return sessions.user_for_session(db.session, int(user_id), current_session_id())
