"""Staff memberships and organisations applied for in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, keep, rows
from marketplace.organisations.models import Membership, Organisation


@exporter("organisations", ("memberships", "user_id"), ("organisations", "applicant_id"))
def export_organisations(session, user) -> dict:
    return {"memberships": rows(session, Membership, Membership.user_id == user.id),
            "applied_for": [{"id": row["id"], "name": row["name"], "created_at": row["created_at"]}
                            for row in rows(session, Organisation, Organisation.applicant_id == user.id)]}


@eraser("memberships", ("memberships", "user_id"))
def erase_memberships(session, user, erasure) -> None:
    session.execute(delete(Membership).where(Membership.user_id == user.id))


keep("an organisation's registration record names who applied", ("organisations", "applicant_id"))
