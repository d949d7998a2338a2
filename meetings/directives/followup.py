"""Follow-up of the confirmed directives until they are done.

The lead unit reports progress (text and attachments) and may propose completion;
an organizer of the conference accepts (the directive is done) or sends it back with
a note. Overdue is computed from the deadline. Each unit sees its directives across
conferences; the dashboard shows every directive the reader may see, overdue first,
with counts by status and by unit. Reminders go to the lead unit before the deadline
and an escalation to the organizers once it has passed (`flask send-reminders`). A
unit's deadlines are offered as an iCalendar feed. When the next conference of the
same programme is prepared, the still-open directives of the previous one can be
added to its agenda as a review item.

Every function that changes something takes the acting user explicitly and flushes;
the caller commits through unit_of_work(). Mail goes out only after the commit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Alarm, Calendar, Event
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from meetings import audit, uploads, validation
from meetings.accounts.models import Unit, User
from meetings.agenda import services as agenda_services
from meetings.agenda.models import AgendaItem
from meetings.conferences import services as conferences
from meetings.conferences.models import (
    Conference,
    ConferenceKind,
    ConferenceRole,
    ConferenceStatus,
    Participant,
)
from meetings.db import after_commit, utcnow
from meetings.directives.models import (
    Directive,
    DirectiveState,
    DirectiveStatus,
    ProgressReport,
    ReportAttachment,
    ReportReview,
    directive_units,
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

MAX_REPORT = 10000
MAX_NOTE = 2000
MAX_FILES = 5
PAGE_SIZE = 50
# The lead unit is reminded from a week before the deadline, at most every three days.
REMIND_BEFORE = timedelta(days=7)
REMIND_EVERY = timedelta(days=3)
# A review item of the previous conference's directives: its planned time.
REVIEW_MINUTES_BASE, REVIEW_MINUTES_EACH, REVIEW_MINUTES_MAX = 10, 5, 60
PREPARING = (ConferenceStatus.draft, ConferenceStatus.scheduled)

# What a reader sees of a directive's follow-up: its status, or "overdue" over it.
CATEGORIES = ("overdue", "open", "in_progress", "done")
STATUS_FILTERS = (*CATEGORIES, "pending_review")

NOT_SHARED = _l("This directive does not exist or is not shared with you.")


def local_today(now: datetime | None = None) -> date:
    """Today in the app's time zone (deadlines are dates of the conferences' zone)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    return (now or utcnow()).astimezone(zone).date()


def category(directive: Directive, today: date) -> str:
    if directive.status == DirectiveStatus.done:
        return "done"
    return "overdue" if directive.is_overdue(today) else directive.status.value


# --- who may do what -------------------------------------------------------------------


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def is_involved(user: User | None, directive: Directive) -> bool:
    """The person's unit leads the directive or cooperates on it."""
    if not _signed_in(user):
        return False
    return directive.lead_unit_id == user.unit_id or any(
        unit.id == user.unit_id for unit in directive.cooperating_units
    )


def can_view(user: User | None, directive: Directive, conference: Conference) -> bool:
    """Whoever may see the conference; once confirmed, also the units assigned to it."""
    if not _signed_in(user):
        return False
    if user.is_admin or conferences.can_view(user, conference):
        return True
    return directive.state == DirectiveState.confirmed and is_involved(user, directive)


def can_report(user: User | None, directive: Directive) -> bool:
    return (
        _signed_in(user)
        and user.unit_id == directive.lead_unit_id
        and directive.state == DirectiveState.confirmed
        and directive.status != DirectiveStatus.done
    )


def can_review(user: User | None, conference: Conference) -> bool:
    """The organizers of the conference (the secretariat) accept or send back proposals."""
    return conferences.can_manage(user, conference)


# --- loading ---------------------------------------------------------------------------


def _load_conference(conference_id: int) -> Conference:
    return db.session.scalar(
        select(Conference)
        .where(Conference.id == conference_id)
        .options(selectinload(Conference.participants), selectinload(Conference.host_unit))
    )


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def get_directive(directive_id, *, actor: User | None) -> tuple[Directive, Conference]:
    """A directive with its units and reports (authors, attachments), if the actor may see it."""
    directive = (
        db.session.scalar(
            select(Directive)
            .where(Directive.id == directive_id)
            .options(
                selectinload(Directive.lead_unit),
                selectinload(Directive.cooperating_units),
                selectinload(Directive.reports).selectinload(ProgressReport.author),
                selectinload(Directive.reports).selectinload(ProgressReport.unit),
                selectinload(Directive.reports).selectinload(ProgressReport.attachments),
            )
        )
        if _is_id(directive_id)
        else None
    )
    conference = _load_conference(directive.conference_id) if directive is not None else None
    if directive is None or not can_view(actor, directive, conference):
        # Do not reveal that a directive exists to people who may not see it.
        raise NotFoundError(NOT_SHARED)
    return directive, conference


