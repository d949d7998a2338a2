"""The minutes (biên bản) of a conference: generated from the record, edited, every save kept.

Generation writes Markdown from what the system recorded: time and place,
attendance in the room (with check-in times) and per remote site (with the
times it was connected, from the audit of its joins and leaves), the agenda as
it ran with its actual times, who was given the floor, the drafts discussed with
their adoption results, and the confirmed directives. The organizers and the
conference's secretary edit it; every save is a new numbered revision and none
is ever overwritten. Anyone who may see the conference reads the minutes.

The minutes are written in Vietnamese (documents.DOCUMENT_LANG), the record's language.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings import audit, uploads, validation
from meetings.accounts.models import AuditEntry, User
from meetings.agenda.models import ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
    Participant,
    Rsvp,
)
from meetings.db import utcnow
from meetings.directives import documents, notices
from meetings.directives.models import Directive, DirectiveState, MinutesRevision
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.live.models import FloorRequest, Site

WRITABLE_STATES = (ConferenceStatus.live, ConferenceStatus.concluded)
MAX_BODY = 200_000
MAX_NOTE = 500
# The words of the signature block: the document's own text, in Vietnamese.
SECRETARY_SIGN = "THƯ KÝ"
CHAIR_SIGN = "CHỦ TRÌ"


def stale_message(latest_number: int):
    return _l(
        "Someone else saved the minutes while you were editing them: your text was not saved. "
        "Revision %(n)d is the latest now; compare, then save your text again if it is still "
        "needed.",
        n=latest_number,
    )


# --- who may do what -----------------------------------------------------------------------


def can_edit(user: User | None, conference: Conference) -> bool:
    """The organizers and the conference's secretary keep the minutes."""
    if user is None or not user.is_authenticated:
        return False
    return conferences.can_manage(user, conference) or (
        ConferenceRole.secretary in conferences.roles_of(user, conference)
    )


def can_write(user: User | None, conference: Conference) -> bool:
    return can_edit(user, conference) and conference.status in WRITABLE_STATES


def _require_writer(actor: User, conference: Conference) -> None:
    if not can_edit(actor, conference):
        raise PermissionDeniedError(
            _l("Only the organizers and the secretary of the conference keep its minutes.")
        )
    if conference.status not in WRITABLE_STATES:
        if conference.status == ConferenceStatus.archived:
            raise InvalidStateError(
                _l("The conference is archived: its minutes can no longer change.")
            )
        raise InvalidStateError(_l("The minutes are written once the conference is open (live)."))


def check_writable(actor: User, conference: Conference) -> None:
    """Refuse, with the reason, whoever may not write the minutes now."""
    _require_writer(actor, conference)


# --- reading -------------------------------------------------------------------------------


def revisions(conference: Conference) -> list[MinutesRevision]:
    """Every saved revision, newest first (without loading their bodies' authors twice)."""
    return list(
        db.session.scalars(
            select(MinutesRevision)
            .where(MinutesRevision.conference_id == conference.id)
            .options(selectinload(MinutesRevision.saved_by))
            .order_by(MinutesRevision.number.desc())
        )
    )


def latest(conference: Conference) -> MinutesRevision | None:
    return db.session.scalar(
        select(MinutesRevision)
        .where(MinutesRevision.conference_id == conference.id)
        .options(selectinload(MinutesRevision.saved_by))
        .order_by(MinutesRevision.number.desc())
        .limit(1)
    )


def get_revision(conference: Conference, number) -> MinutesRevision:
    revision = None
    if isinstance(number, int) and not isinstance(number, bool):
        revision = db.session.scalar(
            select(MinutesRevision)
            .where(MinutesRevision.conference_id == conference.id, MinutesRevision.number == number)
            .options(selectinload(MinutesRevision.saved_by))
        )
    if revision is None:
        raise NotFoundError(_l("This revision of the minutes does not exist."))
    return revision


