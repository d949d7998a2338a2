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


def draft(
    conference: Conference,
    drafting_unit: Unit,
    paragraphs: list[str] | None = None,
    title: str = "Báo cáo sơ kết công tác cải cách hành chính",
    **fields,
):
    """A draft with version 1 made of `paragraphs` (anchors p1, p2, ...)."""
    from meetings.drafts.models import Draft, DraftVersion, Paragraph

    texts = paragraphs or [
        "I. Kết quả đạt được",
        "Công tác cải cách hành chính được triển khai đồng bộ.",
        "Việc ứng dụng công nghệ thông tin còn chậm.",
    ]
    obj = Draft(conference_id=conference.id, title=title, drafting_unit=drafting_unit, **fields)
    db.session.add(obj)
    db.session.flush()
    version = DraftVersion(draft=obj, number=1)
    version.paragraphs = [
        Paragraph(position=n, anchor=f"p{n}", text=body) for n, body in enumerate(texts, start=1)
    ]
    db.session.add(version)
    db.session.flush()
    db.session.refresh(obj)
    return obj


def circulation(
    version,
    units: list[Unit],
    deadline: datetime | None = None,
    allow_late: bool = False,
):
    """`version` sent to `units`, due in three days unless told."""
    from meetings.drafts.models import Circulation, Recipient

    obj = Circulation(
        version=version,
        deadline=deadline or datetime.now(UTC).replace(microsecond=0) + timedelta(days=3),
        allow_late=allow_late,
    )
    obj.recipients = [Recipient(unit=unit) for unit in units]
    db.session.add(obj)
    db.session.flush()
    return obj


def comment(
    version,
    author: User,
    anchor: str | None = None,
    body: str = "Đề nghị bổ sung số liệu.",
    **fields,
):
    """A top-level comment (or a reply with parent=...) by `author` for their unit."""
    from meetings.drafts.models import Comment

    parent = fields.pop("parent", None)
    obj = Comment(
        draft_id=version.draft_id,
        version_id=version.id,
        anchor=anchor or (parent.anchor if parent is not None else version.paragraphs[0].anchor),
        body=body,
        author_id=author.id,
        unit_id=author.unit_id,
        parent_id=parent.id if parent is not None else None,
        **fields,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def disposition(comment, decision: str = "accepted", reason: str = "Tiếp thu.", **fields):
    from meetings.drafts.models import Decision, Disposition

    obj = Disposition(comment_id=comment.id, decision=Decision(decision), reason=reason, **fields)
    db.session.add(obj)
    db.session.flush()
    return obj


BUSY_TEXT = (
    "Công tác cải cách hành chính được triển khai đồng bộ, đạt nhiều kết quả tích cực; "
    "việc ứng dụng công nghệ thông tin tại các vụ, đơn vị còn chậm so với kế hoạch."
)


def busy_draft(
    conference: Conference, paragraphs: int = 300, top_level: int = 800, replies: int = 200
):
    """A draft of `paragraphs` paragraphs circulated to ten units, with `top_level` comments
    from their members (a third suggestions on a quoted span, every other one disposed) and
    `replies` replies by the drafting unit: the draft page's worst case (bench, query tests)."""
    from meetings.drafts.models import Comment, CommentKind, Decision, Disposition

    drafting = unit()
    drafter = user(unit=drafting)
    units = [unit() for _ in range(10)]
    members = [user(unit=u) for u in units]
    obj = draft(
        conference,
        drafting,
        [f"{n}. {BUSY_TEXT}" for n in range(1, paragraphs + 1)],
        title=f"Dự thảo có {top_level + replies} góp ý",
    )
    version = obj.latest
    circulation(version, units)
    anchors = [p.anchor for p in version.paragraphs]
    tops = []
    for i in range(top_level):
        author = members[i % len(members)]
        suggestion = i % 3 == 0
        tops.append(
            Comment(
                draft_id=obj.id,
                version_id=version.id,
                anchor=anchors[(i * 7) % len(anchors)],
                kind=CommentKind.suggestion if suggestion else CommentKind.remark,
                quote="còn chậm" if suggestion else None,
                suggested_text="chưa đạt yêu cầu" if suggestion else None,
                body=f"Đề nghị **làm rõ** số liệu tại đoạn này (ý kiến số {i + 1}).",
                author_id=author.id,
                unit_id=author.unit_id,
            )
        )
    db.session.add_all(tops)
    db.session.flush()
    decisions = (Decision.accepted, Decision.explained, Decision.partly_accepted)
    db.session.add_all(
        Disposition(
            comment_id=c.id,
            decision=decisions[i % 3],
            reason="Tiếp thu và chỉnh sửa trong dự thảo lần sau.",
            decided_by_id=drafter.id,
        )
        for i, c in enumerate(tops)
        if i % 2 == 0
    )
    db.session.add_all(
        Comment(
            draft_id=obj.id,
            version_id=version.id,
            anchor=tops[(i * 3) % len(tops)].anchor,
            body="Đơn vị soạn thảo xin trao đổi thêm về ý kiến này.",
            parent_id=tops[(i * 3) % len(tops)].id,
            author_id=drafter.id,
            unit_id=drafter.unit_id,
        )
        for i in range(replies if tops else 0)
    )
    db.session.flush()
    return obj


def directive(
    conference: Conference,
    lead_unit: Unit,
    text: str = "Tiếp tục triển khai kế hoạch cải cách hành chính năm 2016.",
    deadline=None,
    confirmed: bool = True,
    **fields,
):
    """A directive of `conference` (confirmed unless told), numbered after the last one."""
    from sqlalchemy import func, select

    from meetings.directives.models import Directive, DirectiveState

    number = (
        fields.pop("number", None)
        or (
            db.session.scalar(
                select(func.max(Directive.number)).where(Directive.conference_id == conference.id)
            )
            or 0
        )
        + 1
    )
    cooperating = fields.pop("cooperating_units", [])
    obj = Directive(
        conference_id=conference.id,
        number=number,
        text=text,
        lead_unit_id=lead_unit.id,
        deadline=deadline or (conference.starts_at + timedelta(days=90)).date(),
        state=DirectiveState.confirmed if confirmed else DirectiveState.draft,
        confirmed_at=datetime.now(UTC) if confirmed else None,
        **fields,
    )
    obj.cooperating_units = list(cooperating)
    db.session.add(obj)
    db.session.flush()
    return obj
