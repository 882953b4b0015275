"""Sign-up, login, logout, profile and language switch pages."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import services, throttle
from marketplace.accounts.forms import LoginForm, ProfileForm, RegisterForm
from marketplace.core import clock
from marketplace.core.errors import DomainError, TooManyAttempts
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
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = throttle.log_in(db.session, throttle.LoginLimits.from_config(current_app.config), form.login.data,
                                   form.password.data, address=request.remote_addr or "", now=clock.now())
        except TooManyAttempts:
            raise
        except DomainError as error:
            db.session.commit()  # the failed attempt counts
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            failed = throttle.failed_logins(db.session, user.id, clock.now())
            if failed is not None and failed.is_news:
                return redirect(url_for("accounts.profile"))
            return redirect(safe_next_url(request.args.get("next")) or url_for("listings.home"))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("listings.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.home_place_id.choices = [(0, _("（未选择）"))] + place_choices(db.session)
    if request.method == "GET":
        form.home_place_id.data = current_user.home_place_id or 0
        form.locale.data = current_user.locale or "zh_CN"
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
    failed_logins = throttle.failed_logins(db.session, current_user.id, clock.now())
    return render_template("accounts/profile.html", form=form, failed_logins=failed_logins), form_status(form)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        code = "zh_CN"
    session["locale"] = code
    if current_user.is_authenticated:
        services.set_locale(db.session, current_user, code)
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("listings.home"))
