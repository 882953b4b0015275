"""The reviews of the replayed history's bookings, written at the moments people wrote them: mostly good, a few
critical ones the provider answered, one reported and hidden by the platform admin. The booker of a completed
booking and its provider review each other (a no-show only by the provider); each review waits, double-blind,
until the other side has written or its window closes, and the replayed scheduler reveals it then. Where an
organisation has a second member, that member served some of its bookings (three-way: the organisation and the
volunteer review each other too, and the booker's review counts for the volunteer).

``history.play`` tells the reviewers of each booking it closed (``plan``) and lets them write what was due
before each evening's outbox (``act_until``), so that reputation, notifications and the search ranking follow
from the one history, as they would have on a running platform.
"""
from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.config import DefaultConfig
from marketplace.core import clock
from marketplace.reputation import services as reputation
from marketplace.reviews import services as reviews
from marketplace.reviews.models import BOOKER_TAGS, ORGANISATION_TAGS, PROVIDER_TAGS, VOLUNTEER_TAGS, ReviewSide

WINDOW_DAYS = DefaultConfig.REVIEW_WINDOW_DAYS
BOOKER_WRITES = 0.75
PROVIDER_WRITES = 0.8
SERVED_PER_LISTING = 2  # of an organisation's listing's completed bookings, served by a second member of it
CRITICAL_EVERY = 6  # among the booker reviews old enough to have been answered
# Old enough that every side has written, the reply came and the report was decided before seeding.
SETTLED = timedelta(days=8)
GOOD_WORDS = ("环境很好，工作人员热情，下次还来。", "准时开门，设施齐全，很满意。", "老师讲得很细心，受益匪浅。",
              "预约方便，场地干净整洁。", "服务周到，孩子们都很喜欢。", "")
CRITICAL_WORDS = ("到了之后等了二十分钟才开门。", "空调坏了，夏天有点热。", "投影仪接口不匹配，耽误了开场。")
REPLIES = ("非常抱歉，我们已调整值班安排，确保按时开门。", "感谢反馈，空调已报修并修好了。",
           "抱歉给您添麻烦了，已配好转接头放在讲台抽屉里。")
REPORTED_WORDS = "工作人员态度恶劣，全是骗子！！！"
NO_SHOW_WORDS = "预约了没有来，也没有提前取消。"


def _server(booking: Booking, provider: User) -> User | None:
    """A member of the listing's organisation other than the one who answers for it, to have served the booking."""
    organisation = booking.listing.organisation
    if organisation is None:
        return None
    return next((m.user for m in organisation.memberships if m.user_id not in (provider.id, booking.booker_id)),
                None)


