"""HTML pages of groups (群众团队): my groups, forming one, a group's members."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError
from marketplace.core.forms import ButtonForm, done_notice, refuse_on_form
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.groups import services
from marketplace.groups.forms import GroupForm, MemberForm

bp = Blueprint("groups", __name__, url_prefix="/groups")

NOTICES = {"created", "member_added", "member_removed", "left"}


@bp.route("/", methods=["GET", "POST"])
@login_required
def mine():
    form = GroupForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                group = services.create_group(db.session, current_user, form.name.data, form.description.data or "")
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
            else:
                return redirect(url_for("groups.detail", group_id=group.id, notice="created"))
    return render_template("groups/mine.html", groups=services.list_my_groups(db.session, current_user),
                           form=form, notice=done_notice(NOTICES)), status


def _render_detail(group, form=None, status=200):
    return render_template("groups/detail.html", group=group, form=form or MemberForm(formdata=None),
                           confirm_form=ButtonForm(), notice=done_notice(NOTICES),
                           is_leader=group.leader_id == current_user.id), status


@bp.route(f"/<{ID}:group_id>")
@login_required
def detail(group_id: int):
    return _render_detail(services.get_group(db.session, group_id, viewer=current_user))


@bp.route(f"/<{ID}:group_id>/members", methods=["POST"])
@login_required
def add_member(group_id: int):
    group = services.get_group(db.session, group_id, viewer=current_user)
    form = MemberForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.add_member(db.session, current_user, group, form.login.data)
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
            group = services.get_group(db.session, group_id, viewer=current_user)
        else:
            return redirect(url_for("groups.detail", group_id=group.id, notice="member_added"))
    return _render_detail(group, form, status)


@bp.route(f"/<{ID}:group_id>/members/<{ID}:user_id>/remove", methods=["POST"])
@login_required
def remove_member(group_id: int, user_id: int):
    """The leader removes a member, or a member leaves."""
    group = services.get_group(db.session, group_id, viewer=current_user)
    form = ButtonForm()
    if not form.validate_on_submit():
        return _render_detail(group, status=400)
    leaving = user_id == current_user.id
    services.remove_member(db.session, current_user, group, user_id)
    db.session.commit()
    if leaving:
        return redirect(url_for("groups.mine", notice="left"))
    return redirect(url_for("groups.detail", group_id=group.id, notice="member_removed"))
