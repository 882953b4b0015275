"""Login limits that hold across workers and web nodes, aimed at the attacker rather than the owner.

Every password check (the login form and the API's token issue alike) is a row of ``login_attempts``,
written in the login's own transaction. The table lives in the application database because every
worker and web node already shares it: the limits are exact across processes on SQLite and PostgreSQL
alike, and nothing else (Redis) has to be run. Counts are indexed queries over a sliding window.

The limits, each over the last window:

- **per (account, address) pair**: wrong passwords for one account from one address. The account is
  the normalised identity (the user, or the normalised login nobody has), so ``138-0000-0040`` and
  ``+8613800000040`` count as ``13800000040``. Only that pair is refused: the owner signing in from
  elsewhere is not locked out, and a correct password from the pair clears its count.
- **failed accounts per address**: how many different accounts failed from one address without a
  later success from it. An office desk where residents mistype and then sign in never reaches it;
  one address trying password after password across many accounts does.
- **attempts per address**: every check, right or wrong, so no address can make us hash without end.

Once a limit is reached every attempt it covers is refused with the wait, right password or wrong,
and the refused attempt is not recorded (it checked nothing), so the wait only runs down.

Exactness: the decisive check and the insert run under a lock on the address (which every limit
is keyed by). On PostgreSQL that is a transaction-level advisory lock on the address, taken after the
password hash is verified, so addresses proceed in parallel and no one holds it for the ~90 ms of a
hash. On SQLite it is the one write lock, which a login request holds from its start (every writing
unit of work begins IMMEDIATE, see ``core.transactions``), hash included: logins there are serialised,
fine for the embedded deployment. A lock-free check first spares the hash for requests that will be
refused anyway.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from marketplace.accounts import services
from marketplace.accounts.models import LoginAttempt, User
from marketplace.core.errors import DomainError, TooManyAttempts
from marketplace.core.i18n import _l

# Long enough for the owner's notice; the limits look back at most a window.
RETENTION = timedelta(days=30)
# Expired rows deleted by each recorded attempt: pruning is spread over the logins and stays short.
PRUNE_BATCH = 50
# The first key of the PostgreSQL advisory locks taken here (the second is the address's hash).
ADVISORY_LOCK_NAMESPACE = 4601
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s+per\s+(?:(\d+)\s+)?(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


def parse_limit(text: str) -> Limit:
    """``"5 per 15 minutes"`` as a Limit; raises ValueError on anything else."""
    match = _LIMIT.match(text)
    if match is None:
        raise ValueError(f"not a limit: {text!r} (write e.g. '5 per 15 minutes')")
    count, amount, unit = match.groups()
    return Limit(int(count), timedelta(seconds=int(amount or 1) * _UNITS[unit]))


@dataclass(frozen=True)
class LoginLimits:
    failures_per_pair: Limit
    failed_accounts_per_address: Limit
    attempts_per_address: Limit

    @classmethod
    def from_config(cls, config) -> LoginLimits:
        return cls(parse_limit(config["LOGIN_FAILURES_PER_PAIR"]),
                   parse_limit(config["LOGIN_FAILED_ACCOUNTS_PER_ADDRESS"]),
                   parse_limit(config["LOGINS_PER_ADDRESS"]))


@dataclass(frozen=True)
class FailedLogins:
    """Wrong passwords for an account that no later success from the same address explains."""

    count: int
    first_at: datetime
    last_at: datetime
    previous_login_at: datetime | None

    @property
    def is_news(self) -> bool:
        """Whether some came after the login before the latest one, so the owner has not been told yet."""
        return self.previous_login_at is None or self.last_at > self.previous_login_at


def log_in(session: Session, limits: LoginLimits, login: str, password: str, *, address: str, now: datetime) -> User:
    """Authenticate within the login limits and record the attempt (flushed: the caller commits, failures too).

    Raises TooManyAttempts (nothing recorded) when a limit covers this attempt, else what
    ``services.authenticate`` raises (recorded as a failure).
    """
    address = address[:45]
    user = services.find_user_by_login(session, login)
    account = f"user:{user.id}" if user else ("login:" + services.normalise_login(login))[:254]  # the column's size
    user_id = user.id if user else None
    _refuse_when_limited(session, limits, account, address, now)
    try:
        user = services.authenticate(session, login, password)
        error = None
    except DomainError as refused:
        user, error = None, refused
    _lock_address(session, address)
    _refuse_when_limited(session, limits, account, address, now)
    session.add(LoginAttempt(account=account, address=address, user_id=user_id, succeeded=user is not None,
                             attempted_at=now))
    _prune(session, now)
    session.flush()
    if error is not None:
        raise error
    return user


def _lock_address(session: Session, address: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_NAMESPACE, func.hashtext(address))))


def _refuse_when_limited(session: Session, limits: LoginLimits, account: str, address: str, now: datetime) -> None:
    waits = [
        _pair_wait(session, limits.failures_per_pair, account, address, now),
        _failed_accounts_wait(session, limits.failed_accounts_per_address, address, now),
        _attempts_wait(session, limits.attempts_per_address, address, now),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        raise TooManyAttempts(_l("登录尝试太多了，请在 %(minutes)s 分钟后再试", minutes=math.ceil(seconds / 60)),
                              retry_after=seconds)


def _wait_until_below(times: list[datetime], limit: Limit, now: datetime) -> timedelta | None:
    """With ``times`` ascending inside the window: None while under the limit, else until enough of them expire."""
    if len(times) < limit.count:
        return None
    return times[len(times) - limit.count] + limit.window - now


def _pair_wait(session: Session, limit: Limit, account: str, address: str, now: datetime) -> timedelta | None:
    pair = and_(LoginAttempt.account == account, LoginAttempt.address == address,
                LoginAttempt.attempted_at > now - limit.window)
    cleared = session.scalar(select(func.max(LoginAttempt.attempted_at)).where(pair, LoginAttempt.succeeded))
    failures = select(LoginAttempt.attempted_at).where(pair, ~LoginAttempt.succeeded)
    if cleared is not None:
        failures = failures.where(LoginAttempt.attempted_at > cleared)
    return _wait_until_below(list(session.scalars(failures.order_by(LoginAttempt.attempted_at))), limit, now)


def _unrecovered_failures():
    """Failures not followed by a success for the same account from the same address."""
    later = aliased(LoginAttempt)
    return and_(~LoginAttempt.succeeded, ~exists().where(
        later.account == LoginAttempt.account, later.address == LoginAttempt.address, later.succeeded,
        later.attempted_at > LoginAttempt.attempted_at))


def _failed_accounts_wait(session: Session, limit: Limit, address: str, now: datetime) -> timedelta | None:
    # An account counts until its latest unrecovered failure from the address leaves the window.
    latest = (
        select(func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.address == address, LoginAttempt.attempted_at > now - limit.window, _unrecovered_failures())
        .group_by(LoginAttempt.account)
    )
    return _wait_until_below(sorted(session.scalars(latest)), limit, now)


def _attempts_wait(session: Session, limit: Limit, address: str, now: datetime) -> timedelta | None:
    times = session.scalars(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.address == address, LoginAttempt.attempted_at > now - limit.window)
        .order_by(LoginAttempt.attempted_at.desc()).limit(limit.count)
    )
    return _wait_until_below(sorted(times), limit, now)


def _prune(session: Session, now: datetime) -> None:
    # SKIP LOCKED: two logins pruning at once take different rows instead of waiting on (or deadlocking over)
    # the same ones. SQLite has one writer and ignores the clause.
    expired = (select(LoginAttempt.id).where(LoginAttempt.attempted_at < now - RETENTION)
               .limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(expired)).execution_options(
        synchronize_session=False))


def failed_logins(session: Session, user_id: int, now: datetime) -> FailedLogins | None:
    """The wrong passwords for the user's account in the last RETENTION that no success from their address
    followed (the owner's own corrected typos are left out), or None when there are none."""
    count, first_at, last_at = session.execute(
        select(func.count(), func.min(LoginAttempt.attempted_at), func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.user_id == user_id, LoginAttempt.attempted_at > now - RETENTION, _unrecovered_failures())
    ).one()
    if not count:
        return None
    logins = list(session.scalars(
        select(LoginAttempt.attempted_at).where(LoginAttempt.user_id == user_id, LoginAttempt.succeeded)
        .order_by(LoginAttempt.attempted_at.desc()).limit(2)
    ))
    return FailedLogins(count, first_at, last_at, logins[1] if len(logins) == 2 else None)
