"""JSON face of the community tree."""
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.admin import services as audit
from marketplace.core.api import API_PREFIX, require_user
from marketplace.core.errors import Forbidden
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.extensions import db
from marketplace.places import services
from marketplace.places.schemas import PlaceCreateSchema, PlaceQuerySchema, PlaceSchema

blp = Blueprint("places_api", __name__, url_prefix=API_PREFIX, description="街道—社区—网格—楼栋")


@blp.route("/places")
class Places(MethodView):
    @blp.arguments(PlaceQuerySchema, location="query")
    @blp.response(200, PlaceSchema(many=True))
    def get(self, args):
        """社区树的节点（可按层级、上级筛选）"""
        return services.list_places(db.session, kind=args.get("kind"), parent_id=args.get("parent_id"))

    @blp.arguments(PlaceCreateSchema)
    @blp.response(201, PlaceSchema)
    def post(self, data):
        """新增一个节点（平台管理员）"""
        user = require_user()
        if not is_platform_admin(user):
            raise Forbidden(_l("只有平台管理员可以修改社区树"))
        place = services.create_place(db.session, **data)
        audit.record(db.session, user, "place.create", place)
        db.session.commit()
        return place


@blp.route("/places/<int:place_id>")
class PlaceDetail(MethodView):
    @blp.response(200, PlaceSchema)
    def get(self, place_id):
        """一个节点"""
        return services.get_place(db.session, place_id)