def require_minutes(conference: Conference) -> MinutesRevision:
    revision = latest(conference)
    if revision is None:
        raise NotFoundError(_l("No minutes have been written for this conference yet."))
    return revision


# --- generating ----------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md(text: str | None) -> str:
    """Recorded text (titles, names) placed in Markdown reads as written, never as markup."""
    value = _SPECIAL.sub(r"\\\1", documents.clean(text or "").replace("\n", " ").strip())
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", value)


def _hm(value: datetime | None, conference: Conference) -> str:
    return value.astimezone(conference.tz).strftime("%H:%M") if value else ""


def _span(start: datetime | None, end: datetime | None, conference: Conference) -> str:
    if start and end:
        return f"{_hm(start, conference)}–{_hm(end, conference)}"
    if start:
        return _("from %(time)s", time=_hm(start, conference))
    return ""


def site_connections(conference: Conference) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """Per site, the spells it was connected, from the audit of its joins and leaves.

    A site may hold several sockets at once (a second screen); a spell lasts from its
    first join until its last socket left."""
    entries = db.session.execute(
        select(AuditEntry.object_id, AuditEntry.action, AuditEntry.at)
        .where(
            AuditEntry.object_type == Site.__tablename__,
            AuditEntry.action.in_(("site.join", "site.leave")),
            AuditEntry.object_id.in_(select(Site.id).where(Site.conference_id == conference.id)),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    spells: dict[int, list[tuple[datetime, datetime | None]]] = {}
    open_count: dict[int, int] = {}
    for site_id, action, at in entries:
        count = open_count.get(site_id, 0)
        runs = spells.setdefault(site_id, [])
        if action == "site.join":
            if count == 0:
                runs.append((at, None))
            open_count[site_id] = count + 1
        elif count > 0:
            open_count[site_id] = count - 1
            if count == 1:
                runs[-1] = (runs[-1][0], at)
    return spells


def _floor(conference: Conference) -> list[FloorRequest]:
    return list(
        db.session.scalars(
            select(FloorRequest)
            .where(
                FloorRequest.conference_id == conference.id, FloorRequest.granted_at.is_not(None)
            )
            .options(selectinload(FloorRequest.user), selectinload(FloorRequest.site))
            .order_by(FloorRequest.granted_at, FloorRequest.id)
        )
    )


def _speaker(request: FloorRequest) -> str:
    if request.site is not None:
        return _("%(site)s (remote site)", site=md(request.site.name))
    if request.user is not None:
        return md(request.user.full_name)
    return _("a delegate")


def _spoke(request: FloorRequest, conference: Conference) -> str:
    """“Lê Thị Hoa (15:52–15:58)”, “Điểm cầu ... (remote site, 16:10–16:16)”."""
    time = _span(request.granted_at, request.ended_at, conference)
    if request.site is not None:
        return _("%(site)s (remote site, %(time)s)", site=md(request.site.name), time=time)
    return f"{_speaker(request)} ({time})"


def generate_markdown(conference: Conference) -> str:
    """The minutes as Markdown, from the record, in the document's language."""
    with force_locale(documents.DOCUMENT_LANG):
        return _generate(conference)


def _generate(conference: Conference) -> str:
    agenda = notices.agenda_items(conference)
    tz_items = [i for i in agenda if i.started_at]
    started = min((i.started_at for i in tz_items), default=None) or conference.starts_at
    ended = max((i.ended_at for i in tz_items if i.ended_at), default=None) or conference.ends_at
    day = started.astimezone(conference.tz).date()
    lines: list[str] = []
    add = lines.append

    # I. Time, place, form
    sites = list(
        db.session.scalars(
            select(Site)
            .where(Site.conference_id == conference.id)
            .options(selectinload(Site.unit))
            .order_by(Site.id)
        )
    )
    add("## " + _("I. Time, place and form"))
    add("")
    add(
        "- "
        + _(
            "Time: from %(start)s to %(end)s on %(day)s.",
            start=_hm(started, conference),
            end=_hm(ended, conference),
            day=day.strftime("%d/%m/%Y"),
        )
    )
    if conference.venue:
        add("- " + _("Place: %(venue)s.", venue=md(conference.venue)))
    if sites:
        add(
            "- "
            + ngettext(
                "Form: in the room, joined online by %(num)d remote site.",
                "Form: in the room, joined online by %(num)d remote sites.",
                len(sites),
            )
        )
    add("")

    # II. Attendance
    add("## " + _("II. Attendance"))
    add("")
    chair = notices.person_label(conference.chair)
    if chair:
        add("- " + _("Chair: %(name)s.", name=md(chair)))
    secretaries = [
        p
        for p in conference.participants
        if p.role == ConferenceRole.secretary and p.user is not None
    ]
    for p in secretaries:
        add("- " + _("Secretary: %(name)s.", name=md(_person(p.user))))
    add("")
    add("### " + _("In the room"))
    add("")
    in_room = [p for p in conference.participants if p.attendance == Attendance.in_room]
    site_units = {s.unit_id for s in sites}
    groups: dict[int, list[Participant]] = {}
    for p in in_room:
        if p.unit_id not in site_units or p.user_id is not None:
            groups.setdefault(p.unit_id, []).append(p)
    if not groups:
        add("- " + _("Nobody was recorded in the room."))
    host = conference.host_unit_id
    for _unit_id, members in sorted(
        groups.items(), key=lambda kv: (kv[0] != host, kv[1][0].unit.code)
    ):
        unit = members[0].unit
        add(
            f"- **{md(unit.name_vi)}**: "
            + "; ".join(_attendee(p, conference) for p in members)
            + "."
        )
    add("")
    add("### " + _("At the remote sites"))
    add("")
    spells = site_connections(conference)
    if not sites:
        remote = [p for p in conference.participants if p.attendance == Attendance.remote]
        if not remote:
            add("- " + _("No remote site took part."))
        for p in remote:
            add(f"- **{md(p.unit.name_vi)}**: " + _attendee(p, conference) + ".")
    for site in sites:
        runs = spells.get(site.id, [])
        place = f" ({md(site.unit.city)})" if site.unit is not None and site.unit.city else ""
        if runs:
            times = ", ".join(_span(a, b, conference) for a, b in runs)
            text = _("connected %(times)s", times=times)
        else:
            text = _("did not connect")
        add(f"- **{md(site.name)}**{place}: {text}.")
    add("")

    # III. Proceedings: the agenda as it ran
    add("## " + _("III. Proceedings"))
    add("")
    _taken, drafts = notices.reviewed(conference, agenda)
    floor = _floor(conference)
    by_item: dict[int | None, list[FloorRequest]] = {}
    for request in floor:
        by_item.setdefault(request.agenda_item_id, []).append(request)
    drafts_by_item: dict[int | None, list] = {}
    for draft, vote in drafts:
        drafts_by_item.setdefault(draft.agenda_item_id, []).append((draft, vote))
    known = {i.id for i in agenda}
    for item in agenda:
        span = _span(item.started_at, item.ended_at, conference)
        heading = f"### {item.position}. {md(item.title)}"
        if item.status == ItemStatus.skipped:
            heading += " " + _("(not taken up)")
        elif span:
            heading += f" ({span})"
        add(heading)
        add("")
        if item.presenter_label:
            add("- " + _("Presented by: %(name)s.", name=md(item.presenter_label)))
        if item.status != ItemStatus.skipped and (item.started_at or item.elapsed_seconds):
            actual = round(item.elapsed_seconds / 60) if item.elapsed_seconds else None
            if actual is not None:
                add(
                    "- "
                    + _(
                        "Time: %(planned)d minutes planned, %(actual)d minutes taken.",
                        planned=item.planned_minutes,
                        actual=actual,
                    )
                )
        speakers = by_item.get(item.id, [])
        if speakers:
            add(
                "- "
                + _(
                    "Took the floor: %(speakers)s.",
                    speakers="; ".join(_spoke(r, conference) for r in speakers),
                )
            )
        for draft, vote in drafts_by_item.get(item.id, []):
            add("- " + md(notices.vote_sentence(draft, vote)))
        add("")
    loose_speakers = [r for key, rs in by_item.items() if key not in known for r in rs]
    loose_drafts = [d for key, ds in drafts_by_item.items() if key not in known for d in ds]
    if loose_speakers or loose_drafts:
        add("### " + _("Outside the agenda items"))
        add("")
        for request in loose_speakers:
            add(
                "- "
                + _(
                    "%(speaker)s took the floor (%(time)s).",
                    speaker=_speaker(request),
                    time=_span(request.granted_at, request.ended_at, conference),
                )
            )
        for draft, vote in loose_drafts:
            add("- " + md(notices.vote_sentence(draft, vote)))
        add("")

    # IV. The chair's conclusions
    add("## " + _("IV. Conclusions of the chair"))
    add("")
    directives = notices.confirmed_directives(conference)
    if not directives:
        add(_("No directive was confirmed."))
    for directive in directives:
        runs = notices.directive_runs(notices.directive_snapshot(directive))
        text, details = runs[0].text.strip(), runs[1].text
        number, _dot, rest = text.partition(". ")
        add(f"{number}. {md(rest)} *{md(details)}*")
    drafts_left = db.session.scalar(
        select(func.count())
        .select_from(Directive)
        .where(Directive.conference_id == conference.id, Directive.state == DirectiveState.draft)
    )
    if drafts_left:
        add("")
        add(
            ngettext(
                "%(num)d directive recorded during the meeting is not confirmed yet.",
                "%(num)d directives recorded during the meeting are not confirmed yet.",
                drafts_left,
            )
        )
    add("")
    add(_("The conference ended at %(time)s.", time=_hm(ended, conference)))
    return "\n".join(lines).strip() + "\n"


def _person(user: User) -> str:
    return f"{user.full_name} ({user.position})" if user.position else user.full_name


def _attendee(p: Participant, conference: Conference) -> str:
    if p.user is not None:
        who = md(_person(p.user))
    elif p.headcount and p.headcount > 1:
        who = _("delegation of %(n)d", n=p.headcount)
    else:
        who = _("delegation")
    if p.substitute_name:
        who += " " + _("(represented by %(name)s)", name=md(p.substitute_name))
    if p.checked_in_at is not None:
        who += ", " + _("checked in at %(time)s", time=_hm(p.checked_in_at, conference))
    elif p.rsvp == Rsvp.declined:
        who += ", " + _("absent (declined)")
    return who


# --- saving --------------------------------------------------------------------------------


def _lock(conference: Conference) -> None:
    """Serialize saves of one conference's minutes (PostgreSQL row lock; SQLite writes one
    at a time), so that two saves never take the same revision number."""
    db.session.execute(
        select(Conference.id).where(Conference.id == conference.id).with_for_update()
    )


def _next_number(conference: Conference) -> int:
    return (
        db.session.scalar(
            select(func.max(MinutesRevision.number)).where(
                MinutesRevision.conference_id == conference.id
            )
        )
        or 0
    ) + 1


def _add(
    conference: Conference, actor: User, body: str, *, generated: bool, note: str | None, now=None
):
    revision = MinutesRevision(
        conference_id=conference.id,
        number=_next_number(conference),
        body=body,
        generated=generated,
        note=note,
        saved_by_id=actor.id,
        saved_at=now or utcnow(),
    )
    db.session.add(revision)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "minutes.generate" if generated else "minutes.save",
        revision,
        conference_id=conference.id,
        number=revision.number,
    )
    return revision


def generate_minutes(*, actor: User, conference: Conference, note=None) -> MinutesRevision:
    """A new revision generated from the record; earlier revisions stay as they were."""
    _require_writer(actor, conference)
    note = validation.text(note, "note", max_length=MAX_NOTE, required=False)
    _lock(conference)
    body = generate_markdown(conference)
    return _add(conference, actor, body, generated=True, note=note)


def save_minutes(
    *, actor: User, conference: Conference, body, note=None, base=None
) -> MinutesRevision:
    """Save the edited text as a new revision. `base` is the revision the person edited
    (None when there was none): a save made on an older one is refused, nothing stored."""
    _require_writer(actor, conference)
    errors: dict[str, list] = {}
    try:
        body = validation.text(body, "body", max_length=MAX_BODY)
    except ValidationError as error:
        errors.update(error.field_errors)
    try:
        note = validation.text(note, "note", max_length=MAX_NOTE, required=False)
    except ValidationError as error:
        errors.update(error.field_errors)
    if isinstance(base, str):
        base = int(base) if base.strip().isdigit() else (None if not base.strip() else -1)
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 0):
        errors.setdefault("base", []).append(_l("Unknown revision."))
    if errors:
        raise ValidationError(field_errors=errors)
    _lock(conference)
    current = latest(conference)
    current_number = current.number if current is not None else None
    if base != current_number:
        raise ConflictError(stale_message(current_number or 0))
    body = documents.clean(body).replace("\r\n", "\n")
    if current is not None and current.body.strip() == body.strip():
        raise ValidationError.on(
            "body",
            _l("Nothing changed since revision %(n)d: there is nothing to save.", n=current.number),
        )
    return _add(conference, actor, body, generated=False, note=note)


