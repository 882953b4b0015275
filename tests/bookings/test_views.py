"""The booking pages: the widget on a listing, booking through the form, the taken-slot alternatives, series,
my bookings and cancelling, the provider's inbox, decisions and calendar — all through real HTML requests."""
from datetime import time

import pytest
from sqlalchemy import func, select

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock
from marketplace.listings import services as listing_services
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import local

MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def page_text(response) -> str:
    return response.get_data(as_text=True)


def booking_count(session) -> int:
    return session.scalar(select(func.count(Booking.id)))


def slot(day: int, hour: int) -> str:
    """What a slot button posts: the wall-clock start in Shanghai with its offset, ``day`` days after 1 June 2026."""
    return f"2026-06-{1 + day:02d}T{hour:02d}:00:00+08:00"


@pytest.fixture
def listing(factory):
    return factory.listing(slot_minutes=60, min_duration_minutes=60, max_duration_minutes=180, hours=MORNINGS)


@pytest.fixture
def resident(factory):
    return factory.user(name="李阿姨")


@pytest.fixture
def staff(listing):
    return listing.organisation.memberships[0].user


def book(client, listing, start, duration=60, **fields):
    return client.post(f"/listings/{listing.id}/book", data={"start": start, "duration": duration, **fields})


# --- the widget and the booking form --------------------------------------------------------------------------------

def test_listing_page_shows_a_week_of_free_slots_by_day_and_asks_anonymous_users_to_log_in(client, now, listing):
    response = client.get(f"/listings/{listing.id}")
    html = page_text(response)
    assert response.status_code == 200
    assert html.count('data-testid="slot-day"') == 7
    assert html.count('data-testid="slot"') == 21  # 09:00, 10:00, 11:00 on each of seven days
    assert "6月1日 周一" in html and "6月7日 周日" in html
    assert "登录后预约" in html and 'data-testid="book-form"' not in html


def test_signed_in_residents_get_a_form_with_durations_in_slot_steps(client, login, now, listing, resident):
    login(resident)
    html = page_text(client.get(f"/listings/{listing.id}"))
    assert 'data-testid="book-form"' in html
    assert 'value="2026-06-02T10:00:00+08:00"' in html
    assert '<option value="60" selected>1小时</option>' in html and '<option value="180" >3小时</option>' in html
    assert 'name="seats"' not in html  # an exclusive room: no seat count to choose


def test_week_links_page_through_weeks_and_a_longer_duration_offers_fewer_starts(client, now, listing):
    first = page_text(client.get(f"/listings/{listing.id}"))
    assert 'data-testid="previous-week"' not in first
    assert f"/listings/{listing.id}?week=2026-06-08" in first
    following = page_text(client.get(f"/listings/{listing.id}?week=2026-06-08"))
    assert "6月8日 周一" in following and 'data-testid="previous-week"' in following
    longer = page_text(client.get(f"/listings/{listing.id}?duration=180"))
    assert longer.count('data-testid="slot"') == 7  # only 09:00 fits three hours before noon


@pytest.mark.parametrize("query, message", [("week=2026-13-01", "日期格式应为"), ("week=June", "日期格式应为"),
                                            ("duration=abc", "时长应为整数分钟"), ("week=9999-12-31", "超出了可预约的范围"),
                                            ("week=0001-01-01", "超出了可预约的范围")])
def test_malformed_week_or_duration_is_a_chinese_422(client, now, listing, query, message):
    response = client.get(f"/listings/{listing.id}/book?{query}")
    assert response.status_code == 302  # anonymous: log in first
    response = client.get(f"/listings/{listing.id}?{query}")
    assert response.status_code == 422
    assert message in page_text(response)


def test_booking_an_instant_listing_confirms_it_and_shows_the_result(client, login, session, now, listing, resident):
    login(resident)
    response = book(client, listing, slot(1, 10), purpose="老年合唱排练")
    assert response.status_code == 302 and "notice=booked" in response.location
    booking = session.scalar(select(Booking))
    assert booking.status is BookingStatus.confirmed and booking.booker_id == resident.id
    assert (booking.start_at, booking.end_at) == (local(1, 10), local(1, 11))
    result = page_text(client.get(response.location))
    assert "预约成功" in result and "已确认" in result and "6月2日 周二 10:00–11:00" in result


