"""The concluding directives of a conference: the list, and the forms of the chair and the
secretary (record, edit, confirm, delete) while the meeting is live.

The live room does the same over the socket (meetings.live.sockets); both call
meetings.directives.services and reach the room as the same "directives" event.
Views parse the input, call one service inside unit_of_work() and redirect. A
refused change shows the page again: field errors on the form (422), or, when
someone else changed the directive first, the conflict and the current text (409),
with nothing saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from meetings.conferences import services as conferences
from meetings.conferences.forms import FriendlyDateField
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives import services
from meetings.directives.models import Directive, DirectiveState
from meetings.errors import ConflictError, PermissionDeniedError, ValidationError
from meetings.extensions import db
from meetings.forms import REQUIRED, apply_errors, optional_id

bp = Blueprint("directives", __name__)


# --- the form ------------------------------------------------------------------------------


class DirectiveForm(FlaskForm):
    """The shape of the input; the service checks the rest (units, deadline, item)."""

    text = TextAreaField(
        _l("Directive"),
        validators=[
            InputRequired(REQUIRED),
            Length(max=services.MAX_TEXT, message=_l("At most %(max)d characters, please.")),
        ],
    )
    lead_unit_id = SelectField(_l("Lead unit"), coerce=optional_id, validate_choice=False)
    cooperating_unit_ids = SelectMultipleField(
        _l("Cooperating units"), coerce=optional_id, validate_choice=False
    )
    deadline = FriendlyDateField(_l("Due date"), validators=[Optional()])
    agenda_item_id = SelectField(_l("Agenda item"), coerce=optional_id, validate_choice=False)
    version = HiddenField()

    def service_data(self) -> dict:
        return {
            "text": self.text.data,
            "lead_unit_id": self.lead_unit_id.data,
            "cooperating_unit_ids": [v for v in (self.cooperating_unit_ids.data or []) if v],
            "deadline": self.deadline.data,
            "agenda_item_id": self.agenda_item_id.data,
        }

    def stored_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    @classmethod
    def for_directive(cls, directive: Directive) -> DirectiveForm:
        """A form showing the stored values (ignoring what was posted)."""
        return cls(
            formdata=None,
            text=directive.text,
            lead_unit_id=directive.lead_unit_id,
            cooperating_unit_ids=[u.id for u in directive.cooperating_units],
            deadline=directive.deadline,
            agenda_item_id=directive.agenda_item_id,
            version=str(directive.version),
        )


# --- helpers -------------------------------------------------------------------------------


def _actor():
    return current_user._get_current_object()


def _conference(conference_id: int) -> Conference:
    return conferences.get_conference(conference_id, actor=_actor())


def _index_url(conference_id: int, directive_id: int | None = None) -> str:
    anchor = f"directive-{directive_id}" if directive_id else None
    return url_for("directives.index", conference_id=conference_id, _anchor=anchor)


def _require_recorder(conference: Conference) -> None:
    """Refuse before reading the form: a stranger gets 403, not a list of field errors."""
    if not services.can_record(_actor(), conference):
        raise PermissionDeniedError(
            _l("Only the chair and the secretary of the conference may record directives.")
        )


def _detail_endpoint() -> str | None:
    """Each directive's own page (its follow-up), when that part of the app is installed."""
    return "followup.show" if "followup.show" in current_app.view_functions else None


def _unsaved(form: DirectiveForm, directive: Directive, units: dict) -> list[tuple]:
    """What the person typed that differs from what is stored now: to redo it by hand."""

    def unit_name(unit_id) -> str:
        unit = units.get(unit_id)
        return unit.name_vi if unit is not None else "—"

    rows = []
    mine_text, stored_text = (form.text.data or "").strip(), directive.text.strip()
    if mine_text != stored_text:
        rows.append((str(form.text.label.text), mine_text or "—", stored_text))
    if form.lead_unit_id.data != directive.lead_unit_id:
        rows.append(
            (
                str(form.lead_unit_id.label.text),
                unit_name(form.lead_unit_id.data),
                directive.lead_unit.name_vi,
            )
        )
    if form.deadline.data != directive.deadline:
        rows.append(
            (
                str(form.deadline.label.text),
                form.deadline.data.strftime("%d/%m/%Y") if form.deadline.data else "—",
                directive.deadline.strftime("%d/%m/%Y"),
            )
        )
    mine_coop = sorted(v for v in form.cooperating_unit_ids.data or [] if isinstance(v, int))
    if mine_coop != sorted(u.id for u in directive.cooperating_units):
        rows.append(
            (
                str(form.cooperating_unit_ids.label.text),
                ", ".join(unit_name(v) for v in mine_coop) or "—",
                ", ".join(u.name_vi for u in directive.cooperating_units) or "—",
            )
        )
    return rows


