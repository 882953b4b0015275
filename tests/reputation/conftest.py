"""The review tests' completed bookings and outbox delivery, shared."""
from tests.reviews.conftest import deliver, finished, now  # noqa: F401 - fixtures
