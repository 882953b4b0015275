"""The HTTP edge shared by every area: auth loading, CSRF policy, security headers, error mapping, and the
deployment's zone (where pages and the API turn UTC instants into local dates and times)."""
from __future__ import annotations

from datetime import date

from flask import Flask, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.accounts.models import User
from marketplace.accounts.services import user_for_token
from marketplace.core import clock
from marketplace.core.db import get_by_id
from marketplace.core.errors import DomainError
from marketplace.core.zones import local_date
from marketplace.extensions import csrf, db, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def deployment_zone() -> str:
    """The zone pages and the API show local times in (``TIMEZONE``, default Asia/Shanghai)."""
    return current_app.config["TIMEZONE"]


def local_today() -> date:
    """Today's date in the deployment's zone, by the application's clock."""
    return local_date(clock.now(), deployment_zone())


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def bearer_token() -> str | None:
    auth = request.authorization
    if auth is not None and auth.type == "bearer":
        return auth.token
    return None


def register(app: Flask) -> None:
    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        user = get_by_id(db.session, User, int(user_id))
        return user if user is not None and user.is_active else None

    @login_manager.request_loader
    def load_user_from_token(_request):
        token = bearer_token()
        return user_for_token(db.session, token) if token else None

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            return _error_json(401, _("请先登录或提供有效的令牌"))
        return redirect(url_for("accounts.login", next=request.full_path))

    @app.context_processor
    def template_helpers():
        return {"current_locale": lambda: str(get_locale() or "zh_CN")}

    @app.before_request
    def refuse_nul_characters():
        # No one types a NUL character, and PostgreSQL refuses to store one (an error, hence a 500, deep in a
        # service): a path or a body (HTML form fields, API JSON) carrying one is malformed as a whole. The API's
        # raw body is left unread for its parser unless it is JSON.
        body = request.get_json(silent=True) if is_api_request() else list(request.form.values())
        if "\x00" in request.path or _has_nul(body):
            abort(400)

    @app.before_request
    def check_csrf():
        # Bearer-token API calls carry no ambient credentials, so CSRF cannot apply to them;
        # anonymous API calls (sign-up, token issue) have no session to ride on either.
        if request.method not in UNSAFE_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return None
        if is_api_request() and (bearer_token() or not current_user.is_authenticated):
            return None
        csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        message = str(error.message)
        if is_api_request():
            body = {"message": message}
            if error.field:
                body["field"] = error.field
            body.update(error.details)
            return jsonify(body), error.status_code
        return render_template("errors/error.html", status=error.status_code, message=message), error.status_code

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        message = _("页面已过期或请求来源不明，请刷新页面后重试")
        if is_api_request():
            return _error_json(400, message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = _http_message(error)
        # The exception's own headers (Allow on a 405, WWW-Authenticate ...), but the body is ours.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        if status == 429 and error.response is not None and "Retry-After" in error.response.headers:
            headers["Retry-After"] = error.response.headers["Retry-After"]
        if is_api_request():
            payload = {"message": message}
            field_errors = getattr(error, "data", {}).get("messages")
            if field_errors:
                payload["errors"] = field_errors.get("json", field_errors)
            return jsonify(payload), status, headers
        return render_template("errors/error.html", status=status, message=message), status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        message = _("服务器出了点问题，请稍后再试")
        if is_api_request():
            return _error_json(500, message)
        return render_template("errors/error.html", status=500, message=message), 500


def _has_nul(value, depth: int = 0) -> bool:
    """Whether a text, or any text inside parsed JSON (lists and objects, keys too), contains a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > 20:
        return False
    if isinstance(value, dict):
        return any(_has_nul(key, depth + 1) or _has_nul(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item, depth + 1) for item in value)
    return False


def _error_json(status: int, message: str):
    return jsonify({"message": message}), status


def _http_message(error: HTTPException) -> str:
    messages = {
        400: _("请求格式不正确"),
        401: _("请先登录"),
        403: _("你没有权限进行这个操作"),
        404: _("找不到这个页面或对象"),
        405: _("不支持这种请求方式"),
        413: _("上传的内容太大了"),
        415: _("不支持这种内容类型"),
        422: _("提交的数据不正确，请检查后重试"),
        429: _("操作太频繁了，请稍后再试"),
    }
    return messages.get(error.code, error.description or _("请求出错了"))
