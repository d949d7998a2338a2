"""The chair's concluding directives, recorded during the live meeting.

The chair or the secretary records each directive while the conference is live
(text, lead unit, cooperating units, deadline, the agenda item it came from): it
is a draft, shown as such in the live room and on the room display, so the room
can read it. The chair confirms each one (and may still edit it). Drafts may be
deleted; the directives after a deleted one move up a number. The conference
cannot be concluded while a draft remains; once it is concluded the directives
are frozen for the record and only their follow-up (meetings.directives.followup)
changes.

Every change appends a "directives" live event with the conference's whole list
in the same transaction; the live snapshot carries the section as "directives":
{directives, me}.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from meetings import audit, validation
from meetings.accounts.models import Unit, User
from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceRole, ConferenceStatus
from meetings.db import utcnow
from meetings.directives.models import Directive, DirectiveState
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.i18n import fmt_date
from meetings.live.events import iso, publish

MAX_TEXT = 5000
MAX_COOPERATING = 30
# A deadline further out than this is almost certainly a typing mistake (20016, 2106...).
MAX_HORIZON = timedelta(days=366 * 10)

NOT_FOUND = _l("This directive does not exist in this conference.")
DRAFTS_REMAIN = _l("Confirm or delete the draft directives first.")


# --- who may do what -------------------------------------------------------------------


def can_record(user: User | None, conference: Conference) -> bool:
    """Record and edit draft directives: the conference's chair and its secretary."""
    roles = conferences.roles_of(user, conference)
    return ConferenceRole.chair in roles or ConferenceRole.secretary in roles


def can_confirm(user: User | None, conference: Conference) -> bool:
    """Confirm a directive, and edit a confirmed one: the chair."""
    return ConferenceRole.chair in conferences.roles_of(user, conference)


def is_open_for_recording(conference: Conference) -> bool:
    return conference.status == ConferenceStatus.live


def _require(allowed: bool, message) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


def _require_live(conference: Conference) -> None:
    if conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived):
        raise InvalidStateError(
            _l(
                "The conference is concluded: its directives are kept as recorded; "
                "only their follow-up changes."
            )
        )
    if conference.status != ConferenceStatus.live:
        raise InvalidStateError(
            _l("Directives are recorded during the meeting: open the conference first.")
        )


def _claim(directive: Directive, version) -> None:
    """An edit based on an older version of the directive is refused, never merged."""
    if version is None:
        return
    if not isinstance(version, int) or isinstance(version, bool) or version != directive.version:
        raise ConflictError(
            _l(
                "Directive %(n)d was changed by someone else while you were editing it. "
                "Your changes were not saved; what is shown now is the current text.",
                n=directive.number,
            )
        )


def _lock_conference(conference: Conference) -> None:
    """Serialize the numbering of one conference's directives (a row lock on PostgreSQL;
    SQLite writes one at a time)."""
    db.session.execute(
        select(Conference.id).where(Conference.id == conference.id).with_for_update()
    )


# --- reading ----------------------------------------------------------------------------


def _query():
    return select(Directive).options(
        selectinload(Directive.lead_unit), selectinload(Directive.cooperating_units)
    )


def list_for_conference(conference: Conference) -> list[Directive]:
    """The conference's directives in number order, with their units (three queries)."""
    return list(
        db.session.scalars(
            _query().where(Directive.conference_id == conference.id).order_by(Directive.number)
        )
    )


def directive_in(conference: Conference, directive_id) -> Directive:
    """One directive of this conference (404 for another conference's)."""
    directive = (
        db.session.scalar(_query().where(Directive.id == directive_id))
        if isinstance(directive_id, int) and not isinstance(directive_id, bool)
        else None
    )
    if directive is None or directive.conference_id != conference.id:
        raise NotFoundError(NOT_FOUND)
    return directive


