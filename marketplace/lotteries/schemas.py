"""What the lotteries API reads and writes; times as ISO 8601 in the deployment's zone, like the bookings API."""
from marshmallow import Schema, fields

from marketplace.bookings.schemas import LocalDateTime, instant
from marketplace.core.schemas import Count, InputSchema, OneOf, Range
from marketplace.lotteries.draw import SEED_BYTES
from marketplace.lotteries.models import LotteryStatus, Priority

MAX_IDS = 10000


class LotteryCreateSchema(InputSchema):
    start = instant("抽签时段的开始时间", required=True)
    end = instant("抽签时段的结束时间", required=True)
    applications_open_at = instant("报名开始时间（不填即现在）", load_default=None)
    applications_close_at = instant("报名截止时间", required=True)
    draw_at = instant("抽签时间（不早于报名截止，早于开始时间至少资源的最短提前预约时间）", required=True)
    priority = fields.String(load_default=Priority.none.value, validate=OneOf([p.value for p in Priority]),
                             metadata={"description": "none 不设优先；community_residents 本社区居民优先"})


class ResultSchema(Schema):
    """The published draw: anyone can re-run it (GET /lotteries/verify) and get the same ranking."""

    seed = fields.String(metadata={"description": f"抽签时生成的随机种子（{2 * SEED_BYTES}位十六进制）"})
    priority_ids = fields.List(fields.Integer(), metadata={"description": "优先组报名者的编号（升序）"})
    other_ids = fields.List(fields.Integer(), metadata={"description": "其他报名者的编号（升序）"})
    ranking = fields.List(fields.Integer(), metadata={"description": "抽签顺序：先优先组，组内按 SHA-256(种子:编号) 升序"})
    winner_ids = fields.List(fields.Integer(), metadata={"description": "中签并得到预约的人"})
    refused_ids = fields.List(fields.Integer(), metadata={"description": "抽中但预约规则不允许（如超出使用上限），名额顺延"})


class LotterySchema(Schema):
    id = fields.Integer()
    listing_id = fields.Integer()
    status = fields.Enum(LotteryStatus, metadata={"description": "open 报名中、drawn 已抽签"})
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    seats = fields.Integer(metadata={"description": "中签名额（资源的容量；整体预约的资源为1）"})
    applications_open_at = LocalDateTime()
    applications_close_at = LocalDateTime()
    draw_at = LocalDateTime()
    priority = fields.Enum(Priority, metadata={"description": "none 不设优先；community_residents 本社区居民优先"})
    priority_label = fields.Function(lambda view: str(view["priority"].label))
    applicants = fields.Integer(metadata={"description": "报名人数"})
    applied = fields.Boolean(metadata={"description": "我是否已报名（未登录为 false）"})
    drawn_at = LocalDateTime(allow_none=True)
    result = fields.Nested(ResultSchema, allow_none=True, metadata={"description": "抽签后公布；之前为 null"})


class LotteryListSchema(Schema):
    items = fields.List(fields.Nested(LotterySchema), required=True)


class ApplicationSchema(Schema):
    lottery_id = fields.Integer()
    user_id = fields.Integer()
    created_at = LocalDateTime()


class VerifyQuerySchema(InputSchema):
    seed = fields.String(required=True, metadata={"description": "公布的种子"})
    priority_ids = fields.List(fields.Integer(), load_default=list, validate=Count(max=MAX_IDS),
                               metadata={"description": "优先组报名者的编号"})
    other_ids = fields.List(fields.Integer(), load_default=list, validate=Count(max=MAX_IDS),
                            metadata={"description": "其他报名者的编号"})
    refused_ids = fields.List(fields.Integer(), load_default=list, validate=Count(max=MAX_IDS),
                              metadata={"description": "公布的不符合预约规则者（名额顺延）"})
    seats = fields.Integer(required=True, validate=Range(min=1, max=10000), metadata={"description": "名额"})


class VerificationSchema(Schema):
    ranking = fields.List(fields.Integer())
    winner_ids = fields.List(fields.Integer())
