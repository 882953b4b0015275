"""What the API reads and writes about notifications and their preferences."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import N_, Count, Derived, InputSchema, JsonBoolean, id_field
from marketplace.notifications.models import Kind


class SubjectSchema(Schema):
    type = fields.String(attribute="subject_type", metadata={"description": "通知说的是什么：booking、waitlist_entry、user"})
    id = fields.Integer(attribute="subject_id")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(Kind, metadata={"description": "通知类别"})
    text = fields.String(metadata={"description": "通知内容（发送时按收件人的语言生成）"})
    link = fields.String(metadata={"description": "相关页面的相对地址，例如预约详情"})
    subject = Derived(SubjectSchema, lambda notification: notification,
                      metadata={"description": "通知说的对象，例如一个预约"})
    read = fields.Boolean(metadata={"description": "是否已读"})
    created_at = fields.DateTime()


NotificationPageSchema = collection_schema(NotificationSchema)


class NotificationQuerySchema(PageArgs):
    """Paging through my notifications, newest first."""

    unread = fields.Boolean(metadata={"description": "true 只看未读，false 只看已读；不填看全部"})


class MarkReadSchema(InputSchema):
    ids = fields.List(id_field(), validate=Count(min=1, max=100), metadata={"description": "要标为已读的通知编号"})
    all = JsonBoolean(metadata={"description": "true：把我的通知全部标为已读"})

    @validates_schema
    def one_of_ids_or_all(self, data, **kwargs):
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError(N_("请给出要标为已读的通知编号（ids），或者 all: true，二选一"), "ids")


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "这次标为已读的条数"})
    unread = fields.Integer(metadata={"description": "还剩的未读条数"})


class KindEmailSchema(InputSchema):
    email = JsonBoolean(metadata={"description": "是否同时发邮件（站内通知总会有）"})


class ReminderPreferenceSchema(KindEmailSchema):
    enabled = JsonBoolean(metadata={"description": "false：完全不要预约提醒"})


class RequestPreferenceSchema(KindEmailSchema):
    digest = JsonBoolean(metadata={"description": "true：新申请每天汇总成一条，不再逐条通知"})


class PreferencesSchema(InputSchema):
    """My notification preferences; a PUT may give only the parts it changes."""

    reminders = fields.Nested(ReminderPreferenceSchema)
    decisions = fields.Nested(KindEmailSchema)
    waitlist = fields.Nested(KindEmailSchema)
    messages = fields.Nested(KindEmailSchema)
    requests = fields.Nested(RequestPreferenceSchema)
    reviews = fields.Nested(KindEmailSchema)
    feedback = fields.Nested(KindEmailSchema)
    wishes = fields.Nested(KindEmailSchema)
    lotteries = fields.Nested(KindEmailSchema)
    invitations = fields.Nested(KindEmailSchema)
    webhooks = fields.Nested(KindEmailSchema)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not any(data.values()):
            raise ValidationError(N_("请给出要修改的通知设置"))
