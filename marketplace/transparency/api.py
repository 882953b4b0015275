"""JSON face of the public dashboard (no login): the street's, a community's, an organisation's and a listing's
figures, each table also as CSV with ``?format=csv``."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint
from marketplace.core.urls import ID
from marketplace.transparency.schemas import StatsQuerySchema, StatsSchema
from marketplace.transparency.views import board_of, csv_response

blp = Blueprint("transparency_api", __name__, url_prefix=API_PREFIX,
                description="公开数据：街道、社区、组织、资源的使用情况（来自每日统计与当天实时数据，小数目以“<5”公布）")

CSV_DOC = "format=csv 时：一张表的 CSV（UTF-8 带 BOM）"


def _answer(args, kind, scope_id=None):
    board = board_of(kind, scope_id)
    if args["format"] == "csv":
        return csv_response(board, args["table"])
    return board


def _documented(func):
    func = blp.response(200, StatsSchema)(func)
    # Both faces of the one 200: flask-smorest documents a single content type per status by itself.
    return blp.doc(responses={"200": {"content": {"application/json": {"schema": StatsSchema},
                                                  "text/csv": {"schema": {"type": "string"}}},
                                      "description": CSV_DOC}})(func)


@blp.route("/stats/street")
class StreetStats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @_documented
    def get(self, args):
        """全街道的使用情况：开放与预约小时、使用率、预约结果、评价，以及按周、按月的趋势和闲置排名"""
        return _answer(args, "street")


@blp.route(f"/stats/communities/<{ID}:place_id>")
class CommunityStats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.errors(404)
    @_documented
    def get(self, args, place_id):
        """一个社区（含其下网格、楼栋）的资源使用情况"""
        return _answer(args, "community", place_id)


@blp.route(f"/stats/organisations/<{ID}:org_id>")
class OrganisationStats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.errors(404)
    @_documented
    def get(self, args, org_id):
        """一个组织的资源使用情况"""
        return _answer(args, "organisation", org_id)


@blp.route(f"/stats/listings/<{ID}:listing_id>")
class ListingStats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.errors(404)
    @_documented
    def get(self, args, listing_id):
        """一个资源的使用情况"""
        return _answer(args, "listing", listing_id)
