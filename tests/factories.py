"""Test data built through the models (flush, never commit).

People made here read the app in English (locale="en") unless a test asks for
Vietnamese, so that assertions on messages read as the msgids do; the tests of
languages ask for "vi" explicitly, and anonymous pages default to Vietnamese.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from meetings.accounts.models import GlobalRole, Unit, UnitKind, User
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceRole,
    ConferenceStatus,
    Participant,
)
from meetings.extensions import db

PASSWORD = "correct-horse-9"
_seq = itertools.count(1)

# One hashed password for every test user: hashing is slow by design.
_HASH: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _HASH:
        from werkzeug.security import generate_password_hash

        _HASH[password] = generate_password_hash(password)
    return _HASH[password]


def unit(code: str | None = None, **fields) -> Unit:
    n = next(_seq)
    obj = Unit(
        code=code or f"U{n}",
        name_vi=fields.pop("name_vi", f"Đơn vị {n}"),
        name_en=fields.pop("name_en", f"Unit {n}"),
        kind=fields.pop("kind", UnitKind.department),
        **fields,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def user(
    unit: Unit | None = None,
    role: GlobalRole = GlobalRole.member,
    password: str = PASSWORD,
    **fields,
) -> User:
    n = next(_seq)
    obj = User(
        email=fields.pop("email", f"user{n}@example.test"),
        full_name=fields.pop("full_name", f"Người dùng {n}"),
        unit=unit or globals()["unit"](),
        role=role,
        password_hash=_password_hash(password),
        locale=fields.pop("locale", "en"),
        **fields,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def admin(**fields) -> User:
    return user(role=GlobalRole.admin, **fields)


def organizer(**fields) -> User:
    return user(role=GlobalRole.organizer, **fields)


def conference(
    organizer: User | None = None,
    status: ConferenceStatus = ConferenceStatus.scheduled,
    chair: User | None = None,
    starts_at: datetime | None = None,
    **fields,
) -> Conference:
    organizer = organizer or globals()["organizer"]()
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    obj = Conference(
        title=fields.pop("title", f"Hội nghị {next(_seq)}"),
        kind=fields.pop("kind", ConferenceKind.semi_annual_review),
        host_unit=fields.pop("host_unit", organizer.unit),
        starts_at=starts_at,
        ends_at=fields.pop("ends_at", starts_at + timedelta(hours=3)),
        timezone=fields.pop("timezone", "Asia/Ho_Chi_Minh"),
        status=status,
        chair=chair,
        created_by=organizer,
        **fields,
    )
    db.session.add(obj)
    db.session.flush()
    participant(obj, user=organizer, role=ConferenceRole.organizer)
    if chair is not None:
        participant(obj, user=chair, role=ConferenceRole.chair)
    return obj


def participant(
    conference: Conference,
    user: User | None = None,
    unit: Unit | None = None,
    role: ConferenceRole = ConferenceRole.delegate,
    attendance: Attendance = Attendance.in_room,
    **fields,
) -> Participant:
    obj = Participant(
        conference=conference,
        user=user,
        unit=unit or user.unit,
        role=role,
        attendance=attendance,
        **fields,
    )
    db.session.add(obj)
    db.session.flush()
    return obj
