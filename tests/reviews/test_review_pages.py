"""Review pages as people meet them: a score before any review (a provider's cancellation weighs like one) shows
no distribution and no error; each report on the moderation page has a form of its own."""
from __future__ import annotations

import re

from marketplace.bookings import services as bookings
from marketplace.reviews import services as reviews
from tests.bookings.conftest import local
from tests.reviews.conftest import staff_of
from tests.reviews.test_review_notifications import both_reviewed


def test_a_listing_scored_by_a_cancellation_alone_shows_its_score_without_a_distribution(client, factory, session,
                                                                                        now, deliver):
    booking = factory.booking(listing=factory.listing(), start=local(3, 10))
    bookings.cancel_booking(session, staff_of(booking.listing), booking, "设备检修")
    session.commit()
    deliver()

    for path in (f"/listings/{booking.listing_id}", f"/organisations/{booking.listing.organisation_id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'data-testid="rating-distribution"' not in page.get_data(as_text=True)


def test_every_report_on_the_moderation_page_has_its_own_form_fields(client, login, factory, session, finished):
    admin = factory.user(platform_admin=True)
    for day in (1, 2):
        about_provider, _ = both_reviewed(session, finished(day=day))
        reviews.report_review(session, factory.user(), about_provider, "不实")
    session.commit()
    login(admin)

    page = client.get("/admin/review-reports").get_data(as_text=True)

    ids = re.findall(r'id="([^"]*decision[^"]*)"', page)
    assert len(ids) >= 4 and len(ids) == len(set(ids))


def test_a_refused_second_reply_says_why_on_the_page(client, login, session, finished):
    about_provider, _ = both_reviewed(session, finished())
    staff = staff_of(about_provider.booking.listing)
    reviews.reply_to_review(session, staff, about_provider, "谢谢！")
    session.commit()
    login(staff)

    again = client.post(f"/reviews/{about_provider.id}/reply", data={"text": "再说一句"})

    assert again.status_code == 409
    assert 'role="alert"' in again.get_data(as_text=True)
