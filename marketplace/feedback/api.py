"""JSON face of feedback and complaints: the public list, sending, public answers, and an organisation's
response figures. Handlers that write call one service and commit once."""
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, page_of, require_user
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.feedback import services
from marketplace.feedback.schemas import (AnswerCreateSchema, AnswerSchema, FeedbackCreateSchema, FeedbackPageSchema,
                                          FeedbackQuerySchema, FeedbackSchema, ResponseFiguresSchema)
from marketplace.organisations.services import get_visible_organisation

blp = Blueprint("feedback_api", __name__, url_prefix=API_PREFIX,
                description="群众发声：对资源、组织或社区的意见建议和投诉，公开答复，答复用时，逾期上报街道")


@blp.route("/feedback")
class FeedbackCollection(MethodView):
    @blp.login_optional
    @blp.arguments(FeedbackQuerySchema, location="query")
    @blp.response(200, FeedbackPageSchema)
    def get(self, args):
        """公开的意见建议和投诉及其答复，最新的在前（匿名的不显示作者）"""
        filters = {name: args.get(name) for name in ("organisation_id", "listing_id", "community_id", "kind",
                                                    "answered")}
        items, total = services.list_feedback(db.session, page=args["page"], per_page=args["per_page"], **filters)
        return page_of(items, total, args)

    @blp.login_required
    @blp.errors(404, 422)
    @blp.arguments(FeedbackCreateSchema)
    @blp.response(201, FeedbackSchema)
    def post(self, data):
        """对资源、组织或社区提出意见建议或投诉（可对公众匿名）；负责的组织会收到通知"""
        item = services.send_feedback(db.session, require_user(), services.FeedbackInput(**data))
        db.session.commit()
        return services.get_feedback(db.session, item.id)


@blp.route(f"/feedback/<{ID}:feedback_id>")
class FeedbackDetail(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, FeedbackSchema)
    def get(self, feedback_id):
        """一条反馈及其公开答复"""
        return services.get_feedback(db.session, feedback_id)


@blp.route(f"/feedback/<{ID}:feedback_id>/answer")
class FeedbackAnswer(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.arguments(AnswerCreateSchema)
    @blp.response(201, AnswerSchema)
    def post(self, data, feedback_id):
        """公开答复（负责的组织；街道工作人员和平台管理员也可以）；第一次答复计入答复用时"""
        user = require_user()
        item = services.get_feedback(db.session, feedback_id)
        answer = services.answer_feedback(db.session, user, item, data["text"])
        db.session.commit()
        return answer


@blp.route(f"/organisations/<{ID}:org_id>/response-times")
class OrganisationResponseTimes(MethodView):
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, ResponseFiguresSchema)
    def get(self, org_id):
        """组织答复群众发声的情况：已答复、待答复条数，首次答复用时的中位数"""
        org = get_visible_organisation(db.session, org_id, None)
        figures = services.response_figures(db.session, org.id)
        return {"organisation_id": org.id, **figures.__dict__}
