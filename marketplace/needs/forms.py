"""The need forms: times typed as wall-clock times of the deployment's zone; the services enforce the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.bookings.forms import WholeNumberField
from marketplace.core.i18n import _l
from marketplace.listings.models import LISTING_KIND_LABELS

FORMAT = "%Y-%m-%dT%H:%M"
ITEM_ROWS = 3


class ItemForm(Form):
    """One row of a need's items; a row left without words is ignored."""

    kind = SelectField(_l("类型"), choices=[(kind.value, label) for kind, label in LISTING_KIND_LABELS.items()],
                       validate_choice=False)
    text = StringField(_l("需要什么"), validators=[Length(max=200)])
    quantity = WholeNumberField(_l("数量"), default=1)
    start = DateTimeLocalField(_l("开始"), format=FORMAT, validators=[Optional()])
    hours = WholeNumberField(_l("时长（小时）"), default=2)


class NeedForm(FlaskForm):
    organisation_id = SelectField(_l("发布组织"), coerce=int, validate_choice=False)
    title = StringField(_l("标题"), validators=[InputRequired(_l("请填写需求的标题")), Length(max=100)])
    description = TextAreaField(_l("说明"), validators=[Length(max=2000)])
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)


class InviteForm(FlaskForm):
    item_id = HiddenField()
    listing_id = HiddenField()
