"""Sign-up, login, logout, profile and language switch pages."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import services
from marketplace.accounts.forms import LoginForm, ProfileForm, PublicContactForm, RegisterForm
from marketplace.accounts.limits import login_limited, note_failed_login
from marketplace.core.errors import DomainError
from marketplace.core.forms import form_status, refuse_on_form, show_domain_error
from marketplace.core.urls import safe_next_url
from marketplace.extensions import db
from marketplace.places.services import place_choices

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(db.session, services.Registration(
                phone=form.phone.data, email=form.email.data, password=form.password.data,
                display_name=form.display_name.data))
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            login_user(user)
            return redirect(url_for("accounts.profile", welcome=1))
    return render_template("accounts/register.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, form.login.data, form.password.data)
        except DomainError as error:
            note_failed_login()
            show_domain_error(form, error)
        else:
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("listings.home"))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("listings.home"))


def _profile_form(*, stored: bool) -> ProfileForm:
    """The profile form filled from what is stored (to show it) or from the request (to save it)."""
    form = ProfileForm(formdata=None, obj=current_user) if stored else ProfileForm(obj=current_user)
    form.home_place_id.choices = [(0, _("（未选择）"))] + place_choices(db.session)
    if stored:
        form.home_place_id.data = current_user.home_place_id or 0
        form.locale.data = current_user.locale or "zh_CN"
    return form


def _contact_form(*, stored: bool) -> PublicContactForm:
    """The volunteer's public-contact choice, its own form beside the profile (prefixed: one page, two forms)."""
    if stored:
        return PublicContactForm(formdata=None, obj=current_user, prefix="contact")
    return PublicContactForm(prefix="contact")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = _profile_form(stored=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.update_profile(db.session, current_user, services.ProfileUpdate(
                display_name=form.display_name.data, home_place_id=form.home_place_id.data or None,
                is_party_member=form.is_party_member.data, is_volunteer=form.is_volunteer.data,
                locale=form.locale.data))
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("accounts.profile", saved=1))
    return render_template("accounts/profile.html", form=form,
                           contact_form=_contact_form(stored=True)), form_status(form)


@bp.route("/profile/public-contact", methods=["POST"])
@login_required
def public_contact():
    """What a volunteer shows on their listings and bookings; nothing until they choose."""
    contact_form = _contact_form(stored=False)
    if contact_form.validate_on_submit():
        try:
            services.set_public_contact(db.session, current_user, shows_phone=contact_form.shows_phone_publicly.data,
                                        note=contact_form.public_contact_note.data or "")
            db.session.commit()
        except DomainError as error:
            refuse_on_form(contact_form, error)
        else:
            return redirect(url_for("accounts.profile", saved=1))
    return render_template("accounts/profile.html", form=_profile_form(stored=True), contact_form=contact_form), \
        form_status(contact_form)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        code = "zh_CN"
    session["locale"] = code
    if current_user.is_authenticated:
        services.set_locale(db.session, current_user, code)
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("listings.home"))
