"""Forms of the organisation pages: they check shape; the services enforce the rules."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.listings.forms import number_field
from marketplace.organisations.models import ORGANISATION_TYPE_LABELS, StaffRole


def organisation_type_choices():
    return [("", _l("请选择"))] + [(kind.value, label) for kind, label in ORGANISATION_TYPE_LABELS.items()]


class OrganisationForm(FlaskForm):
    name = StringField(_l("组织名称"), validators=[
        DataRequired(_l("请填写组织名称")), Length(max=100, message=_l("组织名称不能超过100个字"))])
    type = SelectField(_l("组织类型"), choices=organisation_type_choices, validate_choice=False)
    place_id = SelectField(_l("所在社区"), coerce=optional_id, validate_choice=False)
    address = StringField(_l("地址"), validators=[Length(max=200, message=_l("地址不能超过200个字"))])
    contact_phone = TelField(_l("联系电话"), validators=[Length(max=20, message=_l("联系电话不能超过20个字符"))])
    office_hours = StringField(_l("办公时间"), validators=[Length(max=200, message=_l("办公时间不能超过200个字"))])
    description = TextAreaField(_l("简介"), validators=[Length(max=5000, message=_l("简介不能超过5000个字"))])


class OrganisationEditForm(OrganisationForm):
    """The edit page also sets the fair-use caps that bind a booker across all the organisation's listings."""

    max_active_bookings_per_booker = number_field(
        _l("每人同时有效预约上限（全组织合计）"), minimum=1,
        hint=_l("留空表示不限；一个人或团队在本组织所有资源上同时有效的预约数"))
    max_hours_per_week_per_booker = number_field(
        _l("每人每周预约小时上限（全组织合计）"), minimum=1, hint=_l("留空表示不限；按本地时间周一到周日计算"))


class StaffForm(FlaskForm):
    login = StringField(_l("手机号码或邮箱"), validators=[
        DataRequired(_l("请填写对方的手机号码或邮箱")), Length(max=254, message=_l("手机号码或邮箱太长了"))])
    role = SelectField(_l("角色"), choices=[(role.value, role.label) for role in StaffRole], validate_choice=False)


class OfficeResetForm(FlaskForm):
    login = StringField(_l("居民的手机号码或邮箱"), validators=[DataRequired(_l("请填写手机号码或邮箱")), Length(max=254)])
    identity_checked = BooleanField(_l("我已当面核对过居民的身份证件"),
                                    validators=[DataRequired(_l("请先当面核对居民的身份证件"))])
