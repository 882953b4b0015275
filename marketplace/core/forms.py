"""What every area's HTML forms share: domain errors shown next to fields, the page's status, notices, ids, buttons."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from marketplace.core.db import is_id
from marketplace.core.errors import DomainError, Forbidden, NotAuthenticated
from marketplace.extensions import db


class ButtonForm(FlaskForm):
    """A bare button (check in, remove a member, regenerate a feed): only the CSRF token."""


def optional_id(value) -> int | None:
    """A select box's value as an id, or None when blank or not an id (the service then says what is missing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if is_id(number) else None


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def refuse_on_form(form: FlaskForm, error: DomainError) -> int:
    """Roll back the unit of work, show a rule's refusal on the form and return the status to answer with.

    A refusal of the person (403, 401) is not a mistake in the form: it stays an error page.
    """
    db.session.rollback()
    if isinstance(error, (Forbidden, NotAuthenticated)):
        raise error
    show_domain_error(form, error)
    return error.status_code


def form_status(*forms: FlaskForm) -> int:
    """422 when any of the forms has errors (so tests and tools see the refusal), else 200."""
    return 422 if any(form.errors or form.form_errors for form in forms) else 200


def done_notice(known: set[str] | frozenset[str]) -> str | None:
    """The "done" message named by ``?notice=`` after a redirect, from a fixed set so nothing typed is echoed.

    Only on GET: a form posted from that page keeps the notice in its URL, and when the post fails and
    the page is shown again, the earlier success is no longer news.
    """
    if request.method != "GET":
        return None
    value = request.args.get("notice")
    return value if value in known else None
