"""A booking's conversation: the booker and the provider write and read it on the booking page and through the API;
strangers, group members and platform admins as decided; bad input, a closed conversation and the rate limit
refused with nothing written; one ``booking.message`` event per message, none when the transaction rolls back."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.throttle import parse_limit
from marketplace.bookings import conversation, services
from marketplace.bookings.models import BookingMessage
from marketplace.core import clock
from marketplace.core.errors import Conflict, TooManyAttempts
from marketplace.core.events import DomainEvent
from marketplace.groups import services as groups
from tests.bookings.conftest import local

RULES = conversation.ConversationRules(parse_limit("20 per hour"), timedelta(days=7))
QUESTION = "可以带30个人来吗？"
ANSWER = "可以的，活动室能坐40人。"


@pytest.fixture
def listing(factory):
    return factory.listing(title="幸福里多功能活动室", capacity=1)


@pytest.fixture
def staff(listing):
    return listing.organisation.memberships[0].user


@pytest.fixture
def resident(factory):
    return factory.user(name="李阿姨")


@pytest.fixture
def booking(factory, listing, resident, now):
    return factory.booking(listing=listing, booker=resident, start=local(1, 10))


def message_count(session) -> int:
    return session.scalar(select(func.count()).select_from(BookingMessage))


def message_events(session) -> list[DomainEvent]:
    return list(session.scalars(select(DomainEvent).where(DomainEvent.type == "booking.message")
                                .order_by(DomainEvent.id)))


def write(session, author, booking, text=QUESTION):
    message = conversation.post_message(session, author, booking, text, rules=RULES)
    session.commit()
    return message


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- both sides, on the page ---------------------------------------------------------------------------------------

def test_booker_and_staff_write_on_the_booking_page_and_both_read_the_conversation_in_order(
        client, login, booking, resident, staff, session):
    login(resident)
    response = client.post(f"/bookings/{booking.id}/messages", data={"message-text": f"  {QUESTION}\n"})
    assert response.status_code == 302
    assert response.location == f"/bookings/{booking.id}?notice=message_sent#conversation"
    client.post("/logout")
    login(staff)
    clock.advance(timedelta(minutes=5))
    assert client.post(f"/bookings/{booking.id}/messages", data={"message-text": ANSWER}).status_code == 302

    for reader in (staff, resident):
        client.post("/logout")
        login(reader)
        html = page_text(client.get(f"/bookings/{booking.id}"))
        assert 'id="conversation"' in html and 'data-testid="message-form"' in html
        assert html.index(QUESTION) < html.index(ANSWER)
        assert html.count('data-testid="message"') == 2
        question_at = html.index(QUESTION)
        assert "李阿姨" in html[:question_at] and ">居民<" in html[:question_at]
        assert ">工作人员<" in html[question_at:html.index(ANSWER)]
        assert "6月1日 周一 08:00" in html and "6月1日 周一 08:05" in html  # Shanghai time of each message
    assert [m.text for m in session.scalars(select(BookingMessage).order_by(BookingMessage.id))] == [QUESTION, ANSWER]


def test_a_new_conversation_says_it_is_empty_and_the_latest_page_is_shown_first(client, login, booking, resident,
                                                                                 staff, session, app):
    login(resident)
    assert 'data-testid="no-messages"' in page_text(client.get(f"/bookings/{booking.id}"))
    per_page = app.config["PAGE_SIZE"]
    for n in range(per_page + 1):
        write(session, resident if n % 2 else staff, booking, f"第{n}条")
    latest = page_text(client.get(f"/bookings/{booking.id}"))
    assert latest.count('data-testid="message"') == 1 and f"第{per_page}条" in latest
    first = page_text(client.get(f"/bookings/{booking.id}?page=1"))
    assert first.count('data-testid="message"') == per_page and "第0条" in first


# --- the API ---------------------------------------------------------------------------------------------------------

def test_api_posts_a_trimmed_message_and_lists_the_conversation_oldest_first_in_pages(client, api_token, booking,
                                                                                        resident, staff):
    booker, provider = api_token(resident), api_token(staff)
    created = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": f" {QUESTION} "}, headers=booker)
    assert created.status_code == 201
    assert created.json["text"] == QUESTION and created.json["side"] == "booker"
    assert created.json["role_label"] == "居民" and created.json["author"]["display_name"] == "李阿姨"
    assert created.json["created_at"] == "2026-06-01T08:00:00+08:00"
    clock.advance(timedelta(minutes=1))
    client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": ANSWER}, headers=provider)
    clock.advance(timedelta(minutes=1))
    client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "好的，谢谢！"}, headers=booker)

    first = client.get(f"/api/v1/bookings/{booking.id}/messages?per_page=2", headers=provider)
    assert first.status_code == 200 and first.json["total"] == 3
    assert [(m["text"], m["role_label"]) for m in first.json["items"]] == [(QUESTION, "居民"), (ANSWER, "工作人员")]
    second = client.get(f"/api/v1/bookings/{booking.id}/messages?per_page=2&page=2", headers=booker)
    assert [m["text"] for m in second.json["items"]] == ["好的，谢谢！"]


def test_a_volunteer_offering_the_listing_answers_as_volunteer(factory, session, resident, now):
    volunteer = factory.user(name="退休律师老周", volunteer=True)
    advice = factory.volunteer_listing(volunteer, title="法律咨询")
    booking = factory.booking(listing=advice, booker=resident, start=local(1, 10))
    write(session, resident, booking)
    answer = write(session, volunteer, booking, "可以，请带上合同")
    assert answer.side.value == "provider" and str(answer.role_label) == "志愿者"


# --- who may --------------------------------------------------------------------------------------------------------

def test_a_stranger_gets_404_on_every_face_and_nothing_is_written(client, login, api_token, factory, booking,
                                                                  session):
    stranger = factory.user()
    headers = api_token(stranger)
    assert client.get(f"/api/v1/bookings/{booking.id}/messages", headers=headers).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "你好"},
                       headers=headers).status_code == 404
    login(stranger)
    assert client.post(f"/bookings/{booking.id}/messages", data={"message-text": "你好"}).status_code == 404
    assert message_count(session) == 0 and message_events(session) == []


def test_a_member_of_the_group_booked_for_sees_the_booking_but_not_the_conversation(client, login, api_token, factory,
                                                                                     listing, resident, session, now):
    member = factory.user(name="张大爷")
    group = groups.create_group(session, resident, "老年合唱团")
    groups.add_member(session, resident, group, member.login_name)
    session.commit()
    booking = factory.booking(listing=listing, booker=resident, group=group, start=local(2, 10))
    write(session, resident, booking)

    login(member)
    page = client.get(f"/bookings/{booking.id}")
    assert page.status_code == 200 and 'id="conversation"' not in page_text(page) and QUESTION not in page_text(page)
    assert client.post(f"/bookings/{booking.id}/messages", data={"message-text": "我也去"}).status_code == 403
    headers = api_token(member)
    assert client.get(f"/api/v1/bookings/{booking.id}/messages", headers=headers).status_code == 403
    refused = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "我也去"}, headers=headers)
    assert refused.status_code == 403 and refused.json["message"] == "只有预约人和提供方可以在这里留言"
    assert message_count(session) == 1


def test_a_platform_admin_reads_the_conversation_but_cannot_write_in_it(client, login, api_token, factory, booking,
                                                                        resident, session):
    write(session, resident, booking)
    admin = factory.user(platform_admin=True)
    login(admin)
    html = page_text(client.get(f"/bookings/{booking.id}"))
    assert QUESTION in html and 'data-testid="conversation-read-only"' in html
    assert 'data-testid="message-form"' not in html
    assert client.post(f"/bookings/{booking.id}/messages", data={"message-text": "管理员提示"}).status_code == 403
    headers = api_token(admin)
    listed = client.get(f"/api/v1/bookings/{booking.id}/messages", headers=headers)
    assert listed.status_code == 200 and [m["text"] for m in listed.json["items"]] == [QUESTION]
    refused = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "管理员提示"}, headers=headers)
    assert refused.status_code == 403
    assert message_count(session) == 1 and len(message_events(session)) == 1


# --- bad input --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("", "请写下要说的话"), (" \n ", "请写下要说的话"),
                                            ("字" * 501, "留言不能超过500个字")])
def test_blank_or_too_long_messages_are_refused_on_both_faces_and_nothing_is_written(
        client, login, api_token, booking, resident, session, text, expected):
    refused = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": text},
                          headers=api_token(resident))
    assert refused.status_code == 422
    login(resident)
    page = client.post(f"/bookings/{booking.id}/messages", data={"message-text": text})
    assert page.status_code == 422 and expected in page_text(page)
    assert message_count(session) == 0 and message_events(session) == []


def test_the_refusal_is_in_the_reader_s_language_and_keeps_what_was_typed(client, login, booking, resident):
    login(resident)
    client.post("/language/en")
    page = client.post(f"/bookings/{booking.id}/messages", data={"message-text": "字" * 501})
    assert page.status_code == 422
    assert "A message can have at most 500 characters" in page_text(page)
    assert "字" * 501 in page_text(page)


def test_exactly_500_characters_fit(booking, resident, session):
    assert write(session, resident, booking, "字" * 500).text == "字" * 500


# --- when it is open --------------------------------------------------------------------------------------------------

def test_the_conversation_stays_open_seven_days_after_the_end_then_only_reads(client, login, api_token, booking,
                                                                             resident, session):
    clock.travel_to(booking.end_at + timedelta(days=7) - timedelta(minutes=1))
    write(session, resident, booking, "谢谢，活动很顺利")
    clock.advance(timedelta(minutes=1))
    refused = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "还在吗？"},
                          headers=api_token(resident))
    assert refused.status_code == 409 and "对话已关闭" in refused.json["message"]
    login(resident)
    html = page_text(client.get(f"/bookings/{booking.id}"))
    assert "谢谢，活动很顺利" in html and 'data-testid="conversation-closed"' in html
    assert 'data-testid="message-form"' not in html
    assert message_count(session) == 1


def test_a_cancelled_booking_s_conversation_closes_seven_days_after_the_cancellation(factory, listing, resident,
                                                                                      session, now):
    later = factory.booking(listing=listing, booker=resident, start=local(25, 10))
    services.cancel_booking(session, resident, later, "家里有事")
    session.commit()
    clock.travel_to(now + timedelta(days=6))
    write(session, resident, later, "不好意思临时取消了")
    clock.travel_to(now + timedelta(days=7))
    assert later.end_at > clock.now()  # the booking's own time has not come, yet the conversation closed
    with pytest.raises(Conflict):
        conversation.post_message(session, resident, later, "还能改回来吗？", rules=RULES)


# --- the rate limit ---------------------------------------------------------------------------------------------------

def test_the_twenty_first_message_within_an_hour_is_refused_with_the_wait(client, login, api_token, booking,
                                                                         resident, staff, session, now):
    for minute in range(20):
        clock.travel_to(now + timedelta(minutes=minute))
        write(session, resident, booking, f"第{minute}条")
    clock.travel_to(now + timedelta(minutes=30))
    refused = client.post(f"/api/v1/bookings/{booking.id}/messages", json={"text": "再问一句"},
                          headers=api_token(resident))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 30 * 60  # when the first of the twenty leaves the hour
    assert refused.json["message"] == "留言太频繁了，请在 30 分钟后再试"
    login(resident)
    page = client.post(f"/bookings/{booking.id}/messages", data={"message-text": "再问一句"})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) == 30 * 60
    assert "留言太频繁了" in page_text(page) and "再问一句" in page_text(page)
    assert message_count(session) == 20

    write(session, staff, booking, ANSWER)  # the limit is per person: the other side may still answer
    clock.travel_to(now + timedelta(hours=1, seconds=1))
    assert write(session, resident, booking, "再问一句").text == "再问一句"


def test_the_limit_counts_per_booking(factory, listing, booking, resident, session):
    other = factory.booking(listing=listing, booker=resident, start=local(3, 10))
    for n in range(20):
        write(session, resident, booking, f"第{n}条")
    with pytest.raises(TooManyAttempts):
        conversation.post_message(session, resident, booking, "再问一句", rules=RULES)
    session.rollback()
    assert write(session, resident, other, "另一个预约").booking_id == other.id


# --- the event --------------------------------------------------------------------------------------------------------

def test_each_message_records_one_booking_message_event_naming_it(booking, resident, staff, session):
    first = write(session, resident, booking)
    second = write(session, staff, booking, ANSWER)
    recorded = message_events(session)
    assert [(e.subject_type, e.subject_id, e.actor_id) for e in recorded] == [
        ("booking", booking.id, resident.id), ("booking", booking.id, staff.id)]
    assert [e.payload for e in recorded] == [
        {"message_id": first.id, "author_id": resident.id, "listing_id": booking.listing_id,
         "booker_id": resident.id},
        {"message_id": second.id, "author_id": staff.id, "listing_id": booking.listing_id, "booker_id": resident.id},
    ]


def test_a_rolled_back_message_leaves_no_event(booking, resident, session):
    conversation.post_message(session, resident, booking, QUESTION, rules=RULES)
    session.rollback()
    assert message_count(session) == 0 and message_events(session) == []
