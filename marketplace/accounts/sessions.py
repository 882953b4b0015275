"""Signed-in browsers as rows: the signed cookie holds a random session id, the database its hash.

The cookie alone proves nothing: a session counts only while its row is unrevoked, so logging out
ends that browser's session for a copied cookie too, and a password change or a disabled account
ends all of them.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import User, UserSession, with_standing
from marketplace.accounts.tokens import MAX_TOKEN_LENGTH, hash_token
from marketplace.core import clock

# Built once: every signed-in page runs it (see "The path of a request" in docs/ARCHITECTURE.md).
_LIVE_SESSION = select(UserSession).where(
    UserSession.token_hash == bindparam("token_hash"), UserSession.revoked_at.is_(None),
).options(with_standing(UserSession.user))


def start_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Record a new signed-in browser for ``user`` and return its id, to be kept in the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=hash_token(session_id), created_at=now or clock.now()))
    session.flush()
    return session_id


def _live_session(session: Session, session_id: str | None) -> UserSession | None:
    if not session_id or not isinstance(session_id, str) or len(session_id) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(_LIVE_SESSION, {"token_hash": hash_token(session_id)})


def user_for_session(session: Session, user_id: int, session_id: str | None) -> User | None:
    """The active user ``user_id`` if ``session_id`` is one of their sessions still in force, else None."""
    row = _live_session(session, session_id)
    if row is None or row.user_id != user_id or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, session_id: str | None, *, now: datetime | None = None) -> None:
    """End one browser's session (logging out); nothing happens for an unknown or ended one."""
    row = _live_session(session, session_id)
    if row is not None:
        row.revoked_at = now or clock.now()
        session.flush()


def end_all_sessions(session: Session, user: User, *, keep: str | None = None, now: datetime | None = None) -> None:
    """End every session of the user, except the one with id ``keep`` (the browser that asked)."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != hash_token(keep))
    session.execute(stmt.values(revoked_at=now or clock.now()))
