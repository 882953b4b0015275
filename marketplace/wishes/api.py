"""JSON face of micro-wishes: the public wall, posting (also for a resident), review by community staff, claims,
fulfilment and confirmation, photos, and the listings and volunteers suggested for a wish. Handlers that write call one service and commit once."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, optional_user, page_of, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.search.sync import search_index
from marketplace.wishes import photos, services, suggestions
from marketplace.wishes.models import Wish, WishStatus
from marketplace.wishes.schemas import (ClaimSchema, ConfirmSchema, FulfilSchema, SendBackSchema, WallPageSchema,
                                        WallQuerySchema, WishCreateSchema, WishPhotoSchema, WishPhotoUploadSchema,
                                        WishSuggestionsSchema, WishUpdateSchema, WishWithDetailsSchema)

blp = Blueprint("wishes_api", __name__, url_prefix=API_PREFIX,
                description="微心愿：居民发布（社区可代办）、社区审核、志愿者和党员认领、完成与确认、无人认领时逐级上升")


class Shown:
    """A wish as the viewer may see it: its ``details`` only for those taking part and the community's staff."""

    def __init__(self, wish: Wish, viewer):
        self._wish = wish
        self.details = wish if services.may_see_details(db.session, viewer, wish) else None

    def __getattr__(self, name):
        return getattr(self._wish, name)


def _rules() -> services.Rules:
    return services.Rules.from_config(current_app.config)


def _wish(wish_id: int) -> Wish:
    return services.get_wish(db.session, wish_id, viewer=require_user())


@blp.route("/wishes")
class Wishes(MethodView):
    @blp.login_optional
    @blp.errors(404, 422)
    @blp.arguments(WallQuerySchema, location="query")
    @blp.response(200, WallPageSchema)
    def get(self, args):
        """心愿墙：已审核、尚未圆梦的心愿，不含姓名、电话和门牌，只有网格和需要什么；待认领的在前，截止早的在前"""
        status = WishStatus(args["status"]) if args.get("status") else None
        wishes, total = services.public_wall(db.session, place_id=args.get("place_id"), status=status,
                                             page=args["page"], per_page=args["per_page"])
        return page_of(wishes, total, args)

    @blp.login_required
    @blp.errors(403, 422)
    @blp.arguments(WishCreateSchema)
    @blp.response(201, WishWithDetailsSchema)
    def post(self, data):
        """发布心愿，等社区审核后上墙。社区居委会工作人员可以代居民发布（resident_login），居民登录后确认，或当面确认"""
        user = require_user()
        wish = services.post_wish(db.session, user, services.WishInput(**data), rules=_rules())
        db.session.commit()
        return Shown(wish, user)


@blp.route("/wishes/review-queue")
class ReviewQueue(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.response(200, WishWithDetailsSchema(many=True))
    def get(self):
        """待我审核的心愿（社区居委会工作人员），最早的在前"""
        user = require_user()
        return [Shown(wish, user) for wish in services.review_queue(db.session, user)]


@blp.route("/me/wishes")
class MyWishes(MethodView):
    @blp.login_required
    @blp.response(200, WishWithDetailsSchema(many=True))
    def get(self):
        """我的心愿：我发布的、为我发布的、我认领或加入的，最新的在前"""
        user = require_user()
        return [Shown(wish, user) for wish in services.wishes_of(db.session, user)]


@blp.route(f"/wishes/<{ID}:wish_id>")
class WishDetail(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, WishWithDetailsSchema)
    def get(self, wish_id):
        """一个心愿：墙上的所有人可见；详情（谁、在哪）只给参与者和社区工作人员"""
        viewer = optional_user()
        return Shown(services.get_wish(db.session, wish_id, viewer=viewer), viewer)

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(WishUpdateSchema)
    @blp.response(200, WishWithDetailsSchema)
    def put(self, data, wish_id):
        """修改还没上墙的心愿（发布人）；被退回的心愿改好后重新等待审核"""
        return _act(wish_id, lambda user, wish: services.edit_wish(db.session, user, wish,
                                                                   services.WishChanges(**data), rules=_rules()))


def _act(wish_id: int, act) -> Shown:
    user = require_user()
    wish = _wish(wish_id)
    act(user, wish)
    db.session.commit()
    return Shown(wish, user)


@blp.route(f"/wishes/<{ID}:wish_id>/confirm-posting")
class ConfirmPosting(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, wish_id):
        """居民确认社区代办发布的心愿（或工作人员登记居民已当面确认），之后才能审核上墙"""
        return _act(wish_id, lambda user, wish: services.confirm_posting(db.session, user, wish))


@blp.route(f"/wishes/<{ID}:wish_id>/approve")
class Approve(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, wish_id):
        """审核通过，心愿上网格的心愿墙（社区居委会工作人员）"""
        return _act(wish_id, lambda user, wish: services.approve_wish(db.session, user, wish, rules=_rules()))


@blp.route(f"/wishes/<{ID}:wish_id>/send-back")
class SendBack(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(SendBackSchema)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, data, wish_id):
        """退回修改，须写明原因（社区居委会工作人员）"""
        return _act(wish_id, lambda user, wish: services.send_back_wish(db.session, user, wish, data["reason"]))


@blp.route(f"/wishes/<{ID}:wish_id>/claim")
class Claim(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ClaimSchema, required=False)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, data, wish_id):
        """认领心愿（志愿者、党员，或组长代表小组）。同时认领只有一人成功，其他人得到 409，可以加入一起帮忙；逾期未完成自动放弃"""
        return _act(wish_id, lambda user, wish: services.claim_wish(db.session, user, wish, rules=_rules(),
                                                                    group_id=data.get("group_id")))


