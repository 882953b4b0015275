"""JSON face of bookings: availability, booking, the provider's decisions, calendars and series.

Handlers that write bookings call one service and commit once (the locking is in ``bookings.locking``).
"""
from flask import current_app
from flask.views import MethodView

from marketplace.bookings import conversation, services
from marketplace.bookings import series as series_services
from marketplace.bookings.availability import availability
from marketplace.bookings.schemas import (AvailabilityQuerySchema, AvailabilitySchema, BookingCreateSchema,
                                          BookingDetailSchema, BookingEditSchema, BookingListQuerySchema,
                                          BookingListSchema, BookingMessageCreateSchema, BookingMessagePageSchema,
                                          BookingMessageSchema, BookingPageSchema, BookingReasonSchema,
                                          BookingRequestListSchema, BookingSchema, CalendarQuerySchema, CheckInSchema,
                                          SeriesCancellationSchema, SeriesCancelSchema, SeriesCreatedSchema,
                                          SeriesCreateSchema, SeriesEditSchema, SeriesPreviewSchema, SeriesRequestSchema,
                                          SeriesSchema)
from marketplace.core.api import API_PREFIX, Blueprint, PageArgs, optional_user, page_of, require_user
from marketplace.core.db import commit_keeping_loaded
from marketplace.core.http import deployment_zone
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.organisations.services import get_organisation

blp = Blueprint("bookings_api", __name__, url_prefix=API_PREFIX,
                description="预约：空闲时段、预约与取消、提供方审批与签到、预约日历、周期预约")


@blp.route(f"/listings/<{ID}:listing_id>/availability")
class ListingAvailability(MethodView):
    @blp.login_optional
    @blp.errors(404, 422)
    @blp.arguments(AvailabilityQuerySchema, location="query")
    @blp.response(200, AvailabilitySchema)
    def get(self, args, listing_id):
        """可预约的时段：每个时段按所选时长和人数可直接提交预约"""
        listing = get_listing(db.session, listing_id, viewer=optional_user())
        slots = availability(db.session, listing, args["start"], args["end"], deployment_zone(),
                             duration_minutes=args.get("duration"), seats=args["seats"])
        return {"listing_id": listing.id, "timezone": deployment_zone(), "slots": slots}


@blp.route("/bookings")
class Bookings(MethodView):
    @blp.login_required
    @blp.arguments(BookingListQuerySchema, location="query")
    @blp.response(200, BookingPageSchema)
    def get(self, args):
        """我的预约（upcoming 即将到来 / past 已结束，可按状态筛选）"""
        bookings, total = services.list_my_bookings(db.session, require_user(), when=args.get("when"),
                                                    status=args.get("status"), page=args["page"],
                                                    per_page=args["per_page"])
        return page_of(bookings, total, args)

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(BookingCreateSchema)
    @blp.response(201, BookingSchema)
    def post(self, data):
        """预约一个时段：即时预约的资源直接确认，需审批的资源生成待审批申请；时段已满时返回 409 和可选的替代时段"""
        booker = require_user()
        booking = services.create_booking(db.session, booker, services.BookingRequest(**data),
                                          zone=deployment_zone())
        commit_keeping_loaded(db.session)  # the new booking was read back whole by its INSERT … RETURNING
        return booking


@blp.route(f"/bookings/<{ID}:booking_id>")
class BookingDetail(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, BookingDetailSchema)
    def get(self, booking_id):
        """一个预约及其状态变化记录（预约人、团队成员、提供方可见）"""
        return services.get_booking(db.session, booking_id, viewer=require_user())

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(BookingEditSchema)
    @blp.response(200, BookingSchema)
    def patch(self, data, booking_id):
        """修改尚未开始的预约：用途、人数，或整体平移时间（预约人）"""
        user = require_user()
        booking = services.get_booking(db.session, booking_id, viewer=user)
        services.edit_booking(db.session, user, booking, services.BookingChange(**data), zone=deployment_zone())
        db.session.commit()
        return booking


