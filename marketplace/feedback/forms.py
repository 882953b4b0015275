"""Forms of the feedback pages: they check the shape of the input; the feedback services enforce the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.feedback.models import FeedbackKind
from marketplace.feedback.services import MAX_ANSWER_LENGTH, MAX_TEXT_LENGTH


class FeedbackForm(FlaskForm):
    kind = RadioField(_l("类型"), choices=[(kind.value, kind.label) for kind in FeedbackKind],
                      default=FeedbackKind.feedback.value, validate_choice=False,
                      validators=[InputRequired(_l("请选择意见建议或投诉"))])
    # A community chosen from the list, or the listing or organisation the page was opened for (hidden).
    subject_id = SelectField(_l("反馈的社区"), coerce=optional_id, validate_choice=False)
    text = TextAreaField(_l("内容"), validators=[
        InputRequired(_l("请填写反馈内容")),
        Length(max=MAX_TEXT_LENGTH, message=_l("反馈内容最多%(n)s个字", n=MAX_TEXT_LENGTH))])
    anonymous = BooleanField(_l("对公众匿名（平台管理员仍能看到是谁）"))


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("公开答复"), validators=[
        InputRequired(_l("请填写答复内容")),
        Length(max=MAX_ANSWER_LENGTH, message=_l("答复最多%(n)s个字", n=MAX_ANSWER_LENGTH))])
