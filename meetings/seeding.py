"""Load the seed case (seeds/*.json) through the services. Safe to run twice."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from meetings.accounts import services as accounts
from meetings.accounts.models import Unit, User
from meetings.agenda import services as agenda
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceStatus, Participant
from meetings.config import ROOT
from meetings.db import unit_of_work
from meetings.extensions import db
from meetings.live import services as live

SEEDS = ROOT / "seeds"
DEMO_PASSWORD_DEFAULT = "demo1234"


def _read(name: str, directory: Path) -> list[dict]:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def load_seed(directory: Path = SEEDS) -> dict:
    counts = {
        "units": 0,
        "users": 0,
        "conferences": 0,
        "participants": 0,
        "agenda_items": 0,
        "sites": 0,
    }
    with unit_of_work():
        units = _load_units(_read("units.json", directory), counts)
    with unit_of_work():
        users = _load_users(_read("users.json", directory), units, counts)
    for spec in _read("conferences.json", directory):
        with unit_of_work():
            _load_conference(spec, units, users, counts)
    return counts


def _load_units(specs: list[dict], counts: dict) -> dict[str, Unit]:
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    for spec in specs:
        if spec["code"] in units:
            continue
        data = {k: v for k, v in spec.items() if k != "parent"}
        if spec.get("parent"):
            data["parent_id"] = units[spec["parent"]].id
        units[spec["code"]] = accounts.create_unit(actor=None, data=data, system=True)
        counts["units"] += 1
    return units


def _load_users(specs: list[dict], units: dict[str, Unit], counts: dict) -> dict[str, User]:
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    users = {u.email: u for u in db.session.scalars(select(User))}
    for spec in specs:
        if spec["email"] in users:
            continue
        data = {k: v for k, v in spec.items() if k != "unit"}
        data.update(unit_id=units[spec["unit"]].id, password=password)
        users[spec["email"]] = accounts.create_user(actor=None, data=data, system=True)
        counts["users"] += 1
    return users


def _load_conference(
    spec: dict, units: dict[str, Unit], users: dict[str, User], counts: dict
) -> None:
    organizer = users[spec["organizer"]]
    starts_at = datetime.fromisoformat(spec["starts_at"])
    conference = db.session.scalar(select(Conference).where(Conference.title == spec["title"]))
    if conference is None:
        conference = conferences.create_conference(
            actor=organizer,
            data={
                "title": spec["title"],
                "kind": spec["kind"],
                "period_start": date.fromisoformat(spec["period_start"]),
                "period_end": date.fromisoformat(spec["period_end"]),
                "host_unit_id": units[spec["host_unit"]].id,
                "venue": spec["venue"],
                "starts_at": starts_at,
                "ends_at": datetime.fromisoformat(spec["ends_at"]),
                "timezone": spec["timezone"],
                "chair_id": users[spec["chair"]].id,
                "description": spec["description"],
            },
        )
        counts["conferences"] += 1

    invited_people = {p.user_id for p in conference.participants if p.user_id}
    invited_units = {p.unit_id for p in conference.participants if p.user_id is None}
    answers: list[tuple[Participant, dict]] = []
    for person in spec["people"]:
        user = users[person["user"]]
        if user.id in invited_people:
            continue
        participant = conferences.invite(
            actor=organizer,
            conference=conference,
            user_id=user.id,
            role=person["role"],
            attendance=person["attendance"],
        )
        answers.append((participant, person))
        counts["participants"] += 1
    for entry in spec["units"]:
        unit = units[entry["unit"]]
        if unit.id in invited_units:
            continue
        participant = conferences.invite(
            actor=organizer,
            conference=conference,
            unit_id=unit.id,
            role=entry["role"],
            attendance=entry["attendance"],
            headcount=entry.get("headcount"),
        )
        answers.append((participant, entry))
        counts["participants"] += 1

    if not conference.agenda_items:
        for entry in spec.get("agenda", []):
            data = {
                "title": entry["title"],
                "planned_minutes": entry["minutes"],
                "description": entry.get("description"),
            }
            if entry.get("presenter"):
                data["presenter_id"] = users[entry["presenter"]].id
            else:
                data["presenter_name"] = entry.get("presenter_name")
            agenda.add_item(
                actor=organizer,
                conference=conference,
                data=data,
                agenda_version=conference.agenda_version,
            )
            counts["agenda_items"] += 1
    with_site = {site.unit_id for site in conference.sites}
    for entry in spec.get("sites", []):
        unit = units[entry["unit"]]
        if unit.id not in with_site:
            live.create_site(
                actor=organizer,
                conference=conference,
                unit_id=unit.id,
                expected_headcount=entry["expected_headcount"],
                valid_days=365,
            )
            counts["sites"] += 1

    target = ConferenceStatus(spec["status"])
    if conference.status == ConferenceStatus.draft and target != ConferenceStatus.draft:
        conferences.change_status(
            actor=organizer, conference=conference, to=ConferenceStatus.scheduled
        )
    for participant, entry in answers:
        if entry.get("answer") and conference.status == ConferenceStatus.scheduled:
            conferences.answer_invitation(
                actor=organizer,
                conference=conference,
                participant=participant,
                answer=entry["answer"],
                substitute_name=entry.get("substitute_name"),
            )
    _load_drafts(spec.get("drafts", []), conference, units, users, counts)
    if spec.get("meeting") and conference.status == ConferenceStatus.scheduled:
        _replay_meeting(spec, conference, units, users, counts)


def _load_drafts(
    specs: list[dict], conference: Conference, units: dict[str, Unit], users: dict, counts: dict
) -> None:
    """The seed's draft reports, replayed in order: each version is written, circulated,
    commented on and answered, and the drafting unit answers the comments before the
    next version (which carries the open comments to their paragraphs)."""
    from meetings.drafts import services as drafts
    from meetings.drafts.models import Draft

    existing = set(
        db.session.scalars(select(Draft.title).where(Draft.conference_id == conference.id))
    )
    items = {item.position: item.id for item in conference.agenda_items}
    for spec in specs:
        if spec["title"] in existing:
            continue
        author = users[spec["author"]]
        draft = None
        for version_spec in spec["versions"]:
            round_ = version_spec.get("circulation")
            if version_spec.get("written_at"):
                written = _seed_time(version_spec["written_at"], conference)
            elif round_:
                written = _seed_time(round_["sent_at"], conference) - timedelta(hours=20)
            else:
                written = None
            if draft is None:
                draft = drafts.create_draft(
                    actor=author,
                    conference=conference,
                    data={
                        "title": spec["title"],
                        "drafting_unit_id": units[spec["unit"]].id,
                        "agenda_item_id": items.get(spec.get("agenda_item")),
                        "comments_shared": spec.get("comments_shared", False),
                        "text": version_spec["text"],
                        "note": version_spec.get("note"),
                    },
                    now=written,
                )
                version = draft.latest
            else:
                version = drafts.save_version(
                    actor=author,
                    draft=draft,
                    conference=conference,
                    text_value=version_spec["text"],
                    note=version_spec.get("note"),
                    now=written,
                )
            if round_:
                _seed_round(round_, draft, version, conference, units, users, author)
                counts["comments"] = counts.get("comments", 0) + len(round_.get("comments", []))
        counts["drafts"] = counts.get("drafts", 0) + 1


def _seed_time(value: str, conference: Conference) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=conference.tz).astimezone(UTC)


def _seed_round(spec, draft, version, conference, units, users, author) -> None:
    """One circulation of a version: sent, commented on, answered, then the comments answered."""
    from meetings.drafts import circulation, comments, dispositions

    sent_at = _seed_time(spec["sent_at"], conference)
    sent = circulation.circulate(
        actor=author,
        draft=draft,
        conference=conference,
        version=version,
        unit_ids=[units[code].id for code in spec["units"]],
        deadline=_seed_time(spec["deadline"], conference),
        allow_late=spec.get("allow_late", False),
        message=spec.get("message"),
        now=sent_at,
    )
    written = []
    for entry in spec.get("comments", []):
        paragraph = next(p for p in version.paragraphs if entry["paragraph"] in p.text)
        comment = comments.add_comment(
            users[entry["by"]],
            draft,
            conference,
            version,
            {
                "anchor": paragraph.anchor,
                "kind": entry["kind"],
                "quote": entry.get("quote"),
                "body": entry["body"],
                "suggested_text": entry.get("suggested_text"),
            },
            now=_seed_time(entry["at"], conference),
        )
        written.append((comment, entry))
    for entry in spec.get("answers", []):
        circulation.answer(
            actor=users[entry["by"]],
            circulation=sent,
            answer=entry["answer"],
            now=_seed_time(entry["at"], conference),
        )
    for comment, entry in written:
        answer = entry.get("disposition")
        if not answer:
            continue
        dispositions.dispose(
            actor=users[answer["by"]],
            draft=draft,
            conference=conference,
            comment=comment,
            data={
                "decision": answer["decision"],
                "reason": answer["reason"],
                "apply_suggestion": answer.get("apply", False),
            },
            now=_seed_time(answer["at"], conference),
        )
        if answer.get("challenge"):
            dispositions.challenge(
                actor=users[entry["by"]],
                draft=draft,
                conference=conference,
                comment=comment,
                reason=answer["challenge"]["reason"],
                now=_seed_time(answer["challenge"]["at"], conference),
            )


def _replay_meeting(spec: dict, conference: Conference, units: dict, users: dict, counts: dict):
    """The meeting as it went, through the services: the hall checked in, the adoption
    votes on the drafts (the hall's hand count), the chair's four directives recorded by
    the secretary and confirmed, the conference concluded; then the conclusion notice
    issued, a progress report, and the published news summary."""
    from meetings.directives import followup, minutes, notices, summaries
    from meetings.directives import services as directives
    from meetings.drafts import adoption
    from meetings.drafts.models import Draft
    from meetings.live.services import Viewer

    meeting = spec["meeting"]
    organizer = users[spec["organizer"]]
    chair = conference.chair
    secretary = next(
        p.user for p in conference.participants if p.role.value == "secretary" and p.user
    )
    conferences.change_status(actor=organizer, conference=conference, to=ConferenceStatus.live)
    for participant in conference.participants:
        if participant.attendance.value == "in_room":
            conferences.check_in(actor=organizer, conference=conference, participant=participant)
    drafts = db.session.scalars(
        select(Draft).where(Draft.conference_id == conference.id).order_by(Draft.id)
    ).all()
    for entry in meeting.get("votes", []):
        vote = adoption.open_vote(
            viewer=Viewer(user=chair), conference=conference, draft=drafts[entry["draft"]]
        )
        adoption.record_hand_count(
            viewer=Viewer(user=secretary),
            conference=conference,
            vote=vote,
            agree=entry["agree"],
            agree_with_comments=entry["agree_with_comments"],
            disagree=entry["disagree"],
        )
        adoption.close_vote(viewer=Viewer(user=chair), conference=conference, vote=vote)
    items = {item.position: item.id for item in conference.agenda_items}
    recorded = []
    for entry in meeting.get("directives", []):
        directive = directives.record_directive(
            actor=secretary,
            conference=conference,
            data={
                "text": entry["text"],
                "lead_unit_id": units[entry["lead"]].id,
                "cooperating_unit_ids": [units[code].id for code in entry.get("cooperating", [])],
                "deadline": date.fromisoformat(entry["deadline"]),
                "agenda_item_id": items.get(entry.get("agenda_item")),
            },
        )
        directives.confirm_directive(actor=chair, conference=conference, directive=directive)
        recorded.append(directive)
    counts["directives"] = len(recorded)
    conferences.change_status(actor=organizer, conference=conference, to=ConferenceStatus.concluded)
    if meeting.get("notice"):
        notice = notices.generate_notice(actor=organizer, conference=conference)
        notices.issue_notice(
            actor=organizer,
            notice=notice,
            conference=conference,
            number=meeting["notice"]["number"],
            issued_on=date.fromisoformat(meeting["notice"]["issued_on"]),
        )
    minutes.generate_minutes(actor=organizer, conference=conference)
    if meeting.get("report"):
        entry = meeting["report"]
        followup.post_report(
            actor=users[entry["by"]],
            directive=recorded[entry["directive"] - 1],
            conference=conference,
            body=entry["body"],
            now=_seed_time(entry["at"], conference),
        )
    if meeting.get("summary"):
        entry = meeting["summary"]
        summaries.save_summary(
            actor=organizer,
            conference=conference,
            data={
                "title": entry["title"],
                "lead": entry["lead"],
                "body": entry["body"],
                "author_name": entry.get("author"),
            },
            version=None,
        )
        summaries.publish_summary(actor=organizer, conference=conference)
