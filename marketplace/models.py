"""Every area's models, imported together so the metadata (and Alembic) sees all tables."""
from marketplace.accounts.models import ApiToken, LoginAttempt, PasswordResetCode, User, UserSession
from marketplace.bookings.models import Booking, BookingEvent, BookingMessage, BookingSeries, SlotHold
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent, EventDelivery
from marketplace.core.reputation import Reputation
from marketplace.favourites.models import Favourite
from marketplace.feedback.models import Feedback, FeedbackAnswer
from marketplace.groups.models import Group, GroupMember
from marketplace.listings.models import Listing, ListingException, OpeningHours, Photo
from marketplace.lotteries.models import Lottery, LotteryApplication
from marketplace.needs.models import Need, NeedInvitation, NeedItem
from marketplace.notifications.models import DigestRun, Notification, NotificationPreference
from marketplace.organisations.models import Membership, Organisation
from marketplace.places.models import Place
from marketplace.pledges.models import Pledge
from marketplace.points.models import PointsAccount, PointsTransfer
from marketplace.reputation.models import ReputationOutcome
from marketplace.reviews.models import Review, ReviewReport
from marketplace.scheduler.models import SchedulerLease
from marketplace.search.models import ListingView
from marketplace.usage.models import UsageDay, UsageSnapshot
from marketplace.waitlist.models import WaitlistEntry
from marketplace.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from marketplace.wishes.models import Wish, WishCoClaimer

__all__ = ["ApiToken", "AuditEntry", "Booking", "BookingEvent", "BookingMessage", "BookingSeries", "DigestRun",
           "DomainEvent", "EventDelivery", "Favourite", "Feedback", "FeedbackAnswer", "Group", "GroupMember", "Listing", "ListingException",
           "ListingView", "LoginAttempt", "Membership", "Notification", "NotificationPreference",
           "OpeningHours", "Organisation", "PasswordResetCode", "Photo", "Place", "Pledge", "PointsAccount",
           "PointsTransfer", "Reputation",
           "ReputationOutcome", "Review", "ReviewReport", "SchedulerLease", "SlotHold", "UsageDay",
           "UsageSnapshot", "User", "UserSession", "WaitlistEntry", "Wish", "WishCoClaimer",
           "Lottery", "LotteryApplication", "Need", "NeedInvitation", "NeedItem",
           "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]
