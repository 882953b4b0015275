"""The account's own rows in the export and on deletion (see core.personal_data)."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from marketplace.accounts.models import ApiToken, LoginAttempt, PasswordResetCode, User, UserSession
from marketplace.core.personal_data import Erasure, eraser, exporter, rows

SECRETS = ("token_hash", "code_hash", "password_hash")


@exporter("profile")
def export_profile(session: Session, user: User) -> dict:
    return rows(session, User, User.id == user.id, exclude=SECRETS)[0]


@exporter("sessions", ("user_sessions", "user_id"))
def export_sessions(session: Session, user: User) -> list[dict]:
    return rows(session, UserSession, UserSession.user_id == user.id, exclude=SECRETS)


@exporter("api_tokens", ("api_tokens", "user_id"))
def export_api_tokens(session: Session, user: User) -> list[dict]:
    return rows(session, ApiToken, ApiToken.user_id == user.id, exclude=SECRETS)


@exporter("password_reset_codes", ("password_reset_codes", "user_id"))
def export_reset_codes(session: Session, user: User) -> list[dict]:
    return rows(session, PasswordResetCode, PasswordResetCode.user_id == user.id, exclude=SECRETS)


@exporter("login_history", ("login_attempts", "user_id"))
def export_login_history(session: Session, user: User) -> list[dict]:
    return rows(session, LoginAttempt, LoginAttempt.user_id == user.id, exclude=("account",))


@eraser("sign_ins", ("user_sessions", "user_id"), ("api_tokens", "user_id"), ("password_reset_codes", "user_id"),
        ("login_attempts", "user_id"), order=80)
def erase_sign_ins(session: Session, user: User, erasure: Erasure) -> None:
    for model in (UserSession, ApiToken, PasswordResetCode, LoginAttempt):
        session.execute(delete(model).where(model.user_id == user.id))
