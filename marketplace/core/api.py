"""Shared pieces of the JSON API: the acting user and common schemas."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from marketplace.core.pagination import MAX_PER_PAGE

API_PREFIX = "/api/v1"


def require_user():
    """The authenticated user (bearer token or session), or a 401."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user._get_current_object()


def optional_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class ErrorSchema(Schema):
    message = fields.String(required=True)
    field = fields.String()
