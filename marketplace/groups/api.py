"""JSON face of residents' groups."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.groups import services
from marketplace.groups.schemas import (GroupCreateSchema, GroupListSchema, GroupMemberAddSchema, GroupMemberSchema,
                                        GroupSchema)

blp = Blueprint("groups_api", __name__, url_prefix=API_PREFIX, description="群众团队：成员一起预约")


@blp.route("/groups")
class Groups(MethodView):
    @blp.login_required
    @blp.response(200, GroupListSchema)
    def get(self):
        """我带领或加入的团队"""
        return {"items": services.list_my_groups(db.session, require_user())}

    @blp.login_required
    @blp.errors(422)
    @blp.arguments(GroupCreateSchema)
    @blp.response(201, GroupSchema)
    def post(self, data):
        """成立团队，自己担任负责人"""
        group = services.create_group(db.session, require_user(), data["name"], data["description"])
        db.session.commit()
        return group


@blp.route(f"/groups/<{ID}:group_id>")
class GroupDetail(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, GroupSchema)
    def get(self, group_id):
        """一个团队及其成员（仅成员可见）"""
        return services.get_group(db.session, group_id, viewer=require_user())


@blp.route(f"/groups/<{ID}:group_id>/members")
class GroupMembers(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(GroupMemberAddSchema)
    @blp.response(201, GroupMemberSchema)
    def post(self, data, group_id):
        """添加成员（负责人）：对方需已注册"""
        user = require_user()
        group = services.get_group(db.session, group_id, viewer=user)
        membership = services.add_member(db.session, user, group, data["login"])
        db.session.commit()
        return membership


@blp.route(f"/groups/<{ID}:group_id>/members/<{ID}:user_id>")
class GroupMember(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.response(204)
    def delete(self, group_id, user_id):
        """移除成员（负责人），或自己退出团队"""
        user = require_user()
        group = services.get_group(db.session, group_id, viewer=user)
        services.remove_member(db.session, user, group, user_id)
        db.session.commit()
