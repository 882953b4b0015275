"""JSON face of calendars: the personal feed's secret address, regenerating it (which revokes the old one), and
one booking's calendar file."""
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from marketplace.bookings import feeds, services
from marketplace.bookings.views import feed_urls, ics_response, single_booking_ics
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.extensions import db

blp = Blueprint("calendar_feed_api", __name__, url_prefix=API_PREFIX,
                description="日历订阅：个人预约的 iCalendar 订阅地址（秘密、可重新生成）")


class CalendarFeedSchema(Schema):
    url = fields.String(required=True, metadata={"description": "iCalendar 订阅地址（https），相当于密码"})
    webcal_url = fields.String(required=True, metadata={"description": "同一地址的 webcal:// 形式，手机日历可一键订阅"})


@blp.route("/me/calendar-feed")
class CalendarFeed(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, CalendarFeedSchema)
    def get(self):
        """我的日历订阅地址；还没开通时 404（用 POST /me/calendar-feed/reset 开通）"""
        token = feeds.current_feed_token(db.session, require_user(), secret=current_app.config["SECRET_KEY"])
        if token is None:
            raise NotFound(_l("还没有开通日历订阅"))
        return feed_urls(token)


@blp.route("/me/calendar-feed/reset")
class CalendarFeedReset(MethodView):
    @blp.login_required
    @blp.response(200, CalendarFeedSchema)
    def post(self):
        """开通或重新生成订阅地址：旧地址立即失效"""
        token = feeds.reset_feed_token(db.session, require_user(), secret=current_app.config["SECRET_KEY"])
        db.session.commit()
        return feed_urls(token)


@blp.route(f"/bookings/<{ID}:booking_id>/calendar.ics")
class BookingCalendarFile(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, {"type": "string"}, content_type="text/calendar",
                  description="一个预约的 iCalendar 文件（与个人订阅里的同一事件，UID 相同）")
    def get(self, booking_id):
        """下载一个预约的日历文件（预约人、团队成员、提供方可下载）"""
        booking = services.get_booking(db.session, booking_id, viewer=require_user())
        return ics_response(single_booking_ics(booking), f"booking-{booking.id}.ics")
