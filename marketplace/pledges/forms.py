"""Forms of the pledge pages: numbers arrive as text, which the pledge services parse and refuse in Chinese."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import NumberInput

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l


def _number(label, message):
    return StringField(label, widget=NumberInput(min=0, step=1),
                       validators=[InputRequired(message), Length(max=12, message=_l("数字太长了"))])


def whole_number(text):
    """The typed text as an int when it is one, else the text itself (the service refuses it with its message)."""
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return text


class PledgeEditForm(FlaskForm):
    room_hours = _number(_l("开放场地（小时）"), _l("请填写承诺开放场地的小时数"))
    volunteer_hours = _number(_l("志愿服务（小时）"), _l("请填写承诺志愿服务的小时数"))


class PledgeForm(PledgeEditForm):
    organisation_id = SelectField(_l("驻区单位"), coerce=optional_id, validate_choice=False,
                                  validators=[InputRequired(_l("请选择驻区单位"))])
    year = _number(_l("年度"), _l("请填写年度"))
