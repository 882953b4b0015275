"""What the API reads and writes about listings, their hours, exceptions and photos."""
from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import (Count, DecimalString, Derived, InputSchema, JsonBoolean, OneOf, Range, figure,
                                      id_field, rating_fields, text_field)
from marketplace.listings.contact import provider_contact
from marketplace.listings.models import FACILITIES, FeeType, ListingKind, ListingStatus

TIME_FORMAT = "%H:%M"
BOOKING_RULE_HELP = {
    "slot_minutes": "时段长度（分钟），预约开始时间按这个间隔排列",
    "min_duration_minutes": "最短时长（分钟）",
    "max_duration_minutes": "最长时长（分钟）",
    "buffer_minutes": "两次预约之间的间隔（分钟）",
    "min_notice_minutes": "至少提前多久预约（分钟）",
    "max_advance_days": "最多提前几天预约",
    "cancel_cutoff_minutes": "开始前多久停止取消（分钟）",
    "instant_booking": "true 为即时预约，false 为需要提供方审核",
    "requires_check_in": "true 为需要到场签到：预约人扫描门口的二维码签到，开始后 release_after_minutes 分钟仍未签到的预约自动释放（记为爽约）",
    "check_in_opens_minutes": "开始前多久可以签到（分钟，0–240）",
    "release_after_minutes": "开始后多久未签到即释放（分钟，1–240）",
    "max_active_bookings_per_booker": "每人同时有效的预约上限；null 为不限",
    "max_hours_per_week_per_booker": "每人每周预约小时上限；null 为不限",
}


class PublicContactSchema(Schema):
    """Empty strings for what the provider does not show; a volunteer shows nothing unless they choose to."""

    phone = fields.String(metadata={"description": "组织的对外电话，或志愿者选择公开的手机号码"})
    address = fields.String(metadata={"description": "组织的办公地址"})
    hours = fields.String(metadata={"description": "组织的办公时间"})
    note = fields.String(metadata={"description": "志愿者的联系说明"})


class ProviderSchema(Schema):
    type = fields.String(metadata={"enum": ["organisation", "volunteer"], "description": "组织或个人志愿者"})
    id = fields.Integer(metadata={"description": "组织的 id，或志愿者的用户 id"})
    name = fields.String()
    contact = fields.Nested(PublicContactSchema, metadata={"description": "提供方公开的联系方式"})


def provider_of(listing) -> dict:
    contact = provider_contact(listing)
    if listing.organisation_id is not None:
        return {"type": "organisation", "id": listing.organisation_id, "name": listing.provider_name,
                "contact": contact}
    return {"type": "volunteer", "id": listing.provider_user_id, "name": listing.provider_name, "contact": contact}


class PlaceRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    full_name = fields.String(metadata={"description": "从街道到本节点的完整名称"})


class OpeningHoursSchema(InputSchema):
    """A weekly opening interval in the deployment's local time (weekday 0 is Monday)."""

    weekday = fields.Integer(strict=True, required=True, validate=Range(min=0, max=6),
                             metadata={"description": "星期，0 为周一，6 为周日"})
    opens = fields.Time(format=TIME_FORMAT, required=True, metadata={"example": "09:00"})
    closes = fields.Time(format=TIME_FORMAT, required=True, metadata={"example": "21:00"})


class ListingExceptionSchema(InputSchema):
    """A date that departs from the weekly hours: closed (all day or a span) or an extra opening."""

    id = fields.Integer(dump_only=True)
    day = fields.Date(required=True, metadata={"example": "2026-10-01"})
    is_closed = JsonBoolean(load_default=True, metadata={"description": "true 为关闭，false 为额外开放"})
    opens = fields.Time(format=TIME_FORMAT, allow_none=True, load_default=None,
                        metadata={"description": "不填则整天关闭"})
    closes = fields.Time(format=TIME_FORMAT, allow_none=True, load_default=None)
    note = text_field(200, load_default="", metadata={"description": "说明，例如 国庆节闭馆"})


