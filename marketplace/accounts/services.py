"""Registration, authentication, profiles, and platform admins disabling accounts."""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts.models import User
from marketplace.accounts.sessions import end_all_sessions
from marketplace.accounts.tokens import revoke_all_api_tokens
from marketplace.core import audit, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text, filter_text
from marketplace.places.services import get_place

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# scrypt by default; the test suite swaps in a cheap method so that creating users stays fast.
PASSWORD_HASH_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
LOCALES = ("zh_CN", "en")


@dataclass
class Registration:
    password: str
    display_name: str
    phone: str | None = None
    email: str | None = None


@dataclass
class ProfileUpdate:
    display_name: str
    home_place_id: int | None = None
    is_party_member: bool = False
    is_volunteer: bool = False
    locale: str | None = None


def normalise_phone(raw: str | None) -> str | None:
    """Strip spaces, dashes and a +86 prefix; None for blank; raise ValidationFailed if not a mobile number."""
    if raw is None or not raw.strip():
        return None
    phone = re.sub(r"[\s-]", "", raw.strip())
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_PATTERN.match(phone):
        raise ValidationFailed("phone", _l("请输入11位手机号码"))
    return phone


def normalise_email(raw: str | None) -> str | None:
    """Lower-cased, checked address; None for blank; raise ValidationFailed when malformed."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > 254:
        raise ValidationFailed("email", _l("邮箱地址太长"))
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed("email", _l("邮箱地址格式不正确")) from None


def _check_display_name(name: str | None) -> str:
    return clean_text(name, "display_name", 50, required=_l("请填写称呼"), too_long=_l("称呼不能超过50个字"))


def check_new_password(password: str | None, field: str = "password") -> str:
    """The password if long enough and not too long; ValidationFailed on ``field`` otherwise."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(field, _l("密码至少需要8位"))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(field, _l("密码不能超过128位"))
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def password_matches(user: User, password: str | None) -> bool:
    return bool(password) and len(password) <= MAX_PASSWORD_LENGTH and check_password_hash(user.password_hash, password)


def register_user(session: Session, data: Registration) -> User:
    """Create a resident account; raises ValidationFailed on bad input, Conflict if taken."""
    phone = normalise_phone(data.phone)
    email = normalise_email(data.email)
    if phone is None and email is None:
        raise ValidationFailed("phone", _l("请填写手机号码或邮箱"))
    password = check_new_password(data.password)
    display_name = _check_display_name(data.display_name)
    # Saying that a phone or an address is already registered tells who has an account; this product accepts
    # that (residents sign up by phone, and hiding it would need an SMS round trip we do not have).
    if phone and session.scalar(select(User.id).where(User.phone == phone)):
        raise Conflict(_l("这个手机号码已经注册过了"), field="phone")
    if email and session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_l("这个邮箱已经注册过了"), field="email")
    user = User(
        phone=phone,
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
    )
    session.add(user)
    session.flush()
    return user


def normalise_login(login: str | None) -> str:
    """One spelling per typed login: a mobile number without spaces, dashes or +86; anything else lower-cased."""
    login = (login or "").strip()
    phone = re.sub(r"[\s-]", "", login).removeprefix("+86")
    return phone if MOBILE_PATTERN.match(phone) else login.lower()


def find_user_by_login(session: Session, login: str) -> User | None:
    """The user whose phone or email is ``login`` (normalised), or None."""
    if not (login or "").strip() or len(login) > 254:
        return None
    login = normalise_login(login)
    return session.scalar(select(User).where(or_(User.phone == login, func.lower(User.email) == login)))


@cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(session: Session, login: str, password: str) -> User:
    """Return the user for correct credentials; raise NotAuthenticated with one vague message otherwise."""
    user = find_user_by_login(session, login)
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        raise NotAuthenticated(_l("账号或密码不正确"))
    # An unknown login is checked against a stand-in hash of the same method, so that it takes as long
    # as a wrong password: the delay does not tell who is registered.
    password_hash = user.password_hash if user else _stand_in_hash(PASSWORD_HASH_METHOD)
    if not check_password_hash(password_hash, password) or user is None:
        raise NotAuthenticated(_l("账号或密码不正确"))
    if user.is_disabled:
        raise Forbidden(_l("这个账号已被停用"))
    return user


