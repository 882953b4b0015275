"""JSON face of the community tree."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.places import services
from marketplace.places.schemas import (PlaceCreateSchema, PlaceNodeSchema, PlacePageSchema, PlaceQuerySchema,
                                        PlaceSchema, tree_nodes)

blp = Blueprint("places_api", __name__, url_prefix=API_PREFIX, description="社区树：街道—社区—网格—楼栋")


@blp.route("/places")
class Places(MethodView):
    @blp.arguments(PlaceQuerySchema, location="query")
    @blp.response(200, PlacePageSchema)
    def get(self, args):
        """社区树的节点（可按层级、上级筛选，分页）"""
        places, total = services.browse_places(db.session, kind=args.get("kind"), parent_id=args.get("parent_id"),
                                               page=args["page"], per_page=args["per_page"])
        return page_of(places, total, args)

    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(PlaceCreateSchema)
    @blp.response(201, PlaceSchema)
    def post(self, data):
        """新增一个节点（平台管理员）

        不填上级则新增街道；否则新节点是上级的下一层（社区、网格或楼栋）。
        """
        place = services.add_place(db.session, require_user(), name=data["name"], parent_id=data["parent_id"])
        db.session.commit()
        return place


@blp.route("/places/tree")
class PlaceTree(MethodView):
    @blp.response(200, PlaceNodeSchema(many=True))
    def get(self):
        """整棵社区树（嵌套）"""
        return tree_nodes(services.children_by_parent(db.session))


@blp.route(f"/places/<{ID}:place_id>")
class PlaceDetail(MethodView):
    @blp.errors(404)
    @blp.response(200, PlaceSchema)
    def get(self, place_id):
        """一个节点"""
        return services.get_place(db.session, place_id)