def get_report(report_id, *, actor: User | None) -> tuple[ProgressReport, Directive, Conference]:
    directive_id = (
        db.session.scalar(select(ProgressReport.directive_id).where(ProgressReport.id == report_id))
        if _is_id(report_id)
        else None
    )
    if directive_id is None:
        raise NotFoundError(_l("This report does not exist (any more)."))
    directive, conference = get_directive(directive_id, actor=actor)
    report = next(r for r in directive.reports if r.id == report_id)
    return report, directive, conference


def get_attachment(attachment_id, *, actor: User | None) -> tuple[ReportAttachment, Directive]:
    directive_id = (
        db.session.scalar(
            select(ProgressReport.directive_id)
            .join(ReportAttachment, ReportAttachment.report_id == ProgressReport.id)
            .where(ReportAttachment.id == attachment_id)
        )
        if _is_id(attachment_id)
        else None
    )
    if directive_id is None:
        raise NotFoundError(_l("This file does not exist (any more)."))
    directive, _conference = get_directive(directive_id, actor=actor)
    attachment = next(a for r in directive.reports for a in r.attachments if a.id == attachment_id)
    return attachment, directive


def attachment_path(attachment: ReportAttachment) -> Path:
    path = uploads.upload_folder() / attachment.storage_key
    if not path.is_file():
        raise NotFoundError(_l("The file of this report is missing; ask the organizers."))
    return path


@dataclass
class DirectivePage:
    """What the directive's page shows, loaded up front."""

    directive: Directive
    conference: Conference
    agenda_item: AgendaItem | None
    reviewers: dict[int, User]
    today: date
    can_report: bool
    can_review: bool

    @property
    def category(self) -> str:
        return category(self.directive, self.today)

    @property
    def days_left(self) -> int:
        return (self.directive.deadline - self.today).days

    @property
    def pending(self) -> ProgressReport | None:
        return next((r for r in self.directive.reports if r.review == ReportReview.pending), None)


def directive_page(
    directive: Directive, conference: Conference, *, actor: User | None, today: date | None = None
) -> DirectivePage:
    reviewer_ids = {r.reviewed_by_id for r in directive.reports if r.reviewed_by_id}
    reviewers = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(reviewer_ids)))}
        if reviewer_ids
        else {}
    )
    item = (
        db.session.get(AgendaItem, directive.agenda_item_id) if directive.agenda_item_id else None
    )
    return DirectivePage(
        directive=directive,
        conference=conference,
        agenda_item=item,
        reviewers=reviewers,
        today=today or local_today(),
        can_report=can_report(actor, directive),
        can_review=can_review(actor, conference),
    )


# --- progress reports ------------------------------------------------------------------


def _store_attachment(filename, stream: BinaryIO) -> dict:
    """Check an uploaded file by its content and size (the agenda documents' rules) and keep
    it under a random key; a refused file leaves nothing behind, on disk or in the database."""
    return agenda_services.store_document(filename, stream, field="files")


def _flag(value, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "off"):
        return False
    if value in (1, "1", "true", "on", "y", "yes"):
        return True
    raise ValidationError.on(field_name, _l("Enter true or false."))


