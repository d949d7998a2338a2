"""Rules for conferences, their lifecycle, invitations, answers and check-in.

Every function takes the acting user explicitly and flushes; the caller
commits through unit_of_work().
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import selectinload

from meetings import audit, events, validation
from meetings.accounts.models import Unit, User
from meetings.conferences.models import (
    TRANSITIONS,
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceRole,
    ConferenceStatus,
    Participant,
    Rsvp,
)
from meetings.db import utcnow
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db

MANAGING_ROLES = {ConferenceRole.organizer}
RUNNING_ROLES = {ConferenceRole.organizer, ConferenceRole.chair}
DESK_ROLES = {ConferenceRole.organizer, ConferenceRole.secretary}
MAX_DURATION = timedelta(days=14)

# --- who may do what -------------------------------------------------------


def roles_of(user: User | None, conference: Conference) -> set[ConferenceRole]:
    """The conference roles a person holds, personally or through their unit."""
    if user is None or not user.is_authenticated:
        return set()
    roles = set()
    for participant in conference.participants:
        if participant.user_id == user.id or (
            participant.user_id is None and participant.unit_id == user.unit_id
        ):
            roles.add(participant.role)
    if conference.chair_id == user.id:
        roles.add(ConferenceRole.chair)
    return roles


def can_manage(user: User | None, conference: Conference) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    # A whole-unit invitation never makes every member of the unit an organizer.
    return (
        any(p.user_id == user.id and p.role in MANAGING_ROLES for p in conference.participants)
        or conference.created_by_id == user.id
    )


def can_view(user: User | None, conference: Conference) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if can_manage(user, conference):
        return True
    return conference.status != ConferenceStatus.draft and bool(roles_of(user, conference))


def can_check_in(user: User | None, conference: Conference) -> bool:
    return can_manage(user, conference) or bool(roles_of(user, conference) & DESK_ROLES)


def can_change_status(user: User | None, conference: Conference, to: ConferenceStatus) -> bool:
    if can_manage(user, conference):
        return True
    # The chair opens and closes the meeting; scheduling and archiving are the secretariat's.
    running = {ConferenceStatus.live, ConferenceStatus.concluded}
    return to in running and ConferenceRole.chair in roles_of(user, conference)


def can_answer(user: User | None, participant: Participant) -> bool:
    """The invitee answers; the secretariat may record an answer given by phone or letter."""
    if user is None or not user.is_authenticated:
        return False
    if can_manage(user, participant.conference):
        return True
    if participant.user_id is not None:
        return participant.user_id == user.id
    return participant.unit_id == user.unit_id


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


# --- what pages offer (the same rules the actions below enforce) -------------

OPEN_STATES = (ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.live)
ANSWERING_STATES = (ConferenceStatus.scheduled, ConferenceStatus.live)


def is_open(conference: Conference) -> bool:
    """Details and invitations may still change (not concluded or archived)."""
    return conference.status in OPEN_STATES


def can_edit(user: User | None, conference: Conference) -> bool:
    return can_manage(user, conference) and is_open(conference)


def accepts_answers(conference: Conference) -> bool:
    """Answers and check-in are taken while the conference is scheduled or live."""
    return conference.status in ANSWERING_STATES


def allowed_transitions(user: User | None, conference: Conference) -> list[ConferenceStatus]:
    return [to for to in TRANSITIONS[conference.status] if can_change_status(user, conference, to)]


def invitations_of(user: User | None, conference: Conference) -> list[Participant]:
    """The invitations a person answers themselves: their own and their unit's."""
    if user is None or not user.is_authenticated:
        return []
    return [
        p
        for p in conference.participants
        if p.user_id == user.id or (p.user_id is None and p.unit_id == user.unit_id)
    ]


