"""HTML pages of feedback and complaints: the public wall with each organisation's response figures, sending
one, one item with its answers and the answer form. Every handler parses, calls a service, commits once, renders.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError
from marketplace.core.forms import done_notice, refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, id_arg
from marketplace.extensions import db
from marketplace.feedback import services
from marketplace.feedback.forms import AnswerForm, FeedbackForm
from marketplace.feedback.models import FeedbackSubject

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

NOTICES = {"sent", "answered"}


@bp.app_context_processor
def feedback_helpers():
    def response_figures(organisation_id: int):
        return services.response_figures(db.session, organisation_id)

    return {"feedback_author": lambda item: services.shown_author(current_user, item),
            "feedback_response_figures": response_figures}


def _filters() -> dict:
    args = request.args
    answered = {"yes": True, "no": False}.get(args.get("answered", ""))
    return {"organisation_id": args.get("organisation", type=id_arg), "listing_id": args.get("listing", type=id_arg),
            "community_id": args.get("community", type=id_arg), "answered": answered}


@bp.route("")
def wall():
    """Every item, newest first, with answers; the response figures of the organisations on the page."""
    filters = _filters()
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    items, total = services.list_feedback(db.session, page=page, per_page=per_page, **filters)
    table = services.response_table(db.session, [item.organisation_id for item in items])
    query = {key: request.args[key] for key in ("organisation", "listing", "community", "answered")
             if request.args.get(key)}
    return render_template("feedback/wall.html", page=Page(items, total, page, per_page), table=table,
                           query=query)


def _subject_from_query() -> tuple[str, int, str] | None:
    """(subject, id, name) the page was opened for (?listing=, ?organisation=, ?community=), checked to exist."""
    for subject in FeedbackSubject:
        subject_id = request.values.get(subject.value, type=id_arg)
        if subject_id is not None:
            return subject.value, subject_id, services.subject_name(db.session, current_user, subject, subject_id)
    return None


def _communities() -> list[tuple[int | str, str]]:
    return [("", _l("请选择社区"))] + [(place.id, place.name) for place in services.communities(db.session)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The form (about what ?listing=, ?organisation= or ?community= names, else a community to choose), and
    sending it."""
    preset = _subject_from_query()
    form = FeedbackForm() if request.method == "POST" else FeedbackForm(formdata=None)
    form.subject_id.choices = _communities() if preset is None else [(preset[1], preset[2])]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            subject, subject_id = (preset[0], preset[1]) if preset else (FeedbackSubject.community.value,
                                                                           form.subject_id.data)
            try:
                item = services.send_feedback(db.session, current_user, services.FeedbackInput(
                    kind=form.kind.data, subject=subject, subject_id=subject_id, text=form.text.data or "",
                    anonymous=bool(form.anonymous.data)))
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
            else:
                return redirect(url_for("feedback.detail", feedback_id=item.id, notice="sent"))
    return render_template("feedback/new.html", form=form, preset=preset), status


def _page(item, answer_form, status=200):
    return render_template("feedback/detail.html", item=item, answer_form=answer_form,
                           may_answer=services.may_answer(db.session, current_user, item),
                           figures=services.response_figures(db.session, item.organisation_id)
                           if item.organisation_id else None, notice=done_notice(NOTICES)), status


@bp.route(f"/<{ID}:feedback_id>")
def detail(feedback_id: int):
    return _page(services.get_feedback(db.session, feedback_id), AnswerForm(formdata=None))


@bp.route(f"/<{ID}:feedback_id>/answer", methods=["POST"])
@login_required
def answer(feedback_id: int):
    item = services.get_feedback(db.session, feedback_id)
    form = AnswerForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.answer_feedback(db.session, current_user, item, form.text.data)
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
            item = services.get_feedback(db.session, feedback_id)
        else:
            return redirect(url_for("feedback.detail", feedback_id=item.id, notice="answered"))
    return _page(item, form, status)
