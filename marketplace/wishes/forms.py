"""Forms of the wish pages: they check the shape of the input; the wish services enforce the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.reviews.forms import STAR_CHOICES
from marketplace.wishes.photos import MAX_PHOTOS
from marketplace.wishes.services import MAX_NEED_LENGTH, MAX_NOTE_LENGTH, MAX_TITLE_LENGTH


def _too_long(n: int):
    return Length(max=n, message=_l("最多%(n)s个字", n=n))


class WishForm(FlaskForm):
    title = StringField(_l("心愿标题"), validators=[InputRequired(_l("请填写心愿标题")), _too_long(MAX_TITLE_LENGTH)])
    need = TextAreaField(_l("需要什么帮助"), validators=[InputRequired(_l("请写下需要什么帮助")),
                                                         _too_long(MAX_NEED_LENGTH)])
    needed_by = DateField(_l("希望在哪天之前实现"), validators=[InputRequired(_l("请填写希望在哪天之前实现"))])
    place_id = SelectField(_l("所在网格或楼栋（墙上只显示网格）"), coerce=optional_id, validate_choice=False)
    resident_login = StringField(_l("代办：居民的手机号或邮箱（社区工作人员替居民发布时填写）"),
                                 validators=[Optional(), Length(max=254)])
    confirmed_in_person = BooleanField(_l("居民已当面同意发布"))
    photo = MultipleFileField(_l("照片（可选，最多%(n)s张）", n=MAX_PHOTOS), render_kw={"accept": "image/*"})


class ClaimForm(FlaskForm):
    group_id = SelectField(_l("以谁的名义认领"), coerce=optional_id, validate_choice=False)


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[InputRequired(_l("请填写退回的原因")), _too_long(MAX_NOTE_LENGTH)])


class FulfilForm(FlaskForm):
    note = TextAreaField(_l("做了什么"), validators=[InputRequired(_l("请简单说说做了什么")), _too_long(MAX_NOTE_LENGTH)])
    hours = StringField(_l("服务时长（小时）"), validators=[InputRequired(_l("请填写服务时长（小时）"))])
    photo = FileField(_l("完成情况的照片（可选）"), render_kw={"accept": "image/*"})


def _stars(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ConfirmForm(FlaskForm):
    rating = RadioField(_l("评分（可选）"), choices=STAR_CHOICES, coerce=_stars, validate_choice=False,
                        validators=[Optional()])
    thanks = TextAreaField(_l("感谢的话（可选）"), validators=[_too_long(MAX_NOTE_LENGTH)])
