"""Circulation of a draft version to units: deadline, read receipts, answers, dashboard,
the recipients' inbox and reminders.

Every function that changes something takes the acting user explicitly and
flushes; the caller commits through unit_of_work(). Mail goes out only after
the commit (meetings.db.after_commit).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from meetings import audit, validation
from meetings.accounts.models import Unit, User
from meetings.conferences.models import Conference
from meetings.db import after_commit, utcnow
from meetings.drafts import permissions
from meetings.drafts.models import (
    Answer,
    Circulation,
    Comment,
    Draft,
    DraftVersion,
    Recipient,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db

log = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(hours=48)
REMIND_EVERY = timedelta(hours=24)
MAX_MESSAGE = 5000


# --- loading -------------------------------------------------------------------


def get_draft(draft_id, *, actor: User | None) -> tuple[Draft, Conference]:
    """A draft with its versions, circulations and recipients, if the actor may see it."""
    draft = (
        db.session.scalar(
            select(Draft)
            .where(Draft.id == draft_id)
            .options(
                selectinload(Draft.drafting_unit),
                selectinload(Draft.versions)
                .selectinload(DraftVersion.circulations)
                .selectinload(Circulation.recipients)
                .selectinload(Recipient.unit),
            )
        )
        if isinstance(draft_id, int)
        else None
    )
    conference = (
        db.session.scalar(
            select(Conference)
            .where(Conference.id == draft.conference_id)
            .options(selectinload(Conference.participants))
        )
        if draft is not None
        else None
    )
    if draft is None or not permissions.can_see_draft(actor, draft, conference):
        raise NotFoundError(_l("This draft does not exist or is not shared with you."))
    return draft, conference


def get_circulation(draft: Draft, circulation_id) -> Circulation:
    for version in draft.versions:
        for circulation in version.circulations:
            if circulation.id == circulation_id:
                return circulation
    raise NotFoundError(_l("This circulation does not exist."))


def load_circulation(
    circulation_id, *, actor: User | None
) -> tuple[Circulation, Draft, Conference]:
    """A circulation by id (the API), if the actor may see its draft."""
    draft_id = (
        db.session.scalar(
            select(DraftVersion.draft_id)
            .join(Circulation, Circulation.version_id == DraftVersion.id)
            .where(Circulation.id == circulation_id)
        )
        if isinstance(circulation_id, int)
        else None
    )
    if draft_id is None:
        raise NotFoundError(_l("This circulation does not exist."))
    draft, conference = get_draft(draft_id, actor=actor)
    return get_circulation(draft, circulation_id), draft, conference


# --- who may do what -------------------------------------------------------------


def can_circulate(user: User | None, draft: Draft, conference: Conference) -> bool:
    return permissions.can_manage(user, draft, conference)


def recipient_of(user: User | None, circulation: Circulation) -> Recipient | None:
    """The actor's unit's row of a circulation, if the unit is a recipient."""
    if user is None or not user.is_authenticated:
        return None
    return next((r for r in circulation.recipients if r.unit_id == user.unit_id), None)


def accepts_answer(circulation: Circulation, now: datetime | None = None) -> bool:
    return circulation.allow_late or (now or utcnow()) <= circulation.deadline


def can_answer(user: User | None, circulation: Circulation, now: datetime | None = None) -> bool:
    recipient = recipient_of(user, circulation)
    return (
        recipient is not None
        and recipient.submitted_at is None
        and accepts_answer(circulation, now)
    )


# --- circulating -------------------------------------------------------------------


def _deadline(value, conference: Conference, now: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError.on("deadline", _l("Enter the deadline as a date and time."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=conference.tz)
    value = value.astimezone(UTC)
    if value <= now:
        raise ValidationError.on("deadline", _l("The deadline must be in the future."))
    return value


def _recipient_units(unit_ids, draft: Draft, version: DraftVersion) -> list[Unit]:
    if not isinstance(unit_ids, list | tuple | set) or not unit_ids:
        raise ValidationError.on("unit_ids", _l("Choose at least one unit to send the draft to."))
    ids: list[int] = []
    for unit_id in unit_ids:
        if not isinstance(unit_id, int) or isinstance(unit_id, bool):
            raise ValidationError.on("unit_ids", _l("Choose units from the list."))
        if unit_id not in ids:
            ids.append(unit_id)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    if any(unit_id not in units or not units[unit_id].active for unit_id in ids):
        raise ValidationError.on("unit_ids", _l("One of the chosen units does not exist."))
    if draft.drafting_unit_id in units:
        raise ValidationError.on(
            "unit_ids", _l("The drafting unit writes the draft; it cannot be a recipient.")
        )
    already = permissions.recipient_unit_ids(version) & set(ids)
    if already:
        names = ", ".join(sorted(units[i].name for i in already))
        raise ValidationError.on(
            "unit_ids",
            _l("This version was already sent to: %(units)s.", units=names),
        )
    return [units[i] for i in ids]


def circulate(
    *,
    actor: User,
    draft: Draft,
    conference: Conference,
    version: DraftVersion,
    unit_ids,
    deadline,
    allow_late: bool = False,
    message: str | None = None,
    now: datetime | None = None,
) -> Circulation:
    """Send a version to units for their answer by the deadline."""
    if not can_circulate(actor, draft, conference):
        raise PermissionDeniedError(
            _l("Only the drafting unit and the organizers may circulate this draft.")
        )
    if version is None or version.draft_id != draft.id:
        raise ValidationError.on("version", _l("Choose a version of this draft."))
    now = now or utcnow()
    fields_deadline = _deadline(deadline, conference, now)
    units = _recipient_units(unit_ids, draft, version)
    message = validation.text(message, "message", max_length=MAX_MESSAGE, required=False)

    circulation = Circulation(
        version=version,
        deadline=fields_deadline,
        allow_late=bool(allow_late),
        message=message,
        sent_by_id=actor.id,
        sent_at=now,
    )
    circulation.recipients = [Recipient(unit=unit) for unit in units]
    db.session.add(circulation)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "draft.circulate",
        circulation,
        draft_id=draft.id,
        version=version.number,
        units=[u.code for u in units],
        deadline=fields_deadline.isoformat(),
    )
    return circulation


# --- read receipts and answers ------------------------------------------------------------


def mark_read(*, actor: User | None, version: DraftVersion, now: datetime | None = None) -> None:
    """The actor's unit has opened the version: stamp its first read (once)."""
    if actor is None or not actor.is_authenticated:
        return
    db.session.execute(
        update(Recipient)
        .where(
            Recipient.unit_id == actor.unit_id,
            Recipient.first_read_at.is_(None),
            Recipient.circulation_id.in_(
                select(Circulation.id).where(Circulation.version_id == version.id)
            ),
        )
        .values(first_read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def answer(
    *, actor: User, circulation: Circulation, answer: str, now: datetime | None = None
) -> Recipient:
    """The recipient unit's answer: "agree" (no comments) or "comments"; submitted at once."""
    recipient = recipient_of(actor, circulation)
    if recipient is None:
        raise PermissionDeniedError(_l("Only the units this draft was sent to may answer."))
    try:
        choice = Answer(answer)
    except ValueError:
        choice = None
    if choice not in (Answer.agree, Answer.comments):
        raise ValidationError.on("answer", _l("Choose “Agree, no comments” or “With comments”."))
    if recipient.submitted_at is not None:
        raise ConflictError(_l("Your unit has already submitted its answer."))
    now = now or utcnow()
    late = now > circulation.deadline
    if late and not circulation.allow_late:
        raise InvalidStateError(
            _l("The deadline has passed; the organizers do not accept late answers.")
        )
    own_comments = select(Comment.id).where(
        Comment.version_id == circulation.version_id,
        Comment.unit_id == recipient.unit_id,
        Comment.submitted_at.is_(None),
    )
    if choice == Answer.agree and db.session.scalar(select(own_comments.exists())):
        raise ValidationError.on(
            "answer",
            _l("Your unit has written comments on this version: submit “With comments”."),
        )

    recipient.answer = choice
    recipient.submitted_at = now
    recipient.submitted_by_id = actor.id
    recipient.late = late
    if recipient.first_read_at is None:
        recipient.first_read_at = now
    if choice == Answer.comments:
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(own_comments))
            .values(submitted_at=now, late=late)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "draft.answer",
        recipient,
        circulation_id=circulation.id,
        answer=choice.value,
        late=late,
    )
    return recipient