def get_directive(directive_id, *, actor: User | None) -> tuple[Directive, Conference]:
    """A directive and its conference, for whoever may see the conference (else 404)."""
    directive = (
        db.session.scalar(_query().where(Directive.id == directive_id))
        if isinstance(directive_id, int) and not isinstance(directive_id, bool)
        else None
    )
    if directive is None:
        raise NotFoundError(_l("This directive does not exist."))
    conference = conferences.get_conference(directive.conference_id, actor=actor)
    return directive, conference


def draft_count(conference: Conference) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Directive)
        .where(Directive.conference_id == conference.id, Directive.state == DirectiveState.draft)
    )


def require_no_drafts(conference: Conference) -> None:
    """Concluding the conference waits until every recorded directive is confirmed or
    deleted (called by conferences.services.change_status)."""
    if draft_count(conference):
        raise InvalidStateError(DRAFTS_REMAIN)


def unit_choices(conference: Conference) -> list[Unit]:
    """Active units to assign, the conference's invited units first, then by name."""
    invited = {p.unit_id for p in conference.participants}
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True))).all()
    return sorted(units, key=lambda u: (u.id not in invited, u.name_vi.casefold(), u.code))


def conference_day(conference: Conference) -> date:
    """The (last) day of the meeting in its own time zone: deadlines come after it."""
    return conference.local_ends_at.date()


# --- checking what was sent ---------------------------------------------------------------


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value) -> str:
    text = validation.text(value, "text", max_length=MAX_TEXT)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise ValidationError.on("text", _l("Remove the control characters from the text."))
    return text


def _active_unit(unit_id, field: str, message) -> Unit:
    unit = db.session.get(Unit, unit_id) if _is_id(unit_id) else None
    if unit is None or not unit.active:
        raise ValidationError.on(field, message)
    return unit


def _deadline(value, conference: Conference) -> date:
    if value is None or value == "":
        raise ValidationError.on("deadline", _l("Enter a deadline."))
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError.on("deadline", _l("Enter the deadline as a date."))
    day = conference_day(conference)
    if value <= day:
        raise ValidationError.on(
            "deadline",
            _l(
                "The deadline must be after the day of the conference (%(day)s).",
                day=fmt_date(day),
            ),
        )
    if value > day + MAX_HORIZON:
        raise ValidationError.on(
            "deadline", _l("The deadline is more than ten years away: check the year.")
        )
    return value


def _cooperating(value) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(_is_id(v) for v in value):
        raise ValidationError.on("cooperating_unit_ids", _l("Choose the cooperating units."))
    if len(set(value)) != len(value):
        raise ValidationError.on(
            "cooperating_unit_ids", _l("Each cooperating unit may be chosen only once.")
        )
    if len(value) > MAX_COOPERATING:
        raise ValidationError.on(
            "cooperating_unit_ids",
            _l("At most %(n)d cooperating units, please.", n=MAX_COOPERATING),
        )
    return list(value)


def _agenda_item(value, conference: Conference) -> int | None:
    if value is None or value == "":
        return None
    item = db.session.get(AgendaItem, value) if _is_id(value) else None
    if item is None or item.conference_id != conference.id:
        raise ValidationError.on(
            "agenda_item_id", _l("Choose an item of this conference's agenda.")
        )
    return item.id


