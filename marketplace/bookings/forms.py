"""Forms of the booking pages: they check the shape of the input; the booking services enforce the rules."""
from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.bookings.models import SeriesFrequency
from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.core.zones import in_supported_years

MAX_NUMBER_LENGTH = 9
MAX_DURATION_CHOICES = 48
END_BY_DATE, END_BY_COUNT = "until", "count"
SCOPE_LABELS = {
    "occurrence": _l("只取消这一次"),
    "following": _l("取消这一次及以后的"),
    "all": _l("取消整个系列（尚未开始的）"),
}


class InstantField(HiddenField):
    """An instant written as ISO 8601 with its offset (2026-06-02T19:00:00+08:00), as the slot buttons send it.

    A time without an offset is refused rather than guessed: only the page knows which zone it meant.
    """

    def _value(self):
        return self.data.isoformat() if isinstance(self.data, datetime) else (self.raw_data or [""])[0]

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0]:
            return
        raw = valuelist[0].strip()
        try:
            parsed = datetime.fromisoformat(raw) if len(raw) <= 40 else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or not in_supported_years(parsed):
            raise ValueError(_l("开始时间的格式不正确，请重新选择时段"))
        self.data = parsed


class WholeNumberField(StringField):
    """A whole number typed or chosen by the user; its range is the service's business."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or valuelist[0] in (None, ""):
            return
        raw = valuelist[0].strip()
        digits = raw.removeprefix("-")
        if not digits.isdigit() or len(digits) > MAX_NUMBER_LENGTH:
            raise ValueError(_l("请填写整数"))
        self.data = int(raw)


class BookingForm(FlaskForm):
    """One booking: a slot start, a duration, seats, optionally a group, and a purpose."""

    start = InstantField(_l("开始时间"), validators=[InputRequired(_l("请选择一个开始时间"))])
    duration = WholeNumberField(_l("时长"), validators=[InputRequired(_l("请选择时长"))])
    seats = WholeNumberField(_l("人数"), default=1)
    group_id = SelectField(_l("以团队名义预约（可选）"), coerce=optional_id, validate_choice=False)
    purpose = StringField(_l("用途"), description=_l("例如：合唱团排练"),
                          validators=[Length(max=200, message=_l("用途不能超过200个字"))])


class SeriesForm(FlaskForm):
    """A recurring booking: the first date and time, how it repeats, and until when (a date or a number of times)."""

    first_day = DateField(_l("第一次的日期"), validators=[InputRequired(_l("请选择第一次的日期"))])
    start_time = TimeField(_l("开始时间"), format=["%H:%M", "%H:%M:%S"],
                           validators=[InputRequired(_l("请填写开始时间"))])
    duration = WholeNumberField(_l("时长"), validators=[InputRequired(_l("请选择时长"))])
    frequency = RadioField(_l("重复方式"), choices=[(f.value, f.label) for f in SeriesFrequency],
                           default=SeriesFrequency.weekly.value, validate_choice=False,
                           validators=[DataRequired(_l("请选择重复方式"))])
    end_by = RadioField(_l("结束方式"), choices=[(END_BY_COUNT, _l("重复次数")), (END_BY_DATE, _l("重复到某天"))],
                        default=END_BY_COUNT, validate_choice=False)
    count = WholeNumberField(_l("重复次数"), default=4)
    until = DateField(_l("重复到（含这一天）"), validators=[Optional()])
    seats = WholeNumberField(_l("人数"), default=1)
    group_id = SelectField(_l("以团队名义预约（可选）"), coerce=optional_id, validate_choice=False)
    purpose = StringField(_l("用途"), validators=[Length(max=200, message=_l("用途不能超过200个字"))])

    def bounds(self) -> tuple[date | None, int | None]:
        """(until, count): exactly one is given, as the chosen end mode says."""
        if self.end_by.data == END_BY_DATE:
            return self.until.data, None
        return None, self.count.data


class ReasonForm(FlaskForm):
    """A decision with a reason: required for rejecting and for a provider's cancellation (the service says so)."""

    reason = TextAreaField(_l("原因"), validators=[Length(max=500, message=_l("原因不能超过500个字"))])


class ApproveForm(ReasonForm):
    reason = TextAreaField(_l("批准备注"), validators=[Length(max=500, message=_l("备注不能超过500个字"))])


class RejectForm(ReasonForm):
    reason = TextAreaField(_l("拒绝原因"), validators=[Length(max=500, message=_l("原因不能超过500个字"))])


class SeriesCancelForm(FlaskForm):
    scope = RadioField(_l("取消范围"), choices=list(SCOPE_LABELS.items()), default="occurrence",
                       validate_choice=False, validators=[DataRequired(_l("请选择取消范围"))])
    booking_id = WholeNumberField(_l("哪一次"))
    reason = StringField(_l("原因（可选）"), validators=[Length(max=500, message=_l("原因不能超过500个字"))])


class MessageForm(FlaskForm):
    """A message in the booking's conversation; its length and blankness are the conversation service's rules."""

    text = TextAreaField(_l("写留言"))
