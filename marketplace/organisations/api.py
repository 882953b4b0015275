"""JSON face of organisations: the directory, applications, verification, staff."""
from dataclasses import replace

from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, optional_user, page_of, require_user
from marketplace.core.errors import Forbidden
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.organisations import resets, services
from marketplace.organisations.models import OrganisationStatus
from marketplace.organisations.schemas import (OfficeResetRequestSchema, OfficeResetSchema,
                                               OrganisationApplicationSchema, OrganisationPageSchema,
                                               OrganisationQuerySchema, OrganisationSchema, OrganisationUpdateSchema,
                                               RejectionSchema, StaffCreateSchema, StaffSchema)
from marketplace.places.services import subtree_ids

blp = Blueprint("organisations_api", __name__, url_prefix=API_PREFIX, description="组织：申请、认证、成员")


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.login_optional
    @blp.errors(403, 404)
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationPageSchema)
    def get(self, args):
        """组织名录（默认只列出已认证的组织；可按类型、社区筛选，分页）"""
        if args["status"] is not OrganisationStatus.verified and not is_platform_admin(optional_user()):
            raise Forbidden(_l("只有平台管理员可以查看未认证的组织"))
        place_ids = subtree_ids(db.session, args["community"]) if "community" in args else None
        organisations, total = services.list_organisations(
            db.session, status=args["status"], type=args.get("type"), place_ids=place_ids,
            page=args["page"], per_page=args["per_page"])
        return page_of(organisations, total, args)

    @blp.login_required
    @blp.errors(404, 409)
    @blp.arguments(OrganisationApplicationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data):
        """申请登记一个组织（待平台管理员审核；申请人成为组织管理员）"""
        organisation = services.apply_for_organisation(db.session, require_user(), services.OrganisationData(**data))
        db.session.commit()
        return organisation


@blp.route(f"/organisations/<{ID}:org_id>")
class OrganisationDetail(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, OrganisationSchema)
    def get(self, org_id):
        """一个组织（未认证的组织只有其成员和平台管理员能看到）"""
        return services.get_visible_organisation(db.session, org_id, optional_user())

    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.arguments(OrganisationUpdateSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, changes, org_id):
        """修改组织资料（只改提交的字段；组织管理员或平台管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        services.update_organisation(db.session, user, organisation,
                                     replace(services.organisation_data(organisation), **changes))
        db.session.commit()
        return organisation


@blp.route(f"/organisations/<{ID}:org_id>/verify")
class OrganisationVerify(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.response(200, OrganisationSchema)
    def post(self, org_id):
        """认证组织，认证后才能发布资源（平台管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        services.verify_organisation(db.session, user, organisation)
        db.session.commit()
        return organisation


@blp.route(f"/organisations/<{ID}:org_id>/reject")
class OrganisationReject(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(RejectionSchema)
    @blp.response(200, OrganisationSchema)
    def post(self, data, org_id):
        """不通过或撤销认证，并说明原因（平台管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        services.reject_organisation(db.session, user, organisation, data["reason"])
        db.session.commit()
        return organisation


@blp.route(f"/organisations/<{ID}:org_id>/staff")
class OrganisationStaff(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.response(200, StaffSchema(many=True))
    def get(self, org_id):
        """组织的成员名单（本组织成员或平台管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        return services.staff_of(db.session, user, organisation)

    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.arguments(StaffCreateSchema)
    @blp.response(201, StaffSchema)
    def post(self, data, org_id):
        """按手机号或邮箱添加成员（组织管理员或平台管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        membership = services.add_staff(db.session, user, organisation, data["login"], data["role"])
        db.session.commit()
        return membership


@blp.route(f"/organisations/<{ID}:org_id>/staff/<{ID}:user_id>")
class OrganisationStaffMember(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.response(204)
    def delete(self, org_id, user_id):
        """移除成员（组织至少保留一位管理员）"""
        user = require_user()
        organisation = services.get_visible_organisation(db.session, org_id, user)
        services.remove_staff(db.session, user, organisation, user_id)
        db.session.commit()


@blp.route("/office/password-resets")
class OfficePasswordResets(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(OfficeResetRequestSchema)
    @blp.response(201, OfficeResetSchema)
    def post(self, data):
        """社区居委会（或平台管理员）当面核实身份后为居民重置密码，返回一次性临时密码；记入审计日志"""
        reset = resets.issue_office_reset(db.session, require_user(), data["login"])
        db.session.commit()
        return {"user_id": reset.user.id, "temporary_password": reset.temporary_password}
