"""What the bookings API reads and writes. Times go out as ISO 8601 in the deployment's zone, with its offset."""
from marshmallow import Schema, fields

from marketplace.bookings.conversation import MAX_MESSAGE_LENGTH
from marketplace.bookings.models import BookingStatus, MessageSide, SeriesFrequency
from marketplace.bookings.series import MAX_OCCURRENCES, MODES, SCOPES, series_status_counts
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.http import deployment_zone
from marketplace.core.schemas import InputSchema, OneOf, PersonSchema, Range, id_field, text_field
from marketplace.core.zones import to_local

MAX_MINUTES = 7 * 24 * 60


class LocalDateTime(fields.DateTime):
    """An instant written as ISO 8601 in the deployment's zone, e.g. 2026-06-02T19:00:00+08:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_local(value, deployment_zone()).isoformat()


def instant(description: str, **kwargs) -> fields.AwareDateTime:
    """An input instant: ISO 8601 with an offset (naive times are refused, never guessed)."""
    return fields.AwareDateTime(metadata={"description": description, "example": "2026-06-02T19:00:00+08:00"},
                                **kwargs)


class AvailabilityQuerySchema(InputSchema):
    start = instant("窗口开始（含）", required=True)
    end = instant("窗口结束（不含），最多62天", required=True)
    duration = fields.Integer(validate=Range(min=1, max=MAX_MINUTES),
                              metadata={"description": "预约时长（分钟），默认为资源的最短时长"})
    seats = fields.Integer(load_default=1, validate=Range(min=1, max=10000), metadata={"description": "人数"})


class SlotSchema(Schema):
    start = LocalDateTime(required=True)
    end = LocalDateTime(required=True)
    seats_left = fields.Integer(required=True, metadata={"description": "这个时段还剩的名额（容量减去已占用）"})


class AvailabilitySchema(Schema):
    """Bookable slot starts in the window; each slot can be posted to /bookings as it is."""

    listing_id = fields.Integer()
    timezone = fields.String(metadata={"description": "计算时段所用的时区"})
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class BookingCreateSchema(InputSchema):
    listing_id = id_field(required=True)
    start = instant("开始时间", required=True)
    end = instant("结束时间", required=True)
    seats = fields.Integer(strict=True, load_default=1, validate=Range(min=1, max=10000))
    group_id = id_field(allow_none=True, load_default=None, metadata={"description": "以哪个团队的名义预约"})
    purpose = text_field(200, load_default="", metadata={"description": "用途，例如“合唱团排练”"})


class BookingListingSchema(Schema):
    id = fields.Integer()
    title = fields.String()


class BookingEventSchema(Schema):
    action = fields.String(metadata={"description": "create、approve、reject、cancel_by_booker、cancel_by_provider、"
                                                    "expire、complete、no_show、release（未签到自动释放）、check_in、edit"})
    from_status = fields.Enum(BookingStatus, allow_none=True)
    to_status = fields.Enum(BookingStatus)
    actor = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "操作人；系统自动处理时为 null"})
    reason = fields.String()
    at = LocalDateTime()


class BookingSchema(Schema):
    id = fields.Integer()
    status = fields.Enum(BookingStatus)
    status_label = fields.Function(lambda booking: str(booking.status.label))
    listing_id = fields.Integer()
    listing = fields.Nested(BookingListingSchema)
    booker = fields.Nested(PersonSchema)
    group_id = fields.Integer(allow_none=True)
    series_id = fields.Integer(allow_none=True)
    seats = fields.Integer()
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    purpose = fields.String()
    decision_reason = fields.String(allow_none=True, metadata={"description": "拒绝或取消的原因"})
    approval_deadline = LocalDateTime(allow_none=True, metadata={"description": "待审批的申请在此时间前未处理即过期"})
    checked_in_at = LocalDateTime(allow_none=True)
    served_by = fields.Nested(PersonSchema, allow_none=True, metadata={
        "description": "组织的哪位成员提供了这次服务（工作人员记录；组织与其互评）"})
    created_at = LocalDateTime()


class BookingDetailSchema(BookingSchema):
    events = fields.List(fields.Nested(BookingEventSchema), metadata={"description": "状态变化记录：谁、何时、为什么"})


BookingPageSchema = collection_schema(BookingSchema)


class BookingListQuerySchema(PageArgs):
    when = fields.String(validate=OneOf(["upcoming", "past", "served"]), metadata={
        "description": "upcoming 或 past；served：我代表组织服务的他人预约"})
    status = fields.Enum(BookingStatus)


class BookingReasonSchema(InputSchema):
    reason = text_field(500, load_default="", metadata={"description": "原因（拒绝、提供方取消时必填）"})


class CheckInSchema(InputSchema):
    token = text_field(100, metadata={"description": "门口二维码链接里的签到码（每天更换）；提供方为人签到时不用填"})


class BookingEditSchema(InputSchema):
    purpose = text_field(200)
    seats = fields.Integer(strict=True, validate=Range(min=1, max=10000))
    shift_minutes = fields.Integer(strict=True, validate=Range(min=-366 * 24 * 60, max=366 * 24 * 60),
                                   metadata={"description": "整体提前（负数）或推后的分钟数"})


class BookingMessageCreateSchema(InputSchema):
    text = text_field(MAX_MESSAGE_LENGTH, required=True,
                      metadata={"description": "留言，1–500字（首尾空格不计），例如“可以带30个人来吗？”"})


class BookingMessageSchema(Schema):
    id = fields.Integer()
    booking_id = fields.Integer()
    author = fields.Nested(PersonSchema)
    side = fields.Enum(MessageSide, metadata={"description": "booker 预约人，provider 提供方（工作人员或志愿者）"})
    role_label = fields.Function(lambda message: str(message.role_label),
                                 metadata={"description": "身份：居民、工作人员或志愿者"})
    text = fields.String()
    created_at = LocalDateTime()


BookingMessagePageSchema = collection_schema(BookingMessageSchema)


class ApprovalConflictSchema(Schema):
    kind = fields.String(metadata={"description": "capacity（超出容量）、closed（已不开放）、fair_use（超出限额）"})
    message = fields.String()
    booking_ids = fields.List(fields.Integer())


class BookingRequestSchema(Schema):
    """A pending request in the provider's inbox, with what approving it would run into."""

    booking = fields.Nested(BookingSchema)
    conflicts = fields.List(fields.Nested(ApprovalConflictSchema))


