"""The deletion's settings read at the edges (page and API)."""
from marketplace.core import clock
from marketplace.core.http import deployment_zone
from marketplace.core.personal_data import Erasure
from marketplace.waitlist.settings import hold_time


def erasure_now() -> Erasure:
    return Erasure(now=clock.now(), zone=deployment_zone(), hold=hold_time())
