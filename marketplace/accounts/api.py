"""JSON face of accounts: sign-up, tokens, the current user, passwords."""
from flask import current_app, request
from flask.views import MethodView
from flask_babel import gettext as _

from marketplace.accounts import passwords, services, throttle, tokens
from marketplace.accounts.mail import send_reset_code
from marketplace.accounts.schemas import (ApiTokenSchema, MeSchema, PasswordChangeSchema, PasswordResetAcceptedSchema,
                                          PasswordResetConfirmSchema, PasswordResetRequestSchema, ProfileUpdateSchema,
                                          PublicContactChoiceSchema, RegistrationSchema, TokenRequestSchema, TokenSchema, UserSchema)
from marketplace.accounts.signin import current_session_id
from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.errors import Conflict, DomainError, NotAuthenticated, NotFound
from marketplace.core.http import bearer_token
from marketplace.core.i18n import _l
from marketplace.core.mail import mail_configured
from marketplace.core.urls import ID
from marketplace.extensions import db

blp = Blueprint("accounts_api", __name__, url_prefix=API_PREFIX, description="账号与令牌")


@blp.route("/users")
class Users(MethodView):
    @blp.errors(409)
    @blp.arguments(RegistrationSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """注册居民账号（手机号或邮箱 + 密码）"""
        user = services.register_user(db.session, services.Registration(**data))
        db.session.commit()
        return user


@blp.route("/auth/tokens")
class Tokens(MethodView):
    @blp.login_required
    @blp.response(200, ApiTokenSchema(many=True))
    def get(self):
        """我的有效 API 令牌：创建和到期时间"""
        return tokens.list_api_tokens(db.session, require_user())

    @blp.errors(401, 403, 429)
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """用账号密码换取 API 令牌（Authorization: Bearer <token>），有效期默认30天"""
        try:
            user = throttle.log_in(db.session, throttle.LoginLimits.from_config(current_app.config), data["login"],
                                   data["password"], address=request.remote_addr or "", now=clock.now())
        except DomainError:
            db.session.commit()  # a failed attempt counts (a refused one was not recorded)
            raise
        token = tokens.issue_api_token(db.session, user, lifetime=current_app.config["API_TOKEN_LIFETIME"])
        db.session.commit()
        return {"token": token, "user_id": user.id}


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.errors(401)
    @blp.response(204)
    def delete(self):
        """作废本次请求所用的令牌（退出登录）"""
        try:
            tokens.revoke_token_value(db.session, bearer_token())
        except NotFound:
            raise NotAuthenticated(_l("请求没有带有效的令牌")) from None
        db.session.commit()


@blp.route(f"/auth/tokens/<{ID}:token_id>")
class Token(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(204)
    def delete(self, token_id):
        """作废自己的某个令牌"""
        tokens.revoke_api_token(db.session, require_user(), token_id)
        db.session.commit()


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    @blp.errors(409)
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, PasswordResetAcceptedSchema)
    def post(self, data):
        """把密码重置验证码发到注册邮箱；无论邮箱是否注册过，回答都一样（未配置邮件服务器时返回 409）"""
        if not mail_configured(current_app.config):
            # Not a 503: no retry will help; this deployment resets passwords at the community office.
            raise Conflict(_l("目前无法通过邮件找回密码，请到社区居委会办理"))
        issued = passwords.request_password_reset(db.session, data["email"])
        db.session.commit()
        if issued is not None:
            send_reset_code(current_app.config, issued)
        return {"message": _("如果这个邮箱注册过账号，验证码已经发出，15分钟内有效。")}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.errors(422)
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    def post(self, data):
        """用邮件里的验证码设置新密码：验证码只能用一次，15分钟内有效，错5次作废"""
        try:
            passwords.confirm_password_reset(db.session, data["email"], data["code"], data["new_password"])
        except DomainError:
            db.session.commit()  # keep the count of wrong codes
            raise
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @blp.login_required
    @blp.response(200, MeSchema)
    def get(self):
        """当前登录的用户，及别人用错误密码尝试登录其账号的情况"""
        return require_user()

    @blp.login_required
    @blp.errors(404)
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data):
        """修改个人资料"""
        user = require_user()
        services.patch_profile(db.session, user, data)
        db.session.commit()
        return user


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.login_required
    @blp.errors(422)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, data):
        """修改密码：需要当前密码；其他登录全部退出，所有 API 令牌（包括本次所用的）作废"""
        passwords.change_password(db.session, require_user(), data["current_password"], data["new_password"],
                                  keep_session=None if bearer_token() else current_session_id())
        db.session.commit()


@blp.route("/me/public-contact")
class MyPublicContact(MethodView):
    @blp.login_required
    @blp.response(200, PublicContactChoiceSchema)
    def get(self):
        """我（作为志愿者）在资源和预约上公开的联系方式"""
        return require_user()

    @blp.login_required
    @blp.errors(422)
    @blp.arguments(PublicContactChoiceSchema)
    @blp.response(200, PublicContactChoiceSchema)
    def put(self, data):
        """选择公开哪些联系方式：手机号码、联系说明，或都不公开（默认）"""
        user = require_user()
        services.set_public_contact(db.session, user, shows_phone=data["shows_phone_publicly"],
                                    note=data["public_contact_note"])
        db.session.commit()
        return user
