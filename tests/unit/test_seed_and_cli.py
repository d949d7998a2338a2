"""The demo loader and the command line."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from meetings.accounts.models import Unit, User
from meetings.conferences.models import Attendance, Conference, ConferenceStatus, Participant
from meetings.seeding import load_seed


def _counts(db):
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Unit, User, Conference, Participant)
    }


def test_seed_loads_the_review_conference_and_twice_duplicates_nothing(db):
    first = load_seed()
    assert first["units"] >= 12 and first["users"] >= 10 and first["conferences"] == 2
    counts = _counts(db)
    again = load_seed()
    assert set(again.values()) == {0}
    assert _counts(db) == counts

    review = db.session.scalar(select(Conference).where(Conference.title.like("Hội nghị sơ kết%")))
    assert review.status == ConferenceStatus.concluded  # replayed to its conclusion
    assert review.local_starts_at.replace(tzinfo=None) == datetime(2016, 9, 20, 15, 15)
    assert review.local_starts_at.tzinfo == ZoneInfo("Asia/Ho_Chi_Minh")
    assert review.chair.full_name == "Hà Hùng"
    remote = {p.unit.code for p in review.participants if p.attendance == Attendance.remote}
    assert remote == {"DP2", "DP3", "VPDD-HCM"}
    assert [item.title.split(",")[0] for item in review.agenda_items][0] == "Khai mạc"
    assert len(review.agenda_items) == 5
    assert {site.unit.code for site in review.sites} == {"DP2", "DP3", "VPDD-HCM"}
    assert all(site.expected_headcount > 1 and site.revoked_at is None for site in review.sites)
    regional = {
        u.name_vi for u in db.session.scalars(select(Unit).where(Unit.kind == "regional_office"))
    }
    assert {"Vụ Địa phương II", "Vụ Địa phương III"} <= regional


def test_seed_accounts_can_log_in(db, client):
    load_seed()
    response = client.post("/login", data={"email": "thuky@ubdt.demo", "password": "demo1234"})
    assert response.status_code == 302


def test_create_user_command(db, app, make):
    unit = make.unit(code="VP")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New@Example.vn",
            "--name",
            "Người Mới",
            "--unit",
            "VP",
            "--role",
            "admin",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.vn"))
    assert user.unit_id == unit.id and user.is_admin and user.check_password("long-enough-1")


def test_create_user_command_refuses_bad_input_and_stores_nothing(db, app, make):
    make.unit(code="VP")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.vn",
            "--name",
            "X",
            "--unit",
            "NOPE",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code != 0 and "NOPE" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.vn",
            "--name",
            "X",
            "--unit",
            "VP",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0 and "8" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_drafts_went_through_circulation_comments_and_dispositions(db):
    from meetings.drafts.models import Answer, Comment, Decision, Disposition, Draft

    load_seed()
    cchc, qcdc = db.session.scalars(select(Draft).order_by(Draft.id)).all()
    assert "cải cách hành chính" in cchc.title and "dân chủ" in qcdc.title
    assert [v.number for v in cchc.versions] == [1, 2]
    assert cchc.versions[0].created_at.year == 2016 and qcdc.versions[1].created_at.year == 2016
    first_round = cchc.versions[0].circulations[0]
    answers = {r.unit.code: r.answer for r in first_round.recipients}
    assert answers["PC"] == Answer.agree and answers["DP3"] == Answer.comments
    assert answers["TTR"] == Answer.pending  # overdue at the meeting
    comments = db.session.scalars(
        select(Comment).where(Comment.draft_id == cchc.id, Comment.parent_id.is_(None))
    ).all()
    assert {c.unit.code for c in comments} == {"DP2", "DP3", "VPDD-HCM"}
    decided = {
        d.decision
        for d in db.session.scalars(
            select(Disposition).join(Comment).where(Comment.draft_id == cchc.id)
        )
    }
    assert decided == {Decision.accepted, Decision.partly_accepted, Decision.explained}
    # The accepted wording is in version 2, and the challenged comment is carried to it.
    applied = db.session.scalar(
        select(Disposition).where(Disposition.applied_in_id == cchc.versions[1].id)
    )
    assert applied is not None and applied.comment.suggested_text in "\n".join(
        p.text for p in cchc.versions[1].paragraphs
    )
    challenged = db.session.scalar(select(Disposition).where(Disposition.challenged.is_(True)))
    assert challenged.comment.anchor in {p.anchor for p in cchc.versions[1].paragraphs}
    assert challenged.comment.unit.code == "VPDD-HCM"
    assert cchc.agenda_item_id is not None and qcdc.agenda_item_id is not None


def test_the_seed_conference_runs_its_adoption_vote_and_exports_its_comment_table(db):
    """Issue 4's "done when": the seed drafts' table exports, then the vote at the live meeting."""
    import io

    import docx
    from flask_babel import force_locale
    from openpyxl import load_workbook

    from meetings.drafts import adoption, table
    from meetings.drafts.models import Draft

    load_seed()
    review = db.session.scalar(select(Conference).where(Conference.title.like("Hội nghị sơ kết%")))
    cchc = db.session.scalar(select(Draft).where(Draft.title.like("%cải cách hành chính%")))
    drafter = db.session.scalar(select(User).where(User.email == "baocao@ubdt.demo"))

    with force_locale("vi"):
        first_round = table.build(actor=drafter, draft=cchc, conference=review, version_number=1)
        exported = table.to_docx(first_round), table.to_xlsx(first_round)
    document = docx.Document(io.BytesIO(exported[0]))
    words = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Vụ Địa phương III" in words and "Tiếp thu, đã bổ sung vào mục II" in words
    sheet = load_workbook(io.BytesIO(exported[1])).active
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "Văn phòng đại diện tại Tp. Hồ Chí Minh" in cells and "Giải trình" in cells

    # The meeting adopted both drafts by the hall's hand count, with the hall checked in.
    for draft in db.session.scalars(select(Draft)).all():
        (row,) = adoption.votes_for_draft(draft)
        vote = row["vote"]
        assert vote.adopted is True and vote.closed_at is not None
        assert vote.present_units >= vote.quorum and vote.room_agree > 0


def test_the_seed_conference_ends_with_its_directives_notice_report_and_summary(db):
    """Issue 5's seeds: the four directives, the issued notice, a report, the summary, and
    the still-open directives offered to the next review of the programme."""
    from datetime import date

    from meetings.directives import followup
    from meetings.directives.models import (
        Directive,
        DirectiveState,
        Notice,
        NoticeStatus,
        ProgressReport,
        PublicSummary,
    )

    load_seed()
    review = db.session.scalar(select(Conference).where(Conference.title.like("Hội nghị sơ kết%")))
    directives = db.session.scalars(
        select(Directive).where(Directive.conference_id == review.id).order_by(Directive.number)
    ).all()
    assert [d.number for d in directives] == [1, 2, 3, 4]
    assert all(d.state == DirectiveState.confirmed for d in directives)
    assert all(date(2016, 7, 1) <= d.deadline <= date(2016, 12, 31) for d in directives)
    assert {d.lead_unit.code for d in directives} == {"TCCB", "VP", "TTTT", "TTR"}
    assert "công nghệ thông tin" in directives[2].text
    notice = db.session.scalar(select(Notice).where(Notice.conference_id == review.id))
    assert notice.status == NoticeStatus.issued and notice.reference == "123/TB-UBDT"
    assert notice.issued_on == date(2016, 9, 26) and len(notice.directives) == 4
    from meetings.directives import minutes

    assert "Vụ Địa phương III" in minutes.latest(review).body
    report = db.session.scalar(select(ProgressReport))
    assert report.directive.lead_unit.code == "TTR" and report.unit.code == "TTR"
    summary = db.session.scalar(select(PublicSummary))
    assert summary.published_at is not None and summary.conference_id == review.id
    annual = db.session.scalar(
        select(Conference).where(Conference.title.like("Hội nghị tổng kết%"))
    )
    previous, rows = followup.open_directives_for_next(annual)
    assert previous.id == review.id and len(rows) == 4
