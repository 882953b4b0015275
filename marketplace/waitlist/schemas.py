"""What the waitlist API reads and writes; times as ISO 8601 in the deployment's zone, like the bookings API."""
from marshmallow import Schema, fields

from marketplace.bookings.schemas import BookingListingSchema, LocalDateTime, instant
from marketplace.core.schemas import InputSchema, Range
from marketplace.waitlist.models import EntryStatus


class WaitlistJoinSchema(InputSchema):
    start = instant("所候补时段的开始时间", required=True)
    end = instant("所候补时段的结束时间", required=True)
    seats = fields.Integer(strict=True, load_default=1, validate=Range(min=1, max=10000),
                           metadata={"description": "人数（按人数预约的资源）"})


class WaitlistSlotSchema(InputSchema):
    start = instant("所候补时段的开始时间", required=True)
    end = instant("所候补时段的结束时间", required=True)


class WaitlistEntrySchema(Schema):
    id = fields.Integer(metadata={"description": "候补的编号；保留中时即 /waitlist-offers/{id}/accept 的编号"})
    status = fields.Enum(EntryStatus, metadata={"description": "waiting 候补中、offered 为你保留中、accepted 已预约、"
                                                              "lapsed 保留已过期"})
    status_label = fields.Function(lambda entry: str(entry.status.label))
    listing_id = fields.Integer()
    listing = fields.Nested(BookingListingSchema)
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    seats = fields.Integer()
    created_at = LocalDateTime(metadata={"description": "排队的时间：越早越靠前"})
    hold_until = LocalDateTime(allow_none=True, metadata={"description": "保留中时，须在此时间前确认预约"})
    booking_id = fields.Integer(allow_none=True, metadata={"description": "确认后得到的预约"})


class WaitlistEntryListSchema(Schema):
    items = fields.List(fields.Nested(WaitlistEntrySchema), required=True)