def _fields(data: dict, conference: Conference, directive: Directive | None) -> dict:
    """Check every field given (all of them for a new directive) before anything changes,
    and report every wrong field at once.

    {text, lead_unit, cooperating (units), deadline, agenda_item_id}: only the keys
    that change."""
    new = directive is None
    out: dict = {}
    errors: dict = {}

    def check(key: str, parse) -> None:
        try:
            out[key] = parse()
        except ValidationError as error:
            errors.update(error.field_errors)

    if new or "text" in data:
        check("text", lambda: _text(data.get("text")))
    if new or "lead_unit_id" in data:
        check(
            "lead_unit",
            lambda: _active_unit(
                data.get("lead_unit_id"),
                "lead_unit_id",
                _l("Choose an existing, active unit to lead."),
            ),
        )
    if new or "deadline" in data:
        check("deadline", lambda: _deadline(data.get("deadline"), conference))
    if "agenda_item_id" in data:
        check("agenda_item_id", lambda: _agenda_item(data.get("agenda_item_id"), conference))
    lead = out.get("lead_unit") or (directive.lead_unit if directive is not None else None)
    if new or "cooperating_unit_ids" in data:
        check("cooperating", lambda: _cooperating_units(data.get("cooperating_unit_ids"), lead))
    elif "lead_unit" in out and any(u.id == lead.id for u in directive.cooperating_units):
        errors["lead_unit_id"] = [_l("This unit cooperates already: remove it from there first.")]
    if errors:
        messages = [m for field in errors.values() for m in field]
        raise ValidationError(messages[0] if len(messages) == 1 else None, field_errors=errors)
    return out


def _cooperating_units(value, lead: Unit | None) -> list[Unit]:
    ids = _cooperating(value)
    if lead is not None and lead.id in ids:
        raise ValidationError.on(
            "cooperating_unit_ids", _l("The lead unit cannot also be a cooperating unit.")
        )
    return [
        _active_unit(
            unit_id, "cooperating_unit_ids", _l("Choose existing, active units to cooperate.")
        )
        for unit_id in ids
    ]


def _apply(directive: Directive, fields: dict) -> None:
    if "text" in fields:
        directive.text = fields["text"]
    if "lead_unit" in fields:
        directive.lead_unit = fields["lead_unit"]
        directive.lead_unit_id = fields["lead_unit"].id
    if "deadline" in fields:
        directive.deadline = fields["deadline"]
    if "agenda_item_id" in fields:
        directive.agenda_item_id = fields["agenda_item_id"]
    if "cooperating" in fields:
        directive.cooperating_units = fields["cooperating"]


def _summary(directive: Directive) -> dict:
    return {
        "number": directive.number,
        "lead_unit": directive.lead_unit_id,
        "deadline": directive.deadline.isoformat(),
        "cooperating": [u.id for u in directive.cooperating_units],
    }


# --- recording, editing, confirming, deleting ------------------------------------------------


def _current_item_id(conference: Conference) -> int | None:
    return db.session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.conference_id == conference.id,
            AgendaItem.status.in_([ItemStatus.running, ItemStatus.paused]),
        )
    )


def record_directive(*, actor: User | None, conference: Conference, data: dict) -> Directive:
    """A new draft directive, numbered after the last one. Without an agenda item given,
    it comes from the item under discussion (if any)."""
    _require(
        can_record(actor, conference),
        _l("Only the chair and the secretary of the conference may record directives."),
    )
    _require_live(conference)
    fields = _fields(data, conference, None)
    if "agenda_item_id" not in fields:
        fields["agenda_item_id"] = _current_item_id(conference)
    _lock_conference(conference)
    number = (
        db.session.scalar(
            select(func.max(Directive.number)).where(Directive.conference_id == conference.id)
        )
        or 0
    ) + 1
    directive = Directive(
        conference_id=conference.id,
        number=number,
        state=DirectiveState.draft,
        created_by_id=actor.id,
        version=1,
    )
    _apply(directive, fields)
    db.session.add(directive)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "directive.record",
        directive,
        conference=conference.id,
        **_summary(directive),
    )
    publish_directives(conference)
    return directive


