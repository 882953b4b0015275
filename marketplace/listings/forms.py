"""Forms of the provider's listing pages: they check shape; the listing services enforce the rules."""
from __future__ import annotations

from dataclasses import fields as dataclass_fields

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.listings.models import FACILITIES, WEEKDAY_LABELS, FeeType, Listing, ListingKind
from marketplace.listings.services import ExceptionData, HoursInterval, ListingData

SLOTS_PER_DAY = 3
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
INSTANT, APPROVAL = "instant", "approval"
SELF_PROVIDER = "self"
ORGANISATION_PROVIDER_PREFIX = "org-"


def number_field(label, *, minimum=0, step=1, hint=None):
    """A number input whose text the service parses, so a bad value gets the service's Chinese message."""
    return StringField(label, widget=NumberInput(min=minimum, step=step), description=hint or "",
                       validators=[Length(max=12, message=_l("数字太长了"))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ListingForm(FlaskForm):
    """Every field a provider types about a listing (DESIGN.md 3.2)."""

    kind = RadioField(_l("类型"), choices=[(k.value, k.label) for k in ListingKind], default=ListingKind.space.value,
                      validators=[DataRequired(_l("请选择资源类型"))])
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题")),
                                                Length(max=100, message=_l("标题不能超过100个字"))])
    description = TextAreaField(_l("介绍"), validators=[Length(max=5000, message=_l("介绍不能超过5000个字"))])
    tags = StringField(_l("标签"), description=_l("用逗号分隔，最多10个，例如：亲子, 读书"),
                       validators=[Length(max=300, message=_l("标签太长了"))])
    facilities = MultiCheckboxField(_l("设施（仅场地）"), choices=list(FACILITIES.items()), validate_choice=False)
    place_id = SelectField(_l("所在位置"), coerce=optional_id, validate_choice=False)
    address = StringField(_l("详细地址"), validators=[Length(max=200, message=_l("地址不能超过200个字"))])
    people = number_field(_l("容纳人数"), minimum=1,
                          hint=_l("房间或课堂最多容纳多少人；居民按人数找场地时用它。不适用可以不填"))
    capacity = number_field(_l("座位数"), minimum=1,
                            hint=_l("1 = 独占：同一时间只接受一个预约（整间房、一次咨询）；"
                                    "20 = 按座位：同一时段可有20人各自预约"))
    slot_minutes = number_field(_l("时段长度（分钟）"), minimum=5, hint=_l("预约开始时间按这个间隔排列"))
    min_duration_minutes = number_field(_l("最短时长（分钟）"), minimum=5)
    max_duration_minutes = number_field(_l("最长时长（分钟）"), minimum=5)
    buffer_minutes = number_field(_l("两次预约之间的间隔（分钟）"), hint=_l("用于打扫、布置"))
    min_notice_minutes = number_field(_l("至少提前多久预约（分钟）"))
    max_advance_days = number_field(_l("最多提前几天预约"), minimum=1)
    cancel_cutoff_minutes = number_field(_l("开始前多久停止取消（分钟）"))
    max_active_bookings_per_booker = number_field(_l("每人同时有效预约上限"), minimum=1,
                                                  hint=_l("留空表示不限；用于公平使用"))
    max_hours_per_week_per_booker = number_field(_l("每人每周预约小时上限"), minimum=1, hint=_l("留空表示不限"))
    booking_mode = RadioField(_l("预约方式"), choices=[(INSTANT, _l("即时预约（提交即确认）")),
                                                      (APPROVAL, _l("需要审核（由提供方确认）"))], default=INSTANT)
    requires_check_in = BooleanField(_l("需要到场签到"), description=_l(
        "预约人到场后扫描门口的二维码签到；开始后一段时间仍未签到的预约自动释放，记为爽约"))
    check_in_opens_minutes = number_field(_l("开始前多久可以签到（分钟）"))
    release_after_minutes = number_field(_l("开始后多久未签到即释放（分钟）"), minimum=1)
    fee_type = RadioField(_l("收费方式"), choices=[(f.value, f.label) for f in FeeType], default=FeeType.free.value)
    fee_amount = number_field(_l("金额（元）或积分"), step="0.01", hint=_l("免费的资源不用填写"))
    rules = TextAreaField(_l("使用须知"), validators=[Length(max=5000, message=_l("使用须知不能超过5000个字"))])

    def _check_in_minutes(self, field, name: str):
        """The field's text; left blank on a listing without check-in, the default (nothing to check then)."""
        if not self.requires_check_in.data and str(field.data if field.data is not None else "").strip() == "":
            return _data_default(name)
        return field.data

    def to_data(self) -> ListingData:
        return ListingData(
            kind=self.kind.data, title=self.title.data, place_id=self.place_id.data,
            description=self.description.data or "", tags=self.tags.data or "",
            facilities=list(self.facilities.data or []), address=self.address.data or "",
            people=self.people.data or None, capacity=self.capacity.data, slot_minutes=self.slot_minutes.data,
            min_duration_minutes=self.min_duration_minutes.data, max_duration_minutes=self.max_duration_minutes.data,
            buffer_minutes=self.buffer_minutes.data, min_notice_minutes=self.min_notice_minutes.data,
            max_advance_days=self.max_advance_days.data, cancel_cutoff_minutes=self.cancel_cutoff_minutes.data,
            instant_booking=self.booking_mode.data == INSTANT,
            requires_check_in=self.requires_check_in.data,
            check_in_opens_minutes=self._check_in_minutes(self.check_in_opens_minutes, "check_in_opens_minutes"),
            release_after_minutes=self._check_in_minutes(self.release_after_minutes, "release_after_minutes"),
            max_active_bookings_per_booker=self.max_active_bookings_per_booker.data or None,
            max_hours_per_week_per_booker=self.max_hours_per_week_per_booker.data or None,
            fee_type=self.fee_type.data,
            fee_amount=self.fee_amount.data, rules=self.rules.data or "",
        )


