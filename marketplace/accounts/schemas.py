"""What the API reads and writes about accounts, tokens and profiles."""
from marshmallow import Schema, fields

from marketplace.accounts import throttle
from marketplace.accounts.masking import visible_phone
from marketplace.core import clock
from marketplace.core.api import optional_user
from marketplace.core.schemas import InputSchema, JsonBoolean, OneOf, id_field, text_field
from marketplace.extensions import db


class RegistrationSchema(InputSchema):
    """A new resident account: a phone number or an email address (or both), a password and a name."""

    phone = text_field(20, allow_none=True, metadata={"description": "11位手机号码"})
    email = text_field(254, allow_none=True)
    password = text_field(128, required=True, metadata={"description": "至少8位"})
    display_name = text_field(50, required=True, metadata={"description": "称呼"})


class TokenRequestSchema(InputSchema):
    login = text_field(254, required=True, metadata={"description": "手机号或邮箱"})
    password = text_field(128, required=True)


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "放在 Authorization: Bearer <token> 里"})
    user_id = fields.Integer()


class ProfileUpdateSchema(InputSchema):
    """Profile fields to change; every one optional."""

    display_name = text_field(50)
    home_place_id = id_field(allow_none=True, metadata={"description": "住在社区树的哪个节点"})
    is_party_member = JsonBoolean(metadata={"description": "党员"})
    is_volunteer = JsonBoolean(metadata={"description": "愿意做志愿者"})
    locale = fields.String(validate=OneOf(["zh_CN", "en"]), allow_none=True, metadata={"description": "界面语言"})


class UserSchema(Schema):
    """A user as others may see them: the phone is masked except for the user and platform admins."""

    id = fields.Integer()
    display_name = fields.String()
    phone = fields.Method("masked_phone", metadata={"type": "string", "description": "他人看到的是 138****1234"})
    email = fields.Method("own_email", metadata={"type": "string", "nullable": True,
                                                 "description": "只有本人和平台管理员能看到"})
    is_party_member = fields.Boolean()
    is_volunteer = fields.Boolean()
    is_platform_admin = fields.Boolean()
    home_place_id = fields.Integer(allow_none=True)
    locale = fields.String(allow_none=True)
    created_at = fields.DateTime()

    def masked_phone(self, user):
        return visible_phone(user, optional_user())

    def own_email(self, user):
        viewer = optional_user()
        if viewer is not None and (viewer.is_platform_admin or viewer.id == user.id):
            return user.email
        return None


class ApiTokenSchema(Schema):
    """One of your API tokens (never its value, which is shown only when issued)."""

    id = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()


class PasswordChangeSchema(InputSchema):
    current_password = text_field(128, required=True)
    new_password = text_field(128, required=True, metadata={"description": "至少8位"})


class PasswordResetRequestSchema(InputSchema):
    email = text_field(254, required=True, metadata={"description": "注册时用的邮箱"})


class PasswordResetConfirmSchema(InputSchema):
    email = text_field(254, required=True)
    code = text_field(20, required=True, metadata={"description": "邮件里的6位验证码"})
    new_password = text_field(128, required=True, metadata={"description": "至少8位"})


class PasswordResetAcceptedSchema(Schema):
    message = fields.String(required=True)


class FailedLoginsSchema(Schema):
    """Wrong passwords for the account in the last 30 days that no login from the same address followed."""

    count = fields.Integer()
    first_at = fields.DateTime()
    last_at = fields.DateTime()


class MeSchema(UserSchema):
    """The signed-in user, told about failed attempts on their account."""

    failed_logins = fields.Method("failed_logins_of", metadata={
        "type": "object", "nullable": True, "description": "null when there were none"})

    def failed_logins_of(self, user):
        report = throttle.failed_logins(db.session, user.id, clock.now())
        return None if report is None else FailedLoginsSchema().dump(report)


class PublicContactChoiceSchema(InputSchema):
    """What a volunteer shows on their listings and bookings; nothing by default."""

    shows_phone_publicly = JsonBoolean(required=True, metadata={
        "description": "在自己提供的资源和预约上显示完整手机号码（其他地方仍隐藏中间几位）"})
    public_contact_note = text_field(200, load_default="", metadata={"description": "联系说明，例如 工作日晚上7点后方便联系"})
