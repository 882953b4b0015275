"""Platform admin pages: dashboard, organisation review, users, listings, the audit log, the scheduler's health
and the usage snapshots."""
import json
from datetime import datetime

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import services as accounts
from marketplace.accounts.masking import visible_phone
from marketplace.admin import services
from marketplace.admin.forms import RejectForm, SuspendForm
from marketplace.core import clock
from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import refuse_on_form
from marketplace.core.i18n import _l, _lp
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.db import is_id
from marketplace.core.permissions import is_platform_admin
from marketplace.core.urls import ID
from marketplace.core.validation import filter_text
from marketplace.extensions import db, login_manager
from marketplace.listings import services as listings
from marketplace.listings.models import (FACILITIES, FEE_TYPE_LABELS, LISTING_KIND_LABELS, LISTING_STATUS_LABELS,
                                         WEEKDAY_LABELS, ListingStatus)
from marketplace.organisations import services as organisations
from marketplace.organisations.models import (ORGANISATION_STATUS_LABELS, ORGANISATION_TYPE_LABELS,
                                              OrganisationStatus, StaffRole)
from marketplace.points.models import REASON_LABELS
from marketplace.scheduler import health as scheduler_health
from marketplace.scheduler import jobs as scheduler_jobs
from marketplace.scheduler import lease as scheduler_lease
from marketplace.usage import services as usage

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 50

ACTION_LABELS = {
    "organisation.apply": _l("申请登记组织"),
    "organisation.update": _l("修改组织资料"),
    "organisation.verify": _l("认证组织"),
    "organisation.reject": _l("驳回组织申请"),
    "organisation.add_staff": _l("添加组织成员"),
    "organisation.remove_staff": _l("移除组织成员"),
    "listing.create": _l("创建资源"),
    "listing.update": _l("修改资源"),
    "listing.publish": _l("发布资源"),
    "listing.suspend": _l("暂停资源"),
    "listing.reinstate": _l("恢复资源"),
    "listing.set_hours": _l("设置开放时间"),
    "listing.add_exception": _l("添加例外安排"),
    "listing.remove_exception": _l("删除例外安排"),
    "listing.add_photo": _l("添加图片"),
    "listing.remove_photo": _l("删除图片"),
    "user.disable": _l("停用账号"),
    "user.enable": _l("启用账号"),
    "user.password_reset": _l("为居民重置密码"),
    "place.create": _l("新增社区树节点"),
    "booking.served_by": _l("记录服务者"),
    "review.hide": _l("隐藏被举报的评价"),
    "review.keep": _l("保留被举报的评价"),
    "pledge.sign": _l("签订共建承诺"),
    "pledge.update": _l("修改共建承诺"),
    "points.grant": _l("发放积分"),
    "points.reverse": _l("冲正积分"),
    "user.deleted": _l("注销账号"),
}

OBJECT_TYPE_LABELS = {
    "organisations": _lp("one", "组织"),
    "memberships": _l("组织成员"),
    "listings": _lp("one", "资源"),
    "listing_exceptions": _l("例外安排"),
    "photos": _l("照片"),
    "users": _l("用户"),
    "places": _l("社区树节点"),
    "bookings": _l("预约"),
    "reviews": _l("评价"),
    "pledges": _l("共建承诺"),
    "points_transfers": _l("积分转账"),
}