def get_user(session: Session, user_id: int) -> User:
    """Return the user or raise NotFound."""
    user = get_by_id(session, User, user_id)
    if user is None:
        raise NotFound(_l("找不到这个用户"))
    return user


def update_profile(session: Session, user: User, data: ProfileUpdate) -> User:
    """Change name, home place, party-member and volunteer flags, preferred language; every value is checked
    before any is changed."""
    display_name = _check_display_name(data.display_name)
    if data.home_place_id is not None:
        get_place(session, data.home_place_id)
    if data.locale is not None and data.locale not in LOCALES:
        raise ValidationFailed("locale", _l("不支持这种语言"))
    _lock_profile(session, user)
    if display_name != user.display_name:
        events.record(session, "user.profile_changed", subject=("user", user.id),
                      payload={"display_name": display_name}, actor_id=user.id)
    user.display_name = display_name
    user.home_place_id = data.home_place_id
    user.is_party_member = bool(data.is_party_member)
    user.is_volunteer = bool(data.is_volunteer)
    user.locale = data.locale
    session.flush()
    return user


def patch_profile(session: Session, user: User, changes: Mapping) -> User:
    """Change only the ``ProfileUpdate`` fields named in ``changes``, the others kept as stored (read under the lock)."""
    _lock_profile(session, user)
    kept = ProfileUpdate(display_name=user.display_name, home_place_id=user.home_place_id,
                         is_party_member=user.is_party_member, is_volunteer=user.is_volunteer, locale=user.locale)
    return update_profile(session, user, replace(kept, **changes))


def _lock_profile(session: Session, user: User) -> None:
    # A profile is one whole: the UPDATE names only the columns that differ from what was read, so two devices
    # saving at once (PostgreSQL, READ COMMITTED) could leave one's name beside the other's flags. The row lock
    # makes the second wait and start from the first's result. Only the users row: a signed-in user was loaded with
    # their standing (outer-joined), which PostgreSQL cannot lock.
    session.flush()
    session.refresh(user, with_for_update={"of": User})


def set_public_contact(session: Session, user: User, *, shows_phone: bool, note: str) -> User:
    """Choose what others see of how to reach the user on their listings and bookings: the phone number
    (unmasked), a note, both or nothing; ValidationFailed for a phone the account lacks or a long note."""
    note = clean_text(note, "public_contact_note", 200, too_long=_l("联系说明不能超过200个字"))
    _lock_profile(session, user)  # a phone shown that neither device asked for otherwise
    if shows_phone and not user.phone:
        raise ValidationFailed("shows_phone_publicly", _l("账号没有登记手机号码，无法公开电话"))
    user.shows_phone_publicly = bool(shows_phone)
    user.public_contact_note = note
    session.flush()
    return user


def set_locale(session: Session, user: User, locale: str) -> User:
    """Remember the user's interface language; ValidationFailed for one not offered."""
    if locale not in LOCALES:
        raise ValidationFailed("locale", _l("不支持这种语言"))
    user.locale = locale
    session.flush()
    return user


def list_users(session: Session, *, page: int = 1, per_page: int = 20, query: str | None = None):
    """A page of users for platform admins, newest first, and the total."""
    stmt = select(User)
    text = filter_text(query, 50)
    if text:
        stmt = stmt.where(or_(*(column.contains(text, autoescape=True)
                                for column in (User.display_name, User.phone, User.email))))
    return fetch_page(session, stmt.order_by(User.id.desc()), page=page, per_page=per_page)


def set_account_disabled(session: Session, admin: User, user: User, disabled: bool) -> User:
    """Disable or re-enable someone's account as a platform admin, audited; admins cannot disable themselves.

    Disabling ends every session and revokes every API token of the account, so re-enabling it does not
    bring back a browser or a token that was signed in before."""
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以停用或启用账号"))
    if disabled and user.id == admin.id:
        raise ValidationFailed(None, _l("不能停用自己的账号"))
    if user.is_disabled == disabled:
        raise Conflict(_l("这个账号已经是停用状态") if disabled else _l("这个账号已经是启用状态"))
    before = audit.snapshot(user)
    user.is_disabled = disabled
    if disabled:
        end_all_sessions(session, user)
        revoke_all_api_tokens(session, user)
    session.flush()
    audit.record(session, admin, "user.disable" if disabled else "user.enable", user, before=before)
    return user
