from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.core.i18n import _l


class RegisterForm(FlaskForm):
    phone = TelField(_l("手机号码"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("邮箱"), validators=[Optional(), Length(max=254)])
    display_name = StringField(_l("称呼"), validators=[DataRequired(_l("请填写称呼")), Length(max=50)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")), Length(max=128)])


class LoginForm(FlaskForm):
    login = StringField(_l("手机号码或邮箱"), validators=[DataRequired(_l("请填写手机号码或邮箱")), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")), Length(max=128)])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("称呼"), validators=[DataRequired(_l("请填写称呼")), Length(max=50)])
    home_place_id = SelectField(_l("我住在"), coerce=int, validate_choice=False)
    is_party_member = BooleanField(_l("我是党员"))
    is_volunteer = BooleanField(_l("我愿意做志愿者"))
    locale = SelectField(_l("界面语言"), choices=[("zh_CN", "简体中文"), ("en", "English")])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码")), Length(max=128)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码")), Length(max=128)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), Length(max=254)])


class ResetConfirmForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), Length(max=254)])
    code = StringField(_l("验证码"), validators=[DataRequired(_l("请填写验证码")), Length(max=20)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码")), Length(max=128)])


class PublicContactForm(FlaskForm):
    shows_phone_publicly = BooleanField(_l("在我提供的资源和预约上显示我的手机号码"))
    public_contact_note = TextAreaField(_l("联系说明"), validators=[
        Length(max=200, message=_l("联系说明不能超过200个字"))])
