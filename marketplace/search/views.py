"""HTML pages of search: the results page, and the "for you" list the home page shows."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, render_template, request, session
from flask_login import current_user

from marketplace.core.errors import DomainError, ValidationFailed
from marketplace.core.http import deployment_zone
from marketplace.core.pagecache import anonymous_page
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, id_arg
from marketplace.core.zones import in_supported_years, to_utc
from marketplace.extensions import db
from marketplace.listings.models import FACILITIES, ListingKind
from marketplace.listings.services import get_listing
from marketplace.places.directory import directory
from marketplace.search import services, sync
from marketplace.search.present import result_items, understood_parts

bp = Blueprint("search", __name__)
bp.record_once(lambda state: sync.install(state.app))

CHOSEN_COMMUNITY = "search_community"
FILTER_LABELS = {
    "kind": _l("资源类型"), "place_id": _l("社区"), "free_only": _l("只看免费"), "min_rating": _l("最低评分"),
    "facilities": _l("设施"), "min_capacity": _l("容纳人数"), "free_at": _l("空闲时段"),
}
FILTER_PARAMS = {"kind": ["kind"], "place_id": ["community"], "free_only": ["free"], "min_rating": ["min_rating"],
                 "facilities": ["facilities"], "min_capacity": ["capacity"],
                 "free_at": ["free_date", "free_from", "free_to"]}


def _parsed(args, name: str, parse, field: str, message):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise ValidationFailed(field, message) from None


def _wall_clock_time(raw: str) -> time:
    """A local time of day; one carrying its own offset ("10:00+05:00") is malformed, the zone is the deployment's."""
    value = time.fromisoformat(raw)
    if value.tzinfo is not None:
        raise ValueError(raw)
    return value


def _free_at(args, zone: str) -> tuple[datetime | None, datetime | None]:
    """The "free at" window from a local date and two local times."""
    day = _parsed(args, "free_date", date.fromisoformat, "free_at_start", _l("请选择日期"))
    starts = _parsed(args, "free_from", _wall_clock_time, "free_at_start", _l("开始时间格式不正确"))
    ends = _parsed(args, "free_to", _wall_clock_time, "free_at_end", _l("结束时间格式不正确"))
    if day is None and starts is None and ends is None:
        return None, None
    if day is None or starts is None or ends is None:
        raise ValidationFailed("free_at_start", _l("空闲时段需要填写日期、开始和结束时间"))
    if not in_supported_years(day):
        # Checked before converting: years 1 and 9999 overflow when moved to UTC.
        raise ValidationFailed("free_at_start", _l("时间超出了可预约的范围"))
    start = to_utc(datetime.combine(day, starts), zone, nonexistent="shift_forward")
    end = to_utc(datetime.combine(day, ends), zone, nonexistent="shift_forward")
    return start, end


def filters_from_args(args, zone: str) -> services.SearchFilters:
    """The results page's filters from its query string; ValidationFailed on malformed values."""
    start, end = _free_at(args, zone)
    kind = args.get("kind") or None
    return services.SearchFilters(
        kind=kind,
        place_id=_parsed(args, "community", id_arg, "community", _l("社区编号不正确")),
        free_only=args.get("free") in ("1", "true", "on"),
        min_rating=_parsed(args, "min_rating", float, "min_rating", _l("最低评分应是数字")),
        facilities=[f for f in args.getlist("facilities") if f],
        min_capacity=_parsed(args, "capacity", int, "capacity", _l("容纳人数应是整数")),
        free_at_start=start, free_at_end=end)


def _without(args, params: list[str], **extra) -> dict:
    kept = {key: args.getlist(key) for key in args if key not in params and key != "page"}
    kept.update(extra)
    return kept


@bp.route("/search")
@anonymous_page
def results():
    """The results page: the search box and filters, ranked hits, and what to try when nothing matched."""
    zone = deployment_zone()
    page_number, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    text = request.args.get("q", "")
    literal = [word for word in request.args.getlist("literal") if word]
    error = None
    found = None
    understood = None
    items: list[dict] = []
    try:
        filters = filters_from_args(request.args, zone)
        found = services.search_listings(
            db.session, sync.search_index(), text, filters, page=page_number, per_page=per_page, zone=zone,
            home_place_id=current_user.home_place_id if current_user.is_authenticated else None,
            literal=frozenset(literal))
        items = result_items(db.session, found, zone)
        understood = understood_parts(found.understood, zone, literal)
        if filters.place_id is not None:
            session[CHOSEN_COMMUNITY] = filters.place_id
    except DomainError as refused:
        error = refused
    alternatives = []
    # A filter read from the query's own words is dropped by taking those words out of it.
    from_words = {"free_at": understood and understood["time"], "place_id": understood and understood["place"]}
    if found is not None:
        for alternative in found.alternatives:
            if alternative.kind == "community":
                undo = from_words["place_id"]["undo"] if from_words["place_id"] else {}
                params = _without(request.args, ["community", *undo], community=alternative.place_id, **undo)
                label = alternative.name
            else:
                if from_words.get(alternative.name):
                    params = _without(request.args, ["q", "literal"], **from_words[alternative.name]["undo"])
                else:
                    params = _without(request.args, FILTER_PARAMS[alternative.name])
                label = FILTER_LABELS[alternative.name]
            alternatives.append({"kind": alternative.kind, "label": label, "count": alternative.count,
                                 "params": params})
    page = Page(items, found.total if found else 0, page_number, per_page)
    return render_template(
        "search/results.html", q=text, page=page, results=found, error=error, alternatives=alternatives,
        understood=understood, undo_args=lambda undo: _without(request.args, ["q", "literal"], **undo),
        args=request.args, kinds=list(ListingKind), facilities=FACILITIES,
        communities=directory(db.session).communities,
        pager_args={key: request.args.getlist(key) for key in request.args if key != "page"})


def for_you_listings(limit: int = 6, shown: set[int] = frozenset()):
    """The home page's "for you" listings for whoever is looking, none of ``shown`` (see
    services.recommended_listings)."""
    user = current_user if current_user.is_authenticated else None
    return services.recommended_listings(db.session, sync.search_index(), user,
                                         place_id=session.get(CHOSEN_COMMUNITY), shown=shown, limit=limit)


@bp.route(f"/listings/<{ID}:listing_id>/viewed", methods=["POST"])
def listing_viewed(listing_id: int):
    """The listing page's beacon: a signed-in resident opened it (feeds 为你推荐). Pages never write on GET."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if listing.is_published:
        services.record_listing_view(db.session, current_user, listing)
        db.session.commit()
    return "", 204
