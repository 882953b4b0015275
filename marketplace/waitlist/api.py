"""JSON face of the waitlist: join and leave the line for a taken slot, my entries, accept a held slot."""
from flask.views import MethodView

from marketplace.bookings.schemas import BookingSchema
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.http import deployment_zone
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.waitlist import services
from marketplace.waitlist.schemas import (WaitlistEntryListSchema, WaitlistEntrySchema, WaitlistJoinSchema,
                                          WaitlistSlotSchema)
from marketplace.waitlist.settings import hold_time

blp = Blueprint("waitlist_api", __name__, url_prefix=API_PREFIX,
                description="候补：约满的时段排队，空出时为排在最前的人保留一段时间")


@blp.route(f"/listings/<{ID}:listing_id>/waitlist")
class ListingWaitlist(MethodView):
    @blp.login_required
    @blp.errors(404, 409, 422)
    @blp.arguments(WaitlistJoinSchema)
    @blp.response(201, WaitlistEntrySchema)
    def post(self, data, listing_id):
        """候补一个已约满的时段：空出时按排队先后为你保留；有空位的时段请直接预约"""
        entry = services.join_waitlist(db.session, require_user(), services.WaitRequest(listing_id=listing_id, **data),
                                       zone=deployment_zone())
        db.session.commit()
        return entry

    @blp.login_required
    @blp.errors(422)
    @blp.arguments(WaitlistSlotSchema, location="query")
    @blp.response(204)
    def delete(self, args, listing_id):
        """退出这个时段的候补（本来不在候补名单里也返回成功）；为你保留的时段会让给下一位"""
        services.leave_slot(db.session, require_user(), services.WaitRequest(listing_id=listing_id, **args),
                            zone=deployment_zone(), hold=hold_time())
        db.session.commit()


@blp.route("/me/waitlist")
class MyWaitlist(MethodView):
    @blp.login_required
    @blp.response(200, WaitlistEntryListSchema)
    def get(self):
        """我的候补（尚未结束的时段，最早的在前）"""
        return {"items": services.list_my_entries(db.session, require_user())}


@blp.route(f"/waitlist-offers/<{ID}:entry_id>/accept")
class WaitlistOfferAccept(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 409, 422)
    @blp.response(201, BookingSchema)
    def post(self, entry_id):
        """确认为你保留的时段：按通常的规则预约（需审批的资源生成待审批申请）"""
        user = require_user()
        entry = services.get_my_entry(db.session, user, entry_id)
        booking = services.accept_offer(db.session, user, entry, zone=deployment_zone())
        db.session.commit()
        return booking
