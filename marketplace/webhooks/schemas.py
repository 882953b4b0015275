"""What the API reads and writes about webhooks."""
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import Count, InputSchema, id_field, text_field
from marketplace.webhooks.services import PUBLIC_EVENTS

EVENT_NAMES = ", ".join(PUBLIC_EVENTS)


class EndpointInputSchema(InputSchema):
    url = text_field(500, required=True, metadata={"description": "接收通知的 http(s) 网址；内网、本机和保留地址会被拒绝"})
    events = fields.List(text_field(60), required=True, validate=Count(min=1, max=len(PUBLIC_EVENTS)),
                         metadata={"description": f"订阅的事件：{EVENT_NAMES}"})
    organisation_id = id_field(load_default=None, metadata={"description": "为哪个机构接收；只在一个机构任职时可省略，"
                                                    "平台管理员省略则接收全平台的事件"})


class EndpointSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    organisation_id = fields.Integer(allow_none=True, metadata={"description": "空：平台的 Webhook"})
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(metadata={"description": "manual：手动停用；failing：连续失败自动停用"})
    created_at = fields.DateTime()


class CreatedEndpointSchema(EndpointSchema):
    secret = fields.String(required=True, metadata={"description": "签名密钥（whsec_ 开头），只在这里显示一次"})


class SecretSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "新的签名密钥，只显示一次；旧密钥在过渡期内仍会一起签名"})
    previous_secret_until = fields.DateTime(metadata={"description": "旧密钥停止签名的时间"})


class AttemptSchema(Schema):
    number = fields.Integer()
    started_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True, metadata={"description": "接收方的响应码；空：没有响应"})
    error = fields.String()


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    message_id = fields.String(metadata={"description": "webhook-id 头，每次重试和重发都相同"})
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending / succeeded / failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    log = fields.List(fields.Nested(AttemptSchema), data_key="attempt_log")


DeliveryPageSchema = collection_schema(DeliverySchema)


class DeliveryQuerySchema(PageArgs):
    """Paging through an endpoint's deliveries, newest first."""
