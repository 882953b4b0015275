"""Lottery applications in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, keep, rows
from marketplace.lotteries.models import LotteryApplication


@exporter("lottery_applications", ("lottery_applications", "user_id"))
def export_applications(session, user) -> list[dict]:
    return rows(session, LotteryApplication, LotteryApplication.user_id == user.id)


@eraser("open_lottery_applications", ("lottery_applications", "user_id"))
def withdraw_open_applications(session, user, erasure) -> None:
    # A drawn application is part of the published outcome (the seed and the applicants' ids) and stays.
    session.execute(delete(LotteryApplication).where(LotteryApplication.user_id == user.id,
                                                     LotteryApplication.outcome.is_(None)))


keep("who set up a lottery stays on its record", ("lotteries", "created_by_id"))
