"""A draft at the meeting: its discussion points, and the chair's adoption vote.

The draft "under discussion" is the one attached to the running agenda item.
Its discussion points are the paragraphs of its latest version that still carry
contested comments (open: top-level, not orphaned, and without a disposition or
with a challenged one).

The vote: the chair (or an organizer) opens it, one open vote per conference at
a time. Each unit present answers once, and may change its answer until the
vote closes: an in-room delegate answers for their unit, a remote site for its
site's unit. The secretary (or the chair) enters the room's hand count. On
closing, the present units are taken from live presence: units with a live
connection of one of their delegates or of their connected site, units whose
hall delegation was checked in, plus the units that answered (they were present when they did; a slow link dropping a moment
later does not erase their answer). Quorum is more than half of the invited
units; the draft is adopted when the present units reach the quorum and the
"agree" answers (with or without comments) outnumber the "disagree" ones,
counting unit ballots and the room's hands together.

The actor is a live Viewer (a person, or a remote site). Every change appends a
"vote" live event in the same transaction: {vote: Vote} for a ballot or a hand
count, {vote: Vote, drafts: [DraftPanel]} when a vote opens or closes (the
discussion points are refreshed then too). The live snapshot carries the
section as "adoption": {drafts, vote, me}.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from meetings import audit
from meetings.accounts.models import Unit
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Attendance, Conference, ConferenceRole, ConferenceStatus
from meetings.db import utcnow
from meetings.drafts import permissions
from meetings.drafts.models import (
    AdoptionVote,
    Ballot,
    Circulation,
    Comment,
    Disposition,
    Draft,
    DraftVersion,
    Paragraph,
    VoteAnswer,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.live import state
from meetings.live.events import iso, publish
from meetings.live.services import Viewer

EXCERPT = 140  # characters of a paragraph shown as a discussion point
MAX_POINTS = 40  # per draft in the live room (the rest is on the draft page)
MAX_HANDS = 10_000
ANSWERS = tuple(a.value for a in VoteAnswer)

DRAFT_NOT_FOUND = _l("This draft does not exist in this conference.")
VOTE_NOT_FOUND = _l("This vote does not exist in this conference.")


# --- who may do what -------------------------------------------------------------------


def _require(allowed: bool, message) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


def _require_live(conference: Conference) -> None:
    if conference.status != ConferenceStatus.live:
        raise InvalidStateError(_l("Votes are taken while the conference is live."))


def can_call(viewer: Viewer, conference: Conference) -> bool:
    """Open and close a vote: the chair and the organizers."""
    return viewer.user is not None and viewer.can_control(conference)


def can_count(viewer: Viewer, conference: Conference) -> bool:
    """Enter the room's hand count: the secretary, the chair and the organizers."""
    return viewer.user is not None and (
        viewer.can_control(conference) or ConferenceRole.secretary in viewer.roles(conference)
    )


def invited_unit_ids(conference: Conference) -> set[int]:
    """The units taking part (observers do not vote)."""
    return {p.unit_id for p in conference.participants if p.role != ConferenceRole.observer}


def voting_unit_id(viewer: Viewer, conference: Conference) -> int | None:
    """The unit this viewer answers for: a site's unit, or a delegate's own unit; else None."""
    invited = invited_unit_ids(conference)
    if viewer.site is not None:
        site = viewer.site
        valid = site.conference_id == conference.id and site.is_valid_at(utcnow())
        return site.unit_id if valid and site.unit_id in invited else None
    user = viewer.user
    if user is None or not user.active or user.unit_id not in invited:
        return None
    return user.unit_id if viewer.roles(conference) - {ConferenceRole.observer} else None


def connected_unit_ids(conference: Conference, now: datetime | None = None) -> set[int]:
    """Units with a live connection now: one of their delegates, or their connected site."""
    now = now or utcnow()
    present: set[int] = set()
    for connection in state.live_connections(conference.id, now):
        if connection.site is not None:
            viewer = Viewer(site=connection.site)
        elif connection.user is not None:
            viewer = Viewer(user=connection.user)
        else:
            continue
        unit_id = voting_unit_id(viewer, conference)
        if unit_id is not None:
            present.add(unit_id)
    return present


def quorum_of(invited: int) -> int:
    """More than half of the invited units."""
    return invited // 2 + 1


