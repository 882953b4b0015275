"""JSON face of platform administration: the audit log, accounts and the scheduler's health."""

from flask import current_app
from flask.views import MethodView

from marketplace.accounts import services as accounts
from marketplace.admin import services
from marketplace.admin.schemas import (AccountPageSchema, AccountQuerySchema, AccountSchema, AuditEntryPageSchema,
                                      AuditQuerySchema, SchedulerHealthSchema, UsageQuerySchema,
                                      UsageSnapshotPageSchema)
from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.errors import Forbidden
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.scheduler import health as scheduler_health
from marketplace.usage import services as usage

blp = Blueprint("admin_api", __name__, url_prefix=API_PREFIX + "/admin",
                description="平台管理：审计日志、账号、定时任务、使用统计")


def require_platform_admin():
    """The signed-in platform admin, or a 403 for anyone else."""
    user = require_user()
    if not is_platform_admin(user):
        raise Forbidden(_l("只有平台管理员可以进行这个操作"))
    return user


@blp.route("/audit-log")
class AuditLog(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntryPageSchema)
    def get(self, args):
        """审计日志：谁在何时对什么做了什么，前后字段值（平台管理员）"""
        require_platform_admin()
        entries, total = services.list_audit_entries(db.session, object_type=args.get("object_type"),
                                                     actor_id=args.get("actor_id"), page=args["page"],
                                                     per_page=args["per_page"])
        return page_of(entries, total, args)


@blp.route("/scheduler")
class SchedulerHealth(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.response(200, SchedulerHealthSchema)
    def get(self):
        """定时任务的健康状况：租约持有者、最近心跳、延迟、最早未处理的到期事项（平台管理员）"""
        require_platform_admin()
        return scheduler_health.scheduler_health(db.session, clock.now(), current_app.config)


@blp.route("/usage")
class Usage(MethodView):
    @blp.login_required
    @blp.errors(403, 422)
    @blp.arguments(UsageQuerySchema, location="query")
    @blp.response(200, UsageSnapshotPageSchema)
    def get(self, args):
        """每个资源每天的使用统计：开放与被预约的小时数、各状态预约数、服务人数、爽约、谁取消（平台管理员），新的日期在前"""
        require_platform_admin()
        snapshots, total = usage.list_snapshots(db.session, listing_id=args.get("listing_id"),
                                                first_day=args.get("from_"), last_day=args.get("to"),
                                                page=args["page"], per_page=args["per_page"])
        return page_of(snapshots, total, args)


@blp.route("/users")
class Accounts(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200, AccountPageSchema)
    def get(self, args):
        """账号列表，含完整手机号（平台管理员）"""
        require_platform_admin()
        users, total = accounts.list_users(db.session, query=args.get("q"), page=args["page"],
                                           per_page=args["per_page"])
        return page_of(users, total, args)


@blp.route(f"/users/<{ID}:user_id>/disable")
class AccountDisable(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.response(200, AccountSchema)
    def post(self, user_id):
        """停用账号：停用后不能登录，令牌也失效（平台管理员）"""
        admin = require_platform_admin()
        user = accounts.set_account_disabled(db.session, admin, accounts.get_user(db.session, user_id), True)
        db.session.commit()
        return user


@blp.route(f"/users/<{ID}:user_id>/enable")
class AccountEnable(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, AccountSchema)
    def post(self, user_id):
        """重新启用账号（平台管理员）"""
        admin = require_platform_admin()
        user = accounts.set_account_disabled(db.session, admin, accounts.get_user(db.session, user_id), False)
        db.session.commit()
        return user