def _render(
    conference: Conference,
    *,
    status: int = 200,
    record_form: DirectiveForm | None = None,
    edit_forms: dict | None = None,
    open_id: int | None = None,
    conflict=None,
    unsaved: list | None = None,
    alerts: list | None = None,
):
    actor = _actor()
    directives = services.list_for_conference(conference)
    live = services.is_open_for_recording(conference)
    can_record = services.can_record(actor, conference)
    can_confirm = services.can_confirm(actor, conference)
    editable = live and can_record
    units = services.unit_choices(conference) if editable else []
    items = list(conference.agenda_items)
    forms: dict = {}
    if editable:
        record_form = record_form or DirectiveForm(formdata=None)
        for directive in directives:
            if directive.state == DirectiveState.draft or can_confirm:
                forms[directive.id] = (edit_forms or {}).get(
                    directive.id
                ) or DirectiveForm.for_directive(directive)
    invited = {p.unit_id for p in conference.participants}
    page = render_template(
        "directives/index.html",
        conference=conference,
        directives=directives,
        drafts=sum(1 for d in directives if d.state == DirectiveState.draft),
        items={item.id: item for item in items},
        item_list=items,
        live=live,
        concluded=conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived),
        can_record=can_record,
        can_confirm=can_confirm,
        editable=editable,
        record_form=record_form if editable else None,
        edit_forms=forms,
        invited_units=[u for u in units if u.id in invited],
        other_units=[u for u in units if u.id not in invited],
        min_deadline=(services.conference_day(conference) + timedelta(days=1)).isoformat(),
        today=datetime.now(conference.tz).date(),
        open_id=open_id,
        conflict=conflict,
        unsaved=unsaved or [],
        alerts=alerts or [],
        detail_endpoint=_detail_endpoint(),
        current_item_id=next(
            (i.id for i in items if i.status.value in ("running", "paused")), None
        ),
    )
    return page, status


# --- the page ------------------------------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/directives")
@login_required
def index(conference_id):
    return _render(_conference(conference_id))


@bp.post("/conferences/<int:conference_id>/directives")
@login_required
def create(conference_id):
    conference = _conference(conference_id)
    _require_recorder(conference)
    form = DirectiveForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                directive = services.record_directive(
                    actor=_actor(), conference=conference, data=form.service_data()
                )
                directive_id, number = directive.id, directive.number
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = _conference(conference_id)
        else:
            flash(_("Directive %(n)d was recorded as a draft.", n=number), "success")
            return redirect(_index_url(conference_id, directive_id))
    return _render(
        conference,
        status=422,
        record_form=form,
        alerts=[
            _("The directive was not recorded. Please correct the fields marked below."),
            *alerts,
        ],
    )


def _directive(directive_id: int) -> tuple[Directive, Conference]:
    return services.get_directive(directive_id, actor=_actor())


@bp.post("/directives/<int:directive_id>/edit")
@login_required
def edit(directive_id):
    directive, conference = _directive(directive_id)
    _require_recorder(conference)
    conference_id = conference.id
    form = DirectiveForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_directive(
                    actor=_actor(),
                    conference=conference,
                    directive=directive,
                    data=form.service_data(),
                    version=form.stored_version(),
                )
                number = directive.number
        except ConflictError as error:
            if error.code != "conflict":
                raise  # a state that forbids the change: the error page says why
            db.session.rollback()
            directive, conference = _directive(directive_id)
            units = {u.id: u for u in services.unit_choices(conference)}
            return _render(
                conference,
                status=409,
                conflict=error.message,
                unsaved=_unsaved(form, directive, units),
                open_id=directive_id,
            )
        except ValidationError as error:
            alerts = apply_errors(form, error)
            directive, conference = _directive(directive_id)
        else:
            flash(_("Directive %(n)d was saved.", n=number), "success")
            return redirect(_index_url(conference_id, directive_id))
    return _render(
        conference,
        status=422,
        edit_forms={directive_id: form},
        open_id=directive_id,
        alerts=[
            _("The directive was not changed. Please correct the fields marked below."),
            *alerts,
        ],
    )


def _posted_version() -> int | None:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


def _conflict_page(directive_id: int, error: ConflictError):
    db.session.rollback()
    directive, conference = _directive(directive_id)
    return _render(conference, status=409, conflict=error.message, open_id=directive.id)


@bp.post("/directives/<int:directive_id>/confirm")
@login_required
def confirm(directive_id):
    directive, conference = _directive(directive_id)
    conference_id = conference.id
    try:
        with unit_of_work():
            services.confirm_directive(
                actor=_actor(),
                conference=conference,
                directive=directive,
                version=_posted_version(),
            )
            number = directive.number
    except ConflictError as error:
        if error.code != "conflict":
            raise
        return _conflict_page(directive_id, error)
    flash(_("Directive %(n)d is confirmed.", n=number), "success")
    return redirect(_index_url(conference_id, directive_id))


@bp.post("/directives/<int:directive_id>/delete")
@login_required
def delete(directive_id):
    directive, conference = _directive(directive_id)
    conference_id, number = conference.id, directive.number
    try:
        with unit_of_work():
            services.delete_directive(
                actor=_actor(),
                conference=conference,
                directive=directive,
                version=_posted_version(),
            )
    except ConflictError as error:
        if error.code != "conflict":
            raise
        return _conflict_page(directive_id, error)
    flash(_("Draft directive %(n)d was deleted.", n=number), "success")
    return redirect(_index_url(conference_id))
