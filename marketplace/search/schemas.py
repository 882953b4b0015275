"""What the search API reads and returns."""
from marshmallow import Schema, fields
from marshmallow.validate import Length

from marketplace.core.api import PageArgs
from marketplace.core.schemas import DecimalString, OneOf, Range, id_field
from marketplace.listings.models import FACILITIES, ListingKind
from marketplace.listings.schemas import PlaceRefSchema, ProviderSchema
from marketplace.search.queries import MAX_QUERY_LENGTH


class SearchQuerySchema(PageArgs):
    q = fields.String(load_default="", metadata={"description": "搜索词：中文、拼音全拼或首字母（如 hds 找活动室），最多100个字"})
    kind = fields.String(validate=OneOf([k.value for k in ListingKind]),
                         metadata={"description": "space / skill / service"})
    community = id_field(strict=False, metadata={"description": "社区树节点 id，包括其下所有网格和楼栋"})
    free = fields.Boolean(load_default=False, metadata={"description": "只看免费的"})
    min_rating = fields.Float(validate=Range(min=1, max=5), metadata={"description": "最低评分（1–5星）"})
    facilities = fields.List(fields.String(validate=OneOf(list(FACILITIES))),
                             metadata={"description": "必须具备的设施，可重复，如 facilities=projector"})
    capacity = fields.Integer(validate=Range(min=1, max=10000),
                              metadata={"description": "至少容纳多少人（按资源的容纳人数，没有填写的不算）"})
    free_at_start = fields.AwareDateTime(metadata={"description": "空闲时段开始（ISO 8601，带时区）"})
    free_at_end = fields.AwareDateTime(metadata={"description": (
        "空闲时段结束。整段都能预约的资源算空闲；每次预约比这段时间短的，段内能约上一次就算；"
        "每次至少要约得更久的，能约到包含这段时间的一次就算")})
    literal = fields.List(fields.String(validate=Length(max=MAX_QUERY_LENGTH)),
                          metadata={"description": "按字面搜索、不按日常说法理解的词，可重复（撤销 understood 中的一项）"})


class ReputationSchema(Schema):
    rating = fields.Float(allow_none=True, metadata={"description": "评分（1–5星），还没有评价时为 null"})
    reviews = fields.Integer(metadata={"description": "评价数"})


class SearchItemSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "space / skill / service"})
    kind_label = fields.String()
    title = fields.String()
    title_html = fields.String(metadata={"description": "标题，匹配处用 <mark> 标出，其余文字已转义"})
    snippet_html = fields.String(metadata={"description": "介绍摘要，匹配处用 <mark> 标出，其余文字已转义"})
    provider = fields.Nested(ProviderSchema)
    community = fields.Nested(PlaceRefSchema, allow_none=True)
    place = fields.Nested(PlaceRefSchema)
    fee_type = fields.String(metadata={"description": "free / money / points"})
    fee_amount = DecimalString(metadata={"description": "金额（元）或积分，十进制字符串"})
    free = fields.Boolean()
    people = fields.Integer(allow_none=True, metadata={"description": "容纳人数；null 为没有填写"})
    capacity = fields.Integer(metadata={"description": "座位数：1 为独占，N 为同一时段N人各自预约"})
    reputation = fields.Nested(ReputationSchema)
    next_free_slot = fields.String(allow_none=True, metadata={"description": "两周内最近一个可预约时段的开始（当地时间）"})
    score = fields.Float(metadata={"description": "排序得分：文本相关度 × 信誉系数"})
    url = fields.String()


class AlternativeSchema(Schema):
    kind = fields.String(metadata={"description": "without_filter（去掉一个筛选条件）或 community（附近社区）"})
    name = fields.String(metadata={"description": "筛选条件名，或社区名称"})
    count = fields.Integer()
    place_id = fields.Integer(allow_none=True)


class UndoSchema(Schema):
    q = fields.String(metadata={"description": "撤销这一项时的搜索词"})
    literal = fields.List(fields.String(), metadata={"description": "撤销这一项时的 literal 参数"})


class UnderstoodConceptSchema(Schema):
    typed = fields.String(metadata={"description": "输入的日常说法，如“剪头发”"})
    means = fields.String(metadata={"description": "理解成的服务，如“理发”"})
    words = fields.List(fields.String(), metadata={"description": "一并查找的资源用语（权重较低）"})
    undo = fields.Nested(UndoSchema)


class UnderstoodTimeSchema(Schema):
    typed = fields.String(metadata={"description": "输入的时间词，如“这周六下午”"})
    start = fields.String(metadata={"description": "空闲时段开始（当地时间）"})
    end = fields.String(metadata={"description": "空闲时段结束（当地时间）"})
    label = fields.String(metadata={"description": "如“周六 13:00–18:00”"})
    undo = fields.Nested(UndoSchema)


class UnderstoodPlaceSchema(Schema):
    typed = fields.String(metadata={"description": "输入的地点词，如“幸福里”"})
    id = fields.Integer(metadata={"description": "作为 community 筛选的社区树节点 id"})
    name = fields.String()
    undo = fields.Nested(UndoSchema)


class UnderstoodSchema(Schema):
    query = fields.String(metadata={"description": "规范化后的搜索词"})
    concepts = fields.List(fields.Nested(UnderstoodConceptSchema))
    time = fields.Nested(UnderstoodTimeSchema, allow_none=True)
    place = fields.Nested(UnderstoodPlaceSchema, allow_none=True)
    ignored = fields.List(fields.String(), metadata={"description": "忽略的虚词，如“想”“找个”“的”"})


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(SearchItemSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "符合条件的总数"})
    total_is_lower_bound = fields.Boolean(metadata={"description": "按空闲时段筛选时只检查最相关的200项，为 true 时总数是“至少”"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    suggestion = fields.String(allow_none=True, metadata={"description": "“你是不是要找”：纠正后的搜索词"})
    alternatives = fields.List(fields.Nested(AlternativeSchema), metadata={"description": "没有结果时可以试试的"})
    understood = fields.Nested(UnderstoodSchema, allow_none=True,
                               metadata={"description": "怎样理解了搜索词：日常说法、变成空闲时段的时间词、变成社区筛选的地点词；"
                                                        "撤销一项（包括 alternatives 里由这些词来的 free_at、place_id）"
                                                        "请用它的 undo 参数重新搜索；什么都没理解时为 null"})