FIELD_LABELS = {
    "name": _l("名称"),
    "type": _l("类型"),
    "status": _l("状态"),
    "rejection_reason": _l("不通过原因"),
    "verified_at": _l("认证时间"),
    "description": _l("简介"),
    "address": _l("地址"),
    "contact_phone": _l("联系电话"),
    "office_hours": _l("办公时间"),
    "must_change_password": _l("须修改密码"),
    "shows_phone_publicly": _l("公开手机号码"),
    "public_contact_note": _l("联系说明"),
    "place_id": _l("所在地点"),
    "title": _l("标题"),
    "suspension_reason": _l("暂停原因"),
    "published_at": _l("发布时间"),
    "is_disabled": _l("已停用"),
    "role": _l("角色"),
    "user_id": _l("用户编号"),
    "organisation_id": _l("组织编号"),
    "opening_hours": _l("开放时间"),
    "created_at": _l("创建时间"),
    "updated_at": _l("更新时间"),
    "kind": _l("类型"),
    "tags": _l("标签"),
    "facilities": _l("设施（仅场地）"),
    "people": _l("容纳人数"),
    "capacity": _l("座位数"),
    "slot_minutes": _l("时段长度（分钟）"),
    "min_duration_minutes": _l("最短时长（分钟）"),
    "max_duration_minutes": _l("最长时长（分钟）"),
    "buffer_minutes": _l("两次预约之间的间隔（分钟）"),
    "min_notice_minutes": _l("至少提前多久预约（分钟）"),
    "max_advance_days": _l("最多提前几天预约"),
    "cancel_cutoff_minutes": _l("开始前多久停止取消（分钟）"),
    "requires_check_in": _l("需要到场签到"),
    "check_in_opens_minutes": _l("开始前多久可以签到（分钟）"),
    "release_after_minutes": _l("开始后多久未签到即释放（分钟）"),
    "instant_booking": _l("即时预约（提交即确认）"),
    "max_active_bookings_per_booker": _l("每人同时有效预约上限"),
    "max_hours_per_week_per_booker": _l("每人每周预约小时上限"),
    "fee_type": _l("收费方式"),
    "fee_amount": _l("金额（元）或积分"),
    "rules": _l("使用须知"),
    "suspended_by_platform": _l("由平台暂停"),
    "provider_user_id": _l("提供者编号"),
    "listing_id": _l("资源编号"),
    "day": _l("日期"),
    "is_closed": _l("不开放"),
    "opens": _l("开始时间"),
    "closes": _l("结束时间"),
    "note": _l("说明"),
    "filename": _l("文件名"),
    "content_type": _l("文件类型"),
    "size_bytes": _l("文件大小（字节）"),
    "position": _l("排列顺序"),
    "id": _l("编号"),
    "applicant_id": _l("申请人编号"),
    "parent_id": _l("上级节点编号"),
    "path": _l("路径"),
    "phone": _l("手机号码"),
    "email": _l("邮箱"),
    "display_name": _l("称呼"),
    "is_party_member": _l("党员"),
    "is_volunteer": _l("志愿者"),
    "is_platform_admin": _l("平台管理员"),
    "home_place_id": _l("所在社区"),
    "locale": _l("界面语言"),
    "booker_id": _l("预约人编号"),
    "group_id": _l("团队编号"),
    "series_id": _l("系列预约编号"),
    "seats": _l("预约座位数"),
    "start_at": _l("预约开始时间"),
    "end_at": _l("预约结束时间"),
    "blocked_until": _l("占用至"),
    "exclusive": _l("包场"),
    "purpose": _l("用途"),
    "decision_reason": _l("处理说明"),
    "approval_deadline": _l("审批期限"),
    "deadline_warned_at": _l("期限提醒时间"),
    "checked_in_at": _l("签到时间"),
    "served_by_id": _l("服务者编号"),
    "booking_id": _l("预约编号"),
    "side": _l("评价方向"),
    "author_id": _l("作者编号"),
    "reviewee_id": _l("被评价人编号"),
    "stars": _l("星级"),
    "text": _l("内容"),
    "window_closes_at": _l("评价截止时间"),
    "revealed_at": _l("公开时间"),
    "hidden": _l("已隐藏"),
    "counted": _l("计入评分"),
    "reply": _l("回复"),
    "replied_at": _l("回复时间"),
    "replied_by_id": _l("回复人编号"),
    "year": _l("年度"),
    "room_hours": _l("承诺场地小时数"),
    "volunteer_hours": _l("承诺志愿服务小时数"),
    "signed_by_id": _l("签订人编号"),
    "source_id": _l("转出账户编号"),
    "destination_id": _l("转入账户编号"),
    "amount": _l("积分数"),
    "reason": _l("事由"),
    "reference_type": _l("关联对象类型"),
    "reference_id": _l("关联对象编号"),
    "reverses_id": _l("冲正的转账编号"),
    "memo": _l("备注"),
    "actor_id": _l("操作人编号"),
    "deleted_at": _l("注销时间"),
    "hsds_id": _l("开放数据编号（HSDS）"),
    "hsds_service_at_location_id": _l("服务地点的开放数据编号（HSDS）"),
}

# Recorded values are enum values ("pending"); the log shows them as the UI names them.
FIELD_VALUE_LABELS = {
    "status": {status.value: label for status, label in
               [*ORGANISATION_STATUS_LABELS.items(), *LISTING_STATUS_LABELS.items()]},
    "type": {kind.value: label for kind, label in ORGANISATION_TYPE_LABELS.items()},
    "kind": {kind.value: label for kind, label in LISTING_KIND_LABELS.items()},
    "fee_type": {fee.value: label for fee, label in FEE_TYPE_LABELS.items()},
    "role": {role.value: role.label for role in StaffRole},
    "reason": {reason.value: label for reason, label in REASON_LABELS.items()},
    "reference_type": {"booking": _lp("one", "预约"), "wish": _l("心愿"), "grant": _l("发放奖励"),
                       "transfer": _l("积分转账")},
}

MAX_SHOWN_VALUE = 200


