"""Forms of the points pages: they check shape; the services enforce the rules (amounts, recipients)."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.listings.forms import number_field
from marketplace.points.services import MAX_MEMO_LENGTH


class GrantForm(FlaskForm):
    login = StringField(_l("接收人的手机号码或邮箱"), validators=[Length(max=254, message=_l("手机号码或邮箱太长了"))])
    organisation_id = StringField(_l("或接收组织的编号"), filters=[optional_id])
    amount = number_field(_l("积分数量"), minimum=0.01, step=0.01)
    memo = StringField(_l("发放原因"), validators=[
        DataRequired(_l("请写明发放原因")), Length(max=MAX_MEMO_LENGTH, message=_l("发放原因不能超过200个字"))])


class ReversalForm(FlaskForm):
    transfer_id = StringField(_l("要冲正的记录编号"), filters=[optional_id])
    memo = StringField(_l("冲正原因"), validators=[
        DataRequired(_l("请写明冲正原因")), Length(max=MAX_MEMO_LENGTH, message=_l("冲正原因不能超过200个字"))])
