"""Login rate limits shared by the HTML form and the API token endpoint.

Failed attempts are counted per account and per address (only failures are deducted, flagged in
``g.login_failed``); successes are limited generously per address, because a community office desk
signs in a dozen residents from one address.
"""
from __future__ import annotations

from flask import current_app, g, request

from marketplace.extensions import limiter


def _login_value() -> str:
    payload = request.get_json(silent=True) if request.is_json else None
    raw = (payload or {}).get("login") if isinstance(payload, dict) else request.form.get("login")
    return "login:" + str(raw or "").strip().lower()[:254]


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


failures_per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], scope="login-failures-account",
    key_func=_login_value, deduct_when=_failed, methods=["POST"],
)
failures_per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"], scope="login-failures-address",
    deduct_when=_failed, methods=["POST"],
)
attempts_per_address = limiter.shared_limit(
    lambda: current_app.config["LOGINS_PER_ADDRESS"], scope="logins-address", methods=["POST"],
)


def login_limited(view):
    """Apply all three login limits to a view."""
    return attempts_per_address(failures_per_address(failures_per_account(view)))


def note_failed_login() -> None:
    g.login_failed = True
