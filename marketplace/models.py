"""Every area's models, imported together so the metadata (and Alembic) sees all tables."""
from marketplace.accounts.models import ApiToken, LoginAttempt, PasswordResetCode, User, UserSession
from marketplace.bookings.models import Booking, BookingEvent, BookingSeries
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent, EventDelivery
from marketplace.favourites.models import Favourite
from marketplace.groups.models import Group, GroupMember
from marketplace.listings.models import Listing, ListingException, OpeningHours, Photo
from marketplace.organisations.models import Membership, Organisation
from marketplace.places.models import Place
from marketplace.scheduler.models import SchedulerLease
from marketplace.search.models import ListingView
from marketplace.usage.models import UsageDay, UsageSnapshot

__all__ = ["ApiToken", "AuditEntry", "Booking", "BookingEvent", "BookingSeries", "DomainEvent", "EventDelivery", "Favourite", "Group", "GroupMember",
           "Listing", "ListingException", "ListingView", "LoginAttempt", "Membership", "OpeningHours", "Organisation",
           "PasswordResetCode", "Photo", "Place", "SchedulerLease", "UsageDay", "UsageSnapshot", "User",
           "UserSession"]
