"""What the needs API reads and writes; times as ISO 8601 in the deployment's zone, like the bookings API."""
from marshmallow import Schema, fields

from marketplace.bookings.schemas import LocalDateTime, instant
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import Count, InputSchema, OneOf, Range, id_field, text_field
from marketplace.listings.models import ListingKind
from marketplace.needs.models import NeedStatus
from marketplace.needs.services import MAX_ITEMS, MAX_QUANTITY

KINDS = [kind.value for kind in ListingKind]


class ItemCreateSchema(InputSchema):
    kind = fields.String(required=True, validate=OneOf(KINDS), metadata={"description": "space 场地、skill 技能、service 服务"})
    text = text_field(200, required=True, metadata={"description": "需要什么，例如“三名辅导老师”"})
    quantity = fields.Integer(strict=True, load_default=1, validate=Range(min=1, max=MAX_QUANTITY))
    start = instant("什么时候开始", required=True)
    end = instant("什么时候结束（最长7天；长期的需求填第一次的时间）", required=True)


class NeedCreateSchema(InputSchema):
    organisation_id = id_field(required=True, metadata={"description": "以哪个组织的名义发布（须是其工作人员）"})
    community_id = id_field(load_default=None, allow_none=True, metadata={"description": "需求所在的社区，默认组织所在社区"})
    title = text_field(100, required=True, metadata={"description": "例如“暑期托管”"})
    description = text_field(2000, load_default="")
    items = fields.List(fields.Nested(ItemCreateSchema), required=True, validate=Count(min=1, max=MAX_ITEMS))


class ItemSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(ListingKind)
    text = fields.String()
    quantity = fields.Integer()
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")


class NeedSchema(Schema):
    id = fields.Integer()
    organisation_id = fields.Integer()
    organisation_name = fields.Function(lambda need: need.organisation.name)
    community_id = fields.Integer()
    community_name = fields.Function(lambda need: need.community.name)
    title = fields.String()
    description = fields.String()
    status = fields.Enum(NeedStatus, metadata={"description": "open 征集中（需求清单），in_progress 进行中（项目清单）"})
    items = fields.List(fields.Nested(ItemSchema))
    created_at = LocalDateTime()


NeedPageSchema = collection_schema(NeedSchema)


class NeedQuerySchema(PageArgs):
    community_id = id_field(strict=False, metadata={"description": "只看这个社区的"})
    status = fields.String(validate=OneOf([status.value for status in NeedStatus]),
                           metadata={"description": "open 需求清单；in_progress 项目清单；不填看全部"})


class SuggestedListingSchema(Schema):
    id = fields.Integer(attribute="listing.id")
    title = fields.String(attribute="listing.title")
    kind = fields.Enum(ListingKind, attribute="listing.kind")
    score = fields.Float(metadata={"description": "搜索的相关度（已计入信誉）"})
    stars = fields.Float(attribute="reputation.stars", metadata={"description": "评分"})


class ItemSuggestionsSchema(Schema):
    item = fields.Nested(ItemSchema)
    listings = fields.List(fields.Nested(SuggestedListingSchema), attribute="hits",
                           metadata={"description": "搜索服务找到的、在这段时间空闲的资源，最合适的在前"})
    invited_ids = fields.List(fields.Integer(), metadata={"description": "已邀请的资源"})


class SuggestionsSchema(Schema):
    items = fields.List(fields.Nested(ItemSuggestionsSchema), required=True)


class InviteSchema(InputSchema):
    item_id = id_field(required=True)
    listing_id = id_field(required=True)


class InvitationSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    listing_id = fields.Integer()
    invited_by_id = fields.Integer()
    created_at = LocalDateTime()
