"""Conference pages: list, month calendar, the conference page and its forms, iCalendar.

Views parse the input, call one service inside unit_of_work() and render or
redirect. A form that fails validation (in the form or in the service) is shown
again with its field errors (422) and nothing stored; other domain errors go to
the handlers in meetings/errors.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from meetings.accounts import services as accounts
from meetings.conferences import ical, services
from meetings.conferences.forms import (
    AnswerForm,
    ConferenceForm,
    InviteForm,
    ParticipantForm,
)
from meetings.conferences.models import Attendance, ConferenceRole, ConferenceStatus
from meetings.db import unit_of_work
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.forms import apply_errors
from meetings.i18n import STATUS_LABELS
from meetings.live import state as live_state
from meetings.live.services import Viewer

bp = Blueprint("conferences", __name__)

ROLE_ORDER = {role: index for index, role in enumerate(ConferenceRole)}


def _actor():
    return current_user._get_current_object()


def _require_manager(conference) -> None:
    if not services.can_manage(_actor(), conference):
        raise PermissionDeniedError(_l("Only the organizers may change this conference."))


def _default_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")


# --- list and calendar --------------------------------------------------------


@bp.get("/")
def home():
    return redirect(url_for("conferences.index"))


@bp.get("/conferences")
@login_required
def index():
    when = request.args.get("when")
    when = when if when in ("upcoming", "past") else "upcoming"
    unit_id = request.args.get("unit", type=int)
    conferences = services.list_conferences(actor=_actor(), when=when, unit_id=unit_id)
    # Nothing ahead: offer the latest ones, so the page is never a dead end.
    recent = (
        services.list_conferences(actor=_actor(), when="past", unit_id=unit_id, limit=3)
        if when == "upcoming" and not conferences
        else []
    )
    units = [unit for unit, _depth in accounts.unit_tree()]
    return render_template(
        "conferences/index.html",
        conferences=conferences,
        recent=recent,
        when=when,
        unit_id=unit_id,
        units=units,
        unit=next((u for u in units if u.id == unit_id), None),
    )


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _days_of(conference) -> list[date]:
    first = conference.local_starts_at.date()
    ends = conference.local_ends_at
    # A meeting ending at midnight does not spill onto the next day.
    last = (
        (ends - timedelta(microseconds=1)).date()
        if ends.time() == datetime.min.time()
        else ends.date()
    )
    days, day = [], first
    while day <= max(first, last):
        days.append(day)
        day += timedelta(days=1)
    return days


@bp.get("/conferences/calendar")
@login_required
def calendar():
    tz = _default_tz()
    today = datetime.now(tz).date()
    year = request.args.get("year", type=int) or today.year
    month = request.args.get("month", type=int) or today.month
    unit_id = request.args.get("unit", type=int)
    weeks, start, end = services.month_grid(year, month, tz)
    conferences = services.conferences_between(
        actor=_actor(), start=start, end=end, unit_id=unit_id
    )
    by_day: dict[date, list] = defaultdict(list)
    for conference in conferences:
        for day in _days_of(conference):
            by_day[day].append(conference)
    in_month = [
        c for c in conferences if any(d.year == year and d.month == month for d in _days_of(c))
    ]
    units = [unit for unit, _depth in accounts.unit_tree()]
    return render_template(
        "conferences/calendar.html",
        weeks=weeks,
        year=year,
        month=month,
        today=today,
        by_day=by_day,
        in_month=in_month,
        unit_id=unit_id,
        units=units,
        previous=_shift_month(year, month, -1),
        following=_shift_month(year, month, 1),
    )


# --- the conference page ------------------------------------------------------


def _groups(conference) -> list[dict]:
    people_in, units_in, remote = [], [], []
    for participant in conference.participants:
        if participant.attendance == Attendance.remote:
            remote.append(participant)
        elif participant.user_id is not None:
            people_in.append(participant)
        else:
            units_in.append(participant)
    people_in.sort(key=lambda p: (ROLE_ORDER[p.role], p.user.full_name))
    units_in.sort(key=lambda p: (ROLE_ORDER[p.role], p.unit.code))
    remote.sort(key=lambda p: (p.user_id is not None, p.unit.code))
    return [
        {
            "key": "people",
            "title": _("In the room: people"),
            "icon": "bi-person",
            "rows": people_in,
        },
        {"key": "units", "title": _("In the room: units"), "icon": "bi-building", "rows": units_in},
        {"key": "remote", "title": _("Remote sites"), "icon": "bi-camera-video", "rows": remote},
    ]


def _render_show(
    conference,
    *,
    status: int = 200,
    invite_form: InviteForm | None = None,
    answer_form: AnswerForm | None = None,
    answer_pid: int | None = None,
    row_errors: dict | None = None,
    alerts: list | None = None,
):
    actor = _actor()
    manage = services.can_manage(actor, conference)
    people = units_tree = None
    if manage and services.is_open(conference):
        people = services.people_to_choose()
        units_tree = accounts.unit_tree()
        invite_form = invite_form or InviteForm(formdata=None)
        invite_form.fill_choices(units_tree=units_tree, people=people)
    mine = services.invitations_of(actor, conference)
    answer_forms = {}
    for participant in mine:
        if answer_pid == participant.id and answer_form is not None:
            answer_forms[participant.id] = answer_form
        else:
            answer_forms[participant.id] = AnswerForm(
                formdata=None,
                answer=None if participant.rsvp.value == "pending" else participant.rsvp.value,
                substitute_name=participant.substitute_name,
                note=participant.rsvp_note,
            )
    page = render_template(
        "conferences/show.html",
        conference=conference,
        groups=_groups(conference),
        summary=services.participant_summary(conference),
        headcount=sum(p.headcount for p in conference.participants),
        can_manage=manage,
        can_edit=services.can_edit(actor, conference),
        is_open=services.is_open(conference),
        can_check_in=services.can_check_in(actor, conference),
        accepts_answers=services.accepts_answers(conference),
        # forward moves first, "back to draft" last
        transitions=sorted(
            services.allowed_transitions(actor, conference),
            key=lambda to: to == ConferenceStatus.draft,
        ),
        mine=mine,
        answer_forms=answer_forms,
        answer_pid=answer_pid,
        invite_form=invite_form,
        participant_form=ParticipantForm(formdata=None) if manage else None,
        record_form=AnswerForm(formdata=None) if manage else None,
        row_errors=row_errors or {},
        alerts=alerts or [],
        ConferenceStatus=ConferenceStatus,
        # The remote sites card and the way into the live room
        presence=live_state.presence_state(conference),
        can_enter_room=Viewer(user=actor).can_enter(conference),
    )
    return page, status


@bp.get("/conferences/<int:conference_id>")
@login_required
def show(conference_id):
    conference = services.get_conference(conference_id, actor=_actor())
    return _render_show(conference)


@bp.post("/conferences/<int:conference_id>/status")
@login_required
def change_status(conference_id):
    actor = _actor()
    conference = services.get_conference(conference_id, actor=actor)
    with unit_of_work():
        services.change_status(actor=actor, conference=conference, to=request.form.get("to"))
        label = STATUS_LABELS[conference.status]
    flash(_("The conference is now “%(status)s”.", status=label), "success")
    return redirect(url_for("conferences.show", conference_id=conference_id))


@bp.post("/conferences/<int:conference_id>/invitations")
@login_required
def invite(conference_id):
    actor = _actor()
    conference = services.get_conference(conference_id, actor=actor)
    _require_manager(conference)
    form = InviteForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                participant = services.invite(
                    actor=actor, conference=conference, **form.service_kwargs()
                )
                name = participant.user.full_name if participant.user else participant.unit.name
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = services.get_conference(conference_id, actor=actor)
        else:
            flash(_("%(name)s is invited.", name=name), "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="participants")
            )
    return _render_show(
        conference,
        status=422,
        invite_form=form,
        alerts=[_("The invitation was not sent. Please correct the fields marked below."), *alerts],
    )


def _participant(conference_id: int, participant_id: int):
    actor = _actor()
    conference = services.get_conference(conference_id, actor=actor)
    return actor, conference, services.get_participant(conference, participant_id)


@bp.post("/conferences/<int:conference_id>/participants/<int:participant_id>/update")
@login_required
def update_participant(conference_id, participant_id):
    actor, conference, participant = _participant(conference_id, participant_id)
    _require_manager(conference)
    form = ParticipantForm()
    loose: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_participant(
                    actor=actor,
                    conference=conference,
                    participant=participant,
                    data=form.service_data(),
                )
        except ValidationError as error:
            loose = apply_errors(form, error)
            conference = services.get_conference(conference_id, actor=actor)
        else:
            flash(_("The invitation was changed."), "success")
            return redirect(
                url_for(
                    "conferences.show", conference_id=conference_id, _anchor=f"p{participant_id}"
                )
            )
    # The change is made in a dialog: show the reasons on the row and at the top.
    messages = [str(m) for errors in form.errors.values() for m in errors] + [str(m) for m in loose]
    return _render_show(
        conference,
        status=422,
        row_errors={participant_id: messages},
        alerts=[_("The invitation was not changed: %(reason)s", reason=" ".join(messages))],
    )


@bp.post("/conferences/<int:conference_id>/participants/<int:participant_id>/remove")
@login_required
def remove_participant(conference_id, participant_id):
    actor, conference, participant = _participant(conference_id, participant_id)
    with unit_of_work():
        name = participant.user.full_name if participant.user else participant.unit.name
        services.remove_participant(actor=actor, conference=conference, participant=participant)
    flash(_("The invitation of %(name)s was withdrawn.", name=name), "success")
    return redirect(
        url_for("conferences.show", conference_id=conference_id, _anchor="participants")
    )


@bp.post("/conferences/<int:conference_id>/participants/<int:participant_id>/answer")
@login_required
def answer(conference_id, participant_id):
    actor, conference, participant = _participant(conference_id, participant_id)
    if not services.can_answer(actor, participant):
        raise PermissionDeniedError(_l("Only the invitee may answer this invitation."))
    form = AnswerForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.answer_invitation(
                    actor=actor,
                    conference=conference,
                    participant=participant,
                    answer=form.answer.data,
                    substitute_name=form.substitute_name.data,
                    note=form.note.data,
                )
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = services.get_conference(conference_id, actor=actor)
        else:
            flash(_("The answer was recorded."), "success")
            return redirect(url_for("conferences.show", conference_id=conference_id))
    messages = [str(m) for errors in form.errors.values() for m in errors] + [
        str(a) for a in alerts
    ]
    return _render_show(
        conference,
        status=422,
        answer_form=form,
        answer_pid=participant_id,
        row_errors={participant_id: messages},
        alerts=[_("The answer was not recorded: %(reason)s", reason=" ".join(messages))],
    )


@bp.post("/conferences/<int:conference_id>/participants/<int:participant_id>/check-in")
@login_required
def check_in(conference_id, participant_id):
    actor, conference, participant = _participant(conference_id, participant_id)
    present = request.form.get("present", "1") not in ("0", "false", "off", "")
    with unit_of_work():
        name = participant.user.full_name if participant.user else participant.unit.name
        services.check_in(
            actor=actor, conference=conference, participant=participant, present=present
        )
    if present:
        flash(_("%(name)s is checked in.", name=name), "success")
    else:
        flash(_("The check-in of %(name)s was undone.", name=name), "info")
    return redirect(
        url_for("conferences.show", conference_id=conference_id, _anchor=f"p{participant_id}")
    )


# --- creating and editing -----------------------------------------------------


def _form_page(
    form: ConferenceForm,
    conference=None,
    *,
    status: int = 200,
    alerts=None,
    conflict=None,
    differences=None,
):
    form.fill_choices(units_tree=accounts.unit_tree(), people=services.people_to_choose())
    return render_template(
        "conferences/form.html",
        form=form,
        conference=conference,
        alerts=alerts or [],
        conflict=conflict,
        differences=differences or [],
    ), status


@bp.route("/conferences/new", methods=["GET", "POST"])
@login_required
def new():
    actor = _actor()
    if not actor.can_schedule:
        raise PermissionDeniedError(_l("Only the secretariat may schedule conferences."))
    if request.method == "GET":
        return _form_page(ConferenceForm(formdata=None, host_unit_id=actor.unit_id))
    form = ConferenceForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                conference = services.create_conference(actor=actor, data=form.service_data())
                conference_id = conference.id
        except ValidationError as error:
            alerts = apply_errors(form, error)
        else:
            flash(
                _(
                    "The conference was created as a draft. Invite the participants, then "
                    "schedule it to send the invitations."
                ),
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference_id))
    return _form_page(form, status=422, alerts=alerts)


def _display(field) -> str:
    data = field.data
    if data in (None, ""):
        return "—"
    if field.type == "SelectField":
        labels = {str(choice.value): choice.label for choice in field.choices}
        return str(labels.get(str(data), data))
    if isinstance(data, datetime):
        return data.strftime("%d/%m/%Y %H:%M")
    if isinstance(data, date):
        return data.strftime("%d/%m/%Y")
    return str(data)


def _differences(mine: ConferenceForm, current: ConferenceForm) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in mine._fields.items():
        if name in ("version", "csrf_token"):
            continue
        if _display(field) != _display(current[name]):
            label = str(field.label.text)
            if name.startswith("period_"):
                label = f"{_('Period reviewed')}: {label}"
            rows.append((label, _display(field), _display(current[name])))
    return rows


@bp.route("/conferences/<int:conference_id>/edit", methods=["GET", "POST"])
@login_required
def edit(conference_id):
    actor = _actor()
    conference = services.get_conference(conference_id, actor=actor)
    _require_manager(conference)
    if not services.is_open(conference):
        flash(_("A concluded or archived conference can no longer be edited."), "warning")
        return redirect(url_for("conferences.show", conference_id=conference_id))
    if request.method == "GET":
        return _form_page(ConferenceForm.for_conference(conference), conference)
    form = ConferenceForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_conference(
                    actor=actor,
                    conference=conference,
                    data=form.service_data(),
                    version=form.stored_version(),
                )
        except InvalidStateError:
            raise
        except ConflictError as error:
            conference = services.get_conference(conference_id, actor=actor)
            current = ConferenceForm.for_conference(conference)
            people, tree = services.people_to_choose(), accounts.unit_tree()
            form.fill_choices(units_tree=tree, people=people)
            current.fill_choices(units_tree=tree, people=people)
            return _form_page(
                current,
                conference,
                status=409,
                conflict=error.message,
                differences=_differences(form, current),
            )
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = services.get_conference(conference_id, actor=actor)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("conferences.show", conference_id=conference_id))
    return _form_page(form, conference, status=422, alerts=alerts)


# --- iCalendar ------------------------------------------------------------------


def _ascii_slug(text: str, limit: int = 60) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].rstrip("-")


def _calendar_response(body: bytes, filename: str, *, attachment: bool = True):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if attachment:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    else:
        response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _uid_host() -> str:
    return urlsplit(request.host_url).hostname or "meetings"


@bp.get("/conferences/<int:conference_id>.ics")
@login_required
def ics(conference_id):
    conference = services.get_conference(conference_id, actor=_actor())
    body = ical.build_calendar([conference], host=_uid_host())
    slug = _ascii_slug(conference.title) or "conference"
    return _calendar_response(body, f"conference-{conference.id}-{slug}.ics")


@bp.get("/calendar/<token>.ics")
def feed(token):
    person = accounts.user_for_feed_token(token)
    if person is None:
        raise NotFoundError(
            _l(
                "This calendar link is not valid (any more). Copy the current "
                "link from your profile."
            )
        )
    body = ical.build_calendar(
        services.conferences_of(person),
        host=_uid_host(),
        name=_("Conferences of %(name)s", name=person.full_name),
    )
    return _calendar_response(body, "meetings.ics", attachment=False)
