"""Forms of the webhooks page: they check the shape; the services check the URL (SSRF), events and rights."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.forms import optional_id
from marketplace.core.i18n import _l
from marketplace.webhooks.services import PUBLIC_EVENTS


class EndpointForm(FlaskForm):
    url = StringField(_l("接收地址"), validators=[InputRequired(_l("请填写接收地址")),
                                                Length(max=500, message=_l("网址太长"))])
    # Blank: the platform's own endpoint (platform admins only; the service refuses anyone else).
    organisation_id = SelectField(_l("为哪个机构接收"), coerce=optional_id, validate_choice=False)
    events = SelectMultipleField(_l("订阅的事件"), choices=list(PUBLIC_EVENTS.items()), validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