def room_headcount(conference: Conference) -> int:
    """People in the room: those checked in, or (when nobody was checked in) those invited."""
    in_room = [p for p in conference.participants if p.attendance == Attendance.in_room]
    checked_in = [p for p in in_room if p.checked_in]
    return sum(p.headcount for p in (checked_in or in_room))


# --- drafts and their discussion points ---------------------------------------------------


def drafts_for_item(conference: Conference, item: AgendaItem | None) -> list[Draft]:
    """The conference's drafts attached to an agenda item (none for no item)."""
    if item is None or item.conference_id != conference.id:
        return []
    return list(
        db.session.scalars(
            select(Draft)
            .where(Draft.conference_id == conference.id, Draft.agenda_item_id == item.id)
            .options(selectinload(Draft.versions))
            .order_by(Draft.id)
        )
    )


def _open_comments():
    """Top-level comments still contested: not orphaned, and no disposition or a challenged one."""
    return (
        select(Comment)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .where(
            Comment.parent_id.is_(None),
            Comment.orphaned_in_id.is_(None),
            or_(Disposition.id.is_(None), Disposition.challenged.is_(True)),
        )
    )


def discussion_points(draft: Draft) -> list[tuple[Paragraph, list[Comment]]]:
    """The paragraphs of the latest version with their open comments, in text order."""
    latest = draft.latest
    if latest is None:
        return []
    comments = db.session.scalars(
        _open_comments()
        .where(Comment.draft_id == draft.id)
        .options(selectinload(Comment.unit), selectinload(Comment.disposition))
        .order_by(Comment.id)
    ).all()
    by_anchor: dict[str, list[Comment]] = defaultdict(list)
    for comment in comments:
        by_anchor[comment.anchor].append(comment)
    if not by_anchor:
        return []
    paragraphs = db.session.scalars(
        select(Paragraph)
        .where(Paragraph.version_id == latest.id, Paragraph.anchor.in_(list(by_anchor)))
        .order_by(Paragraph.position)
    ).all()
    return [(p, by_anchor[p.anchor]) for p in paragraphs]


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def drafts_state(conference: Conference) -> list[dict]:
    """The drafts attached to agenda items, for the live room: title, item, discussion
    points with their counts, and the result of the latest closed vote. Five queries
    at most, whatever the number of drafts, paragraphs and comments."""
    drafts = db.session.scalars(
        select(Draft)
        .where(Draft.conference_id == conference.id, Draft.agenda_item_id.is_not(None))
        .order_by(Draft.id)
    ).all()
    if not drafts:
        return []
    ids = [d.id for d in drafts]
    latest: dict[int, tuple[int, int]] = {}  # draft id -> (version id, number)
    for version_id, draft_id, number in db.session.execute(
        select(DraftVersion.id, DraftVersion.draft_id, DraftVersion.number).where(
            DraftVersion.draft_id.in_(ids)
        )
    ):
        if draft_id not in latest or number > latest[draft_id][1]:
            latest[draft_id] = (version_id, number)
    counts: dict[tuple[int, str], int] = {}
    for draft_id, anchor, n in db.session.execute(
        _open_comments()
        .where(Comment.draft_id.in_(ids))
        .with_only_columns(Comment.draft_id, Comment.anchor, func.count(Comment.id))
        .group_by(Comment.draft_id, Comment.anchor)
    ):
        counts[(draft_id, anchor)] = n
    points: dict[int, list[dict]] = defaultdict(list)
    if counts and latest:
        draft_of_version = {version_id: draft_id for draft_id, (version_id, _n) in latest.items()}
        for paragraph in db.session.scalars(
            select(Paragraph)
            .where(
                Paragraph.version_id.in_(list(draft_of_version)),
                Paragraph.anchor.in_({anchor for _d, anchor in counts}),
            )
            .order_by(Paragraph.position)
        ):
            draft_id = draft_of_version[paragraph.version_id]
            n = counts.get((draft_id, paragraph.anchor))
            if n:
                points[draft_id].append(
                    {
                        "n": paragraph.position,
                        "anchor": paragraph.anchor,
                        "text": _excerpt(paragraph.text),
                        "count": n,
                    }
                )
    results: dict[int, AdoptionVote] = {}
    for vote in db.session.scalars(
        select(AdoptionVote)
        .where(AdoptionVote.draft_id.in_(ids), AdoptionVote.closed_at.is_not(None))
        .options(selectinload(AdoptionVote.ballots))
        .order_by(AdoptionVote.id)
    ):
        results[vote.draft_id] = vote
    invited = len(invited_unit_ids(conference)) if results else 0
    out = []
    for draft in drafts:
        if draft.id not in latest:
            continue
        listed = points.get(draft.id, [])
        result = results.get(draft.id)
        out.append(
            {
                "id": draft.id,
                "title": draft.title,
                "item_id": draft.agenda_item_id,
                "version": latest[draft.id][1],
                "points": listed[:MAX_POINTS],
                "points_total": len(listed),
                "contested": sum(p["count"] for p in listed),
                "result": _result(result, invited) if result is not None else None,
            }
        )
    return out


