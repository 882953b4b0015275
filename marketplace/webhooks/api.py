"""JSON face of webhooks: register endpoints (the secret shown once), their delivery log, replay, rotate the
secret, disable, enable and delete. Sending is the scheduler's job, never a request's."""
from datetime import timedelta

from flask import current_app
from flask.views import MethodView

from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.webhooks import services
from marketplace.webhooks.schemas import (CreatedEndpointSchema, DeliveryPageSchema, DeliveryQuerySchema,
                                          DeliverySchema, EndpointInputSchema, EndpointSchema, SecretSchema)

blp = Blueprint("webhooks_api", __name__, url_prefix=API_PREFIX,
                description="Webhook：按 Standard Webhooks 规范签名推送预约、评价和心愿事件")


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.login_required
    @blp.response(200, EndpointSchema(many=True))
    def get(self):
        """我能管理的 Webhook（平台管理员：全部）"""
        return services.list_endpoints(db.session, require_user())

    @blp.login_required
    @blp.errors(403, 422)
    @blp.arguments(EndpointInputSchema)
    @blp.response(201, CreatedEndpointSchema)
    def post(self, args):
        """登记一个 Webhook；返回的 secret 只显示这一次"""
        endpoint = services.register_endpoint(
            db.session, require_user(), services.EndpointData(**args), clock.now(),
            allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"])
        db.session.commit()
        return endpoint


@blp.route(f"/webhooks/<{ID}:endpoint_id>")
class Webhook(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, EndpointSchema)
    def get(self, endpoint_id):
        """一个 Webhook"""
        return services.get_endpoint(db.session, require_user(), endpoint_id)

    @blp.login_required
    @blp.errors(404)
    @blp.response(204)
    def delete(self, endpoint_id):
        """删除 Webhook 和它的投递记录"""
        services.delete_endpoint(db.session, require_user(), endpoint_id)
        db.session.commit()


@blp.route(f"/webhooks/<{ID}:endpoint_id>/secret")
class WebhookSecret(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, SecretSchema)
    def post(self, endpoint_id):
        """换一个签名密钥；过渡期内新旧两个密钥同时签名"""
        now = clock.now()
        overlap = timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"])
        secret = services.rotate_secret(db.session, require_user(), endpoint_id, now, overlap=overlap)
        db.session.commit()
        return {"secret": secret, "previous_secret_until": now + overlap}


@blp.route(f"/webhooks/<{ID}:endpoint_id>/disable")
class WebhookDisable(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, EndpointSchema)
    def post(self, endpoint_id):
        """停用：不再生成和发送投递"""
        endpoint = services.set_enabled(db.session, require_user(), endpoint_id, False)
        db.session.commit()
        return endpoint


@blp.route(f"/webhooks/<{ID}:endpoint_id>/enable")
class WebhookEnable(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.response(200, EndpointSchema)
    def post(self, endpoint_id):
        """重新启用（失败计数清零）"""
        endpoint = services.set_enabled(db.session, require_user(), endpoint_id, True)
        db.session.commit()
        return endpoint


@blp.route(f"/webhooks/<{ID}:endpoint_id>/deliveries")
class Deliveries(MethodView):
    @blp.login_required
    @blp.errors(404)
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, args, endpoint_id):
        """投递记录（最新的在前），每次尝试的响应码"""
        deliveries, total = services.list_deliveries(db.session, require_user(), endpoint_id, page=args["page"],
                                                     per_page=args["per_page"])
        return page_of(deliveries, total, args)


@blp.route(f"/webhooks/<{ID}:endpoint_id>/deliveries/<{ID}:delivery_id>/replay")
class DeliveryReplay(MethodView):
    @blp.login_required
    @blp.errors(404, 409)
    @blp.response(202, DeliverySchema)
    def post(self, endpoint_id, delivery_id):
        """重发一次已结束的投递（同一 webhook-id 和内容），由调度器尽快发送"""
        delivery = services.replay_delivery(db.session, require_user(), endpoint_id, delivery_id, clock.now())
        db.session.commit()
        return delivery