@blp.route(f"/bookings/<{ID}:booking_id>/messages")
class BookingMessages(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, BookingMessagePageSchema)
    def get(self, args, booking_id):
        """预约的对话：预约人与提供方之间的留言，从早到晚分页（平台管理员可查看）"""
        user = require_user()
        booking = services.get_booking(db.session, booking_id, viewer=user)
        messages, total = conversation.list_messages(db.session, user, booking, page=args["page"],
                                                     per_page=args["per_page"])
        return page_of(messages, total, args)

    @blp.login_required
    @blp.errors(403, 404, 409, 422, 429)
    @blp.arguments(BookingMessageCreateSchema)
    @blp.response(201, BookingMessageSchema)
    def post(self, data, booking_id):
        """在预约的对话里留言（预约人或提供方）：预约结束或取消7天后对话关闭（409）；每人每个预约每小时最多20条（429，见 Retry-After）"""
        user = require_user()
        booking = services.get_booking(db.session, booking_id, viewer=user)
        message = conversation.post_message(db.session, user, booking, data["text"],
                                            rules=conversation.ConversationRules.from_config(current_app.config))
        db.session.commit()
        return message


def _decide(booking_id: int, decision):
    """Run one decision on a booking in its own writing unit of work and commit."""
    user = require_user()
    booking = services.get_booking(db.session, booking_id, viewer=user)
    decision(user, booking)
    db.session.commit()
    return booking


