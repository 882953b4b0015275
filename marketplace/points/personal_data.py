"""The person's points account and its statement in the export (see core.personal_data)."""
from sqlalchemy import or_, select

from marketplace.core.audit import snapshot
from marketplace.core.personal_data import exporter, keep
from marketplace.points.models import PointsAccount, PointsTransfer


@exporter("points", ("points_accounts", "user_id"), ("points_transfers", "actor_id"))
def export_points(session, user) -> dict:
    account = session.scalar(select(PointsAccount).where(PointsAccount.user_id == user.id))
    if account is None:
        return {"balance": "0.00", "statement": []}
    transfers = session.scalars(select(PointsTransfer).where(
        or_(PointsTransfer.source_id == account.id, PointsTransfer.destination_id == account.id))
        .order_by(PointsTransfer.id))
    return {"balance": str(account.balance),
            "statement": [{**snapshot(t), "signed_amount": str(t.amount if t.destination_id == account.id else -t.amount)}
                          for t in transfers],
            "transfers_made": [snapshot(t) for t in session.scalars(
                select(PointsTransfer).where(PointsTransfer.actor_id == user.id).order_by(PointsTransfer.id))]}


keep("the ledger is append-only and must balance: the account and its transfers stay, owned by the anonymised "
     "account", ("points_accounts", "user_id"), ("points_transfers", "actor_id"))