def update_directive(
    *, actor: User | None, conference: Conference, directive: Directive, data: dict, version
) -> Directive:
    """Edit a directive while the meeting is live: a draft by the chair or the secretary,
    a confirmed one by the chair only (it stays confirmed)."""
    _require(
        can_record(actor, conference),
        _l("Only the chair and the secretary of the conference may edit directives."),
    )
    if directive.conference_id != conference.id:
        raise NotFoundError(NOT_FOUND)
    _require_live(conference)
    if directive.state == DirectiveState.confirmed:
        _require(
            can_confirm(actor, conference),
            _l("Directive %(n)d is confirmed: only the chair may change it.", n=directive.number),
        )
    if version is None:
        raise ValidationError.on("version", _l("Send the version of the directive you edited."))
    _claim(directive, version)
    fields = _fields(data, conference, directive)
    if not fields:
        return directive
    _apply(directive, fields)
    directive.version += 1
    directive.updated_at = utcnow()
    db.session.flush()
    audit.record(
        db.session, actor, "directive.update", directive, fields=sorted(data), **_summary(directive)
    )
    publish_directives(conference)
    return directive


def confirm_directive(
    *, actor: User | None, conference: Conference, directive: Directive, version=None
) -> Directive:
    """The chair confirms a draft directive (the version read, when given, must be current)."""
    _require(can_confirm(actor, conference), _l("Only the chair may confirm directives."))
    if directive.conference_id != conference.id:
        raise NotFoundError(NOT_FOUND)
    _require_live(conference)
    _claim(directive, version)
    if directive.state == DirectiveState.confirmed:
        raise InvalidStateError(_l("Directive %(n)d is confirmed already.", n=directive.number))
    directive.state = DirectiveState.confirmed
    directive.confirmed_by_id = actor.id
    directive.confirmed_at = utcnow()
    directive.version += 1
    db.session.flush()
    audit.record(db.session, actor, "directive.confirm", directive, number=directive.number)
    publish_directives(conference)
    return directive


def delete_directive(
    *, actor: User | None, conference: Conference, directive: Directive, version=None
) -> None:
    """Delete a draft directive; the ones after it move up a number."""
    _require(
        can_record(actor, conference),
        _l("Only the chair and the secretary of the conference may delete directives."),
    )
    if directive.conference_id != conference.id:
        raise NotFoundError(NOT_FOUND)
    _require_live(conference)
    if directive.state != DirectiveState.draft:
        raise InvalidStateError(
            _l(
                "Directive %(n)d is confirmed and cannot be deleted; the chair may still edit it.",
                n=directive.number,
            )
        )
    _claim(directive, version)
    _lock_conference(conference)
    number = directive.number
    audit.record(
        db.session, actor, "directive.delete", directive, text=directive.text, **_summary(directive)
    )
    db.session.delete(directive)
    db.session.flush()
    _renumber_after(conference, number)
    publish_directives(conference)


def _renumber_after(conference: Conference, number: int) -> None:
    """Close the gap left by a deleted directive. Two steps (through negative numbers) so
    the (conference, number) uniqueness holds after every row on PostgreSQL too."""
    later = (Directive.conference_id == conference.id, Directive.number > number)
    db.session.execute(
        update(Directive)
        .where(*later)
        .values(number=-(Directive.number - 1), version=Directive.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Directive)
        .where(Directive.conference_id == conference.id, Directive.number < 0)
        .values(number=-Directive.number)
        .execution_options(synchronize_session=False)
    )
    # Objects of this session still hold the old numbers.
    for obj in db.session.identity_map.values():
        if isinstance(obj, Directive) and obj.conference_id == conference.id:
            db.session.expire(obj, ["number", "version"])


# --- the live room ----------------------------------------------------------------------------


def _unit_state(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name_vi}


def directive_state(directive: Directive) -> dict:
    return {
        "id": directive.id,
        "number": directive.number,
        "text": directive.text,
        "lead_unit": _unit_state(directive.lead_unit),
        "cooperating_units": [_unit_state(u) for u in directive.cooperating_units],
        "deadline": directive.deadline.isoformat(),
        "agenda_item_id": directive.agenda_item_id,
        "state": directive.state.value,
        "status": directive.status.value,
        "version": directive.version,
        "created_at": iso(directive.created_at),
        "confirmed_at": iso(directive.confirmed_at),
    }


def directives_state(conference: Conference) -> list[dict]:
    return [directive_state(d) for d in list_for_conference(conference)]


