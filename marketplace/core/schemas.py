"""The base of every API input schema: Chinese validation messages and unknown fields refused.

marshmallow's own messages are English ("Missing data for required field."). ``InputSchema``
replaces every field's messages with Chinese msgids when the field is bound, and the
``Length``/``Range``/``OneOf`` validators below carry Chinese messages too. Messages are lazy
(see ``Message``), so they come out in the request's language once an English catalogue exists.

Unknown fields are refused (``RAISE``) rather than dropped: a client that misspells
``capacity`` as ``capcity`` should hear about it instead of seeing its change silently ignored.
"""
from __future__ import annotations

from flask_babel import gettext
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from marketplace.core.db import MAX_ID


class Message(str):
    """A msgid that marshmallow takes for plain text; it is translated when formatted.

    marshmallow formats every field and validator message (``msg.format(**kwargs)``) at the moment
    validation fails, i.e. inside the request, so that is where the request's language is known.
    A lazy string would not do: marshmallow only formats and list-wraps ``str`` instances.
    """

    def format(self, *args, **kwargs) -> str:
        return gettext(str(self)).format(*args, **kwargs)


def N_(msgid: str) -> Message:  # noqa: N802 - Babel's default keyword for "mark now, translate later"
    """Mark a validation message for translation."""
    return Message(msgid)

_FIELD_MESSAGES = {
    fields.Field: {
        "required": N_("必须填写"),
        "null": N_("不能为空"),
        "validator_failed": N_("取值不正确"),
    },
    fields.String: {"invalid": N_("应为文本"), "invalid_utf8": N_("文本编码不正确")},
    fields.Number: {"invalid": N_("应为数字"), "too_large": N_("数字太大了")},
    fields.Integer: {"invalid": N_("应为整数")},
    fields.Decimal: {"special": N_("应为有限的数字")},
    fields.Float: {"special": N_("应为有限的数字")},
    fields.Boolean: {"invalid": N_("应为 true 或 false")},
    fields.DateTime: {
        "invalid": N_("应为带时区的日期时间，例如 2026-05-01T09:00:00+08:00"),
        "invalid_awareness": N_("日期时间需要带时区"),
        "format": N_("日期时间格式不正确"),
    },
    fields.Date: {"invalid": N_("应为日期，例如 2026-05-01"), "format": N_("日期格式不正确")},
    fields.Time: {"invalid": N_("应为“时:分”格式的时间，例如 09:30"), "format": N_("时间格式不正确")},
    fields.List: {"invalid": N_("应为列表")},
    fields.Tuple: {"invalid": N_("应为列表")},
    fields.Mapping: {"invalid": N_("应为对象")},
    fields.Nested: {"type": N_("应为对象")},
    fields.Enum: {"unknown": N_("只能是以下之一：{choices}")},
}
_FALLBACK_MESSAGE = N_("格式不正确")


def _chinese_messages(field: fields.Field) -> dict:
    messages = {}
    for cls in reversed(type(field).__mro__):
        messages.update(_FIELD_MESSAGES.get(cls, {}))
    return {key: messages.get(key, _FALLBACK_MESSAGE) for key in field.error_messages}


def localise_field(field: fields.Field) -> None:
    """Give a field (and the fields inside it) Chinese error messages."""
    field.error_messages = _chinese_messages(field)
    for inner in _inner_fields(field):
        localise_field(inner)


def _inner_fields(field: fields.Field) -> list[fields.Field]:
    if isinstance(field, fields.List):
        return [field.inner]
    if isinstance(field, fields.Tuple):
        return list(field.tuple_fields)
    if isinstance(field, fields.Mapping):
        return [f for f in (field.key_field, field.value_field) if f is not None]
    if isinstance(field, fields.Enum):
        return [field.field]  # reads the raw value (a string for enums by name) before looking it up
    return []