@blp.route(f"/wishes/<{ID}:wish_id>/join")
class Join(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, wish_id):
        """加入已认领的心愿，和认领人一起帮忙（志愿者、党员）"""
        return _act(wish_id, lambda user, wish: services.join_wish(db.session, user, wish))


@blp.route(f"/wishes/<{ID}:wish_id>/release")
class Release(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, wish_id):
        """放弃认领，心愿回到心愿墙（认领人或社区工作人员）"""
        return _act(wish_id, lambda user, wish: services.release_wish(db.session, user, wish, rules=_rules()))


@blp.route(f"/wishes/<{ID}:wish_id>/fulfil")
class Fulfil(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(FulfilSchema)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, data, wish_id):
        """标记已完成：简短说明和服务时长（认领人），等居民确认"""
        return _act(wish_id, lambda user, wish: services.fulfil_wish(db.session, user, wish, data["note"],
                                                                     data["hours"]))


@blp.route(f"/wishes/<{ID}:wish_id>/confirm")
class Confirm(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ConfirmSchema)
    @blp.response(200, WishWithDetailsSchema)
    def post(self, data, wish_id):
        """确认心愿已实现，可以致谢和评分（居民本人，或社区工作人员代为确认，记为代办）；之后计入志愿时长和积分"""
        return _act(wish_id, lambda user, wish: services.confirm_wish(db.session, user, wish, thanks=data["thanks"],
                                                                      rating=data["rating"]))


@blp.route(f"/wishes/<{ID}:wish_id>/photos")
class WishPhotos(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 413, 422)
    @blp.arguments(WishPhotoUploadSchema, location="files")
    @blp.response(201, WishPhotoSchema)
    def post(self, files, wish_id):
        """添加一张照片（multipart 字段 `photo`；JPEG、PNG、WebP 或 GIF，有大小限制，每项最多3张）：发布人在审核前添加心愿的照片，
        认领人在确认前添加完成情况的照片。照片只给参与者和社区工作人员看，不上公开的心愿墙"""
        user = require_user()
        store = photos.PhotoStore.from_config(current_app.config)
        [photo] = photos.add_photos(db.session, user, _wish(wish_id), [files["photo"].read(store.max_bytes + 1)],
                                    store=store)
        db.session.commit()
        return photo


@blp.route(f"/wishes/<{ID}:wish_id>/suggestions")
class WishSuggestions(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.response(200, WishSuggestionsSchema)
    def get(self, wish_id):
        """为这个心愿推荐的资源和志愿者：按心愿标题在居民所在社区搜索（与需求的推荐同一个搜索服务），相关度结合信誉排序；
        给志愿者、党员、组长和参与者看"""
        user = require_user()
        return suggestions.suggestions_for(db.session, search_index(), user, _wish(wish_id), zone=deployment_zone())
