"""Shapes of the public statistics API: the query (JSON or one table as CSV) and the published figures."""
from marshmallow import Schema, fields, pre_dump

from marketplace.core.schemas import InputSchema, OneOf
from marketplace.transparency.services import SUPPRESSED
from marketplace.transparency.tables import TABLES


class PublishedCount(fields.Field):
    """A count, or "<5" where a small count could point at a person."""

    def __init__(self, metadata=None, **kwargs):
        description = "计数；1至4时公布为“<5”，以免指向具体的人"
        if metadata:
            description = f"{metadata['description']}（{description}）"
        super().__init__(metadata={"oneOf": [{"type": "integer"}, {"type": "string", "enum": [SUPPRESSED]}],
                                   "description": description}, **kwargs)


class StatsQuerySchema(InputSchema):
    format = fields.String(load_default="json", validate=OneOf(["json", "csv"]),
                           metadata={"description": "json（默认）或 csv（UTF-8 带 BOM，Excel 可直接打开）"})
    table = fields.String(load_default="summary", validate=OneOf(list(TABLES)),
                          metadata={"description": "format=csv 时下载哪张表：summary、weeks、months、ranking、hours、wishes、feedback、pledges、points"})


class OutcomesSchema(Schema):
    completed = PublishedCount(required=True)
    confirmed = PublishedCount(required=True)
    pending = PublishedCount(required=True)
    cancelled = PublishedCount(required=True)
    rejected = PublishedCount(required=True)
    expired = PublishedCount(required=True)
    no_show = PublishedCount(required=True)


class FiguresSchema(Schema):
    """A cell's published figures (``services.Figures.public``: small counts already as "<5")."""

    @pre_dump
    def publish(self, figures, **_kwargs):
        return figures.public()

    hours_open = fields.Float(required=True)
    hours_booked = fields.Float(required=True)
    utilisation = fields.Float(required=True, allow_none=True, metadata={"description": "预约小时 / 开放小时"})
    idle_rate = fields.Float(required=True, allow_none=True)
    bookings = PublishedCount(required=True)
    outcomes = fields.Nested(OutcomesSchema, required=True)
    people_served = PublishedCount(required=True)
    no_show_rate = fields.Float(required=True, allow_none=True, metadata={"description": "爽约数较少时不公布"})
    cancellation_rate = fields.Float(required=True, allow_none=True)
    auto_release_rate = fields.Float(required=True, allow_none=True,
                                     metadata={"description": "未签到被自动释放的预约占比；数目较少时不公布"})
    cancellation_lead_hours = fields.Float(required=True, allow_none=True, metadata={"description": "平均提前多少小时取消"})
    cancelled_by_booker = PublishedCount(required=True)
    cancelled_by_provider = PublishedCount(required=True)


class PeriodSchema(Schema):
    label = fields.String(required=True, metadata={"description": "周的起始日（YYYY-MM-DD）或月份（YYYY-MM）"})
    figures = fields.Nested(FiguresSchema, required=True)


class RankedSchema(Schema):
    listing_id = fields.Integer(required=True)
    title = fields.String(required=True)
    figures = fields.Nested(FiguresSchema, required=True)


class RatingsSchema(Schema):
    score = fields.Float(required=True, allow_none=True, metadata={"description": "平均星级"})
    count = fields.Integer(required=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                               metadata={"description": "每个星级（1–5）的评价数"})


class WishFiguresSchema(Schema):
    posted = PublishedCount(required=True, metadata={"description": "审核通过、上墙的心愿"})
    claimed = PublishedCount(required=True)
    fulfilled = PublishedCount(required=True, metadata={"description": "已完成（含待确认）的心愿"})
    median_hours_to_fulfil = fields.Float(required=True, allow_none=True,
                                          metadata={"description": "从上墙到完成的小时数中位数；完成数较少时不公布"})


class FeedbackFiguresSchema(Schema):
    received = PublishedCount(required=True)
    answered = PublishedCount(required=True)
    median_response_hours = fields.Float(required=True, allow_none=True,
                                         metadata={"description": "到首次答复的小时数中位数；答复数较少时不公布"})


class PledgeRowSchema(Schema):
    organisation_id = fields.Integer(required=True)
    organisation = fields.String(required=True)
    year = fields.Integer(required=True)
    room_hours_pledged = fields.Integer(required=True)
    room_hours_delivered = fields.Float(required=True)
    room_share = fields.Float(required=True, allow_none=True, metadata={"description": "兑现场地小时 / 承诺场地小时"})
    volunteer_hours_pledged = fields.Integer(required=True)
    volunteer_hours_delivered = fields.Float(required=True)
    volunteer_share = fields.Float(required=True, allow_none=True)


class PointsRowSchema(Schema):
    reason = fields.String(required=True)
    label = fields.String(required=True)
    direction = fields.String(required=True, metadata={"description": "earned（获得）、spent（花费）或 other"})
    transfers = PublishedCount(required=True)
    points = fields.Float(required=True, allow_none=True, metadata={"description": "积分合计；笔数较少时不公布"})


class ScopeSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "street、community、organisation 或 listing"})
    id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True)


class StatsSchema(Schema):
    scope = fields.Nested(ScopeSchema, required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True, metadata={"description": "今天（当天为实时数据）"})
    snapshots_until = fields.Date(required=True, allow_none=True, metadata={"description": "每日统计已完成到哪一天"})
    total = fields.Nested(FiguresSchema, required=True)
    weeks = fields.List(fields.Nested(PeriodSchema), required=True)
    months = fields.List(fields.Nested(PeriodSchema), required=True)
    most_used = fields.List(fields.Nested(RankedSchema), required=True)
    least_used = fields.List(fields.Nested(RankedSchema), required=True, metadata={"description": "聚焦闲置：使用率最低的资源"})
    ratings = fields.Nested(RatingsSchema, required=True)
    busiest_hours = fields.List(fields.List(fields.Float()), required=True,
                                metadata={"description": "按星期（周一起）× 小时（0–23）的预约小时数，即热力图"})
    wishes = fields.Nested(WishFiguresSchema, required=True, allow_none=True,
                           metadata={"description": "街道与社区页：按心愿所属社区统计；其他范围为 null"})
    feedback = fields.Nested(FeedbackFiguresSchema, required=True, allow_none=True,
                             metadata={"description": "街道、社区（按所属社区）与组织页；资源页为 null"})
    pledges = fields.List(fields.Nested(PledgeRowSchema), required=True, allow_none=True,
                          metadata={"description": "今年的公益承诺与兑现：街道页为全部单位，组织页为本组织；其他为 null"})
    points = fields.List(fields.Nested(PointsRowSchema), required=True, allow_none=True,
                         metadata={"description": "按原因的积分流转：街道页为全部账本，组织页为本组织账户；其他为 null"})
