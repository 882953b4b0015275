"""The lottery forms: times typed as wall-clock times of the deployment's zone; the services enforce the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from marketplace.bookings.forms import WholeNumberField
from marketplace.core.i18n import _l
from marketplace.lotteries.models import PRIORITY_LABELS

FORMAT = "%Y-%m-%dT%H:%M"


class LotteryForm(FlaskForm):
    start = DateTimeLocalField(_l("时段开始"), format=FORMAT, validators=[InputRequired(_l("请填写时段的开始时间"))])
    duration = WholeNumberField(_l("时长（分钟）"), validators=[InputRequired(_l("请填写时长"))])
    applications_close_at = DateTimeLocalField(_l("报名截止"), format=FORMAT,
                                               validators=[InputRequired(_l("请填写报名截止时间"))])
    draw_at = DateTimeLocalField(_l("抽签时间"), format=FORMAT, validators=[InputRequired(_l("请填写抽签时间"))])
    priority = SelectField(_l("优先规则"), choices=[(p.value, label) for p, label in PRIORITY_LABELS.items()])


class VerifyForm(FlaskForm):
    """The public re-run of a draw (a GET form: it writes nothing)."""

    class Meta:
        csrf = False

    seed = StringField(_l("种子"), validators=[InputRequired(_l("请填写种子")), Length(max=64)])
    priority_ids = StringField(_l("优先组报名者编号（用逗号分隔）"), validators=[Length(max=20000)])
    other_ids = StringField(_l("其他报名者编号（用逗号分隔）"), validators=[Length(max=20000)])
    refused_ids = StringField(_l("不符合预约规则者编号（用逗号分隔，可空）"), validators=[Length(max=20000)])
    seats = WholeNumberField(_l("名额"), validators=[InputRequired(_l("请填写名额"))])


def id_list(text: str | None) -> list[int]:
    """Ids typed with commas or spaces between them; ValueError for anything else."""
    parts = (text or "").replace("，", ",").replace(",", " ").split()
    if not all(part.isdigit() and len(part) <= 9 for part in parts):
        raise ValueError(_l("编号只能是用逗号分隔的整数"))
    return [int(part) for part in parts]
