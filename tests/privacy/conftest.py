from tests.points.conftest import deliver, fund, now, points_listing, street_admin  # noqa: F401 - shared fixtures