class BookingRequestListSchema(Schema):
    items = fields.List(fields.Nested(BookingRequestSchema), required=True)
    total = fields.Integer(required=True)


class CalendarQuerySchema(InputSchema):
    start = instant("窗口开始，默认现在")
    end = instant("窗口结束，默认开始后31天；最多62天")
    include_inactive = fields.Boolean(load_default=False, metadata={"description": "是否包括已取消、已拒绝、已过期的"})


class BookingListSchema(Schema):
    items = fields.List(fields.Nested(BookingSchema), required=True)


class SeriesRequestSchema(InputSchema):
    listing_id = id_field(required=True)
    start = instant("第一次的开始时间", required=True)
    end = instant("第一次的结束时间", required=True)
    frequency = fields.Enum(SeriesFrequency, required=True,
                            metadata={"description": "weekly 每周，biweekly 每两周，monthly 每月同一个第几个星期几"})
    until = fields.Date(allow_none=True, load_default=None, metadata={"description": "重复到这一天（含），与 count 二选一"})
    count = fields.Integer(strict=True, allow_none=True, load_default=None,
                           validate=Range(min=1, max=MAX_OCCURRENCES), metadata={"description": "重复次数"})
    seats = fields.Integer(strict=True, load_default=1, validate=Range(min=1, max=10000))
    group_id = id_field(allow_none=True, load_default=None)
    purpose = text_field(200, load_default="")


class SeriesCreateSchema(SeriesRequestSchema):
    mode = fields.String(load_default="all_free", validate=OneOf(MODES),
                         metadata={"description": "all_free 预约所有空闲日期；all_or_nothing 全部可约才预约"})


class OccurrenceSchema(Schema):
    start = LocalDateTime()
    end = LocalDateTime()
    free = fields.Boolean()
    problem = fields.String(allow_none=True, metadata={"description": "taken（已被预约）或 rule（不符合规则）"})
    reason = fields.String(allow_none=True)


class SeriesPreviewSchema(Schema):
    rule = fields.String(metadata={"description": "RFC 5545 重复规则（本地时间）"})
    occurrences = fields.List(fields.Nested(OccurrenceSchema))
    free_count = fields.Function(lambda preview: len(preview.free))
    conflict_count = fields.Function(lambda preview: len(preview.conflicts))


class SeriesSchema(Schema):
    id = fields.Integer()
    listing_id = fields.Integer()
    booker_id = fields.Integer()
    group_id = fields.Integer(allow_none=True)
    frequency = fields.Enum(SeriesFrequency)
    rrule = fields.String()
    zone = fields.String()
    duration_minutes = fields.Integer()
    occurrence_count = fields.Integer(metadata={"description": "规则生成的日期数（含未能预约的）"})
    purpose = fields.String()
    created_at = LocalDateTime()
    status_counts = fields.Function(series_status_counts, metadata={"description": "各状态的预约数"})
    bookings = fields.List(fields.Nested(BookingSchema))


class SeriesCreatedSchema(Schema):
    series = fields.Nested(SeriesSchema)
    occurrences = fields.List(fields.Nested(OccurrenceSchema))


class SeriesCancelSchema(InputSchema):
    scope = fields.String(required=True, validate=OneOf(SCOPES),
                          metadata={"description": "occurrence 本次，following 本次及以后，all 整个系列"})
    booking_id = id_field(allow_none=True, load_default=None, metadata={"description": "本次（scope 不是 all 时必填）"})
    reason = text_field(500, load_default="")


class SeriesKeptBookingSchema(Schema):
    booking = fields.Nested(BookingSchema)
    reason = fields.String()


class SeriesCancellationSchema(Schema):
    cancelled = fields.List(fields.Nested(BookingSchema))
    kept = fields.List(fields.Nested(SeriesKeptBookingSchema), metadata={"description": "按规则不能取消而保留的预约"})


class SeriesEditSchema(BookingEditSchema):
    scope = fields.String(required=True, validate=OneOf(SCOPES))
    booking_id = id_field(allow_none=True, load_default=None)