# --- the dashboard ----------------------------------------------------------------


@dataclass
class RecipientRow:
    recipient: Recipient
    unit: Unit
    read_at: datetime | None
    answer: Answer
    submitted_at: datetime | None
    late: bool
    overdue: bool

    @property
    def answered(self) -> bool:
        return self.submitted_at is not None


@dataclass
class CirculationBoard:
    circulation: Circulation
    version: DraftVersion
    rows: list[RecipientRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.answered)

    @property
    def read(self) -> int:
        return sum(1 for r in self.rows if r.read_at is not None)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)

    @property
    def is_past_deadline(self) -> bool:
        return utcnow() > self.circulation.deadline


def _boards(query, now: datetime) -> list[CirculationBoard]:
    circulations = db.session.scalars(
        query.options(
            selectinload(Circulation.version),
            selectinload(Circulation.recipients).selectinload(Recipient.unit),
        ).order_by(Circulation.sent_at.desc(), Circulation.id.desc())
    ).all()
    boards = []
    for circulation in circulations:
        board = CirculationBoard(circulation=circulation, version=circulation.version)
        for r in sorted(circulation.recipients, key=lambda r: r.unit.code):
            board.rows.append(
                RecipientRow(
                    recipient=r,
                    unit=r.unit,
                    read_at=r.first_read_at,
                    answer=r.answer,
                    submitted_at=r.submitted_at,
                    late=r.late,
                    overdue=r.submitted_at is None and now > circulation.deadline,
                )
            )
        boards.append(board)
    return boards


