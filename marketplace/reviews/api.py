"""JSON face of reviews: writing one after a booking, reading a listing's or a person's, replies, reports and
the platform admin's moderation. Handlers that write call one service and commit once."""
from flask import current_app
from flask.views import MethodView

from marketplace.accounts.models import User
from marketplace.bookings import services as bookings
from marketplace.bookings.schemas import BookingSchema
from marketplace.core.api import API_PREFIX, Blueprint, optional_user, page_of, require_user
from marketplace.core.db import get_by_id
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.reviews import services
from marketplace.reviews.schemas import (ModerationSchema, PersonReputationSchema, ReplySchema, ReportCreateSchema,
                                         ReportPageSchema, ReportSchema, ReviewCreateSchema, ReviewPageSchema,
                                         ReviewQuerySchema, ReviewSchema, ServedBySchema)

blp = Blueprint("reviews_api", __name__, url_prefix=API_PREFIX,
                description="评价：预约完成后双方互评（双盲）、公开回复、举报与平台处理、信誉")


@blp.route(f"/bookings/<{ID}:booking_id>/reviews")
class BookingReviews(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, ReviewSchema(many=True))
    def get(self, booking_id):
        """这个预约的评价：自己的随时可见，对方的在公开后可见"""
        user = require_user()
        booking = bookings.get_booking(db.session, booking_id, viewer=user)
        return services.booking_reviews(db.session, booking, user)

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ReviewCreateSchema)
    @blp.response(201, ReviewSchema)
    def post(self, data, booking_id):
        """评价已完成预约的另一方（1–5星、标签、最多500字）。对方也评价后双方同时公开，否则在评价期结束时公开。
        有服务者的预约三向互评：组织与服务者互评（同样双盲，两人都评价后公开），预约人的评价也计入服务者"""
        user = require_user()
        booking = bookings.get_booking(db.session, booking_id, viewer=user)
        side = data.pop("side")
        review = services.write_review(db.session, user, booking, services.ReviewInput(**data),
                                       window_days=current_app.config["REVIEW_WINDOW_DAYS"], side=side)
        db.session.commit()
        return review


@blp.route(f"/bookings/<{ID}:booking_id>/served-by")
class BookingServedBy(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ServedBySchema)
    @blp.response(200, BookingSchema)
    def put(self, data, booking_id):
        """记录哪位本组织成员提供了这次服务（组织的工作人员；已确认或已完成的预约；评价公开前可更改）"""
        user = require_user()
        booking = bookings.get_booking(db.session, booking_id, viewer=user)
        services.record_served_by(db.session, user, booking, data["user_id"])
        db.session.commit()
        return booking


@blp.route(f"/listings/<{ID}:listing_id>/reviews")
class ListingReviews(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ReviewPageSchema)
    def get(self, args, listing_id):
        """资源收到的已公开评价，最新的在前"""
        listing = get_listing(db.session, listing_id, viewer=optional_user())
        reviews, total = services.listing_reviews(db.session, listing.id, page=args["page"], per_page=args["per_page"])
        return page_of(reviews, total, args)


def _person(user_id) -> User:
    user = get_by_id(db.session, User, user_id)
    if user is None:
        raise NotFound(_l("找不到这个用户"))
    return user


@blp.route(f"/users/<{ID}:user_id>/reviews")
class UserReviews(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ReviewPageSchema)
    def get(self, args, user_id):
        """关于一个人的已公开评价：作为志愿提供方的所有人可见；作为预约人的，本人、提供方和平台管理员可见"""
        user = _person(user_id)
        reviews, total = services.user_reviews(db.session, user.id, viewer=optional_user(), page=args["page"],
                                               per_page=args["per_page"])
        return page_of(reviews, total, args)


@blp.route(f"/users/<{ID}:user_id>/reputation")
class UserReputation(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, PersonReputationSchema)
    def get(self, user_id):
        """一个人的信誉：作为志愿提供方（评分、守约率），作为预约人（评分、出席率；本人、提供方和平台管理员可见）"""
        user = _person(user_id)
        sees_booker = services.may_see_booker_figures(db.session, optional_user(), user.id)
        return {"user_id": user.id, "provider": user, "booker": user if sees_booker else None}


@blp.route(f"/reviews/<{ID}:review_id>/reply")
class ReviewReply(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ReplySchema)
    @blp.response(200, ReviewSchema)
    def post(self, data, review_id):
        """被评价的一方公开回复，每条评价一次"""
        user = require_user()
        review = services.get_review(db.session, review_id, viewer=user)
        services.reply_to_review(db.session, user, review, data["text"])
        db.session.commit()
        return review


@blp.route(f"/reviews/<{ID}:review_id>/reports")
class ReviewReports(MethodView):
    @blp.login_required
    @blp.errors(404, 409, 422)
    @blp.arguments(ReportCreateSchema)
    @blp.response(201, ReportSchema)
    def post(self, data, review_id):
        """举报不当评价（须填写原因），由平台管理员处理"""
        user = require_user()
        review = services.get_review(db.session, review_id, viewer=user)
        report = services.report_review(db.session, user, review, data["reason"])
        db.session.commit()
        return report


@blp.route("/admin/review-reports")
class PendingReports(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ReportPageSchema)
    def get(self, args):
        """待处理的评价举报，最早的在前（平台管理员）"""
        reports, total = services.pending_reports(db.session, require_user(), page=args["page"],
                                                  per_page=args["per_page"])
        return page_of(reports, total, args)


@blp.route(f"/admin/reviews/<{ID}:review_id>/moderation")
class ReviewModeration(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(ModerationSchema)
    @blp.response(200, ReviewSchema)
    def post(self, data, review_id):
        """隐藏或保留被举报的评价，须填写理由；记入审计日志，举报人和作者会收到通知（平台管理员）"""
        admin = require_user()
        review = services.get_review(db.session, review_id, viewer=admin)
        services.moderate_review(db.session, admin, review, data["decision"], data["reason"])
        db.session.commit()
        return review
