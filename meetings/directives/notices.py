"""The conclusion notice (thông báo kết luận) of a conference.

The secretariat (the conference's organizers) generates a draft from what the
system recorded: who chaired, who attended in the room and from the remote
sites, what was reviewed (the agenda, the drafts and their adoption votes) and
the confirmed directives with their lead units and deadlines. The draft is
edited, then issued: it takes the next number of its series for the year
(“Số: 123/TB-UBDT”) and is frozen, directives included. An issued notice is never
edited again; a correction is a new draft notice that names the one it replaces.
Anyone who may see the conference reads its notices.

The document itself is written in Vietnamese (DOCUMENT_LANG), whatever language
the person reads the app in: it is the committee's official text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from meetings import audit, uploads, validation
from meetings.accounts.models import AuditEntry, Unit, User
from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import Attendance, Conference, ConferenceStatus, Rsvp
from meetings.db import unit_of_work, utcnow
from meetings.directives import documents
from meetings.directives.models import (
    Directive,
    DirectiveState,
    Notice,
    NoticeStatus,
)
from meetings.drafts.models import AdoptionVote, Ballot, Draft
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.live.models import Site

T = TypeVar("T")

# Drafts are written while the conference is live or once it is concluded; issuing waits
# for the conclusion (the directives are final then). An archived conference is closed.
WRITABLE_STATES = (ConferenceStatus.live, ConferenceStatus.concluded)
ISSUABLE_STATES = (ConferenceStatus.concluded,)
SYMBOL_RE = re.compile(r"^[A-ZĐ0-9]+(?:[-.][A-ZĐ0-9]+)*$")
MAX_NUMBER = 99999
LIMITS = {
    "symbol": 40,
    "parent_body": 200,
    "issuing_body": 200,
    "place": 100,
    "title": 1000,
    "summary": 20000,
    "closing": 2000,
    "recipients": 3000,
    "signer_title": 200,
    "signer_name": 200,
}
FIELDS = tuple(LIMITS) + ("issued_on",)
OPTIONAL = {"parent_body", "closing", "signer_name"}

STALE = _l(
    "Someone else saved this notice while you were editing it: nothing was saved. "
    "The form now shows the current text; make your changes again if they are still needed."
)


# --- who may do what -----------------------------------------------------------------------


def can_manage(user: User | None, conference: Conference) -> bool:
    """Notices are the secretariat's: the conference's organizers (and administrators)."""
    return conferences.can_manage(user, conference)


def can_write(user: User | None, conference: Conference) -> bool:
    return can_manage(user, conference) and conference.status in WRITABLE_STATES


def _require_writer(actor: User, conference: Conference) -> None:
    if not can_manage(actor, conference):
        raise PermissionDeniedError(_l("Only the organizers of the conference prepare its notice."))
    if conference.status not in WRITABLE_STATES:
        if conference.status == ConferenceStatus.archived:
            raise InvalidStateError(
                _l("The conference is archived: its notices can no longer change.")
            )
        raise InvalidStateError(
            _l("The conclusion notice is prepared once the conference is open (live) or concluded.")
        )


def check_writable(actor: User, notice: Notice, conference: Conference) -> None:
    """Refuse, with the reason, whoever may not edit this notice now."""
    _require_writer(actor, conference)
    _require_draft(notice)


def _require_version(notice: Notice, version) -> None:
    if version is None:
        return
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if version != notice.version:
        raise ConflictError(STALE)


def _require_draft(notice: Notice) -> None:
    if notice.status != NoticeStatus.draft:
        raise InvalidStateError(
            _l(
                "Notice No. %(ref)s is issued and can no longer be changed; make a correction instead.",
                ref=notice.reference,
            )
        )


# --- reading -------------------------------------------------------------------------------


def list_notices(conference: Conference) -> list[Notice]:
    """The conference's notices, newest first, with what they replace."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.conference_id == conference.id)
            .options(selectinload(Notice.replaces))
            .order_by(Notice.id.desc())
        )
    )


def get_notice(
    notice_id, *, actor: User | None, for_update: bool = False
) -> tuple[Notice, Conference]:
    """A notice and its conference, if the person may see the conference (else 404)."""
    notice = None
    if isinstance(notice_id, int) and not isinstance(notice_id, bool):
        query = select(Notice).where(Notice.id == notice_id)
        if for_update:
            query = query.with_for_update()
        notice = db.session.scalar(query.execution_options(populate_existing=for_update))
    if notice is None:
        raise NotFoundError(_l("This notice does not exist or is not shared with you."))
    try:
        conference = conferences.get_conference(notice.conference_id, actor=actor)
    except NotFoundError as exc:
        raise NotFoundError(_l("This notice does not exist or is not shared with you.")) from exc
    return notice, conference


