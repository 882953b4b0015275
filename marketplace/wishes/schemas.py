"""What the wishes API reads and writes. The wall's schema names nobody: no resident, poster or claimant, no
building; only the grid, what is needed and how it is going. Those taking part see ``details`` as well."""
from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from marketplace.bookings.schemas import LocalDateTime
from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import (DecimalString, InputSchema, JsonBoolean, OneOf, PersonSchema,
                                      Range, id_field, text_field)
from marketplace.needs.schemas import SuggestedListingSchema
from marketplace.wishes.models import ON_THE_WALL, PhotoOf, WishStatus
from marketplace.wishes.services import MAX_NEED_LENGTH, MAX_NOTE_LENGTH, MAX_TITLE_LENGTH

STATUS_HELP = ("pending 待审核 / sent_back 已退回 / open 待认领 / claimed 已认领 / fulfilled 已完成待确认 / "
               "confirmed 已圆梦")


class WishUpdateSchema(InputSchema):
    title = text_field(MAX_TITLE_LENGTH, required=True, metadata={"description": "心愿标题"})
    need = text_field(MAX_NEED_LENGTH, required=True, metadata={"description": "需要什么帮助"})
    needed_by = fields.Date(required=True, metadata={"description": "希望在这一天之前实现（当地日期）",
                                                     "example": "2026-12-20"})
    place_id = id_field(required=True, metadata={"description": "所在的网格或楼栋（社区树上的编号）；墙上只显示网格"})


class WishCreateSchema(WishUpdateSchema):
    resident_login = fields.String(load_default=None, validate=lambda value: len(value) <= 254, metadata={
        "description": "代办：社区居委会工作人员替居民发布时，填居民账号的手机号或邮箱"})
    confirmed_in_person = JsonBoolean(load_default=False, metadata={
        "description": "代办时居民已当面同意（记为工作人员代为确认）；否则等居民登录后确认"})


class ClaimSchema(InputSchema):
    group_id = id_field(load_default=None, allow_none=True, metadata={
        "description": "代表自己带领的小组认领（组长）；不填以个人名义认领（志愿者、党员）"})


class SendBackSchema(InputSchema):
    reason = text_field(MAX_NOTE_LENGTH, required=True, metadata={"description": "退回修改的原因（告知发布人）"})


class FulfilSchema(InputSchema):
    note = text_field(MAX_NOTE_LENGTH, required=True, metadata={"description": "简短说明做了什么"})
    # The range is documented only: a Decimal field would write a Range validator's bounds as strings.
    hours = fields.Decimal(required=True, metadata={
        "minimum": 0, "exclusiveMinimum": True, "maximum": 100,
        "description": "服务时长（小时，大于0、不超过100，最多一位小数），确认后计入志愿时长"})


class ConfirmSchema(InputSchema):
    thanks = text_field(MAX_NOTE_LENGTH, load_default="", metadata={"description": "感谢的话（可选）"})
    rating = fields.Integer(strict=True, load_default=None, allow_none=True, validate=Range(min=1, max=5),
                            metadata={"description": "评分 1–5 星（可选）"})


class WallQuerySchema(PageArgs):
    place_id = id_field(strict=False, metadata={
        "description": "某个网格、社区或街道的心愿墙：这一级的心愿，以及上升到它上面各级的心愿"})
    status = fields.String(validate=OneOf([status.value for status in ON_THE_WALL]),
                           metadata={"description": "open 待认领 / claimed 已认领 / fulfilled 已完成待确认"})


class WishPhotoSchema(Schema):
    id = fields.Integer()
    of = fields.Enum(PhotoOf, metadata={"description": "wish 心愿的照片（发布人）/ fulfilment 完成情况的照片（认领人）"})
    content_type = fields.String()
    url = fields.Function(lambda photo: url_for("wishes.photo", wish_id=photo.wish_id, photo_id=photo.id),
                          metadata={"description": "图片地址（同样只给参与者和社区工作人员）"})


class WishPhotoUploadSchema(InputSchema):
    photo = Upload(required=True, metadata={"description": "JPEG、PNG、WebP 或 GIF 图片"})


class WishDetailsSchema(Schema):
    """Who and where: for the resident, the poster, the claimants and the community's staff only."""

    resident = fields.Nested(PersonSchema)
    posted_by = fields.Nested(PersonSchema)
    on_behalf = fields.Boolean(metadata={"description": "是否由社区工作人员代办发布"})
    resident_confirmed = fields.Function(lambda wish: wish.resident_confirmed_at is not None,
                                         metadata={"description": "居民是否已确认（代办的心愿）"})
    place = fields.Function(lambda wish: wish.place.full_name, metadata={"description": "所在楼栋或网格"})
    claimant = fields.Nested(PersonSchema, allow_none=True)
    claimant_group = fields.Function(lambda wish: {"id": wish.claimant_group.id, "name": wish.claimant_group.name}
                                     if wish.claimant_group else None, metadata={"description": "代表认领的小组"})
    co_claimers = fields.Function(lambda wish: [{"id": row.user.id, "display_name": row.user.display_name}
                                                for row in wish.co_claimers])
    claim_due_at = LocalDateTime(allow_none=True, metadata={"description": "认领后须在此前完成，否则自动放弃"})
    sent_back_reason = fields.String(allow_none=True)
    fulfilment_note = fields.String(allow_none=True)
    hours = DecimalString(allow_none=True)
    thanks = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    photos = fields.List(fields.Nested(WishPhotoSchema), metadata={
        "description": "照片：可能认出居民，所以只在详情里，不上公开的心愿墙"})


class WishSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    need = fields.String()
    needed_by = fields.Date()
    status = fields.Enum(WishStatus, metadata={"description": STATUS_HELP})
    grid = fields.Function(lambda wish: wish.grid.name, metadata={"description": "所在网格（不显示楼栋和门牌）"})
    level = fields.String(metadata={"description": "所在的心愿墙：grid 网格 / community 社区 / street 街道（无人认领时逐级上升）"})
    wall = fields.Function(lambda wish: wish.wall_place.name, metadata={"description": "所在心愿墙的名称"})
    helpers = fields.Function(lambda wish: (1 if wish.claimant_id else 0) + len(wish.co_claimers),
                              metadata={"description": "认领和加入帮忙的人数"})
    approved_at = LocalDateTime(allow_none=True)
    fulfilled_at = LocalDateTime(allow_none=True)
    confirmed_at = LocalDateTime(allow_none=True)


class WishWithDetailsSchema(WishSchema):
    details = fields.Nested(WishDetailsSchema, allow_none=True,
                            metadata={"description": "参与者和社区工作人员可见的详情；其他人为 null"})


WallPageSchema = collection_schema(WishSchema)


class SuggestedVolunteerSchema(Schema):
    id = fields.Integer(attribute="listing.provider_user.id")
    display_name = fields.String(attribute="listing.provider_user.display_name")
    offer = fields.Function(lambda hit: SuggestedListingSchema().dump(hit), metadata={
        "description": "这位志愿者提供的技能或服务（同 listings 的一项）", "type": "object"})


class WishSuggestionsSchema(Schema):
    listings = fields.List(fields.Nested(SuggestedListingSchema), metadata={
        "description": "搜索服务按心愿标题在居民所在社区找到的组织的场地、技能和服务，最合适的在前"})
    volunteers = fields.List(fields.Nested(SuggestedVolunteerSchema), metadata={
        "description": "提供相关技能或服务的志愿者，最合适的在前"})
