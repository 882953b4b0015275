"""Forms of the review pages: they check the shape of the input; the review services enforce the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.i18n import _l
from marketplace.reviews.services import MAX_REASON_LENGTH, MAX_TEXT_LENGTH

STAR_CHOICES = [(n, "★" * n) for n in range(5, 0, -1)]


def _stars(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _user_id(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ReviewForm(FlaskForm):
    side = HiddenField()
    stars = RadioField(_l("评分"), choices=STAR_CHOICES, coerce=_stars, validate_choice=False,
                       validators=[InputRequired(_l("请选择1到5颗星"))])
    tags = SelectMultipleField(_l("标签（可选）"), validate_choice=False, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False))
    text = TextAreaField(_l("评价内容（可选）"),
                         validators=[Length(max=MAX_TEXT_LENGTH, message=_l("评价最多%(n)s个字", n=MAX_TEXT_LENGTH))])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("公开回复"), validators=[
        InputRequired(_l("请填写回复内容")),
        Length(max=MAX_TEXT_LENGTH, message=_l("回复最多%(n)s个字", n=MAX_TEXT_LENGTH))])


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("举报原因"), validators=[
        InputRequired(_l("请填写举报原因")),
        Length(max=MAX_REASON_LENGTH, message=_l("不能超过%(n)s个字", n=MAX_REASON_LENGTH))])


class ModerationForm(FlaskForm):
    decision = RadioField(_l("处理"), choices=[("hide", _l("隐藏（不再计入评分）")), ("keep", _l("保留"))],
                          validate_choice=False, validators=[InputRequired(_l("请选择隐藏或保留"))])
    reason = TextAreaField(_l("处理理由"), validators=[
        InputRequired(_l("请填写处理理由")),
        Length(max=MAX_REASON_LENGTH, message=_l("不能超过%(n)s个字", n=MAX_REASON_LENGTH))])


class ServedByForm(FlaskForm):
    # The choices (the organisation's members) are the view's; the service judges whoever is sent.
    user_id = SelectField(_l("服务者"), coerce=_user_id, validate_choice=False)
