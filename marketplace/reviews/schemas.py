"""What the reviews API reads and writes."""
from marshmallow import Schema, fields

from marketplace.bookings.schemas import LocalDateTime
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import Count, InputSchema, OneOf, PersonSchema, Range, figure, rating_fields, text_field
from marketplace.reviews.models import (BOOKER_TAGS, ORGANISATION_TAGS, PROVIDER_TAGS, VOLUNTEER_TAGS,
                                        ReportDecision, ReviewSide)
from marketplace.reviews.services import MAX_REASON_LENGTH, MAX_TAGS, MAX_TEXT_LENGTH

TAGS_HELP = (f"标签代码，最多{MAX_TAGS}个。预约人评价提供方：{'、'.join(PROVIDER_TAGS)}；"
             f"提供方评价预约人：{'、'.join(BOOKER_TAGS)}；组织评价服务者：{'、'.join(VOLUNTEER_TAGS)}；"
             f"服务者评价组织：{'、'.join(ORGANISATION_TAGS)}")
SIDES_HELP = ("booker 预约人评价资源和提供方（及服务者）/ provider 提供方评价预约人 / organisation 组织评价服务这次预约的"
              "成员 / volunteer 服务者评价组织")


class ReviewCreateSchema(InputSchema):
    side = fields.String(load_default=None, validate=OneOf([side.value for side in ReviewSide]), metadata={
        "description": f"以哪一方评价：{SIDES_HELP}。不填时按评价人推断：只有一方（或只剩一方未评价）时用它；"
                       "工作人员在有服务者的预约里可从两方评价，须填写"})
    stars = fields.Integer(strict=True, required=True, validate=Range(min=1, max=5), metadata={"description": "1–5星"})
    tags = fields.List(fields.String(), load_default=list, validate=Count(max=MAX_TAGS),
                       metadata={"description": TAGS_HELP})
    text = text_field(MAX_TEXT_LENGTH, load_default="", metadata={"description": f"评价内容，最多{MAX_TEXT_LENGTH}字"})


class ServedBySchema(InputSchema):
    user_id = fields.Integer(strict=True, required=True, allow_none=True, metadata={
        "description": "提供这次服务的本组织成员（工作人员或管理员）的用户 id；null 表示清除"})


class ReplySchema(InputSchema):
    text = text_field(MAX_TEXT_LENGTH, required=True, metadata={"description": "被评价一方的公开回复（仅一次）"})


class ReportCreateSchema(InputSchema):
    reason = text_field(MAX_REASON_LENGTH, required=True, metadata={"description": "举报原因"})


class ModerationSchema(InputSchema):
    decision = fields.String(required=True, validate=OneOf([d.value for d in ReportDecision]),
                             metadata={"description": "hide 隐藏（不再计入评分）/ keep 保留"})
    reason = text_field(MAX_REASON_LENGTH, required=True, metadata={"description": "处理理由（写入审计日志，告知举报人和作者）"})


class ReviewSchema(Schema):
    id = fields.Integer()
    booking_id = fields.Integer()
    side = fields.Enum(ReviewSide, metadata={"description": SIDES_HELP})
    author = fields.Nested(PersonSchema)
    listing_id = fields.Integer()
    organisation_id = fields.Integer(allow_none=True)
    reviewee_id = fields.Integer(allow_none=True, metadata={"description": "被评价的人（志愿者或预约人）；组织为 null"})
    stars = fields.Integer()
    tags = fields.List(fields.String())
    tag_labels = fields.Function(lambda review: [str(label) for label in review.tag_labels])
    text = fields.String()
    created_at = LocalDateTime()
    revealed = fields.Function(lambda review: review.revealed_at is not None,
                               metadata={"description": "是否已公开：双方都评价后，或评价期结束时公开"})
    revealed_at = LocalDateTime(allow_none=True)
    reveals_at = LocalDateTime(attribute="window_closes_at",
                               metadata={"description": "最迟公开时间（评价期结束）；对方先评价则立即公开"})
    hidden = fields.Boolean(metadata={"description": "被平台隐藏（不再计入评分）"})
    reply = fields.String(allow_none=True)
    replied_at = LocalDateTime(allow_none=True)


ReviewPageSchema = collection_schema(ReviewSchema)


class ReviewQuerySchema(PageArgs):
    pass


class ReportSchema(Schema):
    id = fields.Integer()
    review = fields.Nested(ReviewSchema)
    reporter = fields.Nested(PersonSchema)
    reason = fields.String()
    created_at = LocalDateTime()
    decision = fields.Enum(ReportDecision, allow_none=True)
    decision_reason = fields.String(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)


ReportPageSchema = collection_schema(ReportSchema)


class ProviderFiguresSchema(Schema):
    locals().update(rating_fields("provider_reputation"))
    reliability = figure(fields.Float, "provider_reputation", "reliability", allow_none=True)


class BookerFiguresSchema(Schema):
    locals().update(rating_fields("booker_reputation"))
    attendance = figure(fields.Float, "booker_reputation", "attendance", allow_none=True, metadata={
        "description": "出席率：最终状态的预约中按约出席的比例（爽约和临近开始才取消计为失约）"})
    no_shows = figure(fields.Integer, "booker_reputation", "no_shows")


class PersonReputationSchema(Schema):
    """A person's figures: as a volunteer provider (public), and as a booker (for them, providers and admins)."""

    user_id = fields.Integer()
    provider = fields.Nested(ProviderFiguresSchema, metadata={"description": "作为志愿提供方"})
    booker = fields.Nested(BookerFiguresSchema, allow_none=True,
                           metadata={"description": "作为预约人；无权查看时为 null"})
