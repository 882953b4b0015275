from marshmallow import Schema, fields, validate

from marketplace.accounts.masking import visible_phone
from marketplace.core.api import optional_user


class RegistrationSchema(Schema):
    phone = fields.String(validate=validate.Length(max=20), allow_none=True)
    email = fields.String(validate=validate.Length(max=254), allow_none=True)
    password = fields.String(required=True, validate=validate.Length(max=128))
    display_name = fields.String(required=True, validate=validate.Length(max=50))


class TokenRequestSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=128))


class TokenSchema(Schema):
    token = fields.String(required=True)
    user_id = fields.Integer()


class ProfileUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(max=50))
    home_place_id = fields.Integer(allow_none=True)
    is_party_member = fields.Boolean()
    is_volunteer = fields.Boolean()
    locale = fields.String(validate=validate.OneOf(["zh_CN", "en"]), allow_none=True)


class UserSchema(Schema):
    """A user as others may see them: the phone is masked except for the user and platform admins."""

    id = fields.Integer()
    display_name = fields.String()
    phone = fields.Method("masked_phone")
    email = fields.Method("own_email")
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