# --- the vote as the room sees it --------------------------------------------------------


def tally(vote: AdoptionVote) -> dict:
    """Unit ballots, the room's hands, and their sums, per answer."""
    units = {answer: 0 for answer in ANSWERS}
    for ballot in vote.ballots:
        units[ballot.answer.value] += 1
    counted = vote.room_agree is not None
    room = {
        "agree": vote.room_agree or 0,
        "agree_with_comments": vote.room_agree_with_comments or 0,
        "disagree": vote.room_disagree or 0,
    }
    return {
        "units": units,
        "room": room if counted else None,
        "totals": {answer: units[answer] + room[answer] for answer in ANSWERS},
    }


def _adopted(totals: dict, present: int, quorum: int) -> bool:
    return (
        present >= quorum and totals["agree"] + totals["agree_with_comments"] > totals["disagree"]
    )


def _result(vote: AdoptionVote, invited: int) -> dict:
    return {
        "vote_id": vote.id,
        "adopted": bool(vote.adopted),
        "closed_at": iso(vote.closed_at),
        "totals": tally(vote)["totals"],
        "present_units": vote.present_units,
        "quorum": vote.quorum,
        "invited_units": invited,
    }


def vote_state(vote: AdoptionVote, conference: Conference) -> dict:
    draft = db.session.get(Draft, vote.draft_id)
    version = db.session.get(DraftVersion, vote.version_id)
    counted = tally(vote)
    return {
        "id": vote.id,
        "draft_id": vote.draft_id,
        "draft_title": draft.title if draft is not None else "",
        "version": version.number if version is not None else None,
        "status": "open" if vote.closed_at is None else "closed",
        "opened_at": iso(vote.opened_at),
        "closed_at": iso(vote.closed_at),
        "ballots": [
            {
                "unit_id": b.unit_id,
                "unit": b.unit.code,
                "name": b.unit.name_vi,
                "answer": b.answer.value,
                "from": "site" if b.site_id else "room",
            }
            for b in vote.ballots
        ],
        **counted,
        "invited_units": len(invited_unit_ids(conference)),
        "present_units": vote.present_units,
        "quorum": vote.quorum,
        "quorum_met": (vote.present_units or 0) >= (vote.quorum or 1),
        "adopted": vote.adopted,
    }


def current_vote(conference: Conference) -> AdoptionVote | None:
    """The open vote of the conference, else its latest closed one."""
    return db.session.scalar(
        select(AdoptionVote)
        .join(Draft, Draft.id == AdoptionVote.draft_id)
        .where(Draft.conference_id == conference.id)
        .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
        .order_by(AdoptionVote.closed_at.is_not(None), AdoptionVote.id.desc())
        .limit(1)
    )


def open_vote_of(conference: Conference) -> AdoptionVote | None:
    return db.session.scalar(
        select(AdoptionVote)
        .join(Draft, Draft.id == AdoptionVote.draft_id)
        .where(Draft.conference_id == conference.id, AdoptionVote.closed_at.is_(None))
        .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
    )


