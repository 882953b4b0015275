from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from marketplace.core.i18n import _l


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码")), Length(max=128)])