def _translated(messages):
    """Messages marshmallow stores without formatting (unknown field, wrong input type), translated."""
    if isinstance(messages, Message):
        return messages.format()
    if isinstance(messages, dict):
        return {key: _translated(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_translated(value) for value in messages]
    return messages


class InputSchema(Schema):
    """Base of every schema that reads client input."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("数据格式不正确，应为 JSON 对象"), "unknown": N_("不认识的字段")}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        localise_field(field_obj)

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs) -> None:
        error.messages = _translated(error.messages)


class Length(validate.Length):
    """``validate.Length`` with Chinese messages; counts characters for text."""

    message_min = N_("至少需要{min}个字")
    message_max = N_("不能超过{max}个字")
    message_all = N_("长度应在{min}到{max}个字之间")
    message_equal = N_("长度应为{equal}个字")


class Count(validate.Length):
    """``validate.Length`` for lists, with Chinese messages."""

    message_min = N_("至少需要{min}项")
    message_max = N_("最多{max}项")
    message_all = N_("应有{min}到{max}项")
    message_equal = N_("应有{equal}项")


class Range(validate.Range):
    """``validate.Range`` (inclusive bounds) with Chinese messages."""

    def __init__(self, min=None, max=None, *, error=None):  # noqa: A002 - marshmallow's names
        super().__init__(min, max, error=error)
        self.message_min = N_("不能小于{min}")
        self.message_max = N_("不能大于{max}")
        self.message_all = N_("应在{min}到{max}之间")


class OneOf(validate.OneOf):
    """``validate.OneOf`` with a Chinese message."""

    default_message = N_("只能是以下之一：{choices}")


def id_field(*, strict: bool = True, **kwargs) -> fields.Integer:
    """A database id: a whole number that fits the id columns (larger ones would overflow, not 404).

    JSON ids must be numbers (``strict``); query-string ids arrive as text, so pass ``strict=False`` there.
    """
    return fields.Integer(strict=strict, validate=Range(min=1, max=MAX_ID), **kwargs)


class JsonBoolean(fields.Boolean):
    """A JSON body's true or false: 0, 1, "yes", "on" … are refused, as the document's boolean type says.

    Query strings keep marshmallow's plain Boolean, which reads "true"/"false" text.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):  # 0 == False in Python, so truthy/falsy sets cannot tell them apart
            raise self.make_error("invalid")
        return value


def text_field(max_length: int, **kwargs) -> fields.String:
    """A string of at most ``max_length`` characters; when ``required``, documented as not blank either.

    The services strip text and refuse a blank required value with their own message (``core.validation``), so
    the pattern only tells clients so: spaces alone are refused like a missing value.
    """
    if kwargs.get("required"):
        kwargs["metadata"] = {"pattern": r"\S", **kwargs.get("metadata", {})}
    return fields.String(validate=Length(max=max_length), **kwargs)


class DecimalString(fields.Decimal):
    """A decimal (money, points) written out as text such as "12.50", so that no client rounds it through a
    float, and documented as what it is: a string holding a decimal number."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$", **kwargs.pop("metadata", {})}
        super().__init__(as_string=True, metadata=metadata, **kwargs)


class Derived(fields.Nested):
    """A nested object computed from the whole parent object, documented like any nested schema."""

    def __init__(self, nested, compute, **kwargs):
        super().__init__(nested, dump_only=True, **kwargs)
        self.compute = compute

    def get_value(self, obj, attr, accessor=None, default=None):
        return self.compute(obj)


_EMPTY_FIGURES = {"review_count": 0, "no_shows": 0, "distribution": {n: 0 for n in range(1, 6)}}


def figure(field_cls: type[fields.Field], relation: str, name: str, **kwargs) -> fields.Field:
    """A dump-only field read from the object's reputation row (``obj.<relation>.<name>``, see core.reputation);
    none yet reads as no rating and no reviews."""

    class Figure(field_cls):
        def get_value(self, obj, attr, accessor=None, default=None):
            row = getattr(obj, relation)
            return getattr(row, name) if row is not None else _EMPTY_FIGURES.get(name)

    return Figure(dump_only=True, **kwargs)


def rating_fields(relation: str) -> dict[str, fields.Field]:
    """The score, review count and star distribution of the object's reputation row."""
    return {
        "reputation": figure(fields.Float, relation, "rating", allow_none=True, metadata={
            "description": "评分（1–5，贝叶斯平均并随时间衰减，见 reputation/services.py）；还没有评价时为 null"}),
        "review_count": figure(fields.Integer, relation, "review_count", metadata={"description": "计入评分的评价数"}),
        "rating_distribution": figure(fields.Dict, relation, "distribution", keys=fields.String(),
                                      values=fields.Integer(), metadata={"description": "各星级的评价数，键为 1–5"}),
    }


class PersonSchema(Schema):
    """Someone named on a record (an actor, author, booker): the name people see, never contact details."""

    id = fields.Integer()
    display_name = fields.String()