def dashboard(version: DraftVersion, now: datetime | None = None) -> list[CirculationBoard]:
    """Per circulation of the version, per unit: read, answer, submitted, late, overdue."""
    return _boards(select(Circulation).where(Circulation.version_id == version.id), now or utcnow())


def draft_dashboard(draft: Draft, now: datetime | None = None) -> list[CirculationBoard]:
    """The same for every version of a draft, newest circulation first (three queries)."""
    return _boards(
        select(Circulation)
        .join(DraftVersion, DraftVersion.id == Circulation.version_id)
        .where(DraftVersion.draft_id == draft.id),
        now or utcnow(),
    )


def unit_choices(draft: Draft, conference: Conference) -> tuple[list[Unit], list[Unit]]:
    """Units to circulate to: (invited to the conference, the others); never the drafting unit."""
    invited_ids = {p.unit_id for p in conference.participants if p.unit_id is not None}
    units = db.session.scalars(
        select(Unit)
        .where(Unit.active.is_(True), Unit.id != draft.drafting_unit_id)
        .order_by(Unit.code)
    ).all()
    return [u for u in units if u.id in invited_ids], [u for u in units if u.id not in invited_ids]


# --- the inbox ---------------------------------------------------------------------


@dataclass
class InboxItem:
    recipient: Recipient
    circulation: Circulation
    version: DraftVersion
    draft: Draft
    conference: Conference
    state: str  # new / read / answered / overdue
    can_answer: bool
    due_soon: bool  # not answered, deadline within 48 h: the reminder banner


def _state(recipient: Recipient, circulation: Circulation, now: datetime) -> str:
    if recipient.submitted_at is not None:
        return "answered"
    if now > circulation.deadline:
        return "overdue"
    return "read" if recipient.first_read_at is not None else "new"


