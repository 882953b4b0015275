"""Feedback sent and answered in the export and on deletion (see core.personal_data)."""
from sqlalchemy import update

from marketplace.core.personal_data import eraser, exporter, keep, rows
from marketplace.feedback.models import Feedback, FeedbackAnswer


@exporter("feedback", ("feedback_items", "author_id"), ("feedback_answers", "author_id"))
def export_feedback(session, user) -> dict:
    return {"sent": rows(session, Feedback, Feedback.author_id == user.id),
            "answers_written": rows(session, FeedbackAnswer, FeedbackAnswer.author_id == user.id)}


@eraser("feedback", ("feedback_items", "author_id"))
def anonymise_feedback(session, user, erasure) -> None:
    # The office's answers and its response figures rely on the feedback; its author is hidden everywhere.
    session.execute(update(Feedback).where(Feedback.author_id == user.id).values(anonymous=True))


keep("answers are the office's record; the staff member becomes the anonymised account",
     ("feedback_answers", "author_id"), ("feedback_items", "responder_user_id"))
