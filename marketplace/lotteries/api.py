"""JSON face of lotteries: a listing's lotteries, opening one (its provider), applying and withdrawing, the
published result, and re-running any draw from published data."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, optional_user, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.lotteries import services
from marketplace.lotteries.present import lottery_view
from marketplace.lotteries.schemas import (ApplicationSchema, LotteryCreateSchema, LotteryListSchema, LotterySchema,
                                           VerificationSchema, VerifyQuerySchema)

blp = Blueprint("lotteries_api", __name__, url_prefix=API_PREFIX,
                description="抽签：紧俏时段报名后由系统抽签分配，种子和报名者编号在抽签后公布，任何人都可复核")


@blp.route(f"/listings/<{ID}:listing_id>/lotteries")
class ListingLotteries(MethodView):
    @blp.login_optional
    @blp.response(200, LotteryListSchema)
    def get(self, listing_id):
        """这个资源的抽签（时段最早的在前），含已抽签的结果"""
        listing = get_listing(db.session, listing_id, viewer=optional_user())
        return {"items": [lottery_view(db.session, lottery, optional_user())
                          for lottery in services.list_lotteries(db.session, listing)]}

    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.arguments(LotteryCreateSchema)
    @blp.response(201, LotterySchema)
    def post(self, data, listing_id):
        """设置一个抽签时段（资源的提供方）：开放期间任何人都不能直接预约这个时段"""
        user = require_user()
        lottery = services.create_lottery(db.session, user, listing_id, services.LotteryRequest(**data),
                                          zone=deployment_zone())
        db.session.commit()
        return lottery_view(db.session, lottery, user)


@blp.route(f"/listings/<{ID}:listing_id>/lotteries/<{ID}:lottery_id>")
class ListingLottery(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, LotterySchema)
    def get(self, listing_id, lottery_id):
        """一个抽签；抽签后含公布的种子、报名者编号、抽签顺序和中签者"""
        return lottery_view(db.session, services.get_lottery(db.session, listing_id, lottery_id), optional_user())


@blp.route(f"/listings/<{ID}:listing_id>/lotteries/<{ID}:lottery_id>/application")
class LotteryApplication(MethodView):
    @blp.login_required
    @blp.errors(404, 409)
    @blp.response(201, ApplicationSchema)
    def post(self, listing_id, lottery_id):
        """报名（每人一次，报名期内）"""
        application = services.apply(db.session, require_user(),
                                     services.get_lottery(db.session, listing_id, lottery_id))
        db.session.commit()
        return application

    @blp.login_required
    @blp.errors(404, 409)
    @blp.response(204)
    def delete(self, listing_id, lottery_id):
        """撤回报名（报名期内；本来没有报名也返回成功）"""
        services.withdraw(db.session, require_user(), services.get_lottery(db.session, listing_id, lottery_id))
        db.session.commit()


@blp.route("/lotteries/verify")
class LotteryVerification(MethodView):
    @blp.errors(422)
    @blp.arguments(VerifyQuerySchema, location="query")
    @blp.response(200, VerificationSchema)
    def get(self, args):
        """用公布的种子和报名者编号重新计算抽签顺序和中签者，与公布的结果对照"""
        return services.verify(args["seed"], args["priority_ids"], args["other_ids"], args["seats"],
                               args["refused_ids"])
