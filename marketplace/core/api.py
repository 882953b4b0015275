"""Shared pieces of the JSON API: the acting user, the argument parser, documentation helpers, common schemas."""
from __future__ import annotations

from functools import wraps
from http import HTTPStatus

import flask_smorest
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import INCLUDE, Schema, fields
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.flaskparser import abort as abort_with_messages
from werkzeug.datastructures import CombinedMultiDict

from marketplace.core.pagination import MAX_PER_PAGE
from marketplace.core.schemas import InputSchema, Range

API_PREFIX = "/api/v1"
BEARER_AUTH = {"bearerAuth": []}


def require_user():
    """The authenticated user (bearer token or session), or a 401."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user._get_current_object()


def optional_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


class ApiParser(FlaskParser):
    """webargs' Flask parser, with Chinese messages for bodies that are not JSON and unknown query args and
    upload parts refused."""

    # None defers to the schema, and every input schema raises on unknown fields (see core.schemas).
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None,
                                   "files": None}

    def load_files(self, req, schema):
        # An upload's text parts too, so that a part the schema does not know is refused like an unknown field.
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.get_data(cache=True):
                abort_with_messages(415, messages={"json": [_("请以 JSON 格式提交（Content-Type: application/json）")]})
            return webargs_core.missing
        return webargs_core.parse_json(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort_with_messages(400, exc=error, messages={"json": [_("请求内容不是有效的 JSON")]})


class ErrorSchema(Schema):
    """Every error the API returns: a Chinese message, the input at fault, and per-field details.

    A domain error may add what the client needs to act on it (``occurrences`` of a series that cannot be booked,
    the ``failures`` of an edit), so further properties are allowed.
    """

    class Meta:
        unknown = INCLUDE

    message = fields.String(required=True, metadata={"description": "给人看的错误说明"})
    field = fields.String(metadata={"description": "出错的输入字段（如有）"})
    errors = fields.Raw(metadata={"description": "逐个字段的错误说明，例如 {\"title\": [\"必须填写\"]}"})


class MarketplaceApi(flask_smorest.Api):
    """flask-smorest's Api documenting our error body instead of its own.

    No catch-all ``default`` response: each operation lists the error statuses it can really give (see
    ``Blueprint.register_views_in_doc``), so a client, and the conformance test, can rely on the list.
    """

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


def generic_errors(operation_doc: dict, rule) -> list[int]:
    """The error statuses any operation of this shape can give, whatever its handler does (``core.http``):
    400 for a malformed request (a NUL character, bad JSON, a failed CSRF check), 404 for a path naming an object,
    and for a body, 413 when too large and 415 when it is not JSON."""
    statuses = [400]
    if rule.arguments:
        statuses.append(404)
    body_locations = {parameter["in"] for parameter in operation_doc.get("arguments", {}).get("parameters", [])}
    if body_locations & {"json", "files"}:
        statuses.append(413)
    if "json" in body_locations:
        statuses.append(415)
    return statuses


class Blueprint(flask_smorest.Blueprint):
    """An API blueprint: our parser, plus decorators that document authentication and error responses."""

    ARGUMENTS_PARSER = ApiParser()

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """flask-smorest's ``arguments``; a JSON body documented as required is refused (422) when it is missing,
        where webargs alone would read it as ``{}``."""
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return parse

        def decorator(func):
            parsed = parse(func)

            @wraps(parsed)
            def wrapper(*args, **kwargs):
                if not request.get_data(cache=True):
                    abort_with_messages(422, messages={"json": [_("请提交 JSON 格式的请求内容")]})
                return parsed(*args, **kwargs)

            return wrapper

        return decorator

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        """Document the generic error responses of every operation, beside those its decorators name."""
        for endpoint, endpoint_doc in self._docs.items():
            rule = next(app.url_map.iter_rules(f"{name}.{endpoint}"))
            for method, operation_doc in endpoint_doc.items():
                if method == "parameters":
                    continue
                responses = operation_doc.setdefault("response", {}).setdefault("responses", {})
                for status in generic_errors(operation_doc, rule):
                    responses.setdefault(status, [HTTPStatus(status).name])
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)

    def errors(self, *status_codes: int):
        """Document the error responses (401, 403, 404, 409, 422 ...) an operation may give."""

        def decorator(func):
            for status_code in status_codes:
                func = self.alt_response(status_code, response=HTTPStatus(status_code).name)(func)
            return func

        return decorator

    def login_required(self, func):
        """Refuse anonymous callers with 401 before reading their input, and document the bearer token."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            require_user()
            return func(*args, **kwargs)

        return self.doc(security=[BEARER_AUTH])(self.errors(401)(wrapper))

    def login_optional(self, func):
        """Document that signing in is optional (it may show more, such as one's own drafts)."""
        return self.doc(security=[{}, BEARER_AUTH])(func)


class PageArgs(InputSchema):
    page = fields.Integer(load_default=1, validate=Range(min=1, max=100_000), metadata={"description": "页码，从1开始"})
    per_page = fields.Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"每页条数，最多{MAX_PER_PAGE}"})


def collection_schema(item_schema: type[Schema]) -> type[Schema]:
    """The schema of a page of ``item_schema`` objects: ``{"items": [...], "total": N, "page", "per_page"}``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "__doc__": f"一页{item_schema.__name__.removesuffix('Schema')}，以及符合条件的总数",
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True, metadata={"description": "符合条件的总数"}),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
    })


def page_of(items, total: int, args: dict) -> dict:
    """A collection response body from a service's (items, total) and the request's page arguments."""
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
