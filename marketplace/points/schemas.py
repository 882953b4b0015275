"""What the API reads and writes about service points."""
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs
from marketplace.core.schemas import DecimalString, InputSchema, id_field, text_field
from marketplace.points.models import Reason
from marketplace.points.services import MAX_GRANT, MAX_MEMO_LENGTH


class EntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True, metadata={"description": "记账时间（UTC）"})
    amount = DecimalString(required=True, metadata={"description": "对本账户的变动：正数为收入，负数为支出"})
    reason = fields.Enum(Reason, required=True, metadata={
        "description": "earn_wish 完成微心愿 / earn_service 志愿服务 / grant 发放 / hold 预约冻结 / "
                       "take 预约扣除 / release 预约退回 / reversal 冲正"})
    reason_label = fields.Function(lambda entry: str(entry.reason.label), metadata={"description": "原因（本地语言）"})
    counterparty = fields.String(required=True, metadata={"description": "对方账户"})
    reference_type = fields.String(required=True, metadata={"description": "booking / wish / grant / transfer"})
    reference_id = fields.Integer(allow_none=True, metadata={"description": "预约、心愿或被冲正记录的编号"})
    reference_title = fields.String(allow_none=True, metadata={"description": "心愿的标题或预约的资源名称（已删除的为空）"})
    memo = fields.String(required=True)


class StatementSchema(Schema):
    """An account's balance and its entries, newest first."""

    balance = DecimalString(required=True, metadata={"description": "当前余额（已扣除冻结）"})
    held = DecimalString(required=True, metadata={"description": "因未完成的预约冻结的积分"})
    entries = fields.List(fields.Nested(EntrySchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "记录总数"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class StatementQuerySchema(PageArgs):
    """Paging through an account's entries, newest first."""


class GrantSchema(InputSchema):
    """Points given to one person (user_id) or one organisation (organisation_id)."""

    # The range is documented only (the service checks it): a Decimal field would write a Range's bounds as strings.
    amount = fields.Decimal(required=True, metadata={"minimum": 0, "maximum": int(MAX_GRANT),
                                                     "description": f"积分数量，大于0且不超过{MAX_GRANT}，最多两位小数"})
    memo = text_field(MAX_MEMO_LENGTH, required=True, metadata={"description": "发放原因"})
    user_id = id_field(metadata={"description": "接收的居民"})
    organisation_id = id_field(metadata={"description": "接收的组织"})


class TransferSchema(Schema):
    id = fields.Integer(required=True)
    source_id = fields.Integer(required=True, metadata={"description": "转出账户"})
    destination_id = fields.Integer(required=True, metadata={"description": "转入账户"})
    amount = DecimalString(required=True)
    reason = fields.Enum(Reason, required=True)
    reference_type = fields.String(required=True)
    reference_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True, metadata={"description": "冲正的原记录"})
    memo = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ReversalSchema(InputSchema):
    memo = text_field(MAX_MEMO_LENGTH, required=True, metadata={"description": "冲正原因"})


class TotalsSchema(Schema):
    """The street's view of the whole ledger."""

    issued = DecimalString(required=True, metadata={"description": "累计发行（志愿服务、微心愿所得）"})
    user = DecimalString(required=True, metadata={"description": "居民账户合计"})
    organisation = DecimalString(required=True, metadata={"description": "组织账户合计"})
    street = DecimalString(required=True, metadata={"description": "街道账户余额"})
    holds = DecimalString(required=True, metadata={"description": "冻结中的积分"})
    issuance = DecimalString(required=True, metadata={"description": "发行账户余额（负数）"})
    transfers = fields.Integer(required=True, metadata={"description": "记账笔数"})
