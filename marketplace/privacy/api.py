"""JSON face of people's own data: the export and the account's deletion."""
from flask import url_for
from flask.views import MethodView

from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.personal_data import Erasure
from marketplace.extensions import db
from marketplace.privacy import services
from marketplace.privacy.schemas import AccountDeletionSchema, PersonalDataSchema
from marketplace.waitlist.settings import hold_time

blp = Blueprint("privacy_api", __name__, url_prefix=API_PREFIX, description="个人信息：导出与注销")


def erasure_now() -> Erasure:
    """The deletion's time and the deployment's settings, read at the edge."""
    return Erasure(now=clock.now(), zone=deployment_zone(), hold=hold_time())


def personal_data(user) -> dict:
    now = clock.now()
    data = services.export_user_data(db.session, user, now=now)
    data["calendar_ics"] = services.calendar_of(
        db.session, user, now=now,
        booking_url=lambda booking: url_for("bookings.detail", booking_id=booking.id, _external=True)).decode()
    return data


@blp.route("/me/export")
class MyData(MethodView):
    @blp.login_required
    @blp.response(200, PersonalDataSchema)
    def get(self):
        """下载平台保存的关于我的全部数据（JSON，含我的预约日历）"""
        return personal_data(require_user())


@blp.route("/me")
class MyAccount(MethodView):
    @blp.login_required
    @blp.errors(422)
    @blp.arguments(AccountDeletionSchema)
    @blp.response(204)
    def delete(self, data):
        """注销账号：需要当前密码；个人信息删除或匿名化，未来的预约取消，所有登录和令牌作废"""
        services.delete_account(db.session, require_user(), data["password"], erasure_now())
        db.session.commit()
