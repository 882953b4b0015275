from marshmallow import Schema, fields

from marketplace.core.schemas import InputSchema, text_field


class PersonalDataSchema(Schema):
    exported_at = fields.String(metadata={"description": "ISO-8601 UTC"})
    user_id = fields.Integer()
    sections = fields.Dict(keys=fields.String(), metadata={
        "description": "每个业务领域保存的本人数据（不含密码、令牌等机密的哈希值）"})
    calendar_ics = fields.String(metadata={"description": "本人全部预约的 iCalendar 文本"})


class AccountDeletionSchema(InputSchema):
    password = text_field(128, required=True, metadata={"description": "当前密码"})