def replaced_by(notice: Notice) -> Notice | None:
    """The correction that replaces this notice: the issued one, else a draft being written."""
    return db.session.scalar(
        select(Notice)
        .where(Notice.replaces_id == notice.id)
        .order_by((Notice.status == NoticeStatus.issued).desc(), Notice.id.desc())
        .limit(1)
    )


def confirmed_directives(conference: Conference) -> list[Directive]:
    return list(
        db.session.scalars(
            select(Directive)
            .where(
                Directive.conference_id == conference.id,
                Directive.state == DirectiveState.confirmed,
            )
            .options(selectinload(Directive.lead_unit), selectinload(Directive.cooperating_units))
            .order_by(Directive.number)
        )
    )


def _unit_dict(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name_vi": unit.name_vi, "name_en": unit.name_en}


def directive_snapshot(directive: Directive) -> dict:
    return {
        "id": directive.id,
        "number": directive.number,
        "text": directive.text,
        "lead_unit": _unit_dict(directive.lead_unit),
        "cooperating_units": [_unit_dict(u) for u in directive.cooperating_units],
        "deadline": directive.deadline.isoformat(),
        "agenda_item_id": directive.agenda_item_id,
    }


def deadline_of(item: dict) -> date:
    return date.fromisoformat(item["deadline"])


def directives_of(notice: Notice, conference: Conference) -> list[dict]:
    """The directives the notice announces: as frozen when issued, else the confirmed ones now."""
    if notice.directives is not None:
        return list(notice.directives)
    return [directive_snapshot(d) for d in confirmed_directives(conference)]


# --- generating the draft ------------------------------------------------------------------


def _root(unit: Unit) -> Unit:
    seen = set()
    while unit.parent is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.parent
    return unit


def person_label(user: User | None) -> str:
    """“Thứ trưởng, Phó Chủ nhiệm Hà Hùng”: the position, then the name."""
    if user is None:
        return ""
    return f"{user.position} {user.full_name}" if user.position else user.full_name


def _joined(names: list[str]) -> str:
    return ", ".join(names)


def attendance(conference: Conference) -> tuple[list[Unit], list[str]]:
    """The units in the room and the remote sites that joined, as the system recorded them.

    In the room: the units of the invitations that were checked in, or, when nobody was
    checked in, of those not declined. Online: the sites that joined the live room at
    least once, or, without any record of a join, the units invited as remote sites."""
    # The chair is named on its own; the chair's own seat says nothing of the units.
    invitations = [
        p
        for p in conference.participants
        if p.rsvp != Rsvp.declined and (p.user_id is None or p.user_id != conference.chair_id)
    ]
    checked = [p for p in invitations if p.checked_in_at is not None]
    present = checked or invitations
    in_room: dict[int, Unit] = {}
    remote_units: dict[int, Unit] = {}
    for p in present:
        (remote_units if p.attendance == Attendance.remote else in_room).setdefault(
            p.unit_id, p.unit
        )
    sites = list(
        db.session.scalars(
            select(Site).where(Site.conference_id == conference.id).order_by(Site.id)
        )
    )
    joined_ids = set(
        db.session.scalars(
            select(AuditEntry.object_id).where(
                AuditEntry.object_type == Site.__tablename__,
                AuditEntry.action == "site.join",
                AuditEntry.object_id.in_([s.id for s in sites] or [0]),
            )
        )
    )
    joined = [s for s in sites if s.id in joined_ids]
    if joined:
        online = [s.name for s in joined]
        for site in joined:
            in_room.pop(site.unit_id, None)
    else:
        online = [u.name_vi for u in remote_units.values()]
        for unit_id in remote_units:
            in_room.pop(unit_id, None)
    host = conference.host_unit_id
    ordered = sorted(in_room.values(), key=lambda u: (u.id != host, u.code))
    return ordered, online


def agenda_items(conference: Conference) -> list[AgendaItem]:
    """The agenda in order, with the presenters (one query)."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference.id)
            .options(selectinload(AgendaItem.presenter))
            .order_by(AgendaItem.position)
        )
    )


def reviewed(
    conference: Conference, items: list[AgendaItem] | None = None
) -> tuple[list[AgendaItem], list[tuple[Draft, AdoptionVote | None]]]:
    """The agenda items that were taken up, and each draft with its last closed vote."""
    agenda = items if items is not None else agenda_items(conference)
    items = [i for i in agenda if i.status != ItemStatus.skipped]
    drafts = list(
        db.session.scalars(
            select(Draft).where(Draft.conference_id == conference.id).order_by(Draft.id)
        )
    )
    votes: dict[int, AdoptionVote] = {}
    if drafts:
        for vote in db.session.scalars(
            select(AdoptionVote)
            .where(
                AdoptionVote.draft_id.in_([d.id for d in drafts]),
                AdoptionVote.closed_at.is_not(None),
            )
            .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
            .order_by(AdoptionVote.closed_at, AdoptionVote.id)
        ):
            votes[vote.draft_id] = vote
    return items, [(d, votes.get(d.id)) for d in drafts]


def vote_sentence(draft: Draft, vote: AdoptionVote | None) -> str:
    if vote is None:
        return _(
            "The delegates commented on the draft “%(title)s” to finalise it.", title=draft.title
        )
    from meetings.drafts.adoption import tally

    totals = tally(vote)["totals"]
    words = {
        "title": draft.title,
        "agree": totals["agree"] + totals["agree_with_comments"],
        "disagree": totals["disagree"],
    }
    if vote.adopted:
        return _(
            "The conference adopted the draft “%(title)s” (%(agree)d in favour, %(disagree)d against).",
            **words,
        )
    return _(
        "The draft “%(title)s” was not adopted (%(agree)d in favour, %(disagree)d against).",
        **words,
    )


def drafts_sentence(drafts: list[tuple[Draft, AdoptionVote | None]]) -> str:
    """The adoption results, and the drafts only commented on in one sentence."""
    voted = [vote_sentence(d, v) for d, v in drafts if v is not None]
    commented = [d for d, v in drafts if v is None]
    if len(commented) > 1:
        titles = ", ".join(f"“{d.title}”" for d in commented)
        voted.append(
            _("The delegates commented on the drafts %(titles)s to finalise them.", titles=titles)
        )
    elif commented:
        voted.append(vote_sentence(commented[0], None))
    return " ".join(voted)


def conference_day(conference: Conference) -> date:
    return conference.local_starts_at.date()


def _previous_notice(conference: Conference) -> Notice | None:
    """The latest notice of the same host unit: its series and signer are the usual ones."""
    return db.session.scalar(
        select(Notice)
        .join(Conference, Conference.id == Notice.conference_id)
        .where(
            Conference.host_unit_id == conference.host_unit_id,
            Notice.conference_id != conference.id,
        )
        .order_by(Notice.id.desc())
        .limit(1)
    )


def _symbol_for(unit: Unit) -> str:
    code = re.sub(r"[^A-Z0-9Đ-]", "", unit.code.upper()) or "UB"
    return f"TB-{code}"


def draft_fields(conference: Conference) -> dict:
    """What a new notice says, generated from the record, in the document's language."""
    with force_locale(documents.DOCUMENT_LANG):
        return _draft_fields(conference)


def _draft_fields(conference: Conference) -> dict:
    host = conference.host_unit
    root = _root(host)
    chair = person_label(conference.chair) or _("the chair")
    day = conference_day(conference)
    in_room, online = attendance(conference)
    items, drafts = reviewed(conference)

    opening = _(
        "On %(date)s, at %(venue)s, %(chair)s chaired the %(conference)s.",
        date=documents.vietnamese_date(day),
        venue=conference.venue or host.name_vi,
        chair=chair,
        conference=conference.title,
    )
    paragraphs = [opening[:1].upper() + opening[1:]]
    present = []
    if in_room:
        present.append(
            _(
                "Attending in the room: representatives of %(units)s.",
                units=_joined([u.name_vi for u in in_room]),
            )
        )
    if online:
        present.append(
            _(
                "Attending online through the committee's video conference system: %(sites)s.",
                sites=_joined(online),
            )
        )
    if present:
        paragraphs.append(" ".join(present))
    heard = [i.title.rstrip(".") for i in items]
    if heard:
        paragraphs.append(_("The conference reviewed: %(items)s.", items="; ".join(heard)))
    if drafts:
        paragraphs.append(drafts_sentence(drafts))
    paragraphs.append(
        _(
            "Having heard the reports and the delegates' opinions, %(chair)s concluded as follows:",
            chair=chair,
        )
    )
    previous = _previous_notice(conference)
    units: dict[int, str] = {}
    for directive in confirmed_directives(conference):
        units.setdefault(directive.lead_unit_id, directive.lead_unit.name_vi)
        for unit in directive.cooperating_units:
            units.setdefault(unit.id, unit.name_vi)
    recipients = []
    if conference.chair is not None:
        recipients.append(_("%(chair)s (for reporting);", chair=chair))
    recipients += [f"{name};" for name in units.values()]
    recipients.append(_("Filed: Records, %(unit)s.", unit=host.code))
    fields = {
        "symbol": _symbol_for(root),
        "parent_body": "",
        "issuing_body": root.name_vi,
        "place": host.city or root.city or "",
        "title": _(
            "Conclusions of %(chair)s at the %(conference)s",
            chair=chair,
            conference=conference.title,
        ),
        "summary": "\n".join(paragraphs),
        "closing": _(
            "%(unit)s announces these conclusions to the units concerned for their information "
            "and implementation./.",
            unit=host.name_vi,
        ),
        "recipients": "\n".join(recipients),
        "signer_title": (conference.chair.position or "").upper() if conference.chair else "",
        "signer_name": conference.chair.full_name if conference.chair else "",
    }
    if previous is not None:
        for key in (
            "symbol",
            "parent_body",
            "issuing_body",
            "place",
            "signer_title",
            "signer_name",
        ):
            fields[key] = getattr(previous, key) or fields[key]
    return fields


def generate_notice(*, actor: User, conference: Conference) -> Notice:
    """A draft notice generated from the record. One draft at a time; once a notice is
    issued, changes are made by a correction."""
    _require_writer(actor, conference)
    existing = list_notices(conference)
    if any(n.status == NoticeStatus.draft for n in existing):
        raise ConflictError(
            _l("A draft notice exists already: edit it, or delete it to generate a new one.")
        )
    if any(n.status == NoticeStatus.issued for n in existing):
        raise InvalidStateError(
            _l("The conclusion notice is issued already: make a correction of it instead.")
        )
    fields = draft_fields(conference)
    notice = Notice(
        conference_id=conference.id,
        status=NoticeStatus.draft,
        created_by_id=actor.id,
        **fields,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(db.session, actor, "notice.generate", notice, conference_id=conference.id)
    return notice


# --- editing -------------------------------------------------------------------------------


def _issued_on(value, conference: Conference) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError.on("issued_on", _l("Enter a date as YYYY-MM-DD.")) from exc
    if not isinstance(value, date):
        raise ValidationError.on("issued_on", _l("Enter a date as YYYY-MM-DD."))
    if value < conference_day(conference):
        raise ValidationError.on(
            "issued_on",
            _l(
                "The notice cannot be dated before the conference (%(day)s).",
                day=conference_day(conference).strftime("%d/%m/%Y"),
            ),
        )
    return value


def clean_fields(data: dict, conference: Conference) -> dict:
    """The notice's fields from a form or JSON body; every error at once, nothing stored."""
    out: dict = {}
    errors: dict[str, list] = {}
    for name, limit in LIMITS.items():
        if name not in data:
            continue
        try:
            value = validation.text(
                data[name], name, max_length=limit, required=name not in OPTIONAL
            )
            value = (
                documents.clean(value) if value is not None else ("" if name != "closing" else None)
            )
            if name == "symbol":
                value = value.upper()
                if not SYMBOL_RE.match(value):
                    raise ValidationError.on(
                        "symbol",
                        _l("Write the symbol in capitals with dashes, like TB-UBDT."),
                    )
            if name == "recipients" and not documents.recipient_lines(value):
                raise ValidationError.on("recipients", _l("List at least one recipient."))
            out[name] = value
        except ValidationError as error:
            for key, messages in error.field_errors.items():
                errors.setdefault(key, []).extend(messages)
    if "issued_on" in data:
        try:
            out["issued_on"] = _issued_on(data["issued_on"], conference)
        except ValidationError as error:
            errors.setdefault("issued_on", []).extend(error.field_errors["issued_on"])
    if errors:
        raise ValidationError(field_errors=errors)
    return out


def update_notice(
    *, actor: User, notice: Notice, conference: Conference, data: dict, version=None
) -> Notice:
    _require_writer(actor, conference)
    _require_draft(notice)
    _require_version(notice, version)
    fields = clean_fields({k: v for k, v in data.items() if k in FIELDS}, conference)
    changed = sorted(k for k, v in fields.items() if getattr(notice, k) != v)
    for key, value in fields.items():
        setattr(notice, key, value)
    if changed:
        notice.version += 1
    db.session.flush()
    audit.record(db.session, actor, "notice.update", notice, fields=changed)
    return notice


def delete_notice(*, actor: User, notice: Notice, conference: Conference, version=None) -> None:
    _require_writer(actor, conference)
    _require_draft(notice)
    _require_version(notice, version)
    audit.record(db.session, actor, "notice.delete", notice, title=notice.title[:200])
    db.session.delete(notice)
    db.session.flush()


def _number(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_NUMBER:
        raise ValidationError.on(
            "number", _l("Enter a number from %(low)d to %(high)d.", low=1, high=MAX_NUMBER)
        )
    return value


def next_number(symbol: str, year: int) -> int:
    return (
        db.session.scalar(
            select(func.max(Notice.number)).where(Notice.symbol == symbol, Notice.year == year)
        )
        or 0
    ) + 1


def issue_notice(
    *,
    actor: User,
    notice: Notice,
    conference: Conference,
    number=None,
    issued_on=None,
    version=None,
    today: date | None = None,
) -> Notice:
    """Number the notice in its series for the year and freeze it with its directives.

    The number is the next free one unless the secretariat gives the one its register
    assigned; the date is today (in the conference's time zone) unless given."""
    _require_writer(actor, conference)
    _require_draft(notice)
    _require_version(notice, version)
    if conference.status not in ISSUABLE_STATES:
        raise InvalidStateError(
            _l("Conclude the conference first: the notice is issued once the directives are final.")
        )
    errors: dict[str, list] = {}
    try:
        number = _number(number)
    except ValidationError as error:
        errors.update(error.field_errors)
    try:
        day = _issued_on(issued_on, conference) or notice.issued_on
    except ValidationError as error:
        errors.update(error.field_errors)
        day = None
    if not notice.signer_name:
        errors.setdefault("signer_name", []).append(_l("Name the person who signs the notice."))
    if errors:
        raise ValidationError(field_errors=errors)
    directives = confirmed_directives(conference)
    if not directives:
        raise InvalidStateError(
            _l("There is no confirmed directive to announce: the chair confirms them first.")
        )
    day = day or today or utcnow().astimezone(conference.tz).date()
    if day < conference_day(conference):
        day = conference_day(conference)
    if number is None:
        number = next_number(notice.symbol, day.year)
    elif db.session.scalar(
        select(Notice.id).where(
            Notice.symbol == notice.symbol, Notice.year == day.year, Notice.number == number
        )
    ):
        raise ValidationError.on(
            "number",
            _l(
                "No. %(ref)s of %(year)d is taken already: choose another number, or leave it "
                "empty for the next free one (%(next)d).",
                ref=f"{number}/{notice.symbol}",
                year=day.year,
                next=next_number(notice.symbol, day.year),
            ),
        )
    notice.number = number
    notice.year = day.year
    notice.issued_on = day
    notice.status = NoticeStatus.issued
    notice.directives = [directive_snapshot(d) for d in directives]
    notice.issued_by_id = actor.id
    notice.issued_at = utcnow()
    notice.version += 1
    db.session.flush()  # the unique (symbol, year, number) refuses a number taken meanwhile
    audit.record(
        db.session, actor, "notice.issue", notice, reference=notice.reference, year=day.year
    )
    return notice


def retry_on_taken_number(work: Callable[[], T]) -> T:
    """Run `work` in a unit of work; should another notice of the series take the same
    number at the same moment, try once more (the next number is then free)."""
    try:
        with unit_of_work():
            return work()
    except IntegrityError:
        with unit_of_work():
            return work()


def correct_notice(*, actor: User, notice: Notice, conference: Conference) -> Notice:
    """A new draft that replaces an issued notice; it says which one it corrects."""
    _require_writer(actor, conference)
    if notice.status != NoticeStatus.issued:
        raise InvalidStateError(
            _l("A draft is corrected by editing it; only an issued notice needs a correction.")
        )
    newer = replaced_by(notice)
    if newer is not None:
        if newer.status == NoticeStatus.draft:
            raise ConflictError(
                _l("A correction of this notice is being drafted already: edit that one.")
            )
        raise InvalidStateError(
            _l(
                "This notice was replaced by No. %(ref)s already: correct that one instead.",
                ref=newer.reference,
            )
        )
    with force_locale(documents.DOCUMENT_LANG):
        sentence = _(
            "This notice replaces Notice No. %(ref)s of %(date)s of %(body)s.",
            ref=notice.reference,
            date=notice.issued_on.strftime("%d/%m/%Y") if notice.issued_on else "",
            body=notice.issuing_body,
        )
        title_suffix = _("(replacing Notice No. %(ref)s)", ref=notice.reference)
    correction = Notice(
        conference_id=conference.id,
        status=NoticeStatus.draft,
        symbol=notice.symbol,
        parent_body=notice.parent_body,
        issuing_body=notice.issuing_body,
        place=notice.place,
        title=f"{notice.title} {title_suffix}"[: LIMITS["title"]],
        summary=f"{sentence}\n{notice.summary}"[: LIMITS["summary"]],
        closing=notice.closing,
        recipients=notice.recipients,
        signer_title=notice.signer_title,
        signer_name=notice.signer_name,
        replaces_id=notice.id,
        created_by_id=actor.id,
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(db.session, actor, "notice.correct", correction, replaces=notice.reference)
    return correction


# --- the document --------------------------------------------------------------------------


def directive_runs(item: dict) -> list[documents.Run]:
    """“1. <text> Lead unit: ...; cooperating: ...; deadline: 31/12/2016.” (italic details)."""
    lead = item["lead_unit"]["name_vi"]
    details = [_("Lead unit: %(unit)s", unit=lead)]
    cooperating = [u["name_vi"] for u in item.get("cooperating_units") or []]
    if cooperating:
        details.append(_("cooperating units: %(units)s", units=", ".join(cooperating)))
    deadline = date.fromisoformat(item["deadline"]).strftime("%d/%m/%Y")
    details.append(_("deadline: %(date)s", date=deadline))
    text = documents.clean(item["text"]).strip()
    if text and text[-1] not in ".;:!?":
        text += "."
    return [
        documents.Run(f"{item['number']}. {text} "),
        documents.Run("(" + "; ".join(details) + ").", italic=True),
    ]


def document(notice: Notice, conference: Conference) -> documents.OfficialDocument:
    """The notice laid out as the decree has it (for .docx, PDF and the HTML preview)."""
    with force_locale(documents.DOCUMENT_LANG):
        blocks = documents.text_blocks(notice.summary)
        for item in directives_of(notice, conference):
            blocks.append(documents.Block("paragraph", directive_runs(item)))
        blocks += documents.text_blocks(notice.closing)
        issued = notice.status == NoticeStatus.issued
        year = notice.year or (
            notice.issued_on.year if notice.issued_on else conference_day(conference).year
        )
        return documents.OfficialDocument(
            parent_body=documents.clean(notice.parent_body),
            issuing_body=documents.clean(notice.issuing_body),
            reference=documents.reference_line(notice.number, notice.symbol),
            place_date=documents.place_date(notice.place, notice.issued_on, year=year),
            kind=documents.NOTICE_KIND,
            title_lines=[documents.clean(notice.title)],
            blocks=blocks,
            recipients=documents.recipient_lines(notice.recipients),
            signers=[
                documents.Signer(
                    [
                        line.strip()
                        for line in documents.clean(notice.signer_title).splitlines()
                        if line.strip()
                    ],
                    documents.clean(notice.signer_name),
                )
            ],
            draft=not issued,
            properties={
                "title": documents.clean(notice.title),
                "subject": documents.clean(conference.title),
                "author": documents.clean(notice.issuing_body),
            },
        )


def download_name(notice: Notice, extension: str) -> str:
    """“Thông báo 12-TB-UBDT.pdf” (issued) or “Thông báo (dự thảo) - <conference>.docx”."""
    with force_locale(documents.DOCUMENT_LANG):
        if notice.number is not None:
            stem = _("Notice %(number)d-%(symbol)s", number=notice.number, symbol=notice.symbol)
        else:
            title = documents.clean(notice.title).replace("/", "-").replace("\\", "-")[:80].strip()
            stem = _("Notice (draft) - %(title)s", title=title)
    return uploads.clean_filename(f"{stem}.{extension}")