def test_booking_an_approval_listing_creates_a_pending_request(client, login, session, factory, now, resident):
    listing = factory.listing(instant_booking=False, slot_minutes=60, min_duration_minutes=60, hours=MORNINGS)
    login(resident)
    html = page_text(client.get(f"/listings/{listing.id}"))
    assert "提交预约申请" in html
    response = book(client, listing, slot(2, 9), duration=120)
    assert "notice=requested" in response.location
    booking = session.scalar(select(Booking))
    assert booking.status is BookingStatus.pending and booking.end_at == local(2, 11)
    assert "待审批" in page_text(client.get(response.location))


def test_a_taken_slot_shows_alternatives_and_writes_nothing(client, login, session, factory, now, listing, resident):
    similar = factory.listing(organisation=listing.organisation, title="第二活动室", slot_minutes=60,
                              min_duration_minutes=60, hours=MORNINGS)
    factory.booking(listing=listing, start=local(1, 10))
    before = booking_count(session)
    login(resident)
    response = book(client, listing, slot(1, 10), purpose="读书会")
    html = page_text(response)
    assert response.status_code == 409
    assert "这个时段刚刚被别人预约了" in html
    assert booking_count(session) == before
    same_day = html.split('data-testid="same-day"')[1].split("</div>")[0]
    assert 'value="2026-06-02T09:00:00+08:00"' in same_day and 'value="2026-06-02T11:00:00+08:00"' in same_day
    other_days = html.split('data-testid="other-days"')[1].split("</div>")[0]
    assert 'value="2026-06-03T10:00:00+08:00"' in other_days
    similar_part = html.split('data-testid="similar-listings"')[1].split("</ul>")[0]
    assert "第二活动室" in similar_part and f"/listings/{similar.id}/book" in similar_part
    assert 'name="purpose" value="读书会"' in html  # one click books the same request elsewhere


def test_one_click_on_an_alternative_books_it(client, login, session, factory, now, listing, resident):
    factory.booking(listing=listing, start=local(1, 10))
    login(resident)
    book(client, listing, slot(1, 10))
    response = book(client, listing, slot(2, 10))  # what the "other days" button posts
    assert response.status_code == 302
    mine = session.scalar(select(Booking).where(Booking.booker_id == resident.id))
    assert mine.start_at == local(2, 10) and mine.status is BookingStatus.confirmed


@pytest.mark.parametrize("fields, status, message", [
    ({"start": slot(1, 10), "duration": -60}, 422, "结束时间必须晚于开始时间"),
    ({"start": slot(1, 10), "duration": 90}, 422, "整数倍"),
    ({"start": slot(1, 10), "duration": "abc"}, 422, "请填写整数"),
    ({"start": "2026-06-02T10:00:00", "duration": 60}, 422, "开始时间的格式不正确"),
    ({"start": "not a date", "duration": 60}, 422, "开始时间的格式不正确"),
    ({"start": "0001-01-01T00:00:00+08:00", "duration": 60}, 422, "开始时间的格式不正确"),
    ({"duration": 60}, 422, "请选择一个开始时间"),
    ({"start": slot(1, 10), "duration": 60, "purpose": "很" * 201}, 422, "用途不能超过200个字"),
    ({"start": slot(0, 7), "duration": 60}, 422, "不能预约已经过去的时间"),
    ({"start": slot(1, 10), "duration": 60, "group_id": "424242"}, 404, "找不到这个团队"),
])
def test_bad_booking_input_gets_a_chinese_4xx_and_writes_nothing(client, login, session, now, listing, resident,
                                                                  fields, status, message):
    login(resident)
    response = client.post(f"/listings/{listing.id}/book", data=fields)
    assert response.status_code == status
    assert message in page_text(response)
    assert booking_count(session) == 0


