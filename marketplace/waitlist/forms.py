"""The waitlist's form: the taken slot to wait for, as the booking form sent it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from marketplace.bookings.forms import InstantField, WholeNumberField
from marketplace.core.i18n import _l


class JoinForm(FlaskForm):
    start = InstantField(_l("开始时间"), validators=[InputRequired(_l("请选择一个开始时间"))])
    duration = WholeNumberField(_l("时长"), validators=[InputRequired(_l("请选择时长"))])
    seats = WholeNumberField(_l("人数"), default=1)
