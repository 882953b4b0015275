"""Needs lists name the staff who wrote them (see core.personal_data)."""
from marketplace.core.personal_data import keep

keep("a published needs list and its invitations are the organisation's, not the writer's",
     ("needs", "created_by_id"), ("need_invitations", "invited_by_id"))
