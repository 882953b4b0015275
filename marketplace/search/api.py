"""JSON face of search."""
from flask.views import MethodView
from flask_login import current_user

from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.pagecache import anonymous_page
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.search import services
from marketplace.search.present import result_items, understood_parts
from marketplace.search.schemas import SearchPageSchema, SearchQuerySchema
from marketplace.search.sync import search_index

blp = Blueprint("search_api", __name__, url_prefix=API_PREFIX, description="搜索：中文全文、拼音、筛选、空闲时段")


def filters_from(args: dict) -> services.SearchFilters:
    return services.SearchFilters(
        kind=args.get("kind"), place_id=args.get("community"), free_only=args.get("free", False),
        min_rating=args.get("min_rating"), facilities=args.get("facilities") or [],
        min_capacity=args.get("capacity"), free_at_start=args.get("free_at_start"),
        free_at_end=args.get("free_at_end"))


@blp.route("/search")
class Search(MethodView):
    @anonymous_page
    @blp.errors(404, 422)
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args):
        """搜索已发布的资源，按相关度与信誉综合排序

        支持中文词语、单字（“书”可找到“书法”）、拼音全拼和首字母（`hds` 找“活动室”）、繁体字；
        也听得懂日常说法和整句话（“这周六下午想找个能开会的地方”）：时间词变成空闲时段、地点词变成社区筛选，
        `understood` 说明怎样理解的，每一项都带撤销用的参数；
        没有结果时给出 `suggestion`（你是不是要找）和 `alternatives`（去掉筛选条件或附近社区的结果数）。
        """
        zone = deployment_zone()
        user = current_user if current_user.is_authenticated else None
        literal = args.get("literal") or []
        results = services.search_listings(db.session, search_index(), args["q"], filters_from(args),
                                           page=args["page"], per_page=args["per_page"], zone=zone,
                                           home_place_id=user.home_place_id if user else None,
                                           literal=frozenset(literal))
        return {"items": result_items(db.session, results, zone), "total": results.total, "total_is_lower_bound": results.total_is_lower_bound,
                "page": results.page, "per_page": results.per_page, "suggestion": results.suggestion,
                "alternatives": results.alternatives,
                "understood": understood_parts(results.understood, zone, literal)}


@blp.route(f"/listings/<{ID}:listing_id>/views")
class ListingViews(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(204)
    def post(self, listing_id):
        """记录我打开过这个资源（用于“为你推荐”；半小时内重复打开只记一次）"""
        user = require_user()
        listing = get_listing(db.session, listing_id, viewer=user)
        if listing.is_published:
            services.record_listing_view(db.session, user, listing)
            db.session.commit()
