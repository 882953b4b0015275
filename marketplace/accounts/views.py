"""Sign-up, login, logout, profile, password, API token and language switch pages."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import passwords, services, throttle, tokens
from marketplace.accounts.forms import (LoginForm, PasswordChangeForm, ProfileForm, PublicContactForm, RegisterForm,
                                        ResetConfirmForm, ResetRequestForm)
from marketplace.accounts.mail import send_reset_code
from marketplace.accounts.sessions import end_all_sessions
from marketplace.accounts.signin import current_session_id, sign_in, sign_out
from marketplace.core import clock
from marketplace.core.errors import DomainError, TooManyAttempts
from marketplace.core.forms import ButtonForm, form_status, refuse_on_form, show_domain_error
from marketplace.core.mail import mail_configured
from marketplace.core.urls import ID, safe_next_url
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
            sign_in(user)
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
            sign_in(user)  # commits the successful attempt with the new session
            failed = throttle.failed_logins(db.session, user.id, clock.now())
            if failed is not None and failed.is_news:
                return redirect(url_for("accounts.profile"))
            return redirect(safe_next_url(request.args.get("next")) or url_for("listings.home"))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out()
    return redirect(url_for("listings.home", notice="logged_out"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    end_all_sessions(db.session, current_user)
    tokens.revoke_all_api_tokens(db.session, current_user)  # apps signed in with a token are "everywhere" too
    sign_out()
    return redirect(url_for("accounts.login"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            passwords.change_password(db.session, current_user, form.current_password.data, form.new_password.data,
                                      keep_session=current_session_id())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("accounts.profile", password_changed=1))
    return render_template("accounts/password.html", form=form), form_status(form)


@bp.route("/profile/tokens")
@login_required
def api_tokens():
    return render_template("accounts/tokens.html", tokens=tokens.list_api_tokens(db.session, current_user),
                           form=ButtonForm(), revoked=request.args.get("revoked"))


@bp.route(f"/profile/tokens/<{ID}:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    tokens.revoke_api_token(db.session, current_user, token_id)
    db.session.commit()
    return redirect(url_for("accounts.api_tokens", revoked=1))


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    form = ResetRequestForm()
    available = mail_configured(current_app.config)
    if available and form.validate_on_submit():
        issued = passwords.request_password_reset(db.session, form.email.data)
        db.session.commit()
        if issued is not None:
            send_reset_code(current_app.config, issued)
        return redirect(url_for("accounts.password_reset_confirm", sent=1))
    return render_template("accounts/password_reset.html", form=form, available=available), form_status(form)


@bp.route("/password-reset/confirm", methods=["GET", "POST"])
def password_reset_confirm():
    form = ResetConfirmForm()
    if form.validate_on_submit():
        try:
            passwords.confirm_password_reset(db.session, form.email.data, form.code.data, form.new_password.data)
        except DomainError as error:
            db.session.commit()  # keep the count of wrong codes
            show_domain_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("accounts.login", reset=1))
    return render_template("accounts/password_reset_confirm.html", form=form,
                           sent=request.args.get("sent")), form_status(form)


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
    failed_logins = throttle.failed_logins(db.session, current_user.id, clock.now())
    return render_template("accounts/profile.html", form=form, failed_logins=failed_logins,
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
