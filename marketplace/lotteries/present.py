"""A lottery as both faces show it: its fields, the number of applicants, the viewer's application, the result."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.lotteries import services
from marketplace.lotteries.models import Lottery


def lottery_view(session: Session, lottery: Lottery, viewer) -> dict:
    names = ("id", "listing_id", "status", "start_at", "end_at", "seats", "applications_open_at",
             "applications_close_at", "draw_at", "priority", "drawn_at")
    view = {name: getattr(lottery, name) for name in names}
    view.update(lottery=lottery, applicants=services.application_count(session, lottery),
                application=services.application_of(session, lottery, viewer),
                result=services.published_result(lottery))
    view["applied"] = view["application"] is not None
    return view
