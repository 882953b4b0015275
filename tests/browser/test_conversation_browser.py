"""On phones: a resident asks on their booking's page whether 30 people may come, and the staff member answers on
the same booking's page; each sees both messages in order, with who wrote them."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.bookings.models import BookingMessage
from marketplace.core import clock
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
QUESTION = "可以带30个人来吗？"
ANSWER = "可以的，活动室能坐40人，椅子我们提前摆好。"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_resident_asks_and_the_staff_member_answers_on_the_booking_page(page, new_phone_page, live_factory, live_db,
                                                                         browser_login, screenshot):
    clock.travel_to(NOW)  # Monday 1 June 2026, 08:00 in Shanghai
    listing = live_factory.listing(title="幸福里多功能活动室")
    staff = listing.organisation.memberships[0].user
    resident = live_factory.user(name="李阿姨")
    booking = live_factory.booking(listing=listing, booker=resident, start=local(1, 10), purpose="老年合唱排练")
    booking_id, resident_id, staff_id, staff_name = booking.id, resident.id, staff.id, staff.display_name

    browser_login(page, resident)
    page.goto(f"/bookings/{booking_id}")
    conversation = page.get_by_test_id("conversation")
    expect(conversation.get_by_test_id("no-messages")).to_be_visible()
    conversation.get_by_label("写留言").fill(QUESTION)
    conversation.get_by_role("button", name="发送留言").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}\?notice=message_sent#conversation$"))
    expect(page.get_by_test_id("message-sent")).to_be_visible()
    expect(page.get_by_test_id("message-text")).to_have_text([QUESTION])

    desk = new_phone_page()
    browser_login(desk, staff)
    desk.goto(f"/bookings/{booking_id}")
    question = desk.get_by_test_id("message")
    expect(question).to_have_count(1)
    expect(question).to_contain_text("李阿姨")
    expect(question.get_by_test_id("message-role")).to_have_text("居民")
    desk.get_by_test_id("conversation").get_by_label("写留言").fill(ANSWER)
    desk.get_by_role("button", name="发送留言").click()
    expect(desk.get_by_test_id("message-text")).to_have_text([QUESTION, ANSWER])
    assert fits_the_phone(desk)

    page.reload()
    messages = page.get_by_test_id("message")
    expect(messages).to_have_count(2)
    expect(messages.nth(1).get_by_test_id("message-role")).to_have_text("工作人员")
    expect(messages.nth(1)).to_contain_text(staff_name)
    expect(messages.nth(0)).to_have_class("message mine")
    assert fits_the_phone(page)
    screenshot(page, "booking-conversation-phone")

    live_db.rollback()  # end the test's read transaction so it sees what the server committed
    stored = live_db.scalars(select(BookingMessage).order_by(BookingMessage.id)).all()
    assert [(m.author_id, m.text) for m in stored] == [(resident_id, QUESTION), (staff_id, ANSWER)]
