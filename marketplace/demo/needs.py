"""A need of the demo street: 新华社区居委会's summer day care asks for a children's room, homework tutors and a
first-aid trainer; its suggestions come from the search index like every need's."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import clock
from marketplace.demo.organisations import XINHUA_OFFICE
from marketplace.needs import services as needs
from marketplace.organisations.models import Organisation

MONDAY = 0
# (kind, what, how many, from, until) on the Monday after next, afternoons when the children's room opens.
ITEMS = (
    ("space", "儿童活动室", 1, time(16), time(18)),
    ("service", "作业辅导", 3, time(16, 30), time(18)),
    ("skill", "急救培训", 1, time(16), time(17)),
)


def publish_need(session: Session, *, zone: str) -> None:
    office = session.scalar(select(Organisation).where(Organisation.name == XINHUA_OFFICE))
    staff = next(m.user for m in office.memberships)
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    day = today + timedelta(days=(MONDAY - today.weekday()) % 7 + 7)
    needs.create_need(session, staff, needs.NeedData(
        organisation_id=office.id, title="暑期托管",
        description="暑假里为双职工家庭照看小学生：下午写作业、做手工，需要场地、辅导老师和一次急救培训。",
        items=[needs.ItemData(kind=kind, text=text, quantity=quantity,
                              start=datetime.combine(day, opens, tzinfo=ZoneInfo(zone)),
                              end=datetime.combine(day, closes, tzinfo=ZoneInfo(zone)))
               for kind, text, quantity, opens, closes in ITEMS]))
