"""JSON face of co-building pledges: the year's pledges with what each unit delivered, signing one (the
street) and changing its hours (the unit's staff or the street). Handlers that write commit once."""
from flask import current_app
from flask.views import MethodView

from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.urls import ID
from marketplace.core.zones import local_date
from marketplace.extensions import db
from marketplace.pledges import services
from marketplace.pledges.schemas import PledgeCreateSchema, PledgeQuerySchema, PledgeSchema, PledgeUpdateSchema

blp = Blueprint("pledges_api", __name__, url_prefix=API_PREFIX,
                description="共驻共建：驻区单位的年度承诺（开放场地、志愿服务小时数）与按实际预约计算的兑现情况")


def _zone() -> str:
    return current_app.config["TIMEZONE"]


@blp.route("/pledges")
class Pledges(MethodView):
    @blp.login_optional
    @blp.arguments(PledgeQuerySchema, location="query")
    @blp.response(200, PledgeSchema(many=True))
    def get(self, args):
        """某年度（默认今年）各驻区单位的承诺与兑现，按单位名称排序"""
        year = args.get("year") or local_date(clock.now(), _zone()).year
        return services.pledge_reports(db.session, year=year, zone=_zone(), organisation_id=args.get("organisation_id"))

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(PledgeCreateSchema)
    @blp.response(201, PledgeSchema)
    def post(self, data):
        """登记驻区单位某年度的共驻共建承诺（街道：平台管理员或街道工作人员）；每个单位每年一项"""
        pledge = services.sign_pledge(db.session, require_user(), services.PledgeInput(**data))
        db.session.commit()
        return services.report_of(db.session, pledge, zone=_zone())


@blp.route(f"/pledges/<{ID}:pledge_id>")
class PledgeDetail(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, PledgeSchema)
    def get(self, pledge_id):
        """一项承诺与兑现情况"""
        return services.report_of(db.session, services.get_pledge(db.session, pledge_id), zone=_zone())

    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(PledgeUpdateSchema)
    @blp.response(200, PledgeSchema)
    def patch(self, data, pledge_id):
        """修改承诺的小时数（本单位工作人员或街道）"""
        pledge = services.get_pledge(db.session, pledge_id)
        services.update_pledge(db.session, require_user(), pledge, **data)
        db.session.commit()
        return services.report_of(db.session, pledge, zone=_zone())