class Reviewers:
    """The people of the demo street reviewing their closed bookings, in the order of the moments they did."""

    def __init__(self, admin: User, residents: list[User], demo_resident: User, rng: random.Random, *,
                 seeding_began: datetime):
        self.admin, self.residents, self.demo_resident, self.rng = admin, residents, demo_resident, rng
        self.ends = seeding_began
        self._acts: list[tuple[datetime, int, Callable[[Session], object]]] = []
        self._order = itertools.count()  # acts at the same moment run in the order they were planned
        self._served = Counter()
        self._settled = 0
        self._critical = self._reported = 0
        self._uncounted = False

    def _at(self, moment: datetime, act: Callable[[Session], object]) -> bool:
        if moment >= self.ends:
            return False  # not yet: the week ahead is the real scheduler's and the real people's
        heapq.heappush(self._acts, (moment, next(self._order), act))
        return True

    def act_until(self, session: Session, moment: datetime) -> None:
        """Do, in time order and each at its moment, what was planned before ``moment``; then count the day.

        The day's figures are counted by a full recompute (the sums are the same as one review at a time): the
        evening's deliveries then find them counted, and the search index hears of the listings whose score
        moved in one event, not in one per review (each a write of the index, seeding three times as slow).
        """
        while self._acts and self._acts[0][0] <= moment:
            at, _, act = heapq.heappop(self._acts)
            with clock.frozen_at(at):
                act(session)
            self._uncounted = True
        if self._uncounted:
            reputation.recompute_all(session, reputation.Policy.from_config(DefaultConfig.__dict__), moment)
            self._uncounted = False

    def plan(self, booking: Booking, provider: User) -> None:
        """Who will review the booking just closed, when, and what they will say."""
        if booking.status not in reviews.REVIEWABLE or booking.booker_id == provider.id:
            return  # nothing to say, or a provider who booked their own room has nobody to review
        finished = booking.end_at + timedelta(hours=1)  # history completes and marks at these moments
        if booking.status is BookingStatus.no_show:
            finished = booking.start_at + timedelta(minutes=30)
            if self.rng.random() < PROVIDER_WRITES:
                self._write(booking, provider, ReviewSide.provider, finished + self._delay(),
                            reviews.ReviewInput(stars=self.rng.choice((1, 2)), text=NO_SHOW_WORDS), finished)
            return
        settled = finished + SETTLED < self.ends
        server = _server(booking, provider)
        serves = (server is not None and settled and self._served[booking.listing_id] < SERVED_PER_LISTING)
        if serves:
            self._served[booking.listing_id] += 1
            self._at(finished + timedelta(minutes=10),
                     lambda session: reviews.record_served_by(session, provider, booking, server.id))
        mood, words = self._booker_says(booking, settled)
        booker_writes = (serves or mood != "good" or booking.booker_id == self.demo_resident.id
                         or self.rng.random() < BOOKER_WRITES)
        provider_writes = serves or mood != "good" or self.rng.random() < PROVIDER_WRITES
        booker_at, provider_at = finished + self._delay(), finished + self._delay()
        written = None
        if booker_writes:
            stars = {"reported": 1, "critical": 2}.get(mood) or self.rng.choice((5, 5, 5, 4, 4))
            tags = self.rng.sample(sorted(PROVIDER_TAGS), 2) if stars >= 4 else []
            written = self._write(booking, booking.booker, ReviewSide.booker, booker_at,
                                  reviews.ReviewInput(stars=stars, tags=tags, text=words), finished)
        if provider_writes:
            self._write(booking, provider, ReviewSide.provider, provider_at, reviews.ReviewInput(
                stars=self.rng.choice((5, 5, 4)), tags=self.rng.sample(sorted(BOOKER_TAGS), 1)), finished)
        if written is not None and mood != "good":
            self._answer(written, mood, max(booker_at, provider_at), booking, provider)
        if serves:
            self._write(booking, provider, ReviewSide.organisation, finished + self._delay(), reviews.ReviewInput(
                stars=5, tags=self.rng.sample(sorted(VOLUNTEER_TAGS), 2), text="服务认真，居民反映很好。"), finished)
            self._write(booking, server, ReviewSide.volunteer, finished + self._delay(), reviews.ReviewInput(
                stars=self.rng.choice((5, 4)), tags=self.rng.sample(sorted(ORGANISATION_TAGS), 1)), finished)

    def _booker_says(self, booking: Booking, settled: bool) -> tuple[str, str]:
        """"good", "critical" (answered by the provider) or "reported" (and hidden), and the words."""
        if settled:
            self._settled += 1
            if not self._reported and self._settled == 2:
                self._reported += 1
                return "reported", REPORTED_WORDS
            if self._settled % CRITICAL_EVERY == 0 and self._critical < len(CRITICAL_WORDS):
                self._critical += 1
                return "critical", CRITICAL_WORDS[self._critical - 1]
        return "good", self.rng.choice(GOOD_WORDS)

    def _delay(self) -> timedelta:
        """How long after the booking someone got round to reviewing it: that evening to a few days on."""
        return timedelta(hours=self.rng.choice((2, 3, 5, 20, 26, 30, 50, 75, 100)), minutes=self.rng.randint(0, 59))

    def _write(self, booking: Booking, author: User, side: ReviewSide, moment: datetime,
               data: reviews.ReviewInput, finished: datetime) -> list:
        """Plan the review and, when the other side will not have written, its reveal as the window closes; a
        holder that gets the review once it is written."""
        written: list = []
        if self._at(moment, lambda session: written.append(reviews.write_review(
                session, author, booking, data, window_days=WINDOW_DAYS, side=side))):
            # The sweep finds it already revealed when the other side wrote in time.
            self._at(finished + timedelta(days=WINDOW_DAYS, minutes=5),
                     lambda session: reviews.reveal_if_due(session, written[0], clock.now()))
        return written

    def _answer(self, written: list, mood: str, both_written: datetime, booking: Booking, provider: User) -> None:
        """The provider's reply to a critical review; a neighbour's report of the abusive one, and the hiding."""
        if mood == "critical":
            reply = REPLIES[self._critical - 1]
            self._at(both_written + timedelta(hours=5),
                     lambda session: reviews.reply_to_review(session, provider, written[0], reply))
            return
        reporter = next(person for person in reversed(self.residents) if person.id != booking.booker_id)
        self._at(both_written + timedelta(hours=20),
                 lambda session: reviews.report_review(session, reporter, written[0], "人身攻击，与事实不符"))
        self._at(both_written + timedelta(hours=26), lambda session: reviews.moderate_review(
            session, self.admin, written[0], "hide", "核实后认定为人身攻击，予以隐藏"))