# --- showing and exporting -----------------------------------------------------------------

_page_markdown = None


def render(body: str) -> Markup:
    """The minutes as safe HTML: headings, lists, emphasis; nothing a person typed runs."""
    global _page_markdown
    import nh3
    from markdown_it import MarkdownIt

    if _page_markdown is None:
        _page_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
            ["image"]
        )
    html = _page_markdown.render(documents.clean(body))
    return Markup(
        nh3.clean(
            html,
            tags={
                "h1",
                "h2",
                "h3",
                "h4",
                "h5",
                "h6",
                "p",
                "br",
                "strong",
                "em",
                "ul",
                "ol",
                "li",
                "blockquote",
                "code",
                "pre",
                "hr",
                "a",
            },
            attributes={"a": {"href"}, "ol": {"start"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow",
        )
    )


def document(conference: Conference, revision: MinutesRevision) -> documents.OfficialDocument:
    host = conference.host_unit
    root = notices._root(host)
    day: date = notices.conference_day(conference)
    secretary = next(
        (p.user for p in conference.participants if p.role == ConferenceRole.secretary and p.user),
        None,
    )
    return documents.OfficialDocument(
        parent_body=root.name_vi if root.id != host.id else "",
        issuing_body=host.name_vi,
        reference=documents.reference_line(
            None, f"BB-{re.sub(r'[^A-Z0-9Đ-]', '', host.code.upper())}"
        ),
        place_date=documents.place_date(host.city or root.city or "", day),
        kind=documents.MINUTES_KIND,
        title_lines=[documents.clean(conference.title)],
        blocks=documents.markdown_blocks(revision.body),
        signers=[
            documents.Signer([SECRETARY_SIGN], secretary.full_name if secretary else ""),
            documents.Signer([CHAIR_SIGN], conference.chair.full_name if conference.chair else ""),
        ],
        properties={
            "title": f"{documents.MINUTES_KIND.capitalize()} – {documents.clean(conference.title)}",
            "subject": documents.clean(conference.title),
            "author": documents.clean(host.name_vi),
        },
    )


def download_name(conference: Conference, revision: MinutesRevision, extension: str) -> str:
    with force_locale(documents.DOCUMENT_LANG):
        title = documents.clean(conference.title).replace("/", "-").replace("\\", "-")[:80].strip()
        stem = _("Minutes - %(title)s - revision %(n)d", title=title, n=revision.number)
    return uploads.clean_filename(f"{stem}.{extension}")