def _readable_hours(recorded: list) -> str:
    """Recorded opening hours ("2 18:30:00-20:30:00": weekday, opens-closes) as 周三 18:30–20:30."""
    shown = []
    for interval in recorded:
        weekday, _space, span = str(interval).partition(" ")
        opens, _dash, closes = span.partition("-")
        if not weekday.isdigit() or int(weekday) > 6 or not closes:
            shown.append(str(interval))
            continue
        shown.append(f"{WEEKDAY_LABELS[int(weekday)]} {opens[:5]}–{closes[:5]}")
    return "；".join(shown)


def _readable_value(field: str, value) -> str:
    """A recorded value as people read it: UI names for enum values, 是/否, local times, "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "opening_hours" and isinstance(value, list):
        value = _readable_hours(value)
    elif field == "facilities" and isinstance(value, list):
        value = "、".join(str(FACILITIES.get(key, key)) for key in value)
    elif field == "tags" and isinstance(value, list):
        value = "、".join(str(tag) for tag in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        named = FIELD_VALUE_LABELS.get(field, {}).get(value)
        if named is not None:
            return str(named)
        moment = _recorded_instant(value)
        if moment is not None:
            return format_datetime(moment, "yyyy-MM-dd HH:mm:ss")
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[:MAX_SHOWN_VALUE] + "…"


def _recorded_instant(value: str) -> datetime | None:
    """Snapshots store aware datetimes as ISO text; anything else (dates, names) is not an instant."""
    if "T" not in value or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _readable_change(change: services.FieldChange) -> tuple[str, str, str]:
    return (str(FIELD_LABELS.get(change.field, change.field)), _readable_value(change.field, change.before),
            _readable_value(change.field, change.after))


@bp.before_request
def require_platform_admin():
    """Every admin page and action: sign in first, then platform admins only."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not is_platform_admin(current_user):
        raise Forbidden(_l("只有平台管理员可以进入管理后台"))
    return None


@bp.app_context_processor
def scheduler_banner():
    """``scheduler_stalled()`` for base.html: asked on every page, read at most once per request, for admins only."""

    def scheduler_stalled() -> bool:
        if not (current_user.is_authenticated and is_platform_admin(current_user)):
            return False
        if "scheduler_stalled" not in g:
            g.scheduler_stalled = scheduler_health.is_stale(db.session, clock.now())
        return g.scheduler_stalled

    return {"scheduler_stalled": scheduler_stalled}


@bp.context_processor
def labels():
    return {"action_labels": ACTION_LABELS, "object_type_labels": OBJECT_TYPE_LABELS}


def _page_args(default_per_page: int = 20) -> tuple[int, int]:
    return clamp_page(request.args.get("page"), request.args.get("per_page"), default_per_page)