@pytest.mark.parametrize("seats, message", [("0", "人数应在1到5之间"), ("6", "人数应在1到5之间"), ("x", "请填写整数")])
def test_seats_must_fit_the_capacity(client, login, session, factory, now, resident, seats, message):
    listing = factory.listing(capacity=5, slot_minutes=60, min_duration_minutes=60, hours=MORNINGS)
    login(resident)
    assert 'name="seats"' in page_text(client.get(f"/listings/{listing.id}"))
    response = book(client, listing, slot(1, 10), seats=seats)
    assert response.status_code == 422 and message in page_text(response)
    assert booking_count(session) == 0
    assert book(client, listing, slot(1, 10), seats="5").status_code == 302


def test_unknown_listing_is_404_and_anonymous_bookers_are_sent_to_log_in(client, login, now, listing, resident):
    assert book(client, listing, slot(1, 10)).status_code == 302
    login(resident)
    response = client.post("/listings/987654/book", data={"start": slot(1, 10), "duration": 60})
    assert response.status_code == 404 and "找不到这个资源" in page_text(response)


# --- series ---------------------------------------------------------------------------------------------------------

def series_form(**overrides):
    return {"first_day": "2026-06-02", "start_time": "10:00", "duration": "60", "frequency": "weekly",
            "end_by": "count", "count": "4", "seats": "1", "purpose": "书法班", **overrides}


def test_series_preview_lists_free_and_conflicting_dates_then_books_all_free(client, login, session, factory, now,
                                                                              listing, resident):
    factory.booking(listing=listing, start=local(8, 10))  # the second Tuesday is taken
    before = booking_count(session)
    login(resident)
    preview = client.post(f"/listings/{listing.id}/series", data=series_form(action="preview"))
    html = page_text(preview)
    assert preview.status_code == 200
    assert html.count('data-testid="occurrence-free"') == 3 and html.count('data-testid="occurrence-conflict"') == 1
    assert "6月9日 周二" in html.split('data-testid="occurrence-conflict"')[1]
    assert booking_count(session) == before  # a preview writes nothing
    assert "都不预约" in html
    booked = client.post(f"/listings/{listing.id}/series", data=series_form(action="book"))
    assert booked.status_code == 302 and "notice=series_booked" in booked.location
    mine = session.scalars(select(Booking).where(Booking.booker_id == resident.id).order_by(Booking.start_at)).all()
    assert [b.start_at for b in mine] == [local(1, 10), local(15, 10), local(22, 10)]
    assert len({b.series_id for b in mine}) == 1
    page = page_text(client.get(booked.location))
    assert page.count('data-testid="series-booking"') == 3


def test_series_form_refuses_bad_input_in_chinese(client, login, session, now, listing, resident):
    login(resident)
    for data, message in [(series_form(action="preview", count="0"), "重复次数应在1到60之间"),
                          (series_form(action="preview", end_by="until", until="2026-05-01"), "结束日期不能早于第一次预约"),
                          (series_form(action="preview", frequency="daily"), "重复方式只能是"),
                          (series_form(action="preview", first_day="2026-02-30"), "不是有效的日期值"),
                          (series_form(action="book", start_time="25:00"), "不是有效的时间值")]:
        response = client.post(f"/listings/{listing.id}/series", data=data)
        assert response.status_code == 422 and message in page_text(response), message
    assert booking_count(session) == 0


def test_cancelling_this_and_later_occurrences_of_a_series(client, login, session, now, listing, resident):
    login(resident)
    client.post(f"/listings/{listing.id}/series", data=series_form(action="book"))
    bookings = session.scalars(select(Booking).order_by(Booking.start_at)).all()
    series_id = bookings[0].series_id
    confirm = client.get(f"/series/{series_id}/cancel?scope=following&booking_id={bookings[2].id}")
    assert confirm.status_code == 200 and "取消这一次及以后的" in page_text(confirm)
    response = client.post(f"/series/{series_id}/cancel", data={"scope": "following", "booking_id": bookings[2].id})
    assert response.status_code == 200 and "已取消2次预约" in page_text(response)
    session.expire_all()
    assert [b.status for b in bookings] == [BookingStatus.confirmed] * 2 + [BookingStatus.cancelled] * 2
    only_one = client.post(f"/series/{series_id}/cancel", data={"scope": "occurrence", "booking_id": bookings[0].id})
    assert only_one.status_code == 200
    session.expire_all()
    assert bookings[0].status is BookingStatus.cancelled and bookings[1].status is BookingStatus.confirmed
    whole = client.post(f"/series/{series_id}/cancel", data={"scope": "all"})
    assert whole.status_code == 200 and "已取消1次预约" in page_text(whole)
    nothing_left = client.post(f"/series/{series_id}/cancel", data={"scope": "all"})
    assert nothing_left.status_code == 409 and "没有可以取消的预约了" in page_text(nothing_left)