class PhotoSchema(Schema):
    id = fields.Integer()
    url = fields.Function(lambda photo: url_for("listings.photo", filename=photo.filename),
                          metadata={"type": "string", "description": "图片地址"})
    content_type = fields.String()
    size_bytes = fields.Integer()
    position = fields.Integer()


class ListingSchema(Schema):
    """A listing as the API shows it."""

    id = fields.Integer()
    kind = fields.Enum(ListingKind, metadata={"description": "space 场地 / skill 技能 / service 服务"})
    title = fields.String()
    description = fields.String()
    tags = fields.List(fields.String())
    facilities = fields.List(fields.String(), metadata={"description": "设施代码，见创建接口"})
    provider = Derived(ProviderSchema, provider_of)
    place = fields.Nested(PlaceRefSchema)
    address = fields.String()
    people = fields.Integer(allow_none=True, metadata={"description": "容纳人数；null 为没有填写"})
    capacity = fields.Integer(metadata={"description": "座位数：1 为独占（同一时间只接受一个预约），N 为同一时段N人各自预约"})
    fee_type = fields.Enum(FeeType, metadata={"description": "free 免费 / money 收费（仅供参考）/ points 志愿积分"})
    fee_amount = DecimalString(metadata={"description": "金额（元）或积分，十进制字符串，例如 \"12.50\""})
    slot_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["slot_minutes"]})
    min_duration_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["min_duration_minutes"]})
    max_duration_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["max_duration_minutes"]})
    buffer_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["buffer_minutes"]})
    min_notice_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["min_notice_minutes"]})
    max_advance_days = fields.Integer(metadata={"description": BOOKING_RULE_HELP["max_advance_days"]})
    cancel_cutoff_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["cancel_cutoff_minutes"]})
    instant_booking = fields.Boolean(metadata={"description": BOOKING_RULE_HELP["instant_booking"]})
    requires_check_in = fields.Boolean(metadata={"description": BOOKING_RULE_HELP["requires_check_in"]})
    check_in_opens_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["check_in_opens_minutes"]})
    release_after_minutes = fields.Integer(metadata={"description": BOOKING_RULE_HELP["release_after_minutes"]})
    max_active_bookings_per_booker = fields.Integer(
        allow_none=True, metadata={"description": BOOKING_RULE_HELP["max_active_bookings_per_booker"]})
    max_hours_per_week_per_booker = fields.Integer(
        allow_none=True, metadata={"description": BOOKING_RULE_HELP["max_hours_per_week_per_booker"]})
    rules = fields.String(metadata={"description": "使用须知"})
    status = fields.Enum(ListingStatus, metadata={"description": "draft 草稿 / published 已发布 / suspended 已暂停"})
    suspension_reason = fields.String(allow_none=True)
    suspended_by_platform = fields.Boolean(metadata={"description": "由平台管理员暂停：只有平台管理员能恢复发布"})
    opening_hours = fields.List(fields.Nested(OpeningHoursSchema))
    exceptions = fields.List(fields.Nested(ListingExceptionSchema))
    photos = fields.List(fields.Nested(PhotoSchema))
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    locals().update(rating_fields("reputation"))
    reliability = figure(fields.Float, "reputation", "reliability", allow_none=True, metadata={
        "description": "提供方守约率：已确认的预约中按约提供的比例（提供方取消计为失约）；null 为还没有"})


ListingPageSchema = collection_schema(ListingSchema)