def viewer_state(viewer: Viewer, conference: Conference, drafts: list[dict]) -> dict:
    """What this viewer may do, and which of the drafts' pages they may open."""
    unit_id = voting_unit_id(viewer, conference)
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    readable: list[int] = []
    if viewer.user is not None and drafts:
        loaded = db.session.scalars(
            select(Draft)
            .where(Draft.id.in_([d["id"] for d in drafts]))
            .options(
                selectinload(Draft.versions)
                .selectinload(DraftVersion.circulations)
                .selectinload(Circulation.recipients)
            )
        ).all()
        readable = [d.id for d in loaded if permissions.can_see_draft(viewer.user, d, conference)]
    return {
        "unit_id": unit_id,
        "unit": unit.code if unit is not None else None,
        "unit_name": unit.name_vi if unit is not None else None,
        "can_call": can_call(viewer, conference),
        "can_count": can_count(viewer, conference),
        "readable": readable,
    }


def live_state(conference: Conference, viewer: Viewer) -> dict:
    """The snapshot's "adoption" section."""
    drafts = drafts_state(conference)
    vote = current_vote(conference)
    return {
        "drafts": drafts,
        "vote": vote_state(vote, conference) if vote is not None else None,
        "me": viewer_state(viewer, conference, drafts),
    }


def _publish(conference: Conference, vote: AdoptionVote, *, with_drafts: bool = False) -> None:
    data = {"vote": vote_state(vote, conference)}
    if with_drafts:
        data["drafts"] = drafts_state(conference)
    publish(conference.id, "vote", data)


def publish_drafts(conference: Conference) -> None:
    """Send fresh discussion points to the live room (e.g. after a disposition during the
    meeting); the vote rides along unchanged."""
    vote = current_vote(conference)
    publish(
        conference.id,
        "vote",
        {
            "vote": vote_state(vote, conference) if vote is not None else None,
            "drafts": drafts_state(conference),
        },
    )


def comments_changed(draft: Draft, conference: Conference) -> None:
    """A comment or an answer to one changed: while the meeting is live, a draft on the
    agenda sends the room its fresh discussion points (in the same transaction)."""
    if conference.status == ConferenceStatus.live and draft.agenda_item_id is not None:
        publish_drafts(conference)


# --- loading ---------------------------------------------------------------------------------


def get_draft(conference: Conference, draft_id) -> Draft:
    draft = db.session.get(Draft, draft_id) if _is_id(draft_id) else None
    if draft is None or draft.conference_id != conference.id:
        raise NotFoundError(DRAFT_NOT_FOUND)
    return draft


def get_vote(conference: Conference, vote_id) -> AdoptionVote:
    vote = (
        db.session.scalar(
            select(AdoptionVote)
            .where(AdoptionVote.id == vote_id)
            .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
        )
        if _is_id(vote_id)
        else None
    )
    if vote is None or db.session.get(Draft, vote.draft_id).conference_id != conference.id:
        raise NotFoundError(VOTE_NOT_FOUND)
    return vote


def votes_for_draft(draft: Draft) -> list[dict]:
    """The draft's votes, newest first, for the draft page: [{vote, version, tally}]."""
    votes = db.session.scalars(
        select(AdoptionVote)
        .where(AdoptionVote.draft_id == draft.id)
        .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
        .order_by(AdoptionVote.id.desc())
    ).all()
    numbers = {v.id: v.number for v in draft.versions}
    return [
        {"vote": vote, "version": numbers.get(vote.version_id), **tally(vote)} for vote in votes
    ]


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _lock_conference(conference: Conference) -> None:
    """Serialize votes of one conference (PostgreSQL row lock; SQLite writes one at a time)."""
    db.session.execute(
        select(Conference.id).where(Conference.id == conference.id).with_for_update()
    )


def _lock_open(vote: AdoptionVote, conference: Conference) -> None:
    """Take the conference's lock, then reread the vote and its ballots as committed now: a
    close or a ballot made while this request waited is seen, not overwritten."""
    _lock_conference(conference)
    db.session.execute(
        select(AdoptionVote)
        .where(AdoptionVote.id == vote.id)
        .options(selectinload(AdoptionVote.ballots).selectinload(Ballot.unit))
        .execution_options(populate_existing=True)
    ).scalar_one()
    _open(vote)


# --- the vote ------------------------------------------------------------------------------