def _data_default(name: str):
    return next(f.default for f in dataclass_fields(ListingData) if f.name == name)


def listing_form_defaults(listing: Listing | None) -> dict:
    """Initial form values: the listing's own, or the model's defaults for a new one."""
    source = listing or ListingData(kind=ListingKind.space, title="", place_id=None)
    return {
        "kind": ListingKind(source.kind).value, "title": source.title, "description": source.description,
        "tags": ", ".join(source.tags), "facilities": list(source.facilities), "place_id": source.place_id,
        "address": source.address, "people": source.people, "capacity": source.capacity,
        "slot_minutes": source.slot_minutes,
        "min_duration_minutes": source.min_duration_minutes, "max_duration_minutes": source.max_duration_minutes,
        "buffer_minutes": source.buffer_minutes, "min_notice_minutes": source.min_notice_minutes,
        "max_advance_days": source.max_advance_days, "cancel_cutoff_minutes": source.cancel_cutoff_minutes,
        "booking_mode": INSTANT if source.instant_booking else APPROVAL,
        "requires_check_in": source.requires_check_in, "check_in_opens_minutes": source.check_in_opens_minutes,
        "release_after_minutes": source.release_after_minutes,
        "max_active_bookings_per_booker": source.max_active_bookings_per_booker,
        "max_hours_per_week_per_booker": source.max_hours_per_week_per_booker,
        "fee_type": FeeType(source.fee_type).value,
        "fee_amount": "" if FeeType(source.fee_type) is FeeType.free else f"{source.fee_amount:g}",
        "rules": source.rules,
    }


class NewListingForm(ListingForm):
    """A new listing also says who provides it: one of my organisations, or me as a volunteer."""

    provider = SelectField(_l("提供方"), validate_choice=False, validators=[DataRequired(_l("请选择提供方"))])

    def validate_provider(self, field):
        if field.data != SELF_PROVIDER and _organisation_id(field.data) is None:
            raise ValidationError(_l("请选择提供方"))

    def organisation_id(self) -> int | None:
        """The chosen organisation's id, or None when the user offers it as a volunteer."""
        return _organisation_id(self.provider.data)