def post_report(
    *,
    actor: User,
    directive: Directive,
    conference: Conference,
    body,
    proposes_completion=False,
    files: Iterable[tuple[str, BinaryIO]] = (),
    now: datetime | None = None,
) -> ProgressReport:
    """The lead unit's progress report; it may propose that the directive is done.

    The first report moves the directive from open to in progress; a proposal waits for
    the organizers' review. Files are checked before anything is stored."""
    if not _signed_in(actor) or actor.unit_id != directive.lead_unit_id:
        raise PermissionDeniedError(
            _l(
                "Only the lead unit (%(unit)s) reports progress on this directive.",
                unit=directive.lead_unit.name,
            )
        )
    if directive.state != DirectiveState.confirmed:
        raise InvalidStateError(
            _l("This directive is still a draft: reports start once the chair confirms it.")
        )
    if directive.status == DirectiveStatus.done:
        raise InvalidStateError(_l("This directive is done: no more reports are taken."))
    body = validation.text(body, "body", max_length=MAX_REPORT)
    propose = _flag(proposes_completion, "proposes_completion")
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError.on(
            "files", _l("Attach at most %(n)d files to one report.", n=MAX_FILES)
        )
    now = now or utcnow()

    # Claim the directive's row first: a report never lands on a directive that was just
    # accepted as done, and two proposals from the unit at once are taken one after the other.
    claimed = db.session.execute(
        update(Directive)
        .where(Directive.id == directive.id, Directive.status != DirectiveStatus.done)
        .values(status=DirectiveStatus.in_progress)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(directive)
        raise InvalidStateError(_l("This directive is done: no more reports are taken."))
    db.session.refresh(directive, ["status", "updated_at"])
    if propose and db.session.scalar(
        select(
            select(ProgressReport.id)
            .where(
                ProgressReport.directive_id == directive.id,
                ProgressReport.review == ReportReview.pending,
            )
            .exists()
        )
    ):
        raise ConflictError(
            _l(
                "Your unit's completion proposal is awaiting the organizers' review: "
                "wait for their answer before proposing again."
            )
        )

    stored = [_store_attachment(name, stream) for name, stream in files]
    report = ProgressReport(
        directive_id=directive.id,
        unit_id=actor.unit_id,
        author_id=actor.id,
        body=body,
        proposes_completion=propose,
        review=ReportReview.pending if propose else ReportReview.none,
        created_at=now,
    )
    report.attachments = [ReportAttachment(**fields) for fields in stored]
    directive.reports.append(report)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "directive.report",
        report,
        directive=directive.id,
        proposes_completion=propose,
        files=[f["filename"] for f in stored],
    )
    return report


def _pending_report(directive: Directive, report: ProgressReport) -> None:
    if report.directive_id != directive.id:
        raise NotFoundError(_l("This report does not exist (any more)."))
    if not report.proposes_completion:
        raise InvalidStateError(
            _l("This report does not propose completion: there is nothing to review.")
        )