class ListingUpdateSchema(InputSchema):
    """The fields of a listing a provider may change; every one is optional (PATCH changes only those given)."""

    kind = fields.Enum(ListingKind)
    title = text_field(100)
    description = text_field(5000)
    tags = fields.List(text_field(20), validate=Count(max=10), metadata={"description": "最多10个，每个不超过20个字"})
    facilities = fields.List(fields.String(validate=OneOf(sorted(FACILITIES))), validate=Count(max=len(FACILITIES)),
                             metadata={"description": "仅场地：" + "、".join(f"{code} {label}" for code, label
                                                                           in FACILITIES.items())})
    place_id = id_field(metadata={"description": "所在的社区树节点"})
    address = text_field(200)
    people = fields.Integer(strict=True, allow_none=True,
                            metadata={"description": "容纳人数：房间或课堂最多容纳多少人，按人数搜索时用它；null 为不填"})
    capacity = fields.Integer(strict=True, metadata={
        "description": "座位数：1 为独占（同一时间只接受一个预约）；20 为按座位，同一时段可有20人各自预约"})
    slot_minutes = fields.Integer(strict=True, metadata={"description": BOOKING_RULE_HELP["slot_minutes"]})
    min_duration_minutes = fields.Integer(strict=True,
                                          metadata={"description": BOOKING_RULE_HELP["min_duration_minutes"]})
    max_duration_minutes = fields.Integer(strict=True,
                                          metadata={"description": BOOKING_RULE_HELP["max_duration_minutes"]})
    buffer_minutes = fields.Integer(strict=True, metadata={"description": BOOKING_RULE_HELP["buffer_minutes"]})
    min_notice_minutes = fields.Integer(strict=True, metadata={"description": BOOKING_RULE_HELP["min_notice_minutes"]})
    max_advance_days = fields.Integer(strict=True, metadata={"description": BOOKING_RULE_HELP["max_advance_days"]})
    cancel_cutoff_minutes = fields.Integer(strict=True,
                                           metadata={"description": BOOKING_RULE_HELP["cancel_cutoff_minutes"]})
    instant_booking = JsonBoolean(metadata={"description": BOOKING_RULE_HELP["instant_booking"]})
    requires_check_in = JsonBoolean(metadata={"description": BOOKING_RULE_HELP["requires_check_in"]})
    check_in_opens_minutes = fields.Integer(strict=True,
                                            metadata={"description": BOOKING_RULE_HELP["check_in_opens_minutes"]})
    release_after_minutes = fields.Integer(strict=True,
                                           metadata={"description": BOOKING_RULE_HELP["release_after_minutes"]})
    max_active_bookings_per_booker = fields.Integer(
        strict=True, allow_none=True, metadata={"description": BOOKING_RULE_HELP["max_active_bookings_per_booker"]})
    max_hours_per_week_per_booker = fields.Integer(
        strict=True, allow_none=True, metadata={"description": BOOKING_RULE_HELP["max_hours_per_week_per_booker"]})
    fee_type = fields.Enum(FeeType)
    # The range is documented only: a Decimal field would write a Range validator's bounds as strings.
    fee_amount = fields.Decimal(metadata={"minimum": 0, "maximum": 100_000,
                                          "description": "金额（元）或积分，0–100000；免费时不用填"})
    rules = text_field(5000, metadata={"description": "使用须知"})


class ListingCreateSchema(ListingUpdateSchema):
    """A new listing: of an organisation the caller staffs, or without ``organisation_id`` the caller's own offer."""

    kind = fields.Enum(ListingKind, required=True)
    title = text_field(100, required=True)
    place_id = id_field(required=True, metadata={"description": "所在的社区树节点"})
    organisation_id = id_field(allow_none=True, load_default=None,
                               metadata={"description": "以哪个组织的名义发布；不填则作为个人志愿者发布（仅技能、服务）"})


class ListingQuerySchema(PageArgs):
    kind = fields.Enum(ListingKind, metadata={"description": "space 场地 / skill 技能 / service 服务"})
    community = id_field(strict=False, metadata={"description": "社区树节点 id，包括其下的网格和楼栋"})


class SuspendSchema(InputSchema):
    reason = text_field(500, load_default="", metadata={"description": "暂停原因"})


class PhotoUploadSchema(InputSchema):
    photo = Upload(required=True, metadata={"description": "JPEG、PNG、WebP 或 GIF 图片"})
