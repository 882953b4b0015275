"""What the platform admin API reads and writes: the audit log and accounts."""
from marshmallow import Schema, fields

from marketplace.accounts.schemas import UserSchema
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import PersonSchema, id_field, text_field


class AuditEntrySchema(Schema):
    """Who did what to which object, when, with the object's recorded fields before and after."""

    id = fields.Integer()
    actor = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "操作人；账号已删除时为 null"})
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
                                    metadata={"description": "timed_jobs 中各任务最早到期但尚未处理的事项的到期时间"})
    stale = fields.Boolean(metadata={"description": "超过5分钟没有心跳（或从未运行）"})
    jobs = fields.List(fields.String(), metadata={"description": "定时任务（数量固定，与预约数量无关）"})
    timed_jobs = fields.List(fields.String(), metadata={
        "description": "有单一到期时间、计入 oldest_due_at 的任务；其余任务每次运行时自己查找到期事项"})
    outbox_backlog = fields.Integer(metadata={"description": "领域事件尚未完成的投递数"})
    outbox_failed = fields.Integer(metadata={"description": "多次重试仍失败、已放弃的投递数"})


class UsageSnapshotSchema(Schema):
    """A listing's local day in figures; bookings count on the day they start (in the deployment's zone)."""

    listing_id = fields.Integer()
    listing_title = fields.String(attribute="listing.title")
    day = fields.Date(metadata={"description": "当地日期"})
    open_hours = fields.Float(metadata={"description": "按开放时间与特殊日期计的开放小时数"})
    booked_hours = fields.Float(metadata={"description": "被预约占用的小时数（已确认、已完成、爽约）"})
    bookings = fields.Integer(metadata={"description": "这一天开始的预约数"})
    pending = fields.Integer()
    confirmed = fields.Integer()
    completed = fields.Integer()
    cancelled = fields.Integer()
    rejected = fields.Integer()
    expired = fields.Integer()
    no_show = fields.Integer(metadata={"description": "爽约（含未签到被释放）"})
    cancelled_by_booker = fields.Integer()
    cancelled_by_provider = fields.Integer()
    people_served = fields.Integer(metadata={"description": "完成预约的不同预约人数"})


UsageSnapshotPageSchema = collection_schema(UsageSnapshotSchema)


class UsageQuerySchema(PageArgs):
    listing_id = id_field(strict=False, metadata={"description": "只看某个资源"})
    from_ = fields.Date(data_key="from", metadata={"description": "从这一天起（含，当地日期）", "example": "2026-06-01"})
    to = fields.Date(metadata={"description": "到这一天为止（含）", "example": "2026-06-30"})
