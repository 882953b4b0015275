"""Every area's HTML blueprint and JSON API blueprint, registered in one place."""
from flask import Flask

from marketplace.accounts import api as accounts_api
from marketplace.accounts import views as accounts_views
from marketplace.admin import api as admin_api
from marketplace.admin import views as admin_views
from marketplace.bookings import api as bookings_api
from marketplace.bookings import feeds_api as calendar_feed_api
from marketplace.bookings import views as bookings_views
from marketplace.exchange import api as exchange_api
from marketplace.exchange import views as exchange_views
from marketplace.extensions import api
from marketplace.favourites import api as favourites_api
from marketplace.favourites import views as favourites_views
from marketplace.feedback import api as feedback_api
from marketplace.feedback import views as feedback_views
from marketplace.groups import api as groups_api
from marketplace.groups import views as groups_views
from marketplace.help import views as help_views
from marketplace.listings import api as listings_api
from marketplace.listings import views as listings_views
from marketplace.lotteries import api as lotteries_api
from marketplace.lotteries import views as lotteries_views
from marketplace.needs import api as needs_api
from marketplace.needs import views as needs_views
from marketplace.notifications import api as notifications_api
from marketplace.notifications import views as notifications_views
from marketplace.organisations import api as organisations_api
from marketplace.organisations import views as organisations_views
from marketplace.places import api as places_api
from marketplace.places import views as places_views
from marketplace.pledges import api as pledges_api
from marketplace.pledges import views as pledges_views
from marketplace.points import api as points_api
from marketplace.points import views as points_views
from marketplace.privacy import api as privacy_api
from marketplace.privacy import views as privacy_views
from marketplace.reviews import api as reviews_api
from marketplace.reviews import views as reviews_views
from marketplace.search import api as search_api
from marketplace.search import views as search_views
from marketplace.transparency import api as transparency_api
from marketplace.transparency import views as transparency_views
from marketplace.waitlist import api as waitlist_api
from marketplace.waitlist import views as waitlist_views
from marketplace.webhooks import api as webhooks_api
from marketplace.webhooks import views as webhooks_views
from marketplace.wishes import api as wishes_api
from marketplace.wishes import views as wishes_views

HTML_BLUEPRINTS = [
    accounts_views.bp, organisations_views.bp, places_views.bp, listings_views.bp, bookings_views.bp,
    search_views.bp, admin_views.bp, groups_views.bp, favourites_views.bp, help_views.bp,
    notifications_views.bp, waitlist_views.bp, reviews_views.bp, feedback_views.bp, pledges_views.bp,
    wishes_views.bp, lotteries_views.bp, needs_views.bp, points_views.bp, exchange_views.bp, privacy_views.bp,
    webhooks_views.bp, transparency_views.bp,
]
API_BLUEPRINTS = [
    accounts_api.blp, organisations_api.blp, places_api.blp, listings_api.blp, bookings_api.blp, search_api.blp,
    admin_api.blp, groups_api.blp, calendar_feed_api.blp, favourites_api.blp, notifications_api.blp,
    waitlist_api.blp, reviews_api.blp, feedback_api.blp, pledges_api.blp, wishes_api.blp,
    lotteries_api.blp, needs_api.blp, points_api.blp, exchange_api.blp,
    exchange_api.records_blp, privacy_api.blp, webhooks_api.blp, transparency_api.blp,
]


def register_blueprints(app: Flask) -> None:
    for blueprint in HTML_BLUEPRINTS:
        app.register_blueprint(blueprint)
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
