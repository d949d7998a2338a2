"""A concluded conference with one confirmed directive, its lead unit, a cooperating unit and
an outsider: the people the follow-up tests act as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from meetings.accounts.models import Unit, User
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.directives.models import Directive

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def today() -> date:
    """Today where the app counts deadlines (Asia/Ho_Chi_Minh)."""
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@dataclass
class Scene:
    organizer: User
    chair: User
    conference: Conference
    lead_unit: Unit
    officer: User
    coop_unit: Unit
    coop_member: User
    outsider: User
    directive: Directive


def build(make, *, deadline: date | None = None, **conference_fields) -> Scene:
    organizer = make.organizer()
    chair = make.user(full_name="Hà Hùng")
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=conference_fields.pop("status", ConferenceStatus.concluded),
        starts_at=conference_fields.pop("starts_at", datetime.now(UTC) - timedelta(days=30)),
        title=conference_fields.pop("title", "Hội nghị sơ kết công tác 6 tháng đầu năm"),
        **conference_fields,
    )
    lead_unit = make.unit(name_vi="Vụ Tổ chức cán bộ", name_en="Personnel Department")
    officer = make.user(unit=lead_unit, full_name="Nguyễn Văn Chủ Trì")
    coop_unit = make.unit(name_vi="Văn phòng Ủy ban", name_en="Committee Office")
    coop_member = make.user(unit=coop_unit)
    outsider = make.user()
    directive = make.directive(
        conference,
        lead_unit,
        text="Tiếp tục triển khai kế hoạch cải cách hành chính và quy chế dân chủ.",
        deadline=deadline or today() + timedelta(days=30),
        cooperating_units=[coop_unit],
    )
    return Scene(
        organizer,
        chair,
        conference,
        lead_unit,
        officer,
        coop_unit,
        coop_member,
        outsider,
        directive,
    )
