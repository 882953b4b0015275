"""JSON face of service points: my statement, an organisation's, the street's totals, grants and reversals."""
from flask import current_app
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.organisations.services import get_organisation
from marketplace.points import services
from marketplace.points.models import AccountKind
from marketplace.points.schemas import (GrantSchema, ReversalSchema, StatementQuerySchema, StatementSchema,
                                        TotalsSchema, TransferSchema)
from marketplace.points.services import Policy

blp = Blueprint("points_api", __name__, url_prefix=API_PREFIX, description="志愿积分：余额、明细、发放、冲正")


def _policy() -> Policy:
    return Policy.from_config(current_app.config)


@blp.route("/me/points")
class MyPoints(MethodView):
    @blp.login_required
    @blp.arguments(StatementQuerySchema, location="query")
    @blp.response(200, StatementSchema)
    def get(self, args):
        """我的积分：余额、冻结中的积分和收支明细（最新的在前）"""
        account = services.find_account(db.session, AccountKind.user, user_id=require_user().id)
        return services.account_view(db.session, account, page=args["page"], per_page=args["per_page"])


@blp.route(f"/organisations/<{ID}:org_id>/points")
class OrganisationPoints(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(StatementQuerySchema, location="query")
    @blp.response(200, StatementSchema)
    def get(self, args, org_id):
        """组织的积分余额和明细（本组织工作人员、平台管理员）"""
        organisation = get_organisation(db.session, org_id)
        account = services.organisation_account_for(db.session, require_user(), organisation)
        return services.account_view(db.session, account, page=args["page"], per_page=args["per_page"])


@blp.route(f"/organisations/<{ID}:org_id>/points/grants")
class OrganisationGrants(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(GrantSchema)
    @blp.response(201, TransferSchema)
    def post(self, data, org_id):
        """从组织账户发放积分给一位居民或一个组织（组织管理员；余额不足时 409）"""
        organisation = get_organisation(db.session, org_id)
        row = services.grant(db.session, require_user(), organisation, services.GrantRequest(**data), _policy())
        db.session.commit()
        return row


@blp.route("/points/totals")
class Totals(MethodView):
    @blp.login_required
    @blp.errors(403)
    @blp.response(200, TotalsSchema)
    def get(self):
        """全街道积分总览（平台管理员）"""
        return services.totals(db.session, require_user())


@blp.route("/points/grants")
class StreetGrants(MethodView):
    @blp.login_required
    @blp.errors(403, 409, 422)
    @blp.arguments(GrantSchema)
    @blp.response(201, TransferSchema)
    def post(self, data):
        """从街道账户发放积分（平台管理员）"""
        row = services.grant(db.session, require_user(), None, services.GrantRequest(**data), _policy())
        db.session.commit()
        return row


@blp.route(f"/points/transfers/<{ID}:transfer_id>/reversal")
class Reversal(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(ReversalSchema)
    @blp.response(201, TransferSchema)
    def post(self, data, transfer_id):
        """冲正一笔获得或发放的积分：按原数额反向记一笔（平台管理员）"""
        row = services.reverse(db.session, require_user(), transfer_id, data["memo"], _policy())
        db.session.commit()
        return row
