"""JSON face of needs: the needs and projects lists, publishing a need, the suggested listings per item, and
inviting them."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.schemas import (InvitationSchema, InviteSchema, NeedCreateSchema, NeedPageSchema,
                                       NeedQuerySchema, NeedSchema, SuggestionsSchema)
from marketplace.search.sync import search_index

blp = Blueprint("needs_api", __name__, url_prefix=API_PREFIX,
                description="需求：组织或社区发布需求，平台按搜索推荐合适的资源和志愿者，工作人员可邀请")


@blp.route("/needs")
class Needs(MethodView):
    @blp.errors(422)
    @blp.arguments(NeedQuerySchema, location="query")
    @blp.response(200, NeedPageSchema)
    def get(self, args):
        """需求清单（status=open）和项目清单（status=in_progress），可按社区筛选，最新的在前"""
        items, total = services.list_needs(db.session, community_id=args.get("community_id"),
                                           status=args.get("status"), page=args["page"], per_page=args["per_page"])
        return page_of(items, total, args)

    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(NeedCreateSchema)
    @blp.response(201, NeedSchema)
    def post(self, data):
        """发布需求（已认证组织的工作人员）：每项写明类型、需要什么、数量和时间"""
        items = [services.ItemData(**item) for item in data.pop("items")]
        need = services.create_need(db.session, require_user(), services.NeedData(items=items, **data))
        db.session.commit()
        return need


@blp.route(f"/needs/<{ID}:need_id>")
class NeedDetail(MethodView):
    @blp.errors(404)
    @blp.response(200, NeedSchema)
    def get(self, need_id):
        """一个需求及其各项"""
        return services.get_need(db.session, need_id)


@blp.route(f"/needs/<{ID}:need_id>/suggestions")
class NeedSuggestions(MethodView):
    @blp.errors(404)
    @blp.response(200, SuggestionsSchema)
    def get(self, need_id):
        """每项推荐的资源：按文字、类型、需求所在社区和这段时间是否空闲搜索，相关度结合信誉排序"""
        need = services.get_need(db.session, need_id)
        return {"items": services.suggestions(db.session, search_index(), need, zone=deployment_zone())}


@blp.route(f"/needs/<{ID}:need_id>/invitations")
class NeedInvitations(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(InviteSchema)
    @blp.response(201, InvitationSchema)
    def post(self, data, need_id):
        """邀请一个资源参与某项（发布需求的组织的工作人员）；提供方会在通知里看到"""
        need = services.get_need(db.session, need_id)
        invitation = services.invite(db.session, require_user(), need, data["item_id"], data["listing_id"])
        db.session.commit()
        return invitation
