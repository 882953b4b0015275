"""Pledges name the staff who signed them (see core.personal_data)."""
from marketplace.core.personal_data import keep

keep("a pledge is the organisation's public promise; who signed it stays", ("pledges", "signed_by_id"))
