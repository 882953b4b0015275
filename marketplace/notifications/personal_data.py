"""The inbox, the choices about it and the digests in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, rows
from marketplace.notifications.models import DigestRun, Notification, NotificationPreference


@exporter("notifications", ("notifications", "recipient_id"))
def export_notifications(session, user) -> list[dict]:
    return rows(session, Notification, Notification.recipient_id == user.id)


@exporter("notification_preferences", ("notification_preferences", "user_id"), ("digest_runs", "user_id"))
def export_preferences(session, user) -> dict:
    return {"preferences": rows(session, NotificationPreference, NotificationPreference.user_id == user.id),
            "digests": rows(session, DigestRun, DigestRun.user_id == user.id)}


@eraser("notifications", ("notifications", "recipient_id"), ("notification_preferences", "user_id"),
        ("digest_runs", "user_id"), order=85)
def erase_notifications(session, user, erasure) -> None:
    for model, column in ((DigestRun, DigestRun.user_id), (Notification, Notification.recipient_id),
                          (NotificationPreference, NotificationPreference.user_id)):
        session.execute(delete(model).where(column == user.id))
