"""JSON face of notifications: my inbox, marking read, and my notification preferences."""
from flask.views import MethodView

from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.extensions import db
from marketplace.notifications import services
from marketplace.notifications.preferences import as_nested, from_nested
from marketplace.notifications.schemas import (MarkedSchema, MarkReadSchema, NotificationPageSchema,
                                               NotificationQuerySchema, PreferencesSchema)

blp = Blueprint("notifications_api", __name__, url_prefix=API_PREFIX, description="通知：站内消息与通知设置")


@blp.route("/notifications")
class MyNotifications(MethodView):
    @blp.login_required
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """我的通知（最新的在前；unread 筛选未读或已读）"""
        items, total = services.list_notifications(db.session, require_user(), page=args["page"],
                                                   per_page=args["per_page"], unread=args.get("unread"))
        return page_of(items, total, args)


@blp.route("/notifications/read")
class MarkRead(MethodView):
    @blp.login_required
    @blp.arguments(MarkReadSchema)
    @blp.errors(422)
    @blp.response(200, MarkedSchema)
    def post(self, args):
        """把通知标为已读：给出编号 ids，或 all: true 全部标为已读（别人的通知不受影响）"""
        user = require_user()
        marked = services.mark_read(db.session, user, None if args.get("all") else args["ids"], now=clock.now())
        db.session.commit()
        return {"marked": marked, "unread": services.unread_count(db.session, user.id)}


@blp.route("/me/notification-preferences")
class MyPreferences(MethodView):
    @blp.login_required
    @blp.response(200, PreferencesSchema)
    def get(self):
        """我的通知设置：每类通知是否发邮件，是否要预约提醒，新申请是否每天汇总"""
        return as_nested(services.preferences_of(db.session, require_user().id))

    @blp.login_required
    @blp.arguments(PreferencesSchema)
    @blp.errors(422)
    @blp.response(200, PreferencesSchema)
    def put(self, args):
        """修改通知设置（只需给出要改的部分）"""
        preferences = services.update_preferences(db.session, require_user(), from_nested(args))
        db.session.commit()
        return as_nested(preferences)
