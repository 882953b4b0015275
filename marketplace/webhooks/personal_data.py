"""The webhook endpoints a person registered, in the export (never their secrets; see core.personal_data)."""
from marketplace.core.personal_data import exporter, keep, rows
from marketplace.webhooks.models import WebhookEndpoint


@exporter("webhooks", ("webhook_endpoints", "owner_id"))
def export_webhooks(session, user) -> list[dict]:
    return rows(session, WebhookEndpoint, WebhookEndpoint.owner_id == user.id,
                exclude=("secret", "previous_secret"))


keep("an organisation's endpoints keep delivering to its systems; who registered one becomes the anonymised account",
     ("webhook_endpoints", "owner_id"))
