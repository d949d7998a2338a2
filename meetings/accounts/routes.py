"""Log-in, language, the personal profile, and the administration of units and accounts.

The views parse the form, call one service inside `unit_of_work()` and render or
redirect; the services decide who may do what and what is valid.
"""

from __future__ import annotations

import math
import time
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import HTTPException

from meetings.accounts import services
from meetings.accounts.forms import (
    ApiTokenForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    UnitForm,
    UserForm,
    optional_id,
    subtree_ids,
    unit_choices,
)
from meetings.accounts.models import LOCALES, User
from meetings.db import unit_of_work
from meetings.errors import AuthenticationRequiredError, ValidationError
from meetings.extensions import limiter
from meetings.forms import apply_errors

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def _me() -> User:
    return current_user._get_current_object()


def local_target(target: str | None) -> str | None:
    """`target` if it is a page of this site a browser can GET, else None.

    Never another host (`//evil.example`, `/\\evil.example`, `https://...`), never
    a POST-only address (a log-in that started on a form post), and without
    `lang=`, which would otherwise override the language just chosen.
    """
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    try:
        current_app.create_url_adapter(request).match(unquote(parts.path), method="GET")
    except HTTPException:
        return None
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key != "lang"
        ]
    )
    return urlunsplit(("", "", parts.path, query, parts.fragment))


def _display_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _home() -> str:
    return url_for("conferences.index")


