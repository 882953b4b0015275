"""Changing a password, resetting a forgotten one by a code mailed to the address on file, and the
temporary password a community office hands to a resident who has no email.

Every way of setting a password ends the account's other sessions and revokes its API tokens: whoever
knew the old password (or held a token made with it) loses access at once.
"""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import PasswordResetCode, User
from marketplace.accounts.services import check_new_password, hash_password, normalise_email, password_matches
from marketplace.accounts.sessions import end_all_sessions
from marketplace.accounts.tokens import MAX_TOKEN_LENGTH, hash_token, revoke_all_api_tokens
from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l

RESET_CODE_LIFETIME = timedelta(minutes=15)
# One mail a minute at most: asking again sooner neither floods the inbox nor buys fresh tries at guessing.
RESET_CODE_INTERVAL = timedelta(minutes=1)
RESET_CODE_DIGITS = 6
MAX_RESET_ATTEMPTS = 5
# No 0/O, 1/l/I: the resident copies it from a slip of paper.
TEMPORARY_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
TEMPORARY_LENGTH = 10


@dataclass
class ResetCode:
    """A freshly issued code and who it goes to; the caller mails it after the commit."""

    user: User
    code: str


def _set_password(session: Session, user: User, password: str, *, keep_session: str | None, now: datetime) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(session, user, keep=keep_session, now=now)
    revoke_all_api_tokens(session, user, now=now)
    session.flush()


def change_password(session: Session, user: User, current_password: str, new_password: str, *,
                    keep_session: str | None = None, now: datetime | None = None) -> User:
    """Set a new password after checking the current one (ValidationFailed on either field); ends every other
    session (``keep_session`` is the browser that asked) and revokes every API token."""
    if not password_matches(user, current_password):
        raise ValidationFailed("current_password", _l("当前密码不正确"))
    password = check_new_password(new_password, "new_password")
    if password == current_password:
        raise ValidationFailed("new_password", _l("新密码不能和当前密码相同"))
    _set_password(session, user, password, keep_session=keep_session, now=now or clock.now())
    user.must_change_password = False
    session.flush()
    return user


def _user_by_email(session: Session, email: str | None) -> User | None:
    try:
        address = normalise_email(email)
    except ValidationFailed:
        return None
    if address is None:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == address))


def request_password_reset(session: Session, email: str | None, *, now: datetime | None = None) -> ResetCode | None:
    """Issue a reset code for the active account with this email address, replacing any earlier code; None when
    there is no such account, or a code was issued less than a minute ago (the caller answers the same anyway)."""
    now = now or clock.now()
    user = _user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    if session.scalar(select(PasswordResetCode.id).where(
            PasswordResetCode.user_id == user.id, PasswordResetCode.created_at > now - RESET_CODE_INTERVAL)):
        return None
    session.execute(update(PasswordResetCode).where(
        PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None)).values(used_at=now))
    code = "".join(secrets.choice(string.digits) for _ in range(RESET_CODE_DIGITS))
    session.add(PasswordResetCode(user_id=user.id, code_hash=hash_token(code), created_at=now,
                                  expires_at=now + RESET_CODE_LIFETIME))
    session.flush()
    return ResetCode(user=user, code=code)


def confirm_password_reset(session: Session, email: str | None, code: str | None, new_password: str, *,
                           now: datetime | None = None) -> User:
    """Set a new password with the mailed code; it works once, for 15 minutes, and dies after 5 wrong tries.

    Raises ValidationFailed (one message for unknown address, wrong, used or expired code). A wrong code is
    counted by a flush: the caller commits before answering, so the count survives the refusal.
    """
    now = now or clock.now()
    password = check_new_password(new_password, "new_password")
    refused = ValidationFailed("code", _l("验证码不正确或已失效，请重新获取"))
    user = _user_by_email(session, email)
    if user is None or not user.is_active:
        raise refused
    row = session.scalar(select(PasswordResetCode).where(
        PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None),
        PasswordResetCode.expires_at > now, PasswordResetCode.failed_attempts < MAX_RESET_ATTEMPTS,
    ).order_by(PasswordResetCode.id.desc()).with_for_update())
    if row is None:
        raise refused
    code = (code or "").strip()
    if not code or len(code) > MAX_TOKEN_LENGTH or not secrets.compare_digest(hash_token(code), row.code_hash):
        row.failed_attempts += 1
        session.flush()
        raise refused
    row.used_at = now
    _set_password(session, user, password, keep_session=None, now=now)
    user.must_change_password = False
    session.flush()
    return user


def set_temporary_password(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Give the account a random one-time password that only lets its holder choose a new one; ends every session
    and revokes every token. The caller checks who may do this and writes the audit log."""
    temporary = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    _set_password(session, user, temporary, keep_session=None, now=now or clock.now())
    user.must_change_password = True
    session.flush()
    return temporary
