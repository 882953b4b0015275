"""Forms of the platform admin pages (review, moderation, the community tree)."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("不通过的原因"), validators=[
        DataRequired(_l("请填写不通过的原因")), Length(max=500, message=_l("原因不能超过500个字"))])


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("暂停的原因"), validators=[
        DataRequired(_l("请填写暂停的原因")), Length(max=500, message=_l("原因不能超过500个字"))])


class PlaceForm(FlaskForm):
    parent_id = SelectField(_l("上级"), coerce=optional_id, validate_choice=False)
    name = StringField(_l("名称"), validators=[
        DataRequired(_l("请填写名称")), Length(max=100, message=_l("名称不能超过100个字"))])
