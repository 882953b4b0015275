"""The public dashboard: its figures equal a computation from the raw bookings of a seeded month, small counts
are published as "<5", every table downloads as CSV Excel opens, and the pages and API need no login."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock, zones
from marketplace.listings import services as listings
from marketplace.places.models import Place
from marketplace.transparency import services, views
from marketplace.usage import services as usage
from tests.bookings.conftest import NOW, SHANGHAI, TODAY, local, now  # noqa: F401 - the frozen clock fixture

GRACE = timedelta(minutes=60)
DAYS = 28
HELD = (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)


def staff_of(listing):
    return listing.organisation.memberships[0].user


@pytest.fixture
def month(factory, session):
    """Four weeks of two listings' bookings through the real services, settled and snapshotted by the job's step."""
    clock.travel_to(NOW)
    org = factory.organisation()
    busy, quiet = factory.listing(organisation=org), factory.listing(organisation=org)
    door = factory.listing(organisation=org, requires_check_in=True)
    people = [factory.user() for _ in range(6)]
    made = []
    for day in range(1, DAYS + 1):
        for hour in (9, 11, 15):
            made.append(factory.booking(listing=busy, booker=people[(day + hour) % 6], start=local(day, hour),
                                        minutes=90 if hour == 15 else 60))
        if day % 7 == 3:
            made.append(factory.booking(listing=quiet, booker=people[day % 6], start=local(day, 10)))
        if day % 2:
            factory.booking(listing=door, booker=people[day % 6], start=local(day, 18), minutes=30)
    for booking in made[::5]:
        bookings.cancel_booking(session, booking.booker, booking)
    for booking in made[1::11]:
        if booking.status is BookingStatus.confirmed:
            clock.travel_to(booking.start_at + timedelta(minutes=20))
            bookings.mark_no_show(session, staff_of(busy), booking)
    clock.travel_to(zones.day_bounds(TODAY + timedelta(days=DAYS), SHANGHAI)[1] + GRACE)
    lifecycle.expire_due(session, clock.now(), limit=1000)
    assert all(lifecycle.release_if_due(session, booking, clock.now())
               for booking in lifecycle.due_for_release(session, clock.now(), limit=1000))
    lifecycle.complete_due(session, clock.now(), limit=1000, grace=GRACE)
    usage.snapshot_due_days(session, clock.now(), SHANGHAI, settle=GRACE, limit=10_000)
    session.commit()
    return org, busy, quiet, door


def raw_figures(session, listing_ids) -> dict:
    """The same figures straight from the bookings table: what the snapshots must add up to."""
    rows = session.scalars(select(Booking).where(Booking.listing_id.in_(listing_ids))).all()
    figures = dict.fromkeys(services.SUMMED, 0)
    for booking in rows:
        figures["bookings"] += 1
        figures[booking.status.value] += 1
        final = booking.events[-1]
        if booking.status is BookingStatus.cancelled:
            figures["cancel_lead_minutes"] += int((booking.start_at - final.at).total_seconds() // 60)
        figures["released"] += final.action == "release"
        if booking.status in HELD:
            figures["booked_minutes"] += int((booking.end_at - booking.start_at).total_seconds() // 60)
            minute = booking.start_at
            while minute < booking.end_at:
                figures[f"booked_h{zones.to_local(minute, SHANGHAI).hour:02d}"] += 1
                minute += timedelta(minutes=1)
    served_per_day = {(b.start_at.date(), b.booker_id, b.listing_id) for b in rows
                      if b.status is BookingStatus.completed}
    figures["people_served"] = len(served_per_day)
    figures["cancelled_by_booker"] = figures["cancelled"]
    # Open 09:00-21:00 every day, from the day of creation (TODAY) to the dashboard's today, itself included.
    figures["open_minutes"] = len(listing_ids) * (DAYS + 2) * 12 * 60
    return figures


def board(session, kind, scope_id=None):
    today = zones.local_date(clock.now(), SHANGHAI)
    return services.dashboard(session, services.get_scope(session, kind, scope_id), today=today, zone=SHANGHAI)


def test_the_dashboard_figures_equal_a_computation_from_the_raw_bookings_of_the_month(session, month):
    org, busy, quiet, door = month
    everything = raw_figures(session, [busy.id, quiet.id, door.id])
    assert everything["released"] == 14 and everything["no_show"] > 14 and everything["cancelled"] > 5
    assert board(session, "organisation", org.id).total.sums == everything
    assert board(session, "listing", quiet.id).total.sums == raw_figures(session, [quiet.id])
    assert board(session, "street").total.sums == everything
    hours = board(session, "street").busiest_hours
    assert hours[(TODAY + timedelta(days=3)).weekday()][9] > 0 and hours[0][3] == 0


def test_the_weekly_series_adds_up_to_the_total_and_the_idle_listing_ranks_least_used(session, month):
    org, busy, quiet, door = month
    figures = board(session, "organisation", org.id)
    weekly = {name: sum(period.figures.sums[name] for period in figures.weeks) for name in services.SUMMED}
    assert weekly == figures.total.sums
    assert figures.least_used[0].listing_id == quiet.id and figures.most_used[0].listing_id == busy.id


def test_today_counts_live_before_its_snapshot_exists(session, month):
    org, busy, _quiet, _door = month
    before = board(session, "listing", busy.id).total.sums["bookings"]
    factory_booking = bookings.create_booking(session, staff_of(busy), bookings.BookingRequest(
        listing_id=busy.id, start=local(DAYS + 1, 10), end=local(DAYS + 1, 11)),
        zone=SHANGHAI)
    session.commit()
    assert zones.local_date(factory_booking.start_at, SHANGHAI) == zones.local_date(clock.now(), SHANGHAI)
    assert board(session, "listing", busy.id).total.sums["bookings"] == before + 1


def test_a_listing_not_public_counts_no_open_hours_and_is_not_named_in_the_ranking(factory, session, month):
    org, busy, quiet, door = month
    draft = factory.listing(organisation=org, publish=False)  # opening hours set, never published
    today = zones.local_date(clock.now(), SHANGHAI)
    assert usage.day_figures(session, [draft.id, busy.id], today, SHANGHAI)[draft.id]["open_minutes"] == 0
    listings.suspend_listing(session, staff_of(quiet), quiet, "维修")
    session.commit()
    figures = board(session, "organisation", org.id)
    named = {entry.listing_id for entry in figures.most_used + figures.least_used}
    assert quiet.id not in named and draft.id not in named and busy.id in named


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (12, 12)])
def test_small_counts_are_published_as_fewer_than_five(count, shown):
    assert services.published(count) == shown


def test_a_listing_with_three_people_served_shows_fewer_than_five_on_page_and_api(client, factory, session, now):
    listing = factory.listing()
    for hour in (9, 11, 13):
        factory.booking(listing=listing, start=local(0, hour + 3))
    clock.travel_to(local(0, 20))
    lifecycle.complete_due(session, clock.now(), limit=100, grace=timedelta(0))
    session.commit()
    stats = client.get(f"/api/v1/stats/listings/{listing.id}").get_json()
    assert stats["total"]["people_served"] == "<5" and stats["total"]["outcomes"]["completed"] == "<5"
    page = client.get(f"/transparency/listings/{listing.id}").get_data(as_text=True)
    assert 'data-testid="people-served">&lt;5<' in page


def test_every_table_downloads_as_csv_with_a_bom_and_its_columns(client, session, month):
    org, _busy, _quiet, _door = month
    for url, table in ((url, table) for url in (f"/api/v1/stats/organisations/{org.id}",
                                                 f"/transparency/organisations/{org.id}")
                       for table in ("summary", "weeks", "months", "ranking")):
        response = client.get(f"{url}?format=csv&table={table}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert "使用率" in rows[0] and "服务人次" in rows[0] and len(rows) > 1
        assert all(len(row) == len(rows[0]) for row in rows)
    summary = list(csv.DictReader(io.StringIO(client.get(
        f"/api/v1/stats/organisations/{org.id}?format=csv").data.decode("utf-8-sig"))))
    assert float(summary[0]["开放小时"]) == board(session, "organisation", org.id).total.hours_open


def test_the_pages_and_api_need_no_login_and_refuse_unknown_scopes_and_tables(client, month):
    org, busy, _quiet, _door = month
    place_id = busy.place_id
    assert client.get("/transparency").status_code == 200
    assert client.get(f"/api/v1/stats/listings/{busy.id}").status_code == 200
    assert client.get("/api/v1/stats/street").get_json()["scope"]["kind"] == "street"
    assert client.get(f"/api/v1/stats/organisations/{org.id + 1000}").status_code == 404
    assert client.get(f"/transparency/communities/{place_id + 1000}").status_code == 404
    assert client.get("/api/v1/stats/street?format=csv&table=people").status_code == 422
    assert client.get("/transparency?format=csv&table=people").status_code == 422


def snapshot_reads(session, call):
    """What ``call`` returns, and how many of its statements read the snapshots table."""
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind()
    sqlalchemy_event.listen(engine, "before_cursor_execute", seen)
    try:
        result = call()
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", seen)
    return result, sum("usage_snapshots" in statement for statement in statements)


def test_kept_snapshot_sums_give_the_same_figures_reading_only_the_ranked_listings_again(session, month):
    org, busy, _quiet, _door = month
    kept = services.SettledSums(8)
    scope = services.get_scope(session, "organisation", org.id)
    today = zones.local_date(clock.now(), SHANGHAI)
    first, cold_reads = snapshot_reads(session, lambda: services.dashboard(session, scope, today=today, zone=SHANGHAI,
                                                                            settled=kept))
    again, warm_reads = snapshot_reads(session, lambda: services.dashboard(session, scope, today=today, zone=SHANGHAI,
                                                                            settled=kept))
    # Cold: the sums by day, every listing's minutes, the ranked few's figures; warm: only the last.
    assert cold_reads == 3 and warm_reads == 1
    assert again.total.sums == first.total.sums == raw_figures(session, [busy.id, _quiet.id, _door.id])
    assert [period.figures.sums for period in again.weeks] == [period.figures.sums for period in first.weeks]
    assert again.most_used == first.most_used and again.busiest_hours == first.busiest_hours
    # Today's live figures are added to copies: the kept sums, and so a third look, stay as they were.
    assert services.dashboard(session, scope, today=today, zone=SHANGHAI, settled=kept).total.sums == first.total.sums


def test_kept_snapshot_sums_give_way_to_a_newly_snapshotted_day_and_to_a_listing_moved_away(factory, session, month):
    org, busy, quiet, door = month
    kept = services.SettledSums(8)

    def figures(kind, scope_id, settled):
        today = zones.local_date(clock.now(), SHANGHAI)
        return services.dashboard(session, services.get_scope(session, kind, scope_id), today=today, zone=SHANGHAI,
                                  settled=settled).total.sums

    community = session.get(Place, busy.place_id).path.strip("/").split("/")[1]
    before = figures("community", int(community), kept)
    other = factory.organisation()
    quiet.organisation_id, quiet.place_id = other.id, other.place_id
    session.commit()
    assert figures("organisation", org.id, kept) == figures("organisation", org.id, None)
    assert figures("community", int(community), kept) == figures("community", int(community), None) != before
    factory.booking(listing=busy, start=local(DAYS + 1, 15))
    midnight = zones.day_bounds(TODAY + timedelta(days=DAYS + 1), SHANGHAI)[1]
    clock.travel_to(midnight + timedelta(minutes=10))
    primed = figures("listing", busy.id, kept)  # a new day has begun, the one before is not snapshotted yet
    clock.travel_to(midnight + GRACE)
    lifecycle.complete_due(session, clock.now(), limit=1000, grace=GRACE)
    usage.snapshot_due_days(session, clock.now(), SHANGHAI, settle=GRACE, limit=10_000)
    session.commit()
    # One more day in the window, the one just snapshotted with its booking in it.
    raw = {**raw_figures(session, [busy.id]), "open_minutes": (DAYS + 3) * 12 * 60}
    assert figures("listing", busy.id, kept) == figures("listing", busy.id, None) == raw != primed


def test_the_page_and_the_api_keep_the_snapshot_sums_when_the_setting_allows(app, client, session, month,
                                                                             monkeypatch):
    org, _busy, _quiet, _door = month
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_ENTRIES", 8)
    monkeypatch.setitem(app.extensions, views.SETTLED, services.SettledSums(8))
    url = f"/api/v1/stats/organisations/{org.id}"
    first, cold_reads = snapshot_reads(session, lambda: client.get(url).get_json())
    again, warm_reads = snapshot_reads(session, lambda: client.get(url).get_json())
    page, page_reads = snapshot_reads(session, lambda: client.get(f"/transparency/organisations/{org.id}"))
    assert (cold_reads, warm_reads, page_reads) == (3, 1, 1) and again == first and page.status_code == 200