def open_vote(*, viewer: Viewer, conference: Conference, draft: Draft) -> AdoptionVote:
    """The chair calls the adoption vote on the draft's latest version."""
    _require(can_call(viewer, conference), _l("Only the chair may call a vote."))
    _require_live(conference)
    if draft.conference_id != conference.id:
        raise NotFoundError(DRAFT_NOT_FOUND)
    latest = draft.latest
    if latest is None:
        raise InvalidStateError(_l("This draft has no version to vote on."))
    _lock_conference(conference)
    running = open_vote_of(conference)
    if running is not None:
        title = db.session.get(Draft, running.draft_id).title
        raise ConflictError(
            _l("A vote is already open (on “%(title)s”): close it first.", title=title)
        )
    vote = AdoptionVote(
        draft_id=draft.id,
        version_id=latest.id,
        opened_by_id=viewer.user.id,
        opened_at=utcnow(),
        quorum=quorum_of(len(invited_unit_ids(conference))),
        present_units=len(connected_unit_ids(conference) | checked_in_unit_ids(conference)),
    )
    db.session.add(vote)
    db.session.flush()
    audit.record(db.session, viewer.user, "vote.open", vote, draft=draft.id, version=latest.number)
    _publish(conference, vote, with_drafts=True)
    return vote


def _open(vote: AdoptionVote) -> None:
    if vote.closed_at is not None:
        raise InvalidStateError(_l("This vote is closed."))


def _parse_answer(value) -> VoteAnswer:
    try:
        return VoteAnswer(value)
    except (ValueError, TypeError):
        raise ValidationError.on(
            "answer", _l("Answer agree, agree with comments or disagree.")
        ) from None


def checked_in_unit_ids(conference: Conference) -> set[int]:
    """Units whose delegation in the hall was checked in (a hall delegation may have no
    device online: the secretariat's check-in is its presence)."""
    return {
        p.unit_id
        for p in conference.participants
        if p.attendance == Attendance.in_room
        and p.checked_in
        and p.role != ConferenceRole.observer
        and p.unit_id is not None
    }


def _present(vote: AdoptionVote, conference: Conference) -> set[int]:
    """Units present for this vote: connected now, checked in in the hall, or having
    answered it."""
    return (
        connected_unit_ids(conference)
        | checked_in_unit_ids(conference)
        | {b.unit_id for b in vote.ballots}
    )


def cast_ballot(*, viewer: Viewer, conference: Conference, vote: AdoptionVote, answer) -> Ballot:
    """The viewer's unit answers (or changes its answer) while the vote is open."""
    unit_id = voting_unit_id(viewer, conference)
    _require(
        unit_id is not None,
        _l("Only the delegates of the invited units and the remote sites may vote."),
    )
    answer = _parse_answer(answer)
    _require_live(conference)
    _open(vote)
    connected = connected_unit_ids(conference)
    if unit_id not in connected:
        raise InvalidStateError(_l("Your unit is not present in the live room: join it to answer."))
    # One ballot per unit: its delegates and its site answering at once queue here.
    _lock_open(vote, conference)
    who = {
        "user_id": viewer.user.id if viewer.user else None,
        "site_id": viewer.site.id if viewer.site else None,
    }
    ballot = next((b for b in vote.ballots if b.unit_id == unit_id), None)
    if ballot is None:
        ballot = Ballot(unit_id=unit_id, answer=answer)
        ballot.unit = db.session.get(Unit, unit_id)
        vote.ballots.append(ballot)
    ballot.answer = answer
    ballot.cast_at = utcnow()
    ballot.user_id, ballot.site_id = who["user_id"], who["site_id"]
    vote.present_units = len(
        connected | checked_in_unit_ids(conference) | {b.unit_id for b in vote.ballots}
    )
    db.session.flush()
    audit.record(
        db.session, viewer.user, "vote.ballot", vote, unit=unit_id, answer=answer.value, **who
    )
    _publish(conference, vote)
    return ballot


def _hands(value, field: str) -> int:
    if not _is_id(value) or value < 0:
        raise ValidationError.on(field, _l("Enter a whole number, 0 or more."))
    if value > MAX_HANDS:
        raise ValidationError.on(field, _l("That is more people than the room holds."))
    return value