# --- log-in ------------------------------------------------------------------


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _rate_limit_off() -> bool:
    # The limiter object is shared by every app built in this process (tests build
    # several); each app's own setting decides whether its log-in is limited.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _failed_attempt(response) -> bool:
    # Only failed attempts count, so a whole office behind one address can log in.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_rate_limit,
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_failed_attempt,
    exempt_when=_rate_limit_off,
)
def login():
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(local_target(request.args.get("next")) or _home())
        form.next.data = request.args.get("next", "")
        return render_template("accounts/login.html", form=form)
    if form.validate():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = local_target(form.next.data) or _home()
            session.clear()  # nothing of an earlier visitor's session carries over
            login_user(user)
            session["locale"] = user.locale
            return redirect(target)
        form.form_errors.append(_("Wrong e-mail or password."))
    return render_template("accounts/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(error):
    wait = 60
    limit = limiter.current_limit
    if limit is not None:
        window = limit.limit.get_expiry()
        wait = min(window, max(1, math.ceil(limit.reset_at - time.time())))
    message = ngettext(
        "Too many failed log-in attempts from your network. Please wait %(num)d second "
        "and try again.",
        "Too many failed log-in attempts from your network. Please wait %(num)d seconds "
        "and try again.",
        wait,
    )
    form = LoginForm()
    response = make_response(
        render_template("accounts/login.html", form=form, blocked_message=message), 429
    )
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash(_("You have logged out."), "success")
    return redirect(url_for(".login"))


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if current_user.is_authenticated:
        with unit_of_work():
            services.update_profile(actor=_me(), data={"locale": locale})
    elif locale not in LOCALES:
        raise ValidationError.on("locale", _l("Choose Vietnamese or English."))
    session["locale"] = locale
    return redirect(local_target(request.form.get("next")) or _home())


# --- the personal profile ------------------------------------------------------


def _profile_page(
    *,
    profile_form=None,
    password_form=None,
    token_form=None,
    new_token=None,
    page_errors=(),
    status=200,
):
    me = _me()
    response = make_response(
        render_template(
            "accounts/profile.html",
            profile_form=profile_form or ProfileForm(formdata=None, obj=me),
            password_form=password_form or PasswordForm(formdata=None),
            token_form=token_form or ApiTokenForm(formdata=None),
            tokens=services.list_api_tokens(actor=me),
            feed_url=url_for("conferences.feed", token=me.feed_token, _external=True),
            new_token=new_token,
            page_errors=page_errors,
            display_tz=_display_tz(),
        ),
        status,
    )
    # The page carries the private calendar link (and once, a new API token).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    me = _me()
    form = ProfileForm(obj=me)
    if request.method == "GET":
        return _profile_page(profile_form=form)
    page_errors = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_profile(
                    actor=me,
                    data={
                        "full_name": form.full_name.data,
                        "position": form.position.data,
                        "locale": form.locale.data,
                    },
                )
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            session["locale"] = me.locale
            flash(_("Your profile was saved."), "success")
            return redirect(url_for(".profile"))
    return _profile_page(profile_form=form, page_errors=page_errors, status=422)


@bp.get("/profile/password")
@bp.get("/profile/tokens")
@bp.get("/profile/feed/regenerate")
@login_required
def profile_section():
    # These addresses only take form posts; a reload or a bookmark lands on the profile.
    return redirect(url_for(".profile"))


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    page_errors = []
    if form.validate():
        try:
            with unit_of_work():
                services.change_password(
                    actor=_me(), current=form.current_password.data, new=form.new_password.data
                )
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            flash(_("Your password was changed."), "success")
            return redirect(url_for(".profile"))
    return _profile_page(password_form=form, page_errors=page_errors, status=422)


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = ApiTokenForm()
    page_errors = []
    if form.validate():
        try:
            with unit_of_work():
                token, secret = services.issue_api_token(actor=_me(), name=form.name.data)
                new_token = {"name": token.name, "prefix": token.prefix, "secret": secret}
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            # Shown on this response only: never stored in the (readable) session cookie.
            return _profile_page(new_token=new_token)
    return _profile_page(token_form=form, page_errors=page_errors, status=422)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    with unit_of_work():
        token = services.revoke_api_token(actor=_me(), token_id=token_id)
        name = token.name
    flash(
        _("The token “%(name)s” was revoked; programs using it can no longer sign in.", name=name),
        "success",
    )
    return redirect(url_for(".profile") + "#tokens")


@bp.post("/profile/feed/regenerate")
@login_required
def regenerate_feed():
    with unit_of_work():
        services.regenerate_feed_token(actor=_me())
    flash(
        _(
            "Your calendar link was renewed. The old link no longer works: "
            "add the new one to your calendar program."
        ),
        "success",
    )
    return redirect(url_for(".profile") + "#calendar")


# --- administration --------------------------------------------------------------


@admin_bp.before_request
def only_administrators():
    # Every admin page, GET included: the services check the writes again.
    if not current_user.is_authenticated:
        raise AuthenticationRequiredError()
    services.require_admin(_me())


@admin_bp.get("/")
def index():
    return redirect(url_for(".units"))


@admin_bp.get("/units")
def units():
    return render_template(
        "admin/units.html", tree=services.unit_tree(), counts=services.user_counts_by_unit()
    )


def _unit_form_page(form, unit, page_errors):
    status = 422 if request.method == "POST" else 200
    user_count = services.user_counts_by_unit().get(unit.id, 0) if unit is not None else 0
    return render_template(
        "admin/unit_form.html", form=form, unit=unit, user_count=user_count, page_errors=page_errors
    ), status


@admin_bp.route("/units/new", methods=["GET", "POST"])
def new_unit():
    tree = services.unit_tree()
    form = UnitForm()
    form.parent_id.choices = unit_choices(tree, blank=_("— None: a top-level unit —"))
    if request.method == "GET":
        form.parent_id.data = optional_id(request.args.get("parent"))
    page_errors = []
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                code = services.create_unit(actor=_me(), data=form.to_data()).code
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            flash(_("The unit %(code)s was created.", code=code), "success")
            return redirect(url_for(".units"))
    return _unit_form_page(form, None, page_errors)


@admin_bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = services.get_unit(unit_id)
    tree = services.unit_tree()
    form = UnitForm(obj=unit)
    # A unit cannot move under itself or its own sub-units (the service refuses it too).
    form.parent_id.choices = unit_choices(
        tree, blank=_("— None: a top-level unit —"), exclude=subtree_ids(tree, unit.id)
    )
    page_errors = []
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                services.update_unit(actor=_me(), unit=unit, data=form.to_data())
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            flash(_("The unit %(code)s was saved.", code=unit.code), "success")
            return redirect(url_for(".units"))
    return _unit_form_page(form, unit, page_errors)


@admin_bp.get("/users")
def users():
    tree = services.unit_tree()
    unit_id = request.args.get("unit", type=int)
    selected = next((unit for unit, _depth in tree if unit.id == unit_id), None)
    people = services.list_users(unit_id) if unit_id is None or selected else []
    return render_template(
        "admin/users.html",
        tree=tree,
        people=people,
        selected=selected,
        unit_options=unit_choices(tree),
    )


def _user_form_page(form, person, page_errors):
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/user_form.html",
        form=form,
        person=person,
        page_errors=page_errors,
        display_tz=_display_tz(),
    ), status


@admin_bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserForm()
    form.unit_id.choices = unit_choices(services.unit_tree(), blank=_("— Choose a unit —"))
    form.password.flags.required = True
    if request.method == "GET":
        form.unit_id.data = optional_id(request.args.get("unit"))
    page_errors = []
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                email = services.create_user(actor=_me(), data=form.to_data(creating=True)).email
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            flash(_("The account %(email)s was created.", email=email), "success")
            return redirect(url_for(".users", unit=form.unit_id.data))
    return _user_form_page(form, None, page_errors)


@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    person = services.get_user(user_id)
    form = UserForm(obj=person)
    form.unit_id.choices = unit_choices(services.unit_tree(), blank=_("— Choose a unit —"))
    page_errors = []
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                services.update_user(actor=_me(), user=person, data=form.to_data(creating=False))
        except ValidationError as error:
            page_errors = apply_errors(form, error)
        else:
            flash(_("The account %(email)s was saved.", email=person.email), "success")
            return redirect(url_for(".users", unit=person.unit_id))
    form.password.data = ""
    return _user_form_page(form, person, page_errors)