def inbox(actor: User, now: datetime | None = None) -> list[InboxItem]:
    """The circulations to the actor's unit, across conferences, newest first (one query)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Recipient, Circulation, DraftVersion, Draft, Conference)
        .join(Circulation, Circulation.id == Recipient.circulation_id)
        .join(DraftVersion, DraftVersion.id == Circulation.version_id)
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .join(Conference, Conference.id == Draft.conference_id)
        .where(Recipient.unit_id == actor.unit_id)
        .order_by(Circulation.sent_at.desc(), Circulation.id.desc())
    ).all()
    items = []
    for recipient, circulation, version, draft, conference in rows:
        open_ = recipient.submitted_at is None
        items.append(
            InboxItem(
                recipient=recipient,
                circulation=circulation,
                version=version,
                draft=draft,
                conference=conference,
                state=_state(recipient, circulation, now),
                can_answer=open_ and accepts_answer(circulation, now),
                due_soon=open_ and circulation.deadline - now <= REMIND_BEFORE,
            )
        )
    return items


def inbox_count(actor: User | None, now: datetime | None = None) -> int:
    """How many circulations wait for the actor's unit's answer (one query; the navbar badge)."""
    if actor is None or not actor.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count(Recipient.id))
        .join(Circulation, Circulation.id == Recipient.circulation_id)
        .where(
            Recipient.unit_id == actor.unit_id,
            Recipient.submitted_at.is_(None),
            or_(Circulation.deadline >= (now or utcnow()), Circulation.allow_late.is_(True)),
        )
    )


# --- reminders -------------------------------------------------------------------------


def due_reminders(now: datetime | None = None) -> list[Recipient]:
    """Recipients not yet submitted, deadline within 48 h (or passed), not reminded for 24 h."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Recipient)
            .join(Circulation, Circulation.id == Recipient.circulation_id)
            .where(
                Recipient.submitted_at.is_(None),
                Circulation.deadline <= now + REMIND_BEFORE,
                or_(Recipient.reminded_at.is_(None), Recipient.reminded_at <= now - REMIND_EVERY),
            )
            .options(
                selectinload(Recipient.unit).selectinload(Unit.users),
                selectinload(Recipient.circulation)
                .selectinload(Circulation.version)
                .selectinload(DraftVersion.draft),
            )
            .order_by(Recipient.id)
        )
    )


def send_reminders(now: datetime | None = None) -> int:
    """Mark the due reminders; mail the units' members when MAIL_SERVER is configured.

    In-app, the inbox shows a banner for every item due soon whether or not mail is sent."""
    now = now or utcnow()
    due = due_reminders(now)
    mails: list[EmailMessage] = []
    server = current_app.config.get("MAIL_SERVER")
    for recipient in due:
        recipient.reminded_at = now
        if server:
            message = _reminder_mail(recipient)
            if message is not None:
                mails.append(message)
    db.session.flush()
    if mails:
        after_commit(db.session, lambda: _deliver(mails))
    return len(due)


def _reminder_mail(recipient: Recipient) -> EmailMessage | None:
    to = [u.email for u in recipient.unit.users if u.active]
    if not to:
        return None
    circulation = recipient.circulation
    draft = circulation.version.draft
    conference = db.session.get(Conference, draft.conference_id)
    deadline = circulation.deadline.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M")
    message = EmailMessage()
    message["Subject"] = f"[Nhắc việc / Reminder] {draft.title} (v{circulation.version.number})"
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "meetings@localhost"
    message["To"] = ", ".join(to)
    message.set_content(
        f"Dự thảo “{draft.title}” (phiên bản {circulation.version.number}) đang chờ ý kiến "
        f"của {recipient.unit.name_vi}. Hạn góp ý: {deadline} ({conference.timezone}).\n\n"
        f"The draft “{draft.title}” (version {circulation.version.number}) awaits the answer "
        f"of {recipient.unit.name_en}. Deadline: {deadline} ({conference.timezone}).\n"
    )
    return message


def _deliver(messages: list[EmailMessage]) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for message in messages:
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The reminder is still shown in the app; a mail server outage must not fail the run.
        log.exception("sending %d reminder mails failed", len(messages))
