"""The demo street for `flask seed-demo`: 东大街街道, its people, organisations and listings."""
from marketplace.demo.people import DEMO_ACCOUNTS, RESIDENT_PASSWORD
from marketplace.demo.street import seed

__all__ = ["DEMO_ACCOUNTS", "RESIDENT_PASSWORD", "seed"]