# --- my bookings and cancelling -------------------------------------------------------------------------------------

def test_my_bookings_lists_upcoming_and_past_with_chinese_status(client, login, factory, now, listing, resident):
    factory.booking(listing=listing, booker=resident, start=local(1, 10), purpose="合唱")
    login(resident)
    upcoming = page_text(client.get("/bookings"))
    assert upcoming.count('data-testid="my-booking"') == 1
    assert "已确认" in upcoming and listing.title in upcoming and "6月2日 周二 10:00–11:00" in upcoming
    assert "我的预约" in upcoming and 'data-testid="nav-my-bookings"' in upcoming
    clock.travel_to(local(1, 12))
    past = page_text(client.get("/bookings?when=past"))
    assert past.count('data-testid="my-booking"') == 1
    assert 'data-testid="no-bookings"' in page_text(client.get("/bookings?when=upcoming"))


def test_cancel_before_the_cutoff_after_a_confirmation(client, login, session, factory, now, listing, resident):
    booking = factory.booking(listing=listing, booker=resident, start=local(1, 10))
    login(resident)
    assert f"/bookings/{booking.id}/cancel" in page_text(client.get("/bookings"))
    confirm = client.get(f"/bookings/{booking.id}/cancel")
    assert "确定要取消这个预约吗" in page_text(confirm)
    response = client.post(f"/bookings/{booking.id}/cancel", data={"reason": "临时有事"})
    assert response.status_code == 302 and "notice=cancelled" in response.location
    session.refresh(booking)
    assert booking.status is BookingStatus.cancelled
    assert "已取消" in page_text(client.get(response.location))


def test_after_the_cutoff_the_button_is_hidden_and_a_direct_post_is_refused(client, login, session, factory, now,
                                                                             listing, resident):
    booking = factory.booking(listing=listing, booker=resident, start=local(1, 10))
    clock.travel_to(local(1, 9))  # one hour before; the cutoff is two hours
    login(resident)
    assert f"/bookings/{booking.id}/cancel" not in page_text(client.get("/bookings"))
    assert "已过取消截止时间" in page_text(client.get(f"/bookings/{booking.id}"))
    response = client.post(f"/bookings/{booking.id}/cancel", data={})
    assert response.status_code == 422 and "不能再取消" in page_text(response)
    session.refresh(booking)
    assert booking.status is BookingStatus.confirmed


def test_others_cannot_see_or_cancel_my_booking(client, login, session, factory, now, listing, resident):
    booking = factory.booking(listing=listing, booker=resident, start=local(1, 10))
    login(factory.user())
    assert client.get(f"/bookings/{booking.id}").status_code == 404
    assert client.post(f"/bookings/{booking.id}/cancel", data={}).status_code == 403
    session.expire_all()
    assert booking.status is BookingStatus.confirmed


def test_outsiders_do_not_learn_the_status_of_a_finished_booking_by_trying_to_cancel_it(client, login, session,
                                                                                        factory, now, listing,
                                                                                        resident):
    booking = factory.booking(listing=listing, booker=resident, start=local(1, 10))
    login(resident)
    assert client.post(f"/bookings/{booking.id}/cancel", data={}).status_code == 302
    client.post("/logout")
    login(factory.user())
    response = client.post(f"/bookings/{booking.id}/cancel", data={})
    assert response.status_code == 403
    assert "已取消" not in page_text(response)


# --- the provider's side --------------------------------------------------------------------------------------------

