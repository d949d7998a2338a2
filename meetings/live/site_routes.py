"""The remote sites page of a conference: its sites, their join links and their activity.

Invitees see the sites and their presence; the organizers also see the join
links, add sites for invited units, change them, give them a new link or revoke
one (which disconnects the site at once), and read the sites' recent activity.
Views parse the form, call one service inside unit_of_work() and redirect; a
refused form is shown again with its messages (422/409) and nothing stored.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetings.conferences import services as conferences
from meetings.conferences.forms import FriendlyIntegerField
from meetings.db import unit_of_work, utcnow
from meetings.errors import ConflictError, PermissionDeniedError, ValidationError
from meetings.forms import REQUIRED, apply_errors, optional_id
from meetings.live import services
from meetings.live.services import LINK_VALIDITY

bp = Blueprint("sites", __name__)

HEADCOUNT_RANGE = NumberRange(
    min=1, max=500, message=_l("The headcount must be between 1 and 500.")
)
DAYS_RANGE = NumberRange(min=1, max=365, message=_l("A link is valid for 1 to 365 days."))
NAME_LENGTH = Length(max=200, message=_l("At most %(max)d characters, please."))


class SiteForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=optional_id, validate_choice=False)
    expected_headcount = FriendlyIntegerField(
        _l("Expected people"), validators=[Optional(), HEADCOUNT_RANGE]
    )
    valid_days = FriendlyIntegerField(
        _l("Link valid for (days)"), default=LINK_VALIDITY.days, validators=[Optional(), DAYS_RANGE]
    )
    name = StringField(_l("Name in the room (optional)"), validators=[Optional(), NAME_LENGTH])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.unit_id.data is None:
            self.unit_id.errors = [*self.unit_id.errors, _l("Choose an invited unit.")]
            valid = False
        return valid

    def service_kwargs(self) -> dict:
        return {
            "unit_id": self.unit_id.data,
            "expected_headcount": self.expected_headcount.data,
            "valid_days": self.valid_days.data,
            "name": self.name.data,
        }


class SiteEditForm(FlaskForm):
    name = StringField(_l("Name in the room"), validators=[InputRequired(REQUIRED), NAME_LENGTH])
    expected_headcount = FriendlyIntegerField(
        _l("Expected people"), validators=[InputRequired(REQUIRED), HEADCOUNT_RANGE]
    )
    valid_days = FriendlyIntegerField(
        _l("New validity (days from now)"), validators=[Optional(), DAYS_RANGE]
    )

    def service_data(self) -> dict:
        data = {"name": self.name.data, "expected_headcount": self.expected_headcount.data}
        if self.valid_days.data is not None:  # blank: the expiry stays as it is
            data["valid_days"] = self.valid_days.data
        return data


class RenewForm(FlaskForm):
    valid_days = FriendlyIntegerField(
        _l("Valid for (days)"), default=LINK_VALIDITY.days, validators=[Optional(), DAYS_RANGE]
    )


def _actor():
    return current_user._get_current_object()


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=_actor())


def _require_manager(conference) -> None:
    if not conferences.can_manage(_actor(), conference):
        raise PermissionDeniedError(_l("Only the organizers may change remote sites."))


def join_url(token: str) -> str:
    """The full address a site opens to join (GET /join/<token>)."""
    try:
        return url_for("live.join", token=token, _external=True)
    except BuildError:  # the live room's blueprint is not registered
        return url_for("conferences.home", _external=True) + f"join/{token}"


@bp.app_template_global("live_urls")
def live_urls(conference_id: int) -> dict:
    """The live room and the room display of a conference (literal paths if the
    live room's blueprint is not registered)."""
    try:
        return {
            "room": url_for("live.room", conference_id=conference_id),
            "display": url_for("live.display", conference_id=conference_id),
        }
    except BuildError:
        base = f"/conferences/{conference_id}"
        return {"room": f"{base}/live", "display": f"{base}/display"}


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@bp.app_template_filter("from_iso")
def from_iso(value: str | None) -> datetime | None:
    """The live state's ISO 8601 strings as datetimes, for |datetime(tz)."""
    return _parse_iso(value)


def _remote_addr(entry) -> str | None:
    """Where a site joined from (kept in the entry's detail), else where the actor acted from."""
    try:
        detail = json.loads(entry.detail) if entry.detail else {}
    except ValueError:
        detail = {}
    return (detail.get("remote_addr") if isinstance(detail, dict) else None) or entry.remote_addr


def _render(
    conference,
    *,
    status: int = 200,
    add_form: SiteForm | None = None,
    edit_forms: dict | None = None,
    open_site: int | None = None,
    alerts: list | None = None,
):
    actor = _actor()
    manage = conferences.can_manage(actor, conference)
    now = utcnow()
    rows = [
        {
            "site": site,
            "presence": presence,
            "link_valid": site.is_valid_at(now),
            "expired": site.revoked_at is None and site.expires_at <= now,
            "join_url": join_url(site.token) if manage else None,
        }
        for site, presence in services.sites_with_presence(conference)
    ]
    candidates, activity = [], []
    adding = manage and conferences.is_open(conference)
    if manage:
        activity = [
            {"entry": entry, "remote_addr": _remote_addr(entry)}
            for entry in services.site_activity(actor=actor, conference=conference)
        ]
    if adding:
        candidates = services.units_for_new_site(conference)
        add_form = add_form or SiteForm(formdata=None)
    edit_forms = edit_forms or {}
    if manage:
        for row in rows:
            site = row["site"]
            if site.id not in edit_forms:
                edit_forms[site.id] = SiteEditForm(
                    formdata=None, name=site.name, expected_headcount=site.expected_headcount
                )
    page = render_template(
        "sites/index.html",
        conference=conference,
        rows=rows,
        can_manage=manage,
        adding=adding,
        add_form=add_form,
        candidates=candidates,
        edit_forms=edit_forms,
        renew_form=RenewForm(formdata=None) if manage else None,
        open_site=open_site,
        activity=activity,
        site_names={row["site"].id: row["site"].name for row in rows},
        alerts=alerts or [],
        connected=sum(1 for row in rows if row["presence"]["state"] == "connected"),
        expected_people=sum(
            row["site"].expected_headcount for row in rows if row["site"].revoked_at is None
        ),
    )
    return page, status


def _back(conference_id: int, site_id: int | None = None):
    anchor = f"site-{site_id}" if site_id else None
    return redirect(url_for("sites.index", conference_id=conference_id, _anchor=anchor))


@bp.get("/conferences/<int:conference_id>/sites")
@login_required
def index(conference_id):
    return _render(_conference(conference_id))


@bp.post("/conferences/<int:conference_id>/sites")
@login_required
def create(conference_id):
    conference = _conference(conference_id)
    _require_manager(conference)
    form = SiteForm()
    alerts: list = []
    status = 422
    if form.validate():
        try:
            with unit_of_work():
                site = services.create_site(
                    actor=_actor(), conference=conference, **form.service_kwargs()
                )
                site_id, name = site.id, site.name
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = _conference(conference_id)
        except ConflictError as error:
            alerts, status = [error.message], 409
            conference = _conference(conference_id)
        else:
            flash(_("The site “%(name)s” was added. Send it its join link.", name=name), "success")
            return _back(conference_id, site_id)
    return _render(
        conference,
        status=status,
        add_form=form,
        alerts=[_("The site was not added. Please correct what is marked below."), *alerts],
    )


def _site(conference_id: int, site_id: int):
    conference = _conference(conference_id)
    _require_manager(conference)
    return conference, services.get_site(conference, site_id)


@bp.post("/conferences/<int:conference_id>/sites/<int:site_id>/edit")
@login_required
def update(conference_id, site_id):
    conference, site = _site(conference_id, site_id)
    form = SiteEditForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_site(
                    actor=_actor(), conference=conference, site=site, data=form.service_data()
                )
                name = site.name
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = _conference(conference_id)
        else:
            flash(_("The site “%(name)s” was saved.", name=name), "success")
            return _back(conference_id, site_id)
    return _render(
        conference,
        status=422,
        edit_forms={site_id: form},
        open_site=site_id,
        alerts=[_("The changes were not saved. Please correct what is marked below."), *alerts],
    )


@bp.post("/conferences/<int:conference_id>/sites/<int:site_id>/renew")
@login_required
def renew(conference_id, site_id):
    conference, site = _site(conference_id, site_id)
    form = RenewForm()
    if not form.validate():
        messages = [str(m) for m in form.valid_days.errors]
        return _render(conference, status=422, alerts=[_("No new link was made."), *messages])
    with unit_of_work():
        services.renew_site_link(
            actor=_actor(), conference=conference, site=site, valid_days=form.valid_days.data
        )
        name = site.name
    flash(
        _(
            "“%(name)s” has a new link; the old one no longer works. Send it the new one.",
            name=name,
        ),
        "success",
    )
    return _back(conference_id, site_id)


@bp.post("/conferences/<int:conference_id>/sites/<int:site_id>/revoke")
@login_required
def revoke(conference_id, site_id):
    conference, site = _site(conference_id, site_id)
    with unit_of_work():
        services.revoke_site(actor=_actor(), conference=conference, site=site)
        name = site.name
    flash(_("The link of “%(name)s” was revoked; the site was disconnected.", name=name), "info")
    return _back(conference_id, site_id)
