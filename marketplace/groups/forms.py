"""Forms of the group pages: they check shape; the group services enforce the rules."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.core.i18n import _l


class GroupForm(FlaskForm):
    name = StringField(_l("团队名称"), validators=[DataRequired(_l("请填写团队名称")),
                                                    Length(max=50, message=_l("团队名称不能超过50个字"))])
    description = TextAreaField(_l("简介"), validators=[Length(max=2000, message=_l("团队简介不能超过2000个字"))])


class MemberForm(FlaskForm):
    login = StringField(_l("成员的手机号或邮箱"), validators=[
        DataRequired(_l("请填写对方注册用的手机号或邮箱")), Length(max=254, message=_l("手机号或邮箱太长了"))])
