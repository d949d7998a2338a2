"""The seed meeting as the system records it, for the notice and minutes tests.

20 September 2016, 15:15 in Hà Nội: the Deputy Minister Hà Hùng chairs; the Personnel
department sits in the room (checked in), Regional Department II joins online (its
site connected twice); the agenda ran with actual times; a delegate and the remote
site had the floor; the CCHC report was adopted; two directives are confirmed and
one is still a draft.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from meetings.accounts.models import AuditEntry
from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences.models import Attendance, ConferenceRole, ConferenceStatus
from meetings.drafts.models import AdoptionVote, Ballot, VoteAnswer
from meetings.extensions import db
from meetings.live.models import FloorRequest, FloorStatus, Site

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = (
    "Hội nghị sơ kết công tác cải cách hành chính và thực hiện quy chế dân chủ 6 tháng đầu năm 2016"
)
DIRECTIVE_1 = (
    "Các vụ, đơn vị tiếp tục thực hiện nghiêm túc kế hoạch cải cách hành chính và kế hoạch "
    "thực hiện quy chế dân chủ năm 2016; nâng cao trách nhiệm của người đứng đầu."
)
DIRECTIVE_2 = "Đẩy mạnh ứng dụng công nghệ thông tin vào hoạt động của Ủy ban."
DRAFT_DIRECTIVE = "Tổ chức kiểm tra việc thực hiện kế hoạch tại các vụ, đơn vị (chưa xác nhận)."


def at(hour: int, minute: int) -> datetime:
    return datetime(2016, 9, 20, hour, minute, tzinfo=HANOI).astimezone(UTC)


def build(make, *, status: ConferenceStatus = ConferenceStatus.concluded) -> SimpleNamespace:
    root = make.unit(code="UBDT", name_vi="Ủy ban Dân tộc", name_en="Committee", city="Hà Nội")
    office = make.unit(
        code="VP", name_vi="Văn phòng Ủy ban", name_en="Office", parent=root, city="Hà Nội"
    )
    personnel = make.unit(
        code="TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Personnel", parent=root
    )
    legal = make.unit(code="PC", name_vi="Vụ Pháp chế", name_en="Legal Affairs", parent=root)
    region = make.unit(
        code="DP2", name_vi="Vụ Địa phương II", name_en="Regional II", parent=root, city="Cần Thơ"
    )
    organizer = make.organizer(unit=office, full_name="Nguyễn Thị Thu")
    chair = make.user(unit=root, full_name="Hà Hùng", position="Thứ trưởng, Phó Chủ nhiệm")
    secretary = make.user(
        unit=personnel, full_name="Trần Minh Đức", position="Chuyên viên Vụ Tổ chức cán bộ"
    )
    delegate = make.user(unit=legal, full_name="Lê Thị Hoa", position="Phó Vụ trưởng Vụ Pháp chế")
    remote_member = make.user(unit=region, full_name="Trương Văn Nam")
    outsider = make.user(unit=make.unit(), full_name="Người ngoài")

    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=status,
        title=TITLE,
        starts_at=at(15, 15),
        ends_at=at(17, 30),
        host_unit=office,
        venue="Hội trường tầng 2, trụ sở Ủy ban Dân tộc",
    )
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    make.participant(conference, user=delegate, checked_in_at=at(15, 5))
    make.participant(conference, unit=personnel, headcount=3, checked_in_at=at(15, 8))
    make.participant(conference, unit=region, attendance=Attendance.remote)

    items = []
    for position, (title, start, end, state, minutes) in enumerate(
        [
            ("Khai mạc, giới thiệu đại biểu", at(15, 15), at(15, 27), ItemStatus.done, 10),
            (
                "Báo cáo sơ kết công tác cải cách hành chính",
                at(15, 27),
                at(15, 50),
                ItemStatus.done,
                20,
            ),
            ("Thảo luận, góp ý dự thảo hai báo cáo", at(15, 50), at(16, 55), ItemStatus.done, 45),
            ("Phần việc không thực hiện", None, None, ItemStatus.skipped, 5),
            ("Phát biểu kết luận Hội nghị", at(16, 55), at(17, 20), ItemStatus.done, 20),
        ],
        start=1,
    ):
        item = AgendaItem(
            conference_id=conference.id,
            position=position,
            title=title,
            planned_minutes=minutes,
            status=state,
            started_at=start,
            ended_at=end,
            elapsed_seconds=int((end - start).total_seconds()) if start and end else 0,
            presenter_id=chair.id if position == 5 else None,
        )
        db.session.add(item)
        items.append(item)
    db.session.flush()

    site = Site(
        conference_id=conference.id,
        unit_id=region.id,
        name="Điểm cầu Vụ Địa phương II",
        token="tok-" + str(conference.id),
        expires_at=at(15, 0) + timedelta(days=30),
    )
    db.session.add(site)
    db.session.flush()
    for action, when in (
        ("site.join", at(15, 10)),
        ("site.leave", at(16, 2)),
        ("site.join", at(16, 5)),
        ("site.join", at(16, 6)),  # a second screen of the same site
        ("site.leave", at(17, 0)),
        ("site.leave", at(17, 21)),
    ):
        db.session.add(AuditEntry(at=when, action=action, object_type="sites", object_id=site.id))
    db.session.add_all(
        [
            FloorRequest(
                conference_id=conference.id,
                user_id=delegate.id,
                agenda_item_id=items[2].id,
                status=FloorStatus.done,
                requested_at=at(15, 51),
                granted_at=at(15, 52),
                ended_at=at(15, 58),
            ),
            FloorRequest(
                conference_id=conference.id,
                site_id=site.id,
                agenda_item_id=items[2].id,
                status=FloorStatus.done,
                requested_at=at(15, 59),
                granted_at=at(16, 10),
                ended_at=at(16, 16),
            ),
        ]
    )
    report = make.draft(conference, personnel, agenda_item_id=items[2].id)
    vote = AdoptionVote(
        draft_id=report.id,
        version_id=report.versions[0].id,
        opened_at=at(16, 40),
        closed_at=at(16, 45),
        room_agree=6,
        room_agree_with_comments=1,
        room_disagree=0,
        present_units=3,
        quorum=2,
        adopted=True,
    )
    vote.ballots = [Ballot(unit_id=region.id, answer=VoteAnswer.agree)]
    db.session.add(vote)

    first = make.directive(
        conference,
        personnel,
        text=DIRECTIVE_1,
        deadline=date(2016, 12, 31),
        cooperating_units=[legal, region],
        agenda_item_id=items[4].id,
    )
    second = make.directive(conference, office, text=DIRECTIVE_2, deadline=date(2016, 11, 30))
    pending = make.directive(
        conference, legal, text=DRAFT_DIRECTIVE, deadline=date(2016, 10, 31), confirmed=False
    )
    db.session.flush()
    return SimpleNamespace(
        root=root,
        office=office,
        personnel=personnel,
        legal=legal,
        region=region,
        organizer=organizer,
        chair=chair,
        secretary=secretary,
        delegate=delegate,
        remote_member=remote_member,
        outsider=outsider,
        conference=conference,
        items=items,
        site=site,
        report=report,
        vote=vote,
        directives=[first, second],
        pending=pending,
    )


def normalized(text: str) -> str:
    """PDF text read back: justified lines spread words and break them over lines."""
    return " ".join(text.split())
