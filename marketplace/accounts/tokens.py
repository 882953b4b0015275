"""Bearer tokens for API clients: issued for a limited time, listed and revoked by their owner.

``hash_token`` is the one hashing function of every secret the database keeps only as a hash
(API tokens, calendar feed tokens, browser session ids, password reset codes).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import ApiToken, User, with_standing
from marketplace.core import clock
from marketplace.core.db import get_by_id
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l

DEFAULT_LIFETIME = timedelta(days=30)
MAX_TOKEN_LENGTH = 200
# Built once: every API request runs it (see "The path of a request" in docs/ARCHITECTURE.md).
_LIVE_TOKEN = select(ApiToken).where(
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
    ApiToken.expires_at > bindparam("now"),
).options(with_standing(ApiToken.user))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(session: Session, user: User, *, lifetime: timedelta = DEFAULT_LIFETIME,
                    now: datetime | None = None) -> str:
    """Create a bearer token for ``user`` valid for ``lifetime`` and return it; only its hash is kept."""
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + lifetime))
    session.flush()
    return token


def _live_token(session: Session, token: str | None, now: datetime) -> ApiToken | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(_LIVE_TOKEN, {"token_hash": hash_token(token), "now": now})


def user_for_token(session: Session, token: str | None, *, now: datetime | None = None) -> User | None:
    """The active user owning an unrevoked, unexpired token, or None."""
    row = _live_token(session, token, now or clock.now())
    if row is None or not row.user.is_active:
        return None
    return row.user


def list_api_tokens(session: Session, user: User, *, now: datetime | None = None) -> list[ApiToken]:
    """The user's tokens still in force, newest first."""
    now = now or clock.now()
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now,
    ).order_by(ApiToken.id.desc())))


def revoke_api_token(session: Session, user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's tokens by id; NotFound for someone else's, unknown or already ended tokens."""
    now = now or clock.now()
    row = get_by_id(session, ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None or row.expires_at <= now:
        raise NotFound(_l("找不到这个令牌，或它已经失效"))
    row.revoked_at = now
    session.flush()
    return row


def revoke_token_value(session: Session, token: str | None, *, now: datetime | None = None) -> ApiToken:
    """Revoke the token with this value (the one a request was made with); NotFound if it is not in force."""
    now = now or clock.now()
    row = _live_token(session, token, now)
    if row is None:
        raise NotFound(_l("找不到这个令牌，或它已经失效"))
    row.revoked_at = now
    session.flush()
    return row


def revoke_all_api_tokens(session: Session, user: User, *, now: datetime | None = None) -> None:
    """Revoke every token of the user still in force."""
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now or clock.now()))
