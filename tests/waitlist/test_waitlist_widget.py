"""The waitlist from the listing page's booking widget: a taken slot shows as taken (not a choice), with a
button to join its waitlist, then "on the waitlist" with a button to leave, from the same place."""
from __future__ import annotations

import re

import pytest

from marketplace.core import clock
from marketplace.waitlist.models import EntryStatus
from tests.bookings.conftest import NOW, local
from tests.waitlist.test_waitlist import SLOT, cancel, deliver, entry_of, iso


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def listing(factory, now):
    return factory.listing()


@pytest.fixture
def taken(factory, listing):
    return factory.booking(listing=listing, start=SLOT[0])


def taken_chip(page: str, start) -> str | None:
    """The HTML of the widget's taken-slot chip starting at ``start``, or None when there is none."""
    found = re.search(rf'<div class="slot-taken" data-testid="taken-slot" data-start="{re.escape(iso(start))}">'
                      r'(.*?)</div>', page, re.S)
    return found.group(1) if found else None


def listing_page(client, listing) -> str:
    response = client.get(f"/listings/{listing.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_anonymous_visitor_sees_a_taken_slot_as_taken_not_as_a_free_time(client, listing, taken):
    page = listing_page(client, listing)
    chip = taken_chip(page, SLOT[0])
    assert chip is not None and "已约满" in chip
    assert 'data-testid="join-waitlist"' not in chip
    assert taken_chip(page, local(1, 14)) is None  # a free time is not marked taken


def test_a_resident_joins_from_the_listing_page_sees_it_there_and_leaves_from_there(client, login, session, factory,
                                                                                  listing, taken):
    resident = factory.user()
    login(resident)
    page = listing_page(client, listing)
    assert f'type="radio" name="start" value="{iso(SLOT[0])}"' not in page
    chip = taken_chip(page, SLOT[0])
    assert f'form="waitlist-join" name="start" value="{iso(SLOT[0])}"' in chip
    join_form = re.search(r'<form method="post" id="waitlist-join" action="([^"]+)"', page).group(1)
    duration = re.search(r'id="waitlist-join".*?name="duration" value="(\d+)"', page, re.S).group(1)

    joined = client.post(join_form, data={"start": iso(SLOT[0]), "duration": duration, "seats": "1"})
    assert joined.status_code == 302 and joined.location.endswith("/waitlist?notice=joined")
    entry = entry_of(session, resident, listing)
    assert entry.status is EntryStatus.waiting and entry.start_at == SLOT[0]

    chip = taken_chip(listing_page(client, listing), SLOT[0])
    assert "已在候补" in chip and 'data-testid="join-waitlist"' not in chip
    leave_action = re.search(r'formaction="([^"]+)"', chip).group(1)
    assert leave_action == f"/waitlist/{entry.id}/leave"
    left = client.post(leave_action)
    assert left.status_code == 302
    assert entry_of(session, resident, listing) is None
    assert 'data-testid="join-waitlist"' in taken_chip(listing_page(client, listing), SLOT[0])


def test_a_slot_taken_by_the_residents_own_booking_offers_no_waitlist(client, login, factory, listing):
    resident = factory.user()
    factory.booking(listing=listing, booker=resident, start=SLOT[0])
    login(resident)
    chip = taken_chip(listing_page(client, listing), SLOT[0])
    assert "你已预约" in chip and 'data-testid="join-waitlist"' not in chip


def test_a_slot_held_for_the_resident_links_to_confirming_it_and_others_may_still_join(client, login, session,
                                                                                      factory, listing, taken):
    first = factory.user()
    login(first)
    assert client.post(f"/listings/{listing.id}/waitlist",
                       data={"start": iso(SLOT[0]), "duration": "30", "seats": "1"}).status_code == 302
    cancel(session, taken)
    deliver(session)
    chip = taken_chip(listing_page(client, listing), SLOT[0])
    assert f'href="/waitlist#entry-{entry_of(session, first, listing).id}"' in chip
    client.post("/logout")
    login(factory.user())
    assert 'data-testid="join-waitlist"' in taken_chip(listing_page(client, listing), SLOT[0])


def test_a_day_whose_open_times_are_all_taken_says_no_free_times_and_lists_them_to_wait_for(client, factory, now):
    listing = factory.listing(min_duration_minutes=60, max_duration_minutes=60, slot_minutes=60)
    for hour in range(9, 21):
        factory.booking(listing=listing, start=local(1, hour))
    day = listing_page(client, listing).split('data-testid="slot-day"')[2]
    assert "无空闲" in day.split("</summary>")[0]
    assert day.count('data-testid="taken-slot"') == 12 and 'data-testid="slot"' not in day
