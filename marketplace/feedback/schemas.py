"""What the feedback API reads and writes. An anonymous item's author is left out for everyone but its author
and platform admins (``services.shown_author``)."""
from marshmallow import Schema, fields

from marketplace.bookings.schemas import LocalDateTime
from marketplace.core.api import PageArgs, collection_schema, optional_user
from marketplace.core.schemas import InputSchema, JsonBoolean, OneOf, PersonSchema, id_field, text_field
from marketplace.feedback.models import FeedbackKind, FeedbackSubject
from marketplace.feedback.services import MAX_ANSWER_LENGTH, MAX_TEXT_LENGTH, shown_author


class FeedbackCreateSchema(InputSchema):
    kind = fields.String(required=True, validate=OneOf([kind.value for kind in FeedbackKind]),
                         metadata={"description": "feedback 意见建议 / complaint 投诉"})
    subject = fields.String(required=True, validate=OneOf([subject.value for subject in FeedbackSubject]),
                            metadata={"description": "反馈的对象：listing 资源 / organisation 组织 / community 社区"})
    subject_id = id_field(required=True, metadata={"description": "资源、组织或社区（地点）的编号"})
    text = text_field(MAX_TEXT_LENGTH, required=True, metadata={"description": f"内容，最多{MAX_TEXT_LENGTH}字"})
    anonymous = JsonBoolean(load_default=False,
                            metadata={"description": "true：对公众匿名（作者仍会记录，平台管理员可见）"})


class AnswerCreateSchema(InputSchema):
    text = text_field(MAX_ANSWER_LENGTH, required=True, metadata={"description": "公开答复"})


class FeedbackQuerySchema(PageArgs):
    organisation_id = id_field(strict=False, metadata={"description": "负责答复的组织"})
    listing_id = id_field(strict=False)
    community_id = id_field(strict=False, metadata={"description": "所在社区（地点编号）"})
    kind = fields.String(validate=OneOf([kind.value for kind in FeedbackKind]))
    answered = fields.Boolean(metadata={"description": "true 只看已答复的，false 只看待答复的"})


class AnswerSchema(Schema):
    id = fields.Integer()
    author = fields.Nested(PersonSchema)
    by_street = fields.Boolean(metadata={"description": "由街道答复（而不是负责的组织）"})
    text = fields.String()
    created_at = LocalDateTime()


class FeedbackSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(FeedbackKind)
    subject = fields.Enum(FeedbackSubject)
    listing_id = fields.Integer(allow_none=True)
    organisation_id = fields.Integer(allow_none=True, metadata={"description": "负责答复的组织"})
    community_id = fields.Integer(allow_none=True)
    about = fields.String(metadata={"description": "反馈对象的名称"})
    anonymous = fields.Boolean()
    author = fields.Function(lambda item: _person(shown_author(optional_user(), item)), allow_none=True,
                             metadata={"description": "作者；匿名的反馈只对作者本人和平台管理员显示，其他人为 null"})
    text = fields.String()
    created_at = LocalDateTime()
    answered = fields.Boolean()
    first_answered_at = LocalDateTime(allow_none=True)
    response_seconds = fields.Integer(allow_none=True, metadata={"description": "从提出到首次答复的秒数"})
    escalated_at = LocalDateTime(allow_none=True, metadata={"description": "无人答复、上报街道的时间"})
    answers = fields.List(fields.Nested(AnswerSchema))


def _person(user) -> dict | None:
    return {"id": user.id, "display_name": user.display_name} if user is not None else None


FeedbackPageSchema = collection_schema(FeedbackSchema)


class ResponseFiguresSchema(Schema):
    organisation_id = fields.Integer()
    answered = fields.Integer(metadata={"description": "已答复的条数"})
    waiting = fields.Integer(metadata={"description": "待答复的条数"})
    median_seconds = fields.Integer(allow_none=True, metadata={"description": "首次答复用时的中位数（秒）"})
