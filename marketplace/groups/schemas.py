"""What the groups API reads and writes."""
from marshmallow import Schema, fields

from marketplace.core.schemas import InputSchema, text_field


class GroupCreateSchema(InputSchema):
    name = text_field(50, required=True)
    description = text_field(2000, load_default="")


class GroupMemberAddSchema(InputSchema):
    login = text_field(254, required=True, metadata={"description": "成员注册用的手机号或邮箱"})


class GroupMemberSchema(Schema):
    user_id = fields.Integer()
    display_name = fields.Function(lambda member: member.user.display_name)
    joined_at = fields.DateTime()


class GroupSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    leader_id = fields.Integer()
    members = fields.List(fields.Nested(GroupMemberSchema))
    created_at = fields.DateTime()


class GroupListSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema), required=True)
