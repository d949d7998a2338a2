"""Load the seed case (seeds/*.json) through the services. Safe to run twice."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
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


def _load_drafts(
    specs: list[dict], conference: Conference, units: dict[str, Unit], users: dict, counts: dict
) -> None:
    """The seed's draft reports: the first version creates the draft, the others follow."""
    from meetings.drafts import services as drafts
    from meetings.drafts.models import Draft

    existing = set(
        db.session.scalars(select(Draft.title).where(Draft.conference_id == conference.id))
    )
    for spec in specs:
        if spec["title"] in existing:
            continue
        author = users[spec["author"]]
        first, *later = spec["versions"]
        draft = drafts.create_draft(
            actor=author,
            conference=conference,
            data={
                "title": spec["title"],
                "drafting_unit_id": units[spec["unit"]].id,
                "comments_shared": spec.get("comments_shared", False),
                "text": first["text"],
                "note": first.get("note"),
            },
        )
        for version in later:
            drafts.save_version(
                actor=author,
                draft=draft,
                conference=conference,
                text_value=version["text"],
                note=version.get("note"),
            )
        counts["drafts"] = counts.get("drafts", 0) + 1
