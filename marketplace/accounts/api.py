"""JSON face of accounts: sign-up, tokens, the current user."""
from flask.views import MethodView

from marketplace.accounts import services
from marketplace.accounts.limits import login_limited, note_failed_login
from marketplace.accounts.schemas import (ProfileUpdateSchema, PublicContactChoiceSchema, RegistrationSchema,
                                          TokenRequestSchema, TokenSchema, UserSchema)
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.errors import DomainError
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
    decorators = [login_limited]

    @blp.errors(401, 403, 429)
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """用账号密码换取 API 令牌（Authorization: Bearer <token>）"""
        try:
            user = services.authenticate(db.session, data["login"], data["password"])
        except DomainError:
            note_failed_login()
            raise
        token = services.issue_api_token(db.session, user)
        db.session.commit()
        return {"token": token, "user_id": user.id}


@blp.route("/me")
class Me(MethodView):
    @blp.login_required
    @blp.response(200, UserSchema)
    def get(self):
        """当前登录的用户"""
        return require_user()

    @blp.login_required
    @blp.errors(404)
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data):
        """修改个人资料"""
        user = require_user()
        update = services.ProfileUpdate(
            display_name=data.get("display_name", user.display_name),
            home_place_id=data.get("home_place_id", user.home_place_id),
            is_party_member=data.get("is_party_member", user.is_party_member),
            is_volunteer=data.get("is_volunteer", user.is_volunteer),
            locale=data.get("locale", user.locale),
        )
        services.update_profile(db.session, user, update)
        db.session.commit()
        return user


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