def people_to_choose() -> list[User]:
    """Active people with their units, for chair and invitation selects (two queries)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True))
            .order_by(User.full_name)
            .options(selectinload(User.unit))
        )
    )


# --- reading ----------------------------------------------------------------


def get_conference(conference_id, *, actor: User | None, for_update: bool = False) -> Conference:
    conference = (
        db.session.scalar(
            select(Conference)
            .where(Conference.id == conference_id)
            .options(
                selectinload(Conference.participants).selectinload(Participant.user),
                selectinload(Conference.participants).selectinload(Participant.unit),
                selectinload(Conference.host_unit),
                selectinload(Conference.chair),
            )
        )
        if isinstance(conference_id, int)
        else None
    )
    if conference is None or not can_view(actor, conference):
        # Do not reveal that a conference exists to people who may not see it.
        raise NotFoundError(_l("This conference does not exist or is not shared with you."))
    return conference


def _visible_to(actor: User) -> Select:
    query = select(Conference)
    if actor.is_admin:
        return query
    mine = exists().where(
        Participant.conference_id == Conference.id,
        or_(
            Participant.user_id == actor.id,
            and_(Participant.user_id.is_(None), Participant.unit_id == actor.unit_id),
        ),
    )
    organizer = exists().where(
        Participant.conference_id == Conference.id,
        Participant.user_id == actor.id,
        Participant.role == ConferenceRole.organizer,
    )
    return query.where(
        or_(
            Conference.created_by_id == actor.id,
            organizer,
            and_(
                Conference.status != ConferenceStatus.draft,
                or_(mine, Conference.chair_id == actor.id),
            ),
        )
    )


def visible_conferences(actor: User) -> Select:
    """SELECT of the conferences the actor may see (the list pages' rule), to build on."""
    return _visible_to(actor)


def _with_unit(query: Select, unit_id: int | None) -> Select:
    if unit_id is None:
        return query
    involved = exists().where(
        Participant.conference_id == Conference.id, Participant.unit_id == unit_id
    )
    return query.where(or_(Conference.host_unit_id == unit_id, involved))


def list_conferences(
    *,
    actor: User,
    when: str = "upcoming",
    unit_id: int | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> list[Conference]:
    now = now or utcnow()
    query = _with_unit(_visible_to(actor), unit_id).options(selectinload(Conference.host_unit))
    if when == "past":
        query = query.where(Conference.ends_at < now).order_by(Conference.starts_at.desc())
    elif when == "upcoming":
        query = query.where(Conference.ends_at >= now).order_by(Conference.starts_at)
    else:
        query = query.order_by(Conference.starts_at.desc())
    return list(db.session.scalars(query.limit(limit)))


def month_grid(year: int, month: int, tz: ZoneInfo) -> tuple[list[list[date]], datetime, datetime]:
    """The weeks (Monday first) covering a month, and the UTC bounds of that range."""
    if not (1 <= month <= 12) or not (1900 <= year <= 2999):
        raise ValidationError.on("month", _l("Choose a month between 1900 and 2999."))
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first = datetime.combine(weeks[0][0], time.min, tzinfo=tz).astimezone(UTC)
    last = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return weeks, first, last


def conferences_between(
    *, actor: User, start: datetime, end: datetime, unit_id: int | None = None
) -> list[Conference]:
    query = (
        _with_unit(_visible_to(actor), unit_id)
        .where(Conference.starts_at < end, Conference.ends_at >= start)
        .order_by(Conference.starts_at)
        .options(selectinload(Conference.host_unit))
    )
    return list(db.session.scalars(query))


def conferences_of(user: User) -> list[Conference]:
    """A person's conferences for their calendar feed (not drafts unless they organise them)."""
    return list(db.session.scalars(_visible_to(user).order_by(Conference.starts_at)))


# --- creating and editing ----------------------------------------------------


def _localize(value, tz: ZoneInfo, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError.on(field, _l("Enter a date and time."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _conference_fields(data: dict, conference: Conference | None) -> dict:
    fields: dict = {}
    current = (lambda name: getattr(conference, name)) if conference else (lambda name: None)

    if conference is None or "title" in data:
        fields["title"] = validation.text(data.get("title"), "title", max_length=300)
    if "kind" in data or conference is None:
        try:
            fields["kind"] = ConferenceKind(data.get("kind") or ConferenceKind.semi_annual_review)
        except ValueError as exc:
            raise ValidationError.on("kind", _l("Unknown kind of conference.")) from exc
    if conference is None or "host_unit_id" in data:
        unit_id = data.get("host_unit_id")
        if not isinstance(unit_id, int) or db.session.get(Unit, unit_id) is None:
            raise ValidationError.on("host_unit_id", _l("Choose an existing host unit."))
        fields["host_unit_id"] = unit_id
    if "venue" in data:
        fields["venue"] = validation.text(
            data.get("venue"), "venue", max_length=300, required=False
        )
    if "description" in data:
        fields["description"] = validation.text(
            data.get("description"), "description", max_length=20000, required=False
        )
    if "video_bridge_url" in data:
        fields["video_bridge_url"] = validation.url(
            data.get("video_bridge_url"), "video_bridge_url"
        )
    if "chair_id" in data:
        chair_id = data.get("chair_id") or None
        if chair_id is not None and (
            not isinstance(chair_id, int) or db.session.get(User, chair_id) is None
        ):
            raise ValidationError.on("chair_id", _l("Choose an existing person as chair."))
        fields["chair_id"] = chair_id

    if data.get("timezone"):
        tz_name = validation.timezone(data["timezone"])
    else:  # not given (e.g. an API call): keep the conference's, or the default for a new one
        tz_name = conference.timezone if conference is not None else "Asia/Ho_Chi_Minh"
    fields["timezone"] = tz_name
    tz = ZoneInfo(tz_name)
    if conference is None or "starts_at" in data:
        fields["starts_at"] = _localize(data.get("starts_at"), tz, "starts_at")
    if conference is None or "ends_at" in data:
        fields["ends_at"] = _localize(data.get("ends_at"), tz, "ends_at")
    starts = fields.get("starts_at", current("starts_at"))
    ends = fields.get("ends_at", current("ends_at"))
    if ends <= starts:
        raise ValidationError.on("ends_at", _l("The end must come after the start."))
    if ends - starts > MAX_DURATION:
        raise ValidationError.on("ends_at", _l("A conference may last at most 14 days."))

    for name in ("period_start", "period_end"):
        if name in data:
            value = data.get(name)
            if value is not None and not isinstance(value, date):
                raise ValidationError.on(name, _l("Enter a date."))
            fields[name] = value
    p_start = fields.get("period_start", current("period_start"))
    p_end = fields.get("period_end", current("period_end"))
    if p_start and p_end and p_end < p_start:
        raise ValidationError.on("period_end", _l("The reviewed period must end after it starts."))
    return fields


def create_conference(*, actor: User, data: dict) -> Conference:
    _require(
        actor is not None and actor.can_schedule,
        _l("Only the secretariat may schedule conferences."),
    )
    conference = Conference(**_conference_fields(data, None), created_by_id=actor.id)
    db.session.add(conference)
    db.session.flush()
    db.session.add(
        Participant(
            conference_id=conference.id,
            user_id=actor.id,
            unit_id=actor.unit_id,
            role=ConferenceRole.organizer,
            rsvp=Rsvp.attending,
            responded_at=utcnow(),
            invited_by_id=actor.id,
        )
    )
    if conference.chair_id:
        _ensure_chair_participant(conference, actor)
    db.session.flush()
    audit.record(db.session, actor, "conference.create", conference, title=conference.title)
    events.conference_changed.send(conference, actor=actor, change="created")
    return conference


def _ensure_chair_participant(conference: Conference, actor: User) -> None:
    chair = db.session.get(User, conference.chair_id)
    existing = db.session.scalar(
        select(Participant).where(
            Participant.conference_id == conference.id, Participant.user_id == chair.id
        )
    )
    if existing is None:
        db.session.add(
            Participant(
                conference_id=conference.id,
                user_id=chair.id,
                unit_id=chair.unit_id,
                role=ConferenceRole.chair,
                invited_by_id=actor.id,
            )
        )
    elif existing.role not in (ConferenceRole.chair, ConferenceRole.organizer):
        existing.role = ConferenceRole.chair


def update_conference(
    *, actor: User, conference: Conference, data: dict, version: int | None
) -> Conference:
    _require(can_manage(actor, conference), _l("Only the organizers may edit this conference."))
    if conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived):
        raise InvalidStateError(_l("A concluded or archived conference can no longer be edited."))
    if version is not None and version != conference.version:
        raise ConflictError(
            _l(
                "Someone else saved this conference while you were editing it. "
                "Your changes were not saved; the form now shows the current version."
            )
        )
    fields = _conference_fields(data, conference)
    for key, value in fields.items():
        setattr(conference, key, value)
    conference.version += 1
    if conference.chair_id:
        _ensure_chair_participant(conference, actor)
    db.session.flush()
    audit.record(db.session, actor, "conference.update", conference, fields=sorted(data))
    events.conference_changed.send(conference, actor=actor, change="updated")
    return conference


def change_status(*, actor: User, conference: Conference, to) -> Conference:
    try:
        target = ConferenceStatus(to)
    except ValueError as exc:
        raise ValidationError.on("status", _l("Unknown status.")) from exc
    _require(
        can_change_status(actor, conference, target),
        _l("You may not move this conference to that state."),
    )
    if target not in TRANSITIONS[conference.status]:
        raise InvalidStateError(
            _l(
                "A conference in state “%(from)s” cannot move to “%(to)s”.",
                **{"from": status_label(conference.status), "to": status_label(target)},
            )
        )
    if target == ConferenceStatus.scheduled and conference.chair_id is None:
        raise InvalidStateError(_l("Choose a chair before scheduling the conference."))
    if target == ConferenceStatus.concluded:
        from meetings.directives import services as directives  # they build on conferences

        directives.require_no_drafts(conference)
    previous = conference.status
    conference.status = target
    conference.version += 1
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "conference.status",
        conference,
        previous=previous.value,
        status=target.value,
    )
    events.conference_changed.send(conference, actor=actor, change="status")
    return conference


# --- invitations -------------------------------------------------------------


def _parse_role(value) -> ConferenceRole:
    try:
        return ConferenceRole(value or ConferenceRole.delegate)
    except ValueError as exc:
        raise ValidationError.on("role", _l("Unknown conference role.")) from exc


def _parse_attendance(value) -> Attendance:
    try:
        return Attendance(value or Attendance.in_room)
    except ValueError as exc:
        raise ValidationError.on("attendance", _l("Choose in the room or remote site.")) from exc


def _parse_headcount(value) -> int:
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or not (1 <= value <= 500):
        raise ValidationError.on("headcount", _l("The headcount must be between 1 and 500."))
    return value


def _require_open_for_invitations(conference: Conference) -> None:
    if conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived):
        raise InvalidStateError(_l("Invitations are closed: the conference is over."))


def invite(
    *,
    actor: User,
    conference: Conference,
    unit_id: int | None = None,
    user_id: int | None = None,
    role=None,
    attendance=None,
    headcount=None,
) -> Participant:
    """Invite one person (user_id) or a whole unit (unit_id)."""
    _require(can_manage(actor, conference), _l("Only the organizers may invite."))
    _require_open_for_invitations(conference)
    role = _parse_role(role)
    attendance = _parse_attendance(attendance)
    headcount = _parse_headcount(headcount)
    if (user_id is None) == (unit_id is None):
        raise ValidationError.on("user_id", _l("Invite either a person or a unit."))
    if user_id is not None:
        user = db.session.get(User, user_id) if isinstance(user_id, int) else None
        if user is None:
            raise ValidationError.on("user_id", _l("Unknown person."))
        if any(p.user_id == user.id for p in conference.participants):
            raise ConflictError(_l("%(name)s is invited already.", name=user.full_name))
        participant = Participant(user_id=user.id, unit_id=user.unit_id, headcount=1)
    else:
        unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
        if unit is None:
            raise ValidationError.on("unit_id", _l("Unknown unit."))
        if any(p.user_id is None and p.unit_id == unit.id for p in conference.participants):
            raise ConflictError(_l("%(unit)s is invited already.", unit=unit.name))
        if role in (ConferenceRole.organizer, ConferenceRole.chair):
            raise ValidationError.on(
                "role", _l("Organizer and chair are roles of a person, not a unit.")
            )
        participant = Participant(unit_id=unit.id, headcount=headcount)
    participant.role = role
    participant.attendance = attendance
    participant.invited_by_id = actor.id
    conference.participants.append(participant)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "participant.invite",
        participant,
        conference=conference.id,
        role=role.value,
        attendance=attendance.value,
    )
    events.participants_changed.send(conference, actor=actor)
    return participant


def get_participant(conference: Conference, participant_id) -> Participant:
    for participant in conference.participants:
        if participant.id == participant_id:
            return participant
    raise NotFoundError(_l("This invitation does not exist."))


def update_participant(
    *, actor: User, conference: Conference, participant: Participant, data: dict
) -> Participant:
    _require(can_manage(actor, conference), _l("Only the organizers may change invitations."))
    _require_open_for_invitations(conference)
    if "role" in data:
        role = _parse_role(data["role"])
        if participant.user_id is None and role in (ConferenceRole.organizer, ConferenceRole.chair):
            raise ValidationError.on(
                "role", _l("Organizer and chair are roles of a person, not a unit.")
            )
        if participant.role == ConferenceRole.organizer and role != ConferenceRole.organizer:
            _keep_one_organizer(conference, participant)
        participant.role = role
    if "attendance" in data:
        participant.attendance = _parse_attendance(data["attendance"])
    if "headcount" in data:
        participant.headcount = _parse_headcount(data["headcount"])
    db.session.flush()
    audit.record(db.session, actor, "participant.update", participant, fields=sorted(data))
    events.participants_changed.send(conference, actor=actor)
    return participant


def _keep_one_organizer(conference: Conference, leaving: Participant) -> None:
    others = [
        p
        for p in conference.participants
        if p is not leaving and p.role == ConferenceRole.organizer and p.user_id
    ]
    if not others:
        raise ValidationError.on("role", _l("A conference needs at least one organizer."))


def remove_participant(*, actor: User, conference: Conference, participant: Participant) -> None:
    _require(can_manage(actor, conference), _l("Only the organizers may withdraw invitations."))
    _require_open_for_invitations(conference)
    if participant.role == ConferenceRole.organizer:
        _keep_one_organizer(conference, participant)
    if participant.user_id is not None and participant.user_id == conference.chair_id:
        raise ValidationError.on(
            "participant", _l("Choose another chair before withdrawing this invitation.")
        )
    audit.record(db.session, actor, "participant.remove", participant, conference=conference.id)
    conference.participants.remove(participant)
    db.session.flush()
    events.participants_changed.send(conference, actor=actor)


def answer_invitation(
    *,
    actor: User,
    conference: Conference,
    participant: Participant,
    answer,
    substitute_name: str | None = None,
    note: str | None = None,
) -> Participant:
    _require(can_answer(actor, participant), _l("Only the invitee may answer this invitation."))
    if conference.status not in (ConferenceStatus.scheduled, ConferenceStatus.live):
        raise InvalidStateError(
            _l("Answers are accepted only while the conference is scheduled or live.")
        )
    try:
        answer = Rsvp(answer)
    except ValueError as exc:
        raise ValidationError.on(
            "answer", _l("Answer attend, send a substitute or decline.")
        ) from exc
    if answer == Rsvp.pending:
        raise ValidationError.on("answer", _l("Answer attend, send a substitute or decline."))
    substitute = validation.text(
        substitute_name, "substitute_name", max_length=200, required=answer == Rsvp.substitute
    )
    participant.rsvp = answer
    participant.substitute_name = substitute if answer == Rsvp.substitute else None
    participant.rsvp_note = validation.text(note, "note", max_length=500, required=False)
    participant.responded_at = utcnow()
    participant.responded_by_id = actor.id
    db.session.flush()
    audit.record(db.session, actor, "participant.answer", participant, answer=answer.value)
    events.participants_changed.send(conference, actor=actor)
    return participant


def check_in(
    *, actor: User, conference: Conference, participant: Participant, present: bool = True
) -> Participant:
    _require(can_check_in(actor, conference), _l("Only the secretariat may check people in."))
    if conference.status not in (ConferenceStatus.scheduled, ConferenceStatus.live):
        raise InvalidStateError(
            _l("Check-in is open only on the day, while the conference is scheduled or live.")
        )
    if participant.attendance != Attendance.in_room:
        raise ValidationError.on("participant", _l("Remote sites are not checked in at the door."))
    if present and participant.rsvp == Rsvp.declined:
        raise ValidationError.on(
            "participant", _l("This invitee declined; record their new answer first.")
        )
    participant.checked_in_at = utcnow() if present else None
    participant.checked_in_by_id = actor.id if present else None
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "participant.check_in" if present else "participant.check_out",
        participant,
    )
    events.participants_changed.send(conference, actor=actor)
    return participant


def participant_summary(conference: Conference) -> dict:
    counts = {answer.value: 0 for answer in Rsvp}
    in_room = remote = checked_in = 0
    for p in conference.participants:
        counts[p.rsvp.value] += 1
        if p.attendance == Attendance.in_room:
            in_room += 1
            checked_in += 1 if p.checked_in else 0
        else:
            remote += 1
    return {
        "answers": counts,
        "in_room": in_room,
        "remote": remote,
        "checked_in": checked_in,
        "total": len(conference.participants),
    }


def status_label(status: ConferenceStatus) -> str:
    from meetings.i18n import STATUS_LABELS

    return str(STATUS_LABELS[status])