def _enum_arg(enum_type, name: str):
    try:
        return enum_type(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
def dashboard():
    return render_template("admin/dashboard.html", counts=services.platform_counts(db.session))


# What each of the scheduler's jobs does, in the admin's words (tests/admin check every job has one).
JOB_LABELS = {
    "heartbeat": _l("心跳：续租，表明定时任务在运行"),
    "process_outbox": _l("处理事件：通知、邮件、搜索索引、信誉"),
    "expire_requests": _l("过期未审批的申请"),
    "warn_deadlines": _l("提醒工作人员申请即将到期"),
    "send_reminders": _l("预约开始前提醒预约人"),
    "release_bookings": _l("未签到的预约释放时段"),
    "complete_bookings": _l("已结束的预约标记为完成"),
    "send_digests": _l("每日待审批汇总"),
    "lapse_waitlist_holds": _l("候补保留时段到期，轮到下一位"),
    "reveal_reviews": _l("评价期结束后公开评价"),
    "recompute_reputation": _l("每晚重新计算全部信誉"),
    "snapshot_usage": _l("每日使用情况统计"),
    "escalate_feedback": _l("无人答复的群众发声上报街道"),
    "release_wish_claims": _l("认领后逾期未完成的心愿回到心愿墙"),
    "escalate_wishes": _l("无人认领的心愿上升到上一级心愿墙"),
    "send_webhooks": _l("按重试时间表发送 Webhook 投递"),
    "draw_lotteries": _l("到时抽签，中签者获得预约"),
}


@bp.route("/scheduler")
def scheduler():
    return render_template("admin/scheduler.html",
                           health=scheduler_health.scheduler_health(db.session, clock.now(), current_app.config),
                           stale_after=scheduler_health.STALE_AFTER, job_labels=JOB_LABELS,
                           intervals={name: job.every for name, job in scheduler_jobs.JOBS.items()}
                           | {"heartbeat": scheduler_lease.RENEW_EVERY})


@bp.route("/usage")
def usage_snapshots():
    page, per_page = _page_args(50)
    listing_id = request.args.get("listing_id", type=int)
    listing_id = listing_id if is_id(listing_id) else None
    items, total = usage.list_snapshots(db.session, listing_id=listing_id, page=page, per_page=per_page)
    return render_template("admin/usage.html", page=Page(items, total, page, per_page), listing_id=listing_id,
                           last_day=usage.last_day_done(db.session))


@bp.route("/organisations")
def organisations_queue():
    page, per_page = _page_args()
    status = _enum_arg(OrganisationStatus, "status")
    items, total = organisations.organisations_for_review(db.session, status=status, page=page, per_page=per_page)
    return render_template("admin/organisations.html", page=Page(items, total, page, per_page), status=status,
                           status_labels=ORGANISATION_STATUS_LABELS)


def _render_review(org, form: RejectForm, status: int = 200):
    applicant_phone = visible_phone(org.applicant, current_user) if org.applicant else ""
    return render_template("admin/organisation.html", organisation=org, form=form,
                           applicant_phone=applicant_phone), status


@bp.route(f"/organisations/<{ID}:org_id>")
def organisation_review(org_id: int):
    return _render_review(organisations.get_organisation(db.session, org_id), RejectForm(formdata=None))


@bp.route(f"/organisations/<{ID}:org_id>/verify", methods=["POST"])
def verify_organisation(org_id: int):
    org = organisations.get_organisation(db.session, org_id)
    organisations.verify_organisation(db.session, current_user, org)
    db.session.commit()
    return redirect(url_for("admin.organisation_review", org_id=org.id, done="verified"))


@bp.route(f"/organisations/<{ID}:org_id>/reject", methods=["POST"])
def reject_organisation(org_id: int):
    org = organisations.get_organisation(db.session, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            organisations.reject_organisation(db.session, current_user, org, form.reason.data)
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("admin.organisation_review", org_id=org.id, done="rejected"))
    return _render_review(org, form, status=422)


@bp.route("/users")
def users():
    page, per_page = _page_args()
    query = filter_text(request.args.get("q"), 50) or ""
    items, total = accounts.list_users(db.session, query=query, page=page, per_page=per_page)
    phones = {user.id: visible_phone(user, current_user) for user in items}
    return render_template("admin/users.html", page=Page(items, total, page, per_page), query=query, phones=phones)


def _set_disabled(user_id: int, disabled: bool):
    user = accounts.get_user(db.session, user_id)
    accounts.set_account_disabled(db.session, current_user, user, disabled)
    db.session.commit()
    return redirect(url_for("admin.users", q=request.form.get("q") or None, page=request.form.get("page") or None))


@bp.route(f"/users/<{ID}:user_id>/disable", methods=["POST"])
def disable_user(user_id: int):
    return _set_disabled(user_id, True)


@bp.route(f"/users/<{ID}:user_id>/enable", methods=["POST"])
def enable_user(user_id: int):
    return _set_disabled(user_id, False)


@bp.route("/listings")
def listings_list():
    page, per_page = _page_args()
    status = _enum_arg(ListingStatus, "status")
    query = filter_text(request.args.get("q"), 50) or ""
    items, total = services.listings_for_admin(db.session, status=status, query=query, page=page, per_page=per_page)
    return render_template("admin/listings.html", page=Page(items, total, page, per_page), status=status,
                           query=query, status_labels=LISTING_STATUS_LABELS)


def _render_listing(listing, form: SuspendForm, status: int = 200):
    return render_template("admin/listing.html", listing=listing, form=form), status


@bp.route(f"/listings/<{ID}:listing_id>")
def listing_review(listing_id: int):
    listing = listings.get_listing(db.session, listing_id, viewer=current_user)
    return _render_listing(listing, SuspendForm(formdata=None))


@bp.route(f"/listings/<{ID}:listing_id>/suspend", methods=["POST"])
def suspend_listing(listing_id: int):
    listing = listings.get_listing(db.session, listing_id, viewer=current_user)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            listings.suspend_listing(db.session, current_user, listing, form.reason.data)
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("admin.listing_review", listing_id=listing.id, done="suspended"))
    return _render_listing(listing, form, status=422)


@bp.route(f"/listings/<{ID}:listing_id>/reinstate", methods=["POST"])
def reinstate_listing(listing_id: int):
    listing = listings.get_listing(db.session, listing_id, viewer=current_user)
    services.reinstate_listing(db.session, current_user, listing)
    db.session.commit()
    return redirect(url_for("admin.listing_review", listing_id=listing.id, done="reinstated"))


@bp.route("/audit")
def audit_log():
    page, per_page = _page_args(AUDIT_PAGE_SIZE)
    object_type = filter_text(request.args.get("object_type"), 40)
    items, total = services.list_audit_entries(db.session, object_type=object_type, page=page, per_page=per_page)
    changes = {entry.id: [_readable_change(change) for change in services.field_changes(entry)] for entry in items}
    return render_template("admin/audit.html", page=Page(items, total, page, per_page), changes=changes,
                           names=services.object_names(db.session, items),
                           object_type=object_type, object_types=services.audited_object_types(db.session))
