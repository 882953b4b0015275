"""Groups led and joined in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, keep, rows
from marketplace.groups.models import Group, GroupMember


@exporter("groups", ("groups", "leader_id"), ("group_members", "user_id"))
def export_groups(session, user) -> dict:
    return {"led": rows(session, Group, Group.leader_id == user.id),
            "memberships": rows(session, GroupMember, GroupMember.user_id == user.id)}


@eraser("group_memberships", ("group_members", "user_id"))
def erase_memberships(session, user, erasure) -> None:
    session.execute(delete(GroupMember).where(GroupMember.user_id == user.id))


keep("a group's other members and its bookings rely on it; its leader becomes the anonymised account",
     ("groups", "leader_id"))
