"""`flask --app wsgi points verify`: silent success on a sound ledger; each planted fault (raw SQL, as a bad
migration or a hand edit would leave it) is reported, and the command exits non-zero."""
from __future__ import annotations

from sqlalchemy import text, update

from marketplace.bookings import services as bookings
from marketplace.core import events, transactions
from marketplace.points import services
from marketplace.points.models import AccountKind
from tests.points.conftest import local


def run_verify(app, **config):
    previous = {key: app.config[key] for key in config}
    app.config.update(config)
    try:
        return app.test_cli_runner().invoke(args=["points", "verify"])
    finally:
        app.config.update(previous)


def booked_and_cancelled(session, factory, fund, points_listing):
    booker = factory.user()
    fund(user=booker, amount="5")
    booking = factory.booking(listing=points_listing(), booker=booker, start=local(2, 10))
    with transactions.read_only(False):
        bookings.cancel_booking(session, booker, booking, "临时有事")
        session.commit()
    return booking


def test_a_sound_ledger_passes(app, session, factory, fund, points_listing, deliver, now):
    booked_and_cancelled(session, factory, fund, points_listing)
    deliver()
    result = run_verify(app)
    assert result.exit_code == 0, result.stderr
    assert "every invariant holds" in result.stdout


def test_a_booking_whose_points_event_waits_in_the_outbox_is_not_a_fault(app, session, factory, fund, points_listing,
                                                                          now):
    booked_and_cancelled(session, factory, fund, points_listing)
    result = run_verify(app)
    assert result.exit_code == 0, result.stderr
    assert "1 booking(s) waiting for the outbox" in result.stdout


def test_a_balance_edited_by_hand_is_reported(app, session, factory, fund):
    volunteer = factory.user()
    fund(user=volunteer, amount="5")
    account = services.user_account(session, volunteer.id)
    session.execute(text("UPDATE points_accounts SET balance = balance + 100 WHERE id = :id"), {"id": account.id})
    session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert "balances do not sum to zero: 1.00" in result.stderr
    assert f"account {account.id} (user): balance 6.00 but its transfers sum to 5.00" in result.stderr


def test_a_negative_balance_the_setting_does_not_allow_is_reported(app, session, factory, fund):
    fund(user=factory.user(), amount="5")
    street = services.system_account(session, AccountKind.street)
    assert run_verify(app).exit_code == 0
    result = run_verify(app, POINTS_OVERDRAFT_ACCOUNTS=["issuance"])
    assert result.exit_code == 1
    assert f"account {street.id} (street) is below zero: -5.00" in result.stderr


def test_a_cancelled_booking_still_holding_points_is_reported(app, session, factory, fund, points_listing, now):
    booking = booked_and_cancelled(session, factory, fund, points_listing)
    session.execute(update(events.EventDelivery).values(status=events.DONE))  # as if the subscriber was lost
    session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"booking {booking.id} is cancelled but its hold is still held (expected release)" in result.stderr


def test_a_hold_released_while_its_booking_is_still_confirmed_is_reported(app, session, factory, fund, points_listing,
                                                                          now):
    booker = factory.user()
    fund(user=booker, amount="5")
    booking = factory.booking(listing=points_listing(), booker=booker, start=local(2, 10))
    holds = services.system_account(session, AccountKind.holds)
    payer = services.user_account(session, booker.id)
    session.execute(text(
        "INSERT INTO points_transfers (source_id, destination_id, amount, reason, reference_type, reference_id, memo, "
        "created_at) VALUES (:s, :d, 500, 'release', 'booking', :b, '', CURRENT_TIMESTAMP)"),
        {"s": holds.id, "d": payer.id, "b": booking.id})
    session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"booking {booking.id} is confirmed but its hold is release (expected held)" in result.stderr