def provider_value(organisation_id: int) -> str:
    return f"{ORGANISATION_PROVIDER_PREFIX}{organisation_id}"


def _organisation_id(value) -> int | None:
    digits = (value or "").removeprefix(ORGANISATION_PROVIDER_PREFIX)
    if value and value.startswith(ORGANISATION_PROVIDER_PREFIX) and digits.isdigit() and len(digits) < 10:
        return int(digits)
    return None


def time_field(label):
    return TimeField(label, format=TIME_FORMATS, validators=[Optional()])


class HoursForm(FlaskForm):
    """Weekly opening hours: for each weekday up to three intervals; a plain form that works without JS."""

    def day_rows(self):
        """(weekday label, [(opens field, closes field), ...]) for each weekday, Monday first."""
        return [(WEEKDAY_LABELS[day], [(self[f"d{day}_{slot}_opens"], self[f"d{day}_{slot}_closes"])
                                       for slot in range(SLOTS_PER_DAY)]) for day in range(7)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for _label, slots in self.day_rows():
            for opens, closes in slots:
                if opens.errors or closes.errors:
                    continue
                if (opens.data is None) != (closes.data is None):
                    (closes if closes.data is None else opens).errors.append(_l("请同时填写开始和结束时间"))
                    valid = False
                elif opens.data is not None and closes.data <= opens.data:
                    closes.errors.append(_l("结束时间必须晚于开始时间"))
                    valid = False
        return valid

    def intervals(self) -> list[HoursInterval]:
        return [HoursInterval(weekday=day, opens=opens.data, closes=closes.data)
                for day, (_label, slots) in enumerate(self.day_rows())
                for opens, closes in slots if opens.data is not None]

    @staticmethod
    def crowded_days(listing: Listing) -> list[str]:
        """Weekday labels with more intervals than the form shows (set through the API); saving would drop them."""
        counts = [0] * 7
        for hours in listing.opening_hours:
            counts[hours.weekday] += 1
        return [str(WEEKDAY_LABELS[day]) for day, n in enumerate(counts) if n > SLOTS_PER_DAY]

    @staticmethod
    def defaults(listing: Listing) -> dict:
        """The listing's hours laid out on the form's fields (the first three of each day)."""
        values, used = {}, [0] * 7
        for hours in listing.opening_hours:
            slot = used[hours.weekday]
            if slot < SLOTS_PER_DAY:
                values[f"d{hours.weekday}_{slot}_opens"] = hours.opens
                values[f"d{hours.weekday}_{slot}_closes"] = hours.closes
                used[hours.weekday] += 1
        return values


for _day in range(7):
    for _slot in range(SLOTS_PER_DAY):
        setattr(HoursForm, f"d{_day}_{_slot}_opens", time_field(_l("开始")))
        setattr(HoursForm, f"d{_day}_{_slot}_closes", time_field(_l("结束")))

CLOSED, EXTRA_OPENING = "closed", "open"


class ExceptionForm(FlaskForm):
    """One date that departs from the weekly hours."""

    day = DateField(_l("日期"), validators=[InputRequired(_l("请选择日期"))])
    kind = RadioField(_l("安排"), choices=[(CLOSED, _l("关闭（不填时间则全天关闭）")), (EXTRA_OPENING, _l("额外开放"))],
                      default=CLOSED)
    opens = time_field(_l("开始时间"))
    closes = time_field(_l("结束时间"))
    note = StringField(_l("说明"), description=_l("例如：国庆放假、设备检修"),
                       validators=[Length(max=200, message=_l("说明不能超过200个字"))])

    def to_data(self) -> ExceptionData:
        return ExceptionData(day=self.day.data, is_closed=self.kind.data == CLOSED, opens=self.opens.data,
                             closes=self.closes.data, note=self.note.data or "")


class PhotoForm(FlaskForm):
    photo = FileField(_l("上传图片"), validators=[FileRequired(_l("请选择要上传的图片"))],
                      render_kw={"accept": "image/*"})


class SuspendForm(FlaskForm):
    reason = StringField(_l("暂停原因"), validators=[Length(max=500, message=_l("原因不能超过500个字"))])
