from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import and_, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, foreign, joinedload, mapped_column, relationship

from marketplace.core.reputation import Reputation
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.places.models import Place

# What a deleted account is called, in each viewer's language.
DELETED_NAME = _l("已注销用户")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The name as the person typed it; read ``display_name``, which knows about deleted accounts.
    chosen_name: Mapped[str] = mapped_column("display_name", String(50))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_volunteer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    home_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    locale: Mapped[str | None] = mapped_column(String(10))
    # Set by an office-issued reset: the temporary password only lets its holder choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What a volunteer shows on their listings and bookings; nothing unless they choose.
    shows_phone_publicly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_contact_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[created_at]
    # When the person deleted their account (privacy.services.delete_account); their name is erased then.
    deleted_at: Mapped[datetime | None]

    home_place: Mapped[Place | None] = relationship()
    # The person's figures as a volunteer provider and as a booker (see core.reputation), or None.
    provider_reputation: Mapped[Reputation | None] = relationship(
        Reputation, uselist=False, viewonly=True,
        primaryjoin=lambda: and_(Reputation.subject_type == "provider", foreign(Reputation.subject_id) == User.id))
    booker_reputation: Mapped[Reputation | None] = relationship(
        Reputation, uselist=False, viewonly=True,
        primaryjoin=lambda: and_(Reputation.subject_type == "booker", foreign(Reputation.subject_id) == User.id))

    @hybrid_property
    def display_name(self) -> str:
        """The one way a person's name is shown or serialised: a deleted account is 已注销用户 / "Deleted user"
        in the viewer's language (a lazy string, translated where it is rendered). In SQL: the stored name."""
        return DELETED_NAME if self.deleted_at is not None else self.chosen_name

    @display_name.inplace.setter
    def _display_name_setter(self, value: str) -> None:
        self.chosen_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return cls.chosen_name

    @display_name.inplace.update_expression
    @classmethod
    def _display_name_update(cls, value):
        return [(cls.chosen_name, value)]

    @display_name.inplace.bulk_dml
    @classmethod
    def _display_name_bulk_dml(cls, mapping: dict, value) -> None:
        mapping["chosen_name"] = value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return not self.is_disabled

    @property
    def login_name(self) -> str:
        return self.phone or self.email or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name}>"



def with_standing(owner=None):
    """Load option: a user with the standing the booking rules read (``bookings.services.approval_note``), in the
    same statement; ``owner`` is the relationship to the user from the row loaded, such as the browser session or
    API token a signed-in request is recognised by (none when loading users themselves)."""
    if owner is None:
        return joinedload(User.booker_reputation)
    return joinedload(owner).joinedload(User.booker_reputation)


class ApiToken(Base):
    """A bearer token for API clients; only its SHA-256 is stored. It ends at ``expires_at`` or when revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A signed-in browser: the signed cookie carries a random id whose SHA-256 is kept here, so that
    logging out (or a password change, or an admin disabling the account) ends it on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PasswordResetCode(Base):
    """A short code mailed to the address on file; stored hashed, single use, expiring, with few tries."""

    __tablename__ = "password_reset_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """One password check, kept for the login limits and the owner's notice (see ``accounts/throttle.py``)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_pair", "account", "address", "attempted_at"),
        Index("ix_login_attempts_address", "address", "attempted_at"),
        Index("ix_login_attempts_user", "user_id", "attempted_at"),
    )

    id: Mapped[intpk]
    account: Mapped[str] = mapped_column(String(254))  # "user:<id>", or the normalised login nobody has
    address: Mapped[str] = mapped_column(String(45))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(index=True)