@blp.route(f"/bookings/<{ID}:booking_id>/cancel")
class BookingCancel(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(BookingReasonSchema)
    @blp.response(200, BookingSchema)
    def post(self, data, booking_id):
        """取消预约：预约人在取消截止时间前可取消；提供方在结束前可取消，须填写原因"""
        return _decide(booking_id, lambda user, booking: services.cancel_booking(db.session, user, booking,
                                                                                 data["reason"]))


@blp.route(f"/bookings/<{ID}:booking_id>/approve")
class BookingApprove(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(BookingReasonSchema, required=False)  # approving needs nothing to be said
    @blp.response(200, BookingSchema)
    def post(self, data, booking_id):
        """批准待审批的申请（提供方）"""
        return _decide(booking_id, lambda user, booking: services.approve_booking(
            db.session, user, booking, zone=deployment_zone(), reason=data["reason"]))


@blp.route(f"/bookings/<{ID}:booking_id>/reject")
class BookingReject(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(BookingReasonSchema)
    @blp.response(200, BookingSchema)
    def post(self, data, booking_id):
        """拒绝待审批的申请，须填写原因（提供方）"""
        return _decide(booking_id, lambda user, booking: services.reject_booking(db.session, user, booking,
                                                                                 data["reason"]))


@blp.route(f"/bookings/<{ID}:booking_id>/check-in")
class BookingCheckIn(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(CheckInSchema, required=False)  # the provider checks someone in without a code
    @blp.response(200, BookingSchema)
    def post(self, data, booking_id):
        """签到：预约人带上门口二维码里的 token，在资源的签到时间内（开始前 check_in_opens_minutes 分钟到开始后
        release_after_minutes 分钟）签到；提供方不带 token，开始前30分钟起到结束前为预约人签到"""
        return _decide(booking_id, lambda user, booking: services.check_in(
            db.session, user, booking, door_token=data.get("token"), secret=current_app.config["SECRET_KEY"],
            zone=deployment_zone()))


@blp.route(f"/bookings/<{ID}:booking_id>/no-show")
class BookingNoShow(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.response(200, BookingSchema)
    def post(self, booking_id):
        """标记爽约：预约开始后、未签到时（提供方）"""
        return _decide(booking_id, lambda user, booking: services.mark_no_show(db.session, user, booking))


def _request_list(requests: list[tuple]) -> dict:
    """The inbox body: each pending request with the conflicts approving it would cause."""
    items = [{"booking": booking, "conflicts": conflicts} for booking, conflicts in requests]
    return {"items": items, "total": len(items)}


@blp.route(f"/organisations/<{ID}:organisation_id>/booking-requests")
class OrganisationBookingRequests(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.response(200, BookingRequestListSchema)
    def get(self, organisation_id):
        """组织的待审批申请，按审批期限排序，并列出批准后会造成的冲突（组织工作人员）"""
        organisation = get_organisation(db.session, organisation_id)
        return _request_list(services.pending_requests(db.session, require_user(), organisation=organisation,
                                                       zone=deployment_zone()))


@blp.route("/booking-requests")
class MyBookingRequests(MethodView):
    @blp.login_required
    @blp.response(200, BookingRequestListSchema)
    def get(self):
        """我作为个人志愿者提供的资源收到的待审批申请"""
        return _request_list(services.pending_requests(db.session, require_user(), zone=deployment_zone()))


@blp.route(f"/listings/<{ID}:listing_id>/bookings")
class ListingBookings(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(CalendarQuerySchema, location="query")
    @blp.response(200, BookingListSchema)
    def get(self, args, listing_id):
        """资源的预约日历（提供方）：与时间窗口重叠的预约"""
        user = require_user()
        listing = get_listing(db.session, listing_id, viewer=user)
        return {"items": services.listing_calendar(db.session, user, listing, args.get("start"), args.get("end"),
                                                   include_inactive=args["include_inactive"])}


@blp.route("/series/preview")
class SeriesPreview(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(SeriesRequestSchema)
    @blp.response(200, SeriesPreviewSchema)
    def post(self, data):
        """周期预约预览：逐个日期列出是否空闲，冲突的说明原因；不写入任何数据"""
        return series_services.preview_series(db.session, require_user(), series_services.SeriesRequest(**data),
                                              zone=deployment_zone())


@blp.route("/series")
class SeriesCollection(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(SeriesCreateSchema)
    @blp.response(201, SeriesCreatedSchema)
    def post(self, data):
        """创建周期预约：all_free 预约所有空闲日期，all_or_nothing 有冲突则一个也不预约（409）"""
        booker = require_user()
        mode = data.pop("mode")
        series, preview = series_services.create_series(db.session, booker, series_services.SeriesRequest(**data),
                                                        mode=mode, zone=deployment_zone())
        db.session.commit()
        return {"series": series, "occurrences": preview.occurrences}


@blp.route(f"/series/<{ID}:series_id>")
class SeriesDetail(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, SeriesSchema)
    def get(self, series_id):
        """一个周期预约及其各次预约"""
        return series_services.get_series(db.session, series_id, viewer=require_user())

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(SeriesEditSchema)
    @blp.response(200, BookingListSchema)
    def patch(self, data, series_id):
        """修改周期预约（用途、人数、平移时间）：本次、本次及以后或整个系列；任何一次不行则全部不改"""
        user = require_user()
        scope, booking_id = data.pop("scope"), data.pop("booking_id")
        series = series_services.get_series(db.session, series_id, viewer=user)
        bookings = series_services.edit_series(db.session, user, series, services.BookingChange(**data), scope=scope,
                                               booking_id=booking_id, zone=deployment_zone())
        db.session.commit()
        return {"items": bookings}


@blp.route(f"/series/<{ID}:series_id>/cancel")
class SeriesCancel(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(SeriesCancelSchema)
    @blp.response(200, SeriesCancellationSchema)
    def post(self, data, series_id):
        """取消周期预约：本次（occurrence）、本次及以后（following）或整个系列（all）"""
        user = require_user()
        series = series_services.get_series(db.session, series_id, viewer=user)
        result = series_services.cancel_series(db.session, user, series, scope=data["scope"],
                                               booking_id=data["booking_id"], reason=data["reason"])
        db.session.commit()
        return {"cancelled": result.cancelled,
                "kept": [{"booking": booking, "reason": reason} for booking, reason in result.kept]}
