"""JSON face of the personal calendar feed: its secret address, and regenerating it (which revokes the old one)."""
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from marketplace.bookings import feeds
from marketplace.bookings.views import feed_urls
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.extensions import db

blp = Blueprint("calendar_feed_api", __name__, url_prefix=API_PREFIX,
                description="日历订阅：个人预约的 iCalendar 订阅地址（秘密、可重新生成）")


class CalendarFeedSchema(Schema):
    url = fields.String(required=True, metadata={"description": "iCalendar 订阅地址（https），相当于密码"})
    webcal_url = fields.String(required=True, metadata={"description": "同一地址的 webcal:// 形式，手机日历可一键订阅"})


@blp.route("/me/calendar-feed")
class CalendarFeed(MethodView):
    @blp.login_required
    @blp.response(200, CalendarFeedSchema)
    def get(self):
        """我的日历订阅地址（第一次读取时生成）"""
        token = feeds.feed_token(db.session, require_user(), secret=current_app.config["SECRET_KEY"])
        db.session.commit()
        return feed_urls(token)


@blp.route("/me/calendar-feed/reset")
class CalendarFeedReset(MethodView):
    @blp.login_required
    @blp.response(200, CalendarFeedSchema)
    def post(self):
        """重新生成订阅地址：旧地址立即失效"""
        token = feeds.reset_feed_token(db.session, require_user(), secret=current_app.config["SECRET_KEY"])
        db.session.commit()
        return feed_urls(token)