@pytest.fixture
def approval_listing(factory):
    return factory.listing(instant_booking=False, slot_minutes=60, min_duration_minutes=60, hours=MORNINGS)


def test_staff_see_pending_requests_and_approve_one(client, login, session, factory, now, approval_listing):
    request = factory.booking(listing=approval_listing, start=local(1, 10), purpose="党课学习")
    staff = approval_listing.organisation.memberships[0].user
    login(staff)
    inbox = client.get("/bookings/requests")
    html = page_text(inbox)
    assert inbox.status_code == 200 and 'data-testid="nav-booking-requests"' in html
    assert html.count('data-testid="request"') == 1 and "党课学习" in html and "批准不会造成冲突" in html
    response = client.post(f"/bookings/{request.id}/approve", data={"back": "inbox"})
    assert response.status_code == 302 and "/bookings/requests" in response.location
    session.refresh(request)
    assert request.status is BookingStatus.confirmed
    assert 'data-testid="request"' not in page_text(client.get(response.location))


def test_rejecting_needs_a_reason(client, login, session, factory, now, approval_listing):
    request = factory.booking(listing=approval_listing, start=local(1, 10))
    login(approval_listing.organisation.memberships[0].user)
    missing = client.post(f"/bookings/{request.id}/reject", data={"reject-reason": "  "})
    assert missing.status_code == 422 and "请填写拒绝的原因" in page_text(missing)
    session.refresh(request)
    assert request.status is BookingStatus.pending
    response = client.post(f"/bookings/{request.id}/reject", data={"reject-reason": "当天场地检修"})
    assert response.status_code == 302
    session.refresh(request)
    assert request.status is BookingStatus.rejected and request.decision_reason == "当天场地检修"


def test_staff_of_another_organisation_get_403(client, login, session, factory, now, approval_listing):
    request = factory.booking(listing=approval_listing, start=local(1, 10))
    outsider = factory.listing().organisation.memberships[0].user
    login(outsider)
    assert client.post(f"/bookings/{request.id}/approve", data={}).status_code == 403
    assert client.post(f"/bookings/{request.id}/reject", data={"reject-reason": "不行"}).status_code == 403
    assert client.post(f"/bookings/{request.id}/check-in").status_code == 403
    assert client.post(f"/bookings/{request.id}/no-show").status_code == 403
    assert client.get(f"/listings/{approval_listing.id}/bookings").status_code == 403
    response = client.get(f"/bookings/requests?organisation={approval_listing.organisation.id}")
    assert response.status_code == 403 and "你不是这个组织的工作人员" in page_text(response)
    assert 'data-testid="request"' not in page_text(client.get("/bookings/requests"))
    session.refresh(request)
    assert request.status is BookingStatus.pending


def test_check_in_and_no_show_follow_the_clock(client, login, session, factory, now, listing, staff):
    visit = factory.booking(listing=listing, start=local(1, 10))
    absent = factory.booking(listing=listing, start=local(1, 11))
    login(staff)
    early = client.post(f"/bookings/{absent.id}/no-show")
    assert early.status_code == 422 and "预约开始后才能标记爽约" in page_text(early)
    assert 'data-testid="check-in"' not in page_text(client.get(f"/bookings/{visit.id}"))
    clock.travel_to(local(1, 9, 45))
    assert 'data-testid="check-in"' in page_text(client.get(f"/bookings/{visit.id}"))
    assert client.post(f"/bookings/{visit.id}/check-in").status_code == 302
    clock.travel_to(local(1, 11, 5))
    assert 'data-testid="no-show"' in page_text(client.get(f"/bookings/{absent.id}"))
    assert client.post(f"/bookings/{absent.id}/no-show").status_code == 302
    session.refresh(visit)
    session.refresh(absent)
    assert visit.checked_in_at is not None and absent.status is BookingStatus.no_show