def publish_directives(conference: Conference) -> None:
    publish(conference.id, "directives", {"directives": directives_state(conference)})


def viewer_state(viewer, conference: Conference) -> dict:
    """What this viewer of the live room may do; the units to choose from for recorders
    (the conference's invited units first, flagged)."""
    user = viewer.user
    recorder = can_record(user, conference)
    units = []
    if recorder:
        invited = {p.unit_id for p in conference.participants}
        units = [{**_unit_state(u), "invited": u.id in invited} for u in unit_choices(conference)]
    return {
        "can_record": recorder,
        "can_confirm": can_confirm(user, conference),
        "units": units,
        "min_deadline": (conference_day(conference) + timedelta(days=1)).isoformat(),
    }


def live_state(conference: Conference, viewer) -> dict:
    """The snapshot's "directives" section."""
    return {"directives": directives_state(conference), "me": viewer_state(viewer, conference)}


# --- the words live.js shows --------------------------------------------------------------------


COUNT = "%(count)s"
PLACEHOLDER_ID = 987654321  # stands for the conference id the script fills in


def _plural(singular: str, plural: str) -> dict:
    return {
        "one": ngettext(singular, plural, 1, count=COUNT),
        "other": ngettext(singular, plural, 2, count=COUNT),
    }


def live_strings() -> dict:
    from meetings.i18n import DIRECTIVE_STATE_LABELS

    return {
        "title": _("Conclusions"),
        "states": {state.value: str(label) for state, label in DIRECTIVE_STATE_LABELS.items()},
        "none": _("No directives recorded yet."),
        "number": _("Directive %(n)s"),
        "lead": _("Lead"),
        "cooperating": _("Cooperating"),
        "deadline": _("Due date"),
        "from_item": _("From item %(pos)s"),
        "text": _("Directive"),
        "text_placeholder": _("What the chair concluded, as it will read in the notice…"),
        "lead_unit": _("Lead unit"),
        "choose_unit": _("Choose a unit…"),
        "cooperating_units": _("Cooperating units"),
        "cooperating_hint": _("Optional; not the lead unit."),
        "invited_units": _("Units at this conference"),
        "other_units": _("Other units"),
        "agenda_item": _("Agenda item"),
        "no_item": _("No agenda item"),
        "record": _("Record as a draft"),
        "record_title": _("Record a directive"),
        "edit_title": _("Edit directive %(n)s"),
        "save": _("Save the changes"),
        "cancel": _("Cancel"),
        "edit": _("Edit"),
        "confirm": _("Confirm"),
        "delete": _("Delete"),
        "confirm_delete": _("Delete draft directive %(n)s? The ones after it move up a number."),
        "confirm_confirm": _("Confirm directive %(n)s as it reads now?"),
        "recorded": _("Directive %(n)s recorded as a draft."),
        "saved": _("Directive %(n)s saved."),
        "drafts_left": _plural(
            "%(count)s draft to confirm before the conference is concluded",
            "%(count)s drafts to confirm before the conference is concluded",
        ),
        "all_confirmed": _("All directives are confirmed."),
        "count": _plural("%(count)s directive", "%(count)s directives"),
        "room_reads": _(
            "Draft directives are shown to the room for reading; the chair confirms them."
        ),
        "not_live": _("Directives are recorded while the conference is live."),
        "frozen": _("The conference is concluded: the directives are kept as recorded."),
        "away_recorded": _plural("%(count)s directive recorded", "%(count)s directives recorded"),
        "away_confirmed": _plural(
            "%(count)s directive confirmed", "%(count)s directives confirmed"
        ),
        "away_changed": _plural("%(count)s directive changed", "%(count)s directives changed"),
        "open_page": _("Directives page"),
        "chosen": _("%(count)s chosen"),
        "page_url": url_for("directives.index", conference_id=PLACEHOLDER_ID).replace(
            str(PLACEHOLDER_ID), "{id}"
        ),
    }
