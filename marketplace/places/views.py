"""Browsing the community tree, and growing it (platform admins)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.admin.forms import PlaceForm
from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.extensions import db
from marketplace.places import services
from marketplace.places.models import CHILD_KIND

bp = Blueprint("places", __name__, url_prefix="/places")


def _parent_choices(children: dict) -> list[tuple[int, str]]:
    """Every node that may take a child (not buildings), depth-first and indented like the tree."""
    choices = []

    def walk(parent_id, depth):
        for place in children.get(parent_id, []):
            if place.kind in CHILD_KIND:
                choices.append((place.id, "　" * depth + place.name + _("（%(text)s）", text=place.kind.label)))
                walk(place.id, depth + 1)

    walk(None, 0)
    return choices


def _render_tree(form: PlaceForm | None, status: int = 200):
    children = services.children_by_parent(db.session)
    if form is not None:
        form.parent_id.choices = [("", _("（无上级：新增街道）"))] + _parent_choices(children)
    return render_template("places/tree.html", children=children, form=form, child_kind=CHILD_KIND), status


@bp.route("/")
def tree():
    form = None
    if is_platform_admin(current_user):
        form = PlaceForm(formdata=None, parent_id=request.args.get("parent", type=int))
    return _render_tree(form)


@bp.route("/", methods=["POST"])
@login_required
def add():
    if not is_platform_admin(current_user):
        raise Forbidden(_l("只有平台管理员可以修改社区树"))
    form = PlaceForm()
    if form.validate_on_submit():
        try:
            place = services.add_place(db.session, current_user, name=form.name.data, parent_id=form.parent_id.data)
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("places.tree", added=place.id, _anchor=f"place-{place.id}"))
    return _render_tree(form, status=422)