def _claim_review(
    report: ProgressReport, review: ReportReview, actor: User, note: str | None, now: datetime
) -> None:
    """Record the review in one statement, so that two organizers never both review it."""
    claimed = db.session.execute(
        update(ProgressReport)
        .where(ProgressReport.id == report.id, ProgressReport.review == ReportReview.pending)
        .values(review=review, review_note=note, reviewed_by_id=actor.id, reviewed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(report)
    if claimed != 1:
        raise ConflictError(_l("This proposal has already been reviewed."))


def _require_reviewer(actor: User, conference: Conference) -> None:
    if not can_review(actor, conference):
        raise PermissionDeniedError(
            _l("Only the organizers of the conference review completion proposals.")
        )


def accept_report(
    *,
    actor: User,
    directive: Directive,
    conference: Conference,
    report: ProgressReport,
    note=None,
    now: datetime | None = None,
) -> ProgressReport:
    """Accept the unit's completion proposal: the directive is done."""
    _require_reviewer(actor, conference)
    _pending_report(directive, report)
    note = validation.text(note, "note", max_length=MAX_NOTE, required=False)
    now = now or utcnow()
    _claim_review(report, ReportReview.accepted, actor, note, now)
    directive.status = DirectiveStatus.done
    directive.completed_at = now
    db.session.flush()
    audit.record(db.session, actor, "directive.accept", report, directive=directive.id)
    return report


def send_back_report(
    *,
    actor: User,
    directive: Directive,
    conference: Conference,
    report: ProgressReport,
    note,
    now: datetime | None = None,
) -> ProgressReport:
    """Send the proposal back with a note saying what is missing; the work goes on."""
    _require_reviewer(actor, conference)
    _pending_report(directive, report)
    if not isinstance(note, str) or not note.strip():
        raise ValidationError.on(
            "note", _l("Say what is missing: a proposal is sent back with a note for the unit.")
        )
    note = validation.text(note, "note", max_length=MAX_NOTE)
    now = now or utcnow()
    _claim_review(report, ReportReview.sent_back, actor, note, now)
    directive.status = DirectiveStatus.in_progress
    directive.completed_at = None
    db.session.flush()
    audit.record(db.session, actor, "directive.send_back", report, directive=directive.id)
    return report


# --- lists: a unit's directives and the dashboard --------------------------------------


def _overdue(today: date):
    return and_(Directive.status != DirectiveStatus.done, Directive.deadline < today)


def _order(today: date) -> tuple:
    """Overdue first, then what is still open by deadline, then what is done."""
    rank = case((_overdue(today), 0), (Directive.status != DirectiveStatus.done, 1), else_=2)
    return (rank, Directive.deadline, Conference.starts_at, Directive.number, Directive.id)


def _cooperates(unit_id: int):
    return Directive.id.in_(
        select(directive_units.c.directive_id).where(directive_units.c.unit_id == unit_id)
    )


def _has_pending():
    return Directive.id.in_(
        select(ProgressReport.directive_id).where(ProgressReport.review == ReportReview.pending)
    )


@dataclass
class DirectiveRow:
    directive: Directive
    conference: Conference
    lead_unit: Unit
    today: date
    reports: int = 0
    last_report_at: datetime | None = None
    pending_review: bool = False

    @property
    def category(self) -> str:
        return category(self.directive, self.today)

    @property
    def overdue(self) -> bool:
        return self.directive.is_overdue(self.today)

    @property
    def days_left(self) -> int:
        return (self.directive.deadline - self.today).days

    @property
    def due_soon(self) -> bool:
        """Not done, and the deadline is within the reminder window or has passed."""
        return (
            self.directive.status != DirectiveStatus.done and self.days_left <= REMIND_BEFORE.days
        )


def _report_stats(ids: list[int]) -> dict[int, tuple[int, datetime | None, bool]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            ProgressReport.directive_id,
            func.count(ProgressReport.id),
            func.max(ProgressReport.created_at),
            func.max(case((ProgressReport.review == ReportReview.pending, 1), else_=0)),
        )
        .where(ProgressReport.directive_id.in_(ids))
        .group_by(ProgressReport.directive_id)
    ).all()
    return {row[0]: (row[1], row[2], bool(row[3])) for row in rows}


def _rows(query, today: date) -> list[DirectiveRow]:
    """Directives with their conference, lead unit, cooperating units and report figures
    (three queries, whatever the number of rows)."""
    results = db.session.execute(
        query.join(Conference, Conference.id == Directive.conference_id)
        .join(Unit, Unit.id == Directive.lead_unit_id)
        .options(selectinload(Directive.cooperating_units))
    ).all()
    stats = _report_stats([directive.id for directive, _c, _u in results])
    rows = []
    for directive, conference, lead in results:
        count, last, pending = stats.get(directive.id, (0, None, False))
        rows.append(
            DirectiveRow(
                directive=directive,
                conference=conference,
                lead_unit=lead,
                today=today,
                reports=count,
                last_report_at=last,
                pending_review=pending,
            )
        )
    return rows


@dataclass
class UnitDirectives:
    unit: Unit
    lead: list[DirectiveRow]
    cooperating: list[DirectiveRow]
    today: date

    @property
    def due_soon(self) -> list[DirectiveRow]:
        return [row for row in self.lead if row.due_soon]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        for row in self.lead:
            counts[row.category] += 1
        return counts


def my_directives(actor: User, *, today: date | None = None, limit: int = 1000) -> UnitDirectives:
    """The confirmed directives assigned to the actor's unit across conferences: those it
    leads (and reports on) and those it cooperates on, overdue first (four queries)."""
    today = today or local_today()
    unit_id = actor.unit_id
    rows = _rows(
        select(Directive, Conference, Unit)
        .where(
            Directive.state == DirectiveState.confirmed,
            or_(Directive.lead_unit_id == unit_id, _cooperates(unit_id)),
        )
        .order_by(*_order(today))
        .limit(limit),
        today,
    )
    return UnitDirectives(
        unit=actor.unit,
        lead=[row for row in rows if row.directive.lead_unit_id == unit_id],
        cooperating=[row for row in rows if row.directive.lead_unit_id != unit_id],
        today=today,
    )


@dataclass
class DashboardFilters:
    unit_id: int | None = None
    status: str | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None
    page: int = 1

    def query_args(self, **changes) -> dict:
        """The filters as URL parameters (for links that keep them), with `changes`."""
        values = {
            "unit": self.unit_id,
            "status": self.status,
            "from": self.deadline_from.isoformat() if self.deadline_from else None,
            "to": self.deadline_to.isoformat() if self.deadline_to else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def dashboard_filters(
    *, unit_id=None, status=None, deadline_from=None, deadline_to=None, page=None
) -> DashboardFilters:
    """Check the dashboard's filters; a bad one is refused with a message on its field."""
    if unit_id is not None and (not _is_id(unit_id) or db.session.get(Unit, unit_id) is None):
        raise ValidationError.on("unit_id", _l("Choose a unit from the list."))
    if status is not None and status not in STATUS_FILTERS:
        raise ValidationError.on("status", _l("Choose a status from the list."))
    for name, value in (("deadline_from", deadline_from), ("deadline_to", deadline_to)):
        if value is not None and not isinstance(value, date):
            raise ValidationError.on(name, _l("Enter a date as YYYY-MM-DD."))
    if deadline_from and deadline_to and deadline_to < deadline_from:
        raise ValidationError.on(
            "deadline_to", _l("The end of the deadline range must not come before its start.")
        )
    if page is None:
        page = 1
    if not _is_id(page) or page < 1:
        raise ValidationError.on("page", _l("Enter a page number from 1."))
    return DashboardFilters(unit_id, status, deadline_from, deadline_to, page)


@dataclass
class UnitBar:
    """One unit's directives by category: a bar of the dashboard's chart."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, name: str) -> float:
        return round(100 * self.counts[name] / self.total, 2) if self.total else 0.0


@dataclass
class Dashboard:
    filters: DashboardFilters
    today: date
    counts: dict[str, int]
    units: list[UnitBar]
    rows: list[DirectiveRow]
    total: int  # directives matching every filter (the rows are one page of them)
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def all(self) -> int:
        return sum(self.counts[name] for name in CATEGORIES)

    def percent(self, name: str) -> float:
        return round(100 * self.counts[name] / self.all, 2) if self.all else 0.0


def _scope(actor: User):
    """The confirmed directives the actor may see: those of the conferences they may see,
    and those assigned to their unit."""
    confirmed = Directive.state == DirectiveState.confirmed
    if actor.is_admin:
        return confirmed
    visible = conferences.visible_conferences(actor).with_only_columns(Conference.id).subquery()
    return and_(
        confirmed,
        or_(
            Directive.conference_id.in_(select(visible.c.id)),
            Directive.lead_unit_id == actor.unit_id,
            _cooperates(actor.unit_id),
        ),
    )


def _status_clause(status: str, today: date):
    overdue = _overdue(today)
    return {
        "overdue": overdue,
        "open": and_(Directive.status == DirectiveStatus.open, ~overdue),
        "in_progress": and_(Directive.status == DirectiveStatus.in_progress, ~overdue),
        "done": Directive.status == DirectiveStatus.done,
        "pending_review": _has_pending(),
    }[status]


def dashboard(
    *,
    actor: User,
    filters: DashboardFilters | None = None,
    today: date | None = None,
    page_size: int = PAGE_SIZE,
) -> Dashboard:
    """Every directive the actor may see, across conferences, by unit, status and deadline:
    counts by category and by lead unit (for the chart) and one page of rows, overdue
    first. Six queries, whatever the number of directives."""
    filters = filters or DashboardFilters()
    today = today or local_today()
    where = [_scope(actor)]
    if filters.unit_id is not None:
        where.append(Directive.lead_unit_id == filters.unit_id)
    if filters.deadline_from is not None:
        where.append(Directive.deadline >= filters.deadline_from)
    if filters.deadline_to is not None:
        where.append(Directive.deadline <= filters.deadline_to)

    is_overdue = case((_overdue(today), 1), else_=0)
    grouped = db.session.execute(
        select(Directive.lead_unit_id, Directive.status, is_overdue, func.count(Directive.id))
        .where(*where)
        .group_by(Directive.lead_unit_id, Directive.status, is_overdue)
    ).all()
    unit_ids = {row[0] for row in grouped}
    units = (
        {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
        if unit_ids
        else {}
    )
    counts = dict.fromkeys(CATEGORIES, 0)
    bars: dict[int, UnitBar] = {}
    for unit_id, status, overdue, n in grouped:
        name = "overdue" if overdue else DirectiveStatus(status).value
        counts[name] += n
        bar = bars.setdefault(unit_id, UnitBar(unit=units[unit_id]))
        bar.counts[name] += n
    counts["total"] = sum(counts[name] for name in CATEGORIES)
    counts["pending_review"] = db.session.scalar(
        select(func.count(Directive.id)).where(*where, _has_pending())
    )
    ordered_bars = sorted(
        bars.values(),
        key=lambda b: (-b.counts["overdue"], -(b.total - b.counts["done"]), b.unit.code),
    )

    if filters.status is not None:
        where.append(_status_clause(filters.status, today))
        total = counts[filters.status]
    else:
        total = counts["total"]
    pages = max(1, math.ceil(total / page_size))
    page = min(filters.page, pages)
    rows = _rows(
        select(Directive, Conference, Unit)
        .where(*where)
        .order_by(*_order(today))
        .limit(page_size)
        .offset((page - 1) * page_size),
        today,
    )
    filters.page = page
    return Dashboard(
        filters=filters,
        today=today,
        counts=counts,
        units=ordered_bars,
        rows=rows,
        total=total,
        page_size=page_size,
    )


def unit_choices() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.code)))


# --- reminders and escalation ----------------------------------------------------------


def due_reminders(now: datetime | None = None) -> list[tuple[Directive, Conference]]:
    """Directives not done whose deadline is within a week (and not passed), their lead
    unit not reminded for three days."""
    now = now or utcnow()
    today = local_today(now)
    return list(
        db.session.execute(
            select(Directive, Conference)
            .join(Conference, Conference.id == Directive.conference_id)
            .where(
                Directive.state == DirectiveState.confirmed,
                Directive.status != DirectiveStatus.done,
                Directive.deadline >= today,
                Directive.deadline <= today + REMIND_BEFORE,
                or_(Directive.reminded_at.is_(None), Directive.reminded_at <= now - REMIND_EVERY),
            )
            .options(selectinload(Directive.lead_unit).selectinload(Unit.users))
            .order_by(Directive.deadline, Directive.id)
        ).all()
    )


def due_escalations(now: datetime | None = None) -> list[tuple[Directive, Conference]]:
    """Overdue directives not yet escalated to the organizers of their conference."""
    now = now or utcnow()
    return list(
        db.session.execute(
            select(Directive, Conference)
            .join(Conference, Conference.id == Directive.conference_id)
            .where(
                Directive.state == DirectiveState.confirmed,
                _overdue(local_today(now)),
                Directive.escalated_at.is_(None),
            )
            .options(
                selectinload(Directive.lead_unit),
                selectinload(Conference.participants).selectinload(Participant.user),
                selectinload(Conference.created_by),
            )
            .order_by(Directive.deadline, Directive.id)
        ).all()
    )


def organizers_of(conference: Conference) -> list[User]:
    people = {
        p.user.id: p.user
        for p in conference.participants
        if p.user is not None and p.role == ConferenceRole.organizer and p.user.active
    }
    if not people and conference.created_by is not None and conference.created_by.active:
        people[conference.created_by.id] = conference.created_by
    return list(people.values())


def send_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Mark the due reminders and escalations; mail them when MAIL_SERVER is configured.

    In the app, "My directives" shows every directive due soon or overdue, and the
    dashboard puts the overdue ones first, whether or not mail is sent."""
    now = now or utcnow()
    server = current_app.config.get("MAIL_SERVER")
    mails: list[EmailMessage] = []
    reminders = due_reminders(now)
    for directive, conference in reminders:
        directive.reminded_at = now
        to = [u.email for u in directive.lead_unit.users if u.active]
        if server and to:
            mails.append(_mail(to, directive, conference, escalation=False))
    escalations = due_escalations(now)
    for directive, conference in escalations:
        directive.escalated_at = now
        to = [u.email for u in organizers_of(conference)]
        if server and to:
            mails.append(_mail(to, directive, conference, escalation=True))
    db.session.flush()
    if mails:
        from meetings.drafts.circulation import _deliver

        after_commit(db.session, lambda: _deliver(mails))
    return len(reminders), len(escalations)


def _link(directive: Directive) -> str:
    try:
        return url_for("followup.show", directive_id=directive.id, _external=True)
    except RuntimeError:  # no SERVER_NAME outside a request: the path is still useful
        return f"/directives/{directive.id}"


def _mail(to: list[str], directive: Directive, conference: Conference, *, escalation: bool):
    deadline = directive.deadline.strftime("%d/%m/%Y")
    unit = directive.lead_unit
    message = EmailMessage()
    if escalation:
        message["Subject"] = (
            f"[Quá hạn / Overdue] Kết luận số {directive.number} — {conference.title}"
        )
        intro_vi = f"Kết luận số {directive.number} giao {unit.name_vi} chủ trì đã quá hạn"
        intro_en = f"Directive no. {directive.number}, led by {unit.name_en}, is overdue"
    else:
        message["Subject"] = (
            f"[Nhắc việc / Reminder] Kết luận số {directive.number} — {conference.title}"
        )
        intro_vi = f"Kết luận số {directive.number} giao {unit.name_vi} chủ trì sắp đến hạn"
        intro_en = f"Directive no. {directive.number}, led by {unit.name_en}, is due soon"
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "meetings@localhost"
    message["To"] = ", ".join(to)
    message.set_content(
        f"{intro_vi} (hạn {deadline}), hội nghị “{conference.title}”:\n\n"
        f"{directive.text}\n\n"
        f"{intro_en} (deadline {deadline}), conference “{conference.title}”.\n\n"
        f"{_link(directive)}\n"
    )
    return message


# --- a unit's deadlines as an iCalendar feed -------------------------------------------


def can_follow_unit(user: User | None, unit: Unit) -> bool:
    return _signed_in(user) and (user.is_admin or user.unit_id == unit.id)


def get_unit(unit_id) -> Unit:
    unit = db.session.get(Unit, unit_id) if _is_id(unit_id) else None
    if unit is None:
        raise NotFoundError(_l("This unit does not exist."))
    return unit


def unit_deadlines(unit: Unit) -> list[tuple[Directive, Conference]]:
    """The confirmed directives the unit leads or cooperates on (two queries)."""
    return list(
        db.session.execute(
            select(Directive, Conference)
            .join(Conference, Conference.id == Directive.conference_id)
            .where(
                Directive.state == DirectiveState.confirmed,
                or_(Directive.lead_unit_id == unit.id, _cooperates(unit.id)),
            )
            .options(selectinload(Directive.lead_unit))
            .order_by(Directive.deadline, Directive.id)
        ).all()
    )


def deadline_calendar(
    unit: Unit, rows: list[tuple[Directive, Conference]], *, host: str, locale: str = "vi"
) -> bytes:
    """All-day events on each deadline, with an alarm three days before while not done."""
    from meetings.conferences.ical import PRODID

    with force_locale(locale):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Directive deadlines: %(unit)s", unit=unit.name))
        for directive, conference in rows:
            done = directive.status == DirectiveStatus.done
            short = directive.text if len(directive.text) <= 80 else directive.text[:79] + "…"
            event = Event()
            event.add("uid", f"directive-{directive.id}-deadline@{host}")
            summary = _("Deadline: %(text)s", text=short)
            event.add("summary", ("✓ " + summary) if done else summary)
            event.add("dtstart", directive.deadline)
            event.add("dtend", directive.deadline + timedelta(days=1))
            event.add("dtstamp", utcnow())
            event.add("last-modified", directive.updated_at)
            event.add("transp", "TRANSPARENT")
            role = _("Lead unit") if directive.lead_unit_id == unit.id else _("Cooperating unit")
            link = _link(directive)
            event.add(
                "description",
                "\n\n".join(
                    [
                        directive.text,
                        _(
                            "Directive no. %(number)d of “%(conference)s”.",
                            number=directive.number,
                            conference=conference.title,
                        ),
                        f"{role}: {unit.name} · "
                        + _("Lead unit")
                        + f": {directive.lead_unit.name}",
                        link,
                    ]
                ),
            )
            event.add("url", link)
            if not done:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", summary)
                alarm.add("trigger", timedelta(days=-3))
                event.add_component(alarm)
            calendar.add_component(event)
    return calendar.to_ical()


# --- the next conference of the programme reviews the open directives -----------------


REVIEWS = (ConferenceKind.semi_annual_review, ConferenceKind.annual_review)


def previous_conference(conference: Conference) -> Conference | None:
    """The latest earlier conference of the same programme that has been held: the same
    host unit, and the same kind, where the semi-annual and the annual reviews are one
    programme (the annual review takes up what the mid-year review left open)."""
    kinds = REVIEWS if conference.kind in REVIEWS else (conference.kind,)
    return db.session.scalar(
        select(Conference)
        .where(
            Conference.kind.in_(kinds),
            Conference.host_unit_id == conference.host_unit_id,
            Conference.starts_at < conference.starts_at,
            Conference.id != conference.id,
            Conference.status.in_((ConferenceStatus.concluded, ConferenceStatus.archived)),
        )
        .order_by(Conference.starts_at.desc())
        .limit(1)
    )


def open_directives_for_next(
    conference: Conference, *, today: date | None = None
) -> tuple[Conference | None, list[DirectiveRow]]:
    """The previous conference of the programme and its directives still not done."""
    previous = previous_conference(conference)
    if previous is None:
        return None, []
    rows = _rows(
        select(Directive, Conference, Unit)
        .where(
            Directive.conference_id == previous.id,
            Directive.state == DirectiveState.confirmed,
            Directive.status != DirectiveStatus.done,
        )
        .order_by(Directive.number),
        today or local_today(),
    )
    return previous, rows


def review_item_titles(previous: Conference) -> set[str]:
    """The review item's title in every language (to find it on the agenda)."""
    titles = set()
    for locale in ("vi", "en"):
        with force_locale(locale):
            titles.add(_review_title(previous))
    return titles


def _review_title(previous: Conference) -> str:
    title = _("Review of the open directives of “%(conference)s”", conference=previous.title)
    return title if len(title) <= 300 else title[:299] + "…"


@dataclass
class ReviewOffer:
    previous: Conference
    rows: list[DirectiveRow]
    on_agenda: bool


def review_offer(
    actor: User | None, conference: Conference, items: list[AgendaItem]
) -> ReviewOffer | None:
    """What the agenda page offers its organizers while the conference is prepared."""
    if conference.status not in PREPARING or not conferences.can_manage(actor, conference):
        return None
    previous, rows = open_directives_for_next(conference)
    if previous is None or not rows:
        return None
    titles = review_item_titles(previous)
    return ReviewOffer(
        previous=previous, rows=rows, on_agenda=any(item.title in titles for item in items)
    )


def _review_description(rows: list[DirectiveRow]) -> str:
    from meetings.i18n import DIRECTIVE_STATUS_LABELS, fmt_date

    lines = []
    for row in rows:
        directive = row.directive
        status = str(DIRECTIVE_STATUS_LABELS[directive.status])
        if row.overdue:
            status += ", " + _("overdue")
        text = directive.text if len(directive.text) <= 400 else directive.text[:399] + "…"
        lines.append(
            _(
                "%(number)d. %(text)s (lead: %(unit)s; deadline %(deadline)s; %(status)s)",
                number=directive.number,
                text=text,
                unit=row.lead_unit.name,
                deadline=fmt_date(directive.deadline),
                status=status,
            )
        )
    description = "\n".join(lines)
    return description if len(description) <= 5000 else description[:4999] + "…"


def add_review_item(
    *, actor: User, conference: Conference, agenda_version, today: date | None = None
) -> AgendaItem:
    """Put the previous conference's open directives on this conference's agenda as one
    review item (at the end; the organizers may move it)."""
    if not conferences.can_manage(actor, conference):
        raise PermissionDeniedError(_l("Only the organizers may change the agenda."))
    if conference.status not in PREPARING:
        raise InvalidStateError(
            _l("The open directives are added while the conference is being prepared.")
        )
    previous, rows = open_directives_for_next(conference, today=today)
    if previous is None or not rows:
        raise InvalidStateError(
            _l("No directive of the previous conference of this programme is still open.")
        )
    titles = review_item_titles(previous)
    if any(item.title in titles for item in agenda_services.items_of(conference)):
        raise ConflictError(_l("The review of these directives is already on the agenda."))
    minutes = min(REVIEW_MINUTES_MAX, REVIEW_MINUTES_BASE + REVIEW_MINUTES_EACH * len(rows))
    item = agenda_services.add_item(
        actor=actor,
        conference=conference,
        data={
            "title": _review_title(previous),
            "description": _review_description(rows),
            "planned_minutes": minutes,
        },
        agenda_version=agenda_version,
    )
    audit.record(
        db.session,
        actor,
        "directive.review_item",
        item,
        conference=conference.id,
        previous=previous.id,
        directives=[row.directive.id for row in rows],
    )
    return item
