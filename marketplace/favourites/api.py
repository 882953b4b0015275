"""JSON face of favourites: my saved listings, save and un-save (both idempotent)."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.favourites import services
from marketplace.favourites.schemas import FavouritePageSchema, FavouriteQuerySchema, FavouriteSchema

blp = Blueprint("favourites_api", __name__, url_prefix=API_PREFIX, description="收藏：保存想再看的资源")


@blp.route("/me/favourites")
class MyFavourites(MethodView):
    @blp.login_required
    @blp.arguments(FavouriteQuerySchema, location="query")
    @blp.response(200, FavouritePageSchema)
    def get(self, args):
        """我收藏的资源（最近收藏的在前；已下架的不列出）"""
        favourites, total = services.list_favourites(db.session, require_user(), page=args["page"],
                                                     per_page=args["per_page"])
        return page_of(favourites, total, args)


@blp.route(f"/me/favourites/<{ID}:listing_id>")
class MyFavourite(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, FavouriteSchema)
    def put(self, listing_id):
        """收藏一个资源（重复收藏不会重复记录）"""
        favourite = services.save_listing(db.session, require_user(), listing_id)
        db.session.commit()
        return favourite

    @blp.login_required
    @blp.response(204)
    def delete(self, listing_id):
        """取消收藏（本来没有收藏也返回成功）"""
        services.remove_listing(db.session, require_user(), listing_id)
        db.session.commit()
