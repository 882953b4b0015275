"""Platform admin pages: dashboard, organisation review, users, listings and the audit log."""
import json
from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import services as accounts
from marketplace.accounts.masking import visible_phone
from marketplace.admin import services
from marketplace.admin.forms import RejectForm, SuspendForm
from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.urls import ID
from marketplace.core.validation import filter_text
from marketplace.extensions import db, login_manager
from marketplace.listings import services as listings
from marketplace.listings.models import LISTING_KIND_LABELS, LISTING_STATUS_LABELS, ListingStatus
from marketplace.organisations import services as organisations
from marketplace.organisations.models import (ORGANISATION_STATUS_LABELS, ORGANISATION_TYPE_LABELS,
                                              OrganisationStatus, StaffRole)

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
    "user.disable": _l("停用账号"),
    "user.enable": _l("启用账号"),
    "place.create": _l("新增社区树节点"),
}

OBJECT_TYPE_LABELS = {
    "organisations": _l("组织"),
    "memberships": _l("组织成员"),
    "listings": _l("资源"),
    "listing_exceptions": _l("例外安排"),
    "photos": _l("照片"),
    "users": _l("用户"),
    "places": _l("社区树节点"),
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
}

# Recorded values are enum values ("pending"); the log shows them as the UI names them.
FIELD_VALUE_LABELS = {
    "status": {status.value: label for status, label in
               [*ORGANISATION_STATUS_LABELS.items(), *LISTING_STATUS_LABELS.items()]},
    "type": {kind.value: label for kind, label in ORGANISATION_TYPE_LABELS.items()},
    "kind": {kind.value: label for kind, label in LISTING_KIND_LABELS.items()},
    "role": {role.value: role.label for role in StaffRole},
}

MAX_SHOWN_VALUE = 200


def _readable_value(field: str, value) -> str:
    """A recorded value as people read it: UI names for enum values, 是/否, local times, "—" for nothing."""
    if value is None or value == "":
        return "—"
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
                           object_type=object_type, object_types=services.audited_object_types(db.session))
