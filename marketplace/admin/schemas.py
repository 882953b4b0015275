"""What the platform admin API reads and writes: the audit log and accounts."""
from marshmallow import Schema, fields

from marketplace.accounts.schemas import UserSchema
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import id_field, text_field


class ActorSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()


class AuditEntrySchema(Schema):
    """Who did what to which object, when, with the object's recorded fields before and after."""

    id = fields.Integer()
    actor = fields.Nested(ActorSchema, allow_none=True, metadata={"description": "操作人；账号已删除时为 null"})
    action = fields.String(metadata={"description": "例如 organisation.verify、listing.update"})
    object_type = fields.String(metadata={"description": "对象所在的表，例如 organisations、listings"})
    object_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True, metadata={"description": "操作前的字段值"})
    after = fields.Dict(allow_none=True, metadata={"description": "操作后的字段值"})
    created_at = fields.DateTime()


AuditEntryPageSchema = collection_schema(AuditEntrySchema)


class AuditQuerySchema(PageArgs):
    object_type = text_field(40, metadata={"description": "只看某类对象，例如 listings"})
    actor_id = id_field(strict=False, metadata={"description": "只看某人的操作"})


class AccountSchema(UserSchema):
    """An account as platform admins see it: full phone number and whether it is disabled."""

    is_disabled = fields.Boolean()


AccountPageSchema = collection_schema(AccountSchema)


class AccountQuerySchema(PageArgs):
    q = text_field(50, metadata={"description": "按称呼、手机号或邮箱查找"})


class SchedulerHealthSchema(Schema):
    """Whether the scheduler runs: the lease holder, its last heartbeat and how far behind it is."""

    holder = fields.String(allow_none=True, metadata={"description": "最近持有租约的调度进程（主机:进程号:随机串）"})
    holding = fields.Boolean(metadata={"description": "租约是否仍有效（有调度进程在运行）"})
    heartbeat_at = fields.DateTime(allow_none=True, metadata={"description": "最近一次心跳；从未运行时为 null"})
    expires_at = fields.DateTime(allow_none=True)
    lag_seconds = fields.Float(allow_none=True, metadata={"description": "现在距最近心跳的秒数"})
    oldest_due_at = fields.DateTime(allow_none=True,
                                    metadata={"description": "最早到期但尚未处理的预约事项（过期或完成）的到期时间"})
    stale = fields.Boolean(metadata={"description": "超过5分钟没有心跳（或从未运行）"})
    jobs = fields.List(fields.String(), metadata={"description": "定时任务（数量固定，与预约数量无关）"})
    outbox_backlog = fields.Integer(metadata={"description": "领域事件尚未完成的投递数"})
    outbox_failed = fields.Integer(metadata={"description": "多次重试仍失败、已放弃的投递数"})
