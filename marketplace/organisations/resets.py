"""Password resets a community office issues at its desk, for residents who cannot receive email.

The staff member checks the resident's identity in person, then hands over a one-time temporary
password; the resident must choose a new password when signing in with it. Every reset is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.passwords import set_temporary_password
from marketplace.accounts.services import find_user_by_login
from marketplace.core import audit
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.organisations import offices
from marketplace.organisations.models import Membership
from marketplace.places.models import Place


@dataclass
class OfficeReset:
    user: User
    temporary_password: str


def can_reset_password_of(session: Session, actor: User, user: User) -> bool:
    """Platform admins, for anyone but another platform admin; staff of a community office (``offices``), for
    residents whose home is under the office's place and who are not staff of any organisation themselves
    (a home is chosen by the resident, so it must not let desk staff take over their own office's admin)."""
    if user.is_platform_admin:
        return False
    if is_platform_admin(actor):
        return True
    if user.home_place_id is None or session.scalar(select(Membership.id).where(Membership.user_id == user.id)
                                                    .limit(1)) is not None:
        return False
    home = session.get(Place, user.home_place_id)
    return any(home.path.startswith(place.path) for place in offices.office_places(session, actor))


def issue_office_reset(session: Session, actor: User, login: str, *, now: datetime | None = None) -> OfficeReset:
    """Give the account with this phone or email a temporary password, audited as ``user.password_reset``.

    Raises NotFound for no such account, Forbidden for someone the actor may not reset, ValidationFailed for
    the actor's own account (they change it on their profile)."""
    user = find_user_by_login(session, login)
    if user is None:
        raise NotFound(_l("找不到这个账号"), field="login")
    if user.id == actor.id:
        raise ValidationFailed("login", _l("自己的密码请在个人资料里修改"))
    if not can_reset_password_of(session, actor, user):
        raise Forbidden(_l("只有平台管理员或该居民所在社区居委会的工作人员可以重置密码"))
    before = audit.snapshot(user)
    temporary = set_temporary_password(session, user, now=now)
    audit.record(session, actor, "user.password_reset", user, before=before)
    return OfficeReset(user=user, temporary_password=temporary)