def test_provider_cancels_with_a_reason(client, login, session, factory, now, listing, staff):
    booking = factory.booking(listing=listing, start=local(1, 10))
    login(staff)
    missing = client.post(f"/bookings/{booking.id}/cancel", data={"reason": ""})
    assert missing.status_code == 422 and "提供方取消预约需要填写原因" in page_text(missing)
    assert client.post(f"/bookings/{booking.id}/cancel", data={"reason": "停电检修"}).status_code == 302
    session.refresh(booking)
    assert booking.status is BookingStatus.cancelled and booking.decision_reason == "停电检修"


def test_provider_calendar_shows_the_week_of_bookings(client, login, factory, now, listing, staff):
    factory.booking(listing=listing, booker=factory.user(name="王大爷"), start=local(2, 9), purpose="象棋比赛")
    factory.booking(listing=listing, start=local(9, 9))
    login(staff)
    html = page_text(client.get(f"/listings/{listing.id}/bookings?week=2026-06-01"))
    assert html.count('data-testid="calendar-day"') == 7
    assert html.count('data-testid="calendar-booking"') == 1 and "王大爷" in html and "象棋比赛" in html
    assert "week=2026-06-08" in html and "week=2026-05-25" in html
    assert page_text(client.get(f"/listings/{listing.id}/bookings?week=2026-06-08")).count(
        'data-testid="calendar-booking"') == 1
    assert client.get(f"/listings/{listing.id}/bookings?week=junk").status_code == 422
    assert client.get(f"/listings/{listing.id}/bookings?week=9999-12-31").status_code == 422


def test_volunteers_get_an_inbox_for_their_own_listings(client, login, session, factory, now):
    volunteer = factory.user(name="退休律师老周", volunteer=True)
    advice = listing_services.create_listing(session, volunteer, listing_services.ListingData(
        kind="skill", title="法律咨询", place_id=factory.place_tree()["c1"].id, slot_minutes=60,
        min_duration_minutes=60, instant_booking=False), organisation_id=None)
    listing_services.set_opening_hours(session, volunteer, advice, MORNINGS)
    listing_services.publish_listing(session, volunteer, advice)
    session.commit()
    factory.booking(listing=advice, start=local(1, 10), purpose="租房合同")
    login(volunteer)
    html = page_text(client.get("/bookings/requests"))
    assert "我作为志愿者提供的资源" in html and html.count('data-testid="request"') == 1 and "租房合同" in html


def test_residents_see_no_request_inbox_link(client, login, now, listing, resident):
    login(resident)
    html = page_text(client.get("/bookings"))
    assert 'data-testid="nav-booking-requests"' not in html
    assert 'data-testid="no-inbox"' in page_text(client.get("/bookings/requests"))


def test_my_bookings_empty_tabs_say_which_list_is_empty_and_mark_the_current_tab(client, login, resident):
    login(resident)
    upcoming = page_text(client.get("/bookings"))
    assert "还没有即将到来的预约" in upcoming and "还没有已结束的预约" not in upcoming
    assert 'aria-current="page" data-testid="tab-upcoming"' in upcoming
    past = page_text(client.get("/bookings?when=past"))
    assert "还没有已结束的预约" in past and 'aria-current="page" data-testid="tab-past"' in past
    assert past.count('aria-current="page"') == 1


def test_the_week_says_closed_on_days_the_listing_does_not_open_and_no_free_times_on_taken_ones(client, now,
                                                                                                 factory):
    weekdays = factory.listing(slot_minutes=60, min_duration_minutes=60, max_duration_minutes=180,
                               min_notice_minutes=0, hours=MORNINGS[:5])  # 1 June 2026 is a Monday
    factory.booking(listing=weekdays, start=local(1, 9), minutes=180)
    html = page_text(client.get(f"/listings/{weekdays.id}"))
    days = html.split('data-testid="slot-day"')[1:]
    assert ["不开放" in day for day in days] == [False] * 5 + [True] * 2
    assert "无空闲" in days[1] and "不开放" not in days[1]
    client.post("/language/en", data={"next": "/"})
    english = page_text(client.get(f"/listings/{weekdays.id}")).split('data-testid="slot-day"')[1:]
    assert ["Closed" in day for day in english] == [False] * 5 + [True] * 2
    assert "No free times" in english[1] and "Fully booked" not in "".join(english)