def record_hand_count(
    *,
    viewer: Viewer,
    conference: Conference,
    vote: AdoptionVote,
    agree,
    agree_with_comments,
    disagree,
) -> AdoptionVote:
    """The room's raised hands, counted by the secretary (or the chair); may be corrected
    until the vote closes."""
    _require(
        can_count(viewer, conference),
        _l("Only the secretary or the chair may enter the room's hand count."),
    )
    _require_live(conference)
    _open(vote)
    counts = {
        "agree": _hands(agree, "agree"),
        "agree_with_comments": _hands(agree_with_comments, "agree_with_comments"),
        "disagree": _hands(disagree, "disagree"),
    }
    limit = room_headcount(conference)
    if sum(counts.values()) > limit:
        message = _l(
            "%(total)d hands counted, but the room has %(limit)d people: check the count.",
            total=sum(counts.values()),
            limit=limit,
        )
        raise ValidationError(message, field_errors={name: [message] for name in counts})
    _lock_open(vote, conference)
    vote.room_agree = counts["agree"]
    vote.room_agree_with_comments = counts["agree_with_comments"]
    vote.room_disagree = counts["disagree"]
    vote.present_units = len(_present(vote, conference))
    db.session.flush()
    audit.record(db.session, viewer.user, "vote.hand_count", vote, **counts)
    _publish(conference, vote)
    return vote


def close_vote(*, viewer: Viewer, conference: Conference, vote: AdoptionVote) -> AdoptionVote:
    """Close the vote: presence and quorum are taken now, the result is stored and sent."""
    _require(can_call(viewer, conference), _l("Only the chair may close a vote."))
    _open(vote)
    _lock_open(vote, conference)
    present = len(_present(vote, conference))
    quorum = quorum_of(len(invited_unit_ids(conference)))
    vote.closed_at = utcnow()
    vote.present_units = present
    vote.quorum = quorum
    vote.adopted = _adopted(tally(vote)["totals"], present, quorum)
    db.session.flush()
    audit.record(
        db.session,
        viewer.user,
        "vote.close",
        vote,
        adopted=vote.adopted,
        present=present,
        quorum=quorum,
    )
    _publish(conference, vote, with_drafts=True)
    return vote


def refresh_presence(conference: Conference) -> None:
    """After someone joined or left the live room: an open vote's count of present units
    follows (an event only when that count changed)."""
    vote = open_vote_of(conference)
    if vote is None:
        return
    present = len(_present(vote, conference))
    if present != vote.present_units:
        vote.present_units = present
        db.session.flush()
        _publish(conference, vote)


# --- the words live.js shows in the panel and on the display ------------------------------


DRAFT_ID = 987654321  # stands for the id in the draft page's address the script fills in


def live_strings() -> dict:
    from meetings.i18n import VOTE_ANSWER_LABELS

    return {
        "answers": {answer.value: str(label) for answer, label in VOTE_ANSWER_LABELS.items()},
        "title": _("Draft under discussion"),
        "open_draft": _("Open the draft"),
        "version": _("version %(n)s"),
        "points": _("Discussion points"),
        "no_points": _("No contested comments."),
        "point_comments": _("%(count)s contested"),
        "more_points": _("and %(count)s more on the draft page"),
        "paragraph": _("¶ %(n)s"),
        "vote": _("Adoption vote"),
        "call": _("Call the adoption vote"),
        "call_again": _("Vote again"),
        "confirm_close": _("Close the vote? The result is recorded with the units present now."),
        "close": _("Close the vote"),
        "open_elsewhere": _("A vote is open on another draft."),
        "no_vote": _("No vote yet."),
        "voting": _("Voting"),
        "your_unit": _("Your unit (%(unit)s) answers:"),
        "your_answer": _(
            "Your unit answered: %(answer)s. You may change it until the vote closes."
        ),
        "unit_ballots": _("Units"),
        "room_hands": _("Hands in the room"),
        "total": _("Total"),
        "not_counted": _("not counted yet"),
        "answered": _("%(answered)s of %(present)s units present answered"),
        "quorum": _("%(present)s units present · quorum %(quorum)s of %(invited)s"),
        "quorum_met": _("Quorum reached"),
        "quorum_missing": _("No quorum"),
        "hand_count": _("Hand count in the room"),
        "save_count": _("Save the count"),
        "adopted": _("Adopted"),
        "not_adopted": _("Not adopted"),
        "closed_at": _("closed at %(time)s"),
        "away_open": _("a vote on “%(title)s” is open"),
        "away_closed": _("the vote on “%(title)s” closed: %(result)s"),
        "draft_url": url_for("drafts.show", draft_id=DRAFT_ID).replace(str(DRAFT_ID), "{id}"),
    }
