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

from marketplace.accounts.signin import user_for_cookie
from marketplace.accounts.tokens import user_for_token
from marketplace.core import clock
from marketplace.core.errors import DomainError, TooManyAttempts
from marketplace.core.transactions import is_lock_timeout
from marketplace.core.zones import local_date
from marketplace.extensions import csrf, db, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BUSY_RETRY_AFTER_SECONDS = 3
# What someone holding only a temporary password may reach.
PASSWORD_CHANGE_ENDPOINTS = {"accounts.change_password", "accounts.logout", "accounts.set_language", "static",
                             "accounts_api.MyPassword", "accounts_api.Tokens", "accounts_api.CurrentToken"}

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
    # A request with a bearer header is authenticated by its token alone: a session cookie riding along
    # (sent by the browser whatever the page's script intends) must neither stand in for a bad token nor
    # let the request skip the CSRF check that cookie-authenticated writes need.
    @login_manager.user_loader
    def load_user(user_id: str):
        if request.authorization is not None:
            return None
        return user_for_cookie(user_id)

    @login_manager.request_loader
    def load_user_from_token(_request):
        if request.authorization is None:
            return None
        return user_for_token(db.session, bearer_token())

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
        # A request with an Authorization header is authenticated by it alone (see the loaders), so it carries
        # no ambient credentials; anonymous API calls (sign-up, token issue, password reset) have no session to
        # ride on either. API writes authenticated by the cookie need the X-CSRFToken header.
        if request.method not in UNSAFE_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return None
        if is_api_request() and (request.authorization is not None or not current_user.is_authenticated):
            return None
        csrf.protect()
        return None

    @app.before_request
    def require_new_password():
        # After an office-issued reset the temporary password only opens the way to choosing a new one.
        if not current_user.is_authenticated or not current_user.must_change_password:
            return None
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
            return None
        if is_api_request():
            return _error_json(403, _("请先设置新密码（POST /api/v1/me/password）"))
        return redirect(url_for("accounts.change_password"))

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
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else {}
        if is_api_request():
            body = {"message": message}
            if error.field:
                body["field"] = error.field
            body.update(error.details)
            return jsonify(body), error.status_code, headers
        return _error_page(error.status_code, message), error.status_code, headers

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        message = _("页面已过期或请求来源不明，请刷新页面后重试")
        if is_api_request():
            return _error_json(400, message)
        return _error_page(400, message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = _http_message(error)
        # The exception's own headers (Allow on a 405, WWW-Authenticate ...), but the body is ours.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        if is_api_request():
            payload = {"message": message}
            field_errors = getattr(error, "data", {}).get("messages")
            if field_errors:
                payload["errors"] = field_errors.get("json", field_errors)
            return jsonify(payload), status, headers
        return _error_page(status, message), status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        if is_lock_timeout(error):
            return busy_response()
        app.logger.exception("unhandled error")
        message = _("服务器出了点问题，请稍后再试")
        if is_api_request():
            return _error_json(500, message)
        return _error_page(500, message), 500


def busy_response():
    """503 with Retry-After: the database stayed locked by other writers longer than DATABASE_LOCK_TIMEOUT."""
    message = _("系统正忙，请稍等几秒后再试")
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
    if is_api_request():
        return jsonify({"message": message}), 503, headers
    return _error_page(503, message), 503, headers


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


def _error_page(status: int, message: str) -> str:
    """The HTML error page: a human heading for the status, the message, and ways back."""
    headings = {
        400: _("请求没能处理"),
        401: _("请先登录"),
        403: _("没有权限访问"),
        404: _("没有找到这个页面"),
        409: _("操作没能完成"),
        422: _("提交的内容需要修改"),
        429: _("操作太频繁了"),
        503: _("系统正忙"),
    }
    heading = headings.get(status, _("出了点问题") if status >= 500 else _("请求没能处理"))
    return render_template("errors/error.html", status=status, heading=heading, message=message)


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
