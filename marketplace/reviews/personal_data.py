"""Reviews by and about the person, and their reports, in the export (see core.personal_data)."""
from marketplace.core.personal_data import exporter, keep, rows
from marketplace.reviews.models import Review, ReviewReport


@exporter("reviews", ("reviews", "author_id"), ("reviews", "reviewee_id"), ("review_reports", "reporter_id"))
def export_reviews(session, user) -> dict:
    return {"written": rows(session, Review, Review.author_id == user.id),
            "about_me": rows(session, Review, Review.reviewee_id == user.id),
            "reports": rows(session, ReviewReport, ReviewReport.reporter_id == user.id)}


keep("reviews stay for the listing's rating, shown as by 已注销用户 (the anonymised account)",
     ("reviews", "author_id"), ("reviews", "reviewee_id"), ("reviews", "replied_by_id"),
     ("review_reports", "reporter_id"), ("review_reports", "decided_by_id"))
