"""Shapes of the public statistics API: the query (JSON or one table as CSV) and the published figures."""
from marshmallow import Schema, fields, pre_dump

from marketplace.core.schemas import InputSchema, OneOf
from marketplace.transparency.services import SUPPRESSED
from marketplace.transparency.tables import TABLES


class PublishedCount(fields.Field):
    """A count, or "<5" where a small count could point at a person."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"oneOf": [{"type": "integer"}, {"type": "string", "enum": [SUPPRESSED]}],
                                   "description": "计数；1至4时公布为“<5”，以免指向具体的人"}, **kwargs)


class StatsQuerySchema(InputSchema):
    format = fields.String(load_default="json", validate=OneOf(["json", "csv"]),
                           metadata={"description": "json（默认）或 csv（UTF-8 带 BOM，Excel 可直接打开）"})
    table = fields.String(load_default="summary", validate=OneOf(list(TABLES)),
                          metadata={"description": "format=csv 时下载哪张表：summary、weeks、months、ranking、hours"})


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
