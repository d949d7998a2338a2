"""Follow-up services: progress reports and their attachments, the organizers' review,
overdue, a unit's directives, the dashboard, reminders and escalation, the deadline feed
and the review of the previous conference's open directives on the next agenda."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import ConferenceKind, ConferenceRole, ConferenceStatus
from meetings.directives import followup as svc
from meetings.directives.models import (
    DirectiveStatus,
    ProgressReport,
    ReportAttachment,
    ReportReview,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tests.followup_scene import PDF, PNG, build, today

NOW = datetime(2016, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def scene(make, db):
    """Committed, so that rolling back a refused action shows what it left behind."""
    built = build(make)
    db.session.commit()
    return built


def _stored(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def report(scene, body="Đã ban hành kế hoạch số 12/KH-UBDT.", actor=None, **kwargs):
    directive, conference = svc.get_directive(scene.directive.id, actor=actor or scene.officer)
    return svc.post_report(
        actor=actor or scene.officer,
        directive=directive,
        conference=conference,
        body=body,
        **kwargs,
    )


# --- who sees a directive ---------------------------------------------------------------


def test_the_lead_and_cooperating_units_see_the_directive_without_being_invited(scene):
    for person in (scene.officer, scene.coop_member, scene.organizer, scene.chair):
        directive, _conference = svc.get_directive(scene.directive.id, actor=person)
        assert directive.id == scene.directive.id
    with pytest.raises(NotFoundError):
        svc.get_directive(scene.directive.id, actor=scene.outsider)
    with pytest.raises(NotFoundError):
        svc.get_directive(scene.directive.id + 999, actor=scene.organizer)
    with pytest.raises(NotFoundError):
        svc.get_directive("1", actor=scene.organizer)


def test_a_draft_directive_is_not_shown_to_the_assigned_units(make, scene):
    draft = make.directive(scene.conference, scene.lead_unit, confirmed=False)
    with pytest.raises(NotFoundError):
        svc.get_directive(draft.id, actor=scene.officer)
    assert svc.get_directive(draft.id, actor=scene.organizer)[0] is draft


# --- reports ----------------------------------------------------------------------------


def test_a_first_report_moves_the_directive_in_progress(db, scene):
    assert scene.directive.status == DirectiveStatus.open
    posted = report(scene)

    assert scene.directive.status == DirectiveStatus.in_progress
    assert posted.review == ReportReview.none and not posted.proposes_completion
    assert posted.unit_id == scene.lead_unit.id and posted.author_id == scene.officer.id
    assert db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.object_id == posted.id)
    ) == ("directive.report")


@pytest.mark.parametrize("who", ["coop_member", "organizer", "chair", "outsider"])
def test_only_the_lead_unit_reports(db, scene, who):
    directive, conference = scene.directive, scene.conference
    with pytest.raises(PermissionDeniedError) as caught:
        svc.post_report(
            actor=getattr(scene, who), directive=directive, conference=conference, body="Xong."
        )
    assert "Only the lead unit (Personnel Department)" in str(caught.value.message)
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0
    assert scene.directive.status == DirectiveStatus.open


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 10001, "At most 10000 characters"),
        (42, "Must be text."),
    ],
)
def test_a_report_needs_its_text(db, scene, body, message):
    with pytest.raises(ValidationError) as caught:
        report(scene, body=body)
    assert message in str(caught.value.field_errors["body"][0])
    db.session.rollback()
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0


def test_a_report_on_a_done_directive_is_refused(db, scene):
    scene.directive.status = DirectiveStatus.done
    db.session.flush()
    with pytest.raises(InvalidStateError, match="done: no more reports"):
        report(scene)
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0


def test_a_report_on_a_draft_directive_is_refused(make, scene):
    draft = make.directive(scene.conference, scene.lead_unit, confirmed=False)
    with pytest.raises(InvalidStateError, match="still a draft"):
        svc.post_report(
            actor=scene.officer, directive=draft, conference=scene.conference, body="Đã làm."
        )


def test_attachments_are_checked_by_content_and_kept_under_a_random_name(db, scene, uploads):
    posted = report(
        scene,
        files=[("Kế hoạch 12-KH.pdf", io.BytesIO(PDF)), ("ảnh.png", io.BytesIO(PNG))],
    )

    names = [a.filename for a in posted.attachments]
    assert names == ["Kế hoạch 12-KH.pdf", "ảnh.png"]
    assert [a.content_type for a in posted.attachments] == ["application/pdf", "image/png"]
    stored = _stored(uploads)
    assert sorted(a.storage_key for a in posted.attachments) == stored
    assert all(len(key) == 48 for key in stored)
    assert svc.attachment_path(posted.attachments[0]).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "is not a real PDF file"),
        ("bao-cao.exe", PDF, "cannot be attached"),
        ("bao-cao.pdf", b"", "is empty"),
        ("", PDF, "Choose a file to upload."),
    ],
)
def test_a_bad_attachment_refuses_the_whole_report_and_stores_nothing(
    db, scene, uploads, name, content, message
):
    with pytest.raises(ValidationError) as caught:
        report(scene, files=[("tot.pdf", io.BytesIO(PDF)), (name, io.BytesIO(content))])
    assert message in str(caught.value.field_errors["files"][0])
    db.session.rollback()
    assert _stored(uploads) == []
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0
    assert db.session.scalar(select(func.count(ReportAttachment.id))) == 0


def test_a_too_large_attachment_is_refused(db, scene, uploads, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationError, match="too large"):
        report(scene, files=[("lon.pdf", io.BytesIO(PDF + b"0" * 200))])
    db.session.rollback()
    assert _stored(uploads) == []


def test_at_most_five_files_per_report(db, scene, uploads):
    files = [(f"{n}.pdf", io.BytesIO(PDF)) for n in range(6)]
    with pytest.raises(ValidationError, match="at most 5 files"):
        report(scene, files=files)
    assert _stored(uploads) == []


# --- proposing completion and the review ----------------------------------------------------


def test_proposing_completion_waits_for_the_organizers(db, scene):
    posted = report(scene, proposes_completion=True)

    assert posted.review == ReportReview.pending
    assert scene.directive.status == DirectiveStatus.in_progress
    with pytest.raises(ConflictError, match="awaiting the organizers' review"):
        report(scene, body="Đề nghị lần hai.", proposes_completion=True)
    db.session.rollback()
    # A plain progress report is still welcome meanwhile.
    report(scene, body="Bổ sung số liệu.")


def test_the_organizer_accepts_and_the_directive_is_done(db, scene):
    posted = report(scene, proposes_completion=True)
    directive, conference = svc.get_directive(scene.directive.id, actor=scene.organizer)

    svc.accept_report(
        actor=scene.organizer,
        directive=directive,
        conference=conference,
        report=posted,
        note="Đạt yêu cầu.",
        now=NOW,
    )

    assert directive.status == DirectiveStatus.done and directive.completed_at == NOW
    assert posted.review == ReportReview.accepted
    assert posted.reviewed_by_id == scene.organizer.id and posted.review_note == "Đạt yêu cầu."
    with pytest.raises(InvalidStateError, match="done"):
        report(scene, body="Thêm nữa.")
    with pytest.raises(ConflictError, match="already been reviewed"):
        svc.accept_report(
            actor=scene.organizer, directive=directive, conference=conference, report=posted
        )


def test_sending_back_needs_a_note_and_keeps_the_work_going(db, scene):
    posted = report(scene, proposes_completion=True)
    directive, conference = scene.directive, scene.conference

    for note in (None, "", "   "):
        with pytest.raises(ValidationError, match="Say what is missing"):
            svc.send_back_report(
                actor=scene.organizer,
                directive=directive,
                conference=conference,
                report=posted,
                note=note,
            )
    assert posted.review == ReportReview.pending

    svc.send_back_report(
        actor=scene.organizer,
        directive=directive,
        conference=conference,
        report=posted,
        note="Thiếu báo cáo của các Vụ địa phương.",
    )
    assert posted.review == ReportReview.sent_back
    assert directive.status == DirectiveStatus.in_progress and directive.completed_at is None
    # The unit may propose again.
    again = report(scene, body="Đã bổ sung.", proposes_completion=True)
    assert again.review == ReportReview.pending


@pytest.mark.parametrize("who", ["officer", "coop_member", "chair", "outsider"])
def test_only_the_organizers_review(db, scene, who):
    posted = report(scene, proposes_completion=True)
    for decide in (svc.accept_report, svc.send_back_report):
        with pytest.raises(PermissionDeniedError, match="Only the organizers"):
            decide(
                actor=getattr(scene, who),
                directive=scene.directive,
                conference=scene.conference,
                report=posted,
                note="Không được.",
            )
    assert posted.review == ReportReview.pending
    assert scene.directive.status == DirectiveStatus.in_progress


def test_an_admin_may_review(make, db, scene):
    posted = report(scene, proposes_completion=True)
    svc.accept_report(
        actor=make.admin(), directive=scene.directive, conference=scene.conference, report=posted
    )
    assert scene.directive.status == DirectiveStatus.done


def test_a_plain_report_is_not_reviewed(db, scene):
    posted = report(scene)
    with pytest.raises(InvalidStateError, match="does not propose completion"):
        svc.accept_report(
            actor=scene.organizer,
            directive=scene.directive,
            conference=scene.conference,
            report=posted,
        )


# --- overdue and the unit's list -----------------------------------------------------------


def test_overdue_is_computed_from_the_deadline(scene):
    directive = scene.directive
    directive.deadline = date(2016, 12, 31)
    assert svc.category(directive, date(2016, 12, 31)) == "open"
    assert svc.category(directive, date(2017, 1, 1)) == "overdue"
    directive.status = DirectiveStatus.in_progress
    assert svc.category(directive, date(2016, 12, 1)) == "in_progress"
    directive.status = DirectiveStatus.done
    assert svc.category(directive, date(2017, 6, 1)) == "done"


def test_local_today_is_the_day_in_viet_nam(app):
    late_evening_utc = datetime(2016, 12, 31, 18, 0, tzinfo=UTC)  # 01:00 on 1 January there
    assert svc.local_today(late_evening_utc) == date(2017, 1, 1)


def test_my_directives_across_conferences_overdue_first(make, db, scene, query_counter):
    other = make.conference(organizer=scene.organizer, status=ConferenceStatus.concluded)
    late = make.directive(other, scene.lead_unit, deadline=today() - timedelta(days=3))
    done = make.directive(
        other, scene.lead_unit, deadline=today() - timedelta(days=10), status=DirectiveStatus.done
    )
    helping = make.directive(other, make.unit(), cooperating_units=[scene.lead_unit])
    make.directive(other, make.unit())  # not ours

    assert scene.officer.unit.code  # the person and their unit are loaded by the request
    with query_counter() as statements:
        mine = svc.my_directives(scene.officer)

    assert [row.directive.id for row in mine.lead] == [late.id, scene.directive.id, done.id]
    assert [row.directive.id for row in mine.cooperating] == [helping.id]
    assert [row.category for row in mine.lead] == ["overdue", "open", "done"]
    assert mine.counts == {"overdue": 1, "open": 1, "in_progress": 0, "done": 1}
    assert [row.directive.id for row in mine.due_soon] == [late.id]
    # The directives with their conference and lead unit, the cooperating units, the reports.
    assert len(statements) <= 3


# --- the dashboard ------------------------------------------------------------------------------


def _dashboard(actor, **filters):
    return svc.dashboard(actor=actor, filters=svc.dashboard_filters(**filters))


def test_the_dashboard_counts_by_status_and_unit_overdue_first(make, db, scene):
    other_unit = make.unit(code="VP3")
    late = make.directive(scene.conference, other_unit, deadline=today() - timedelta(days=1))
    make.directive(
        scene.conference, other_unit, status=DirectiveStatus.done, deadline=today() - timedelta(5)
    )
    make.directive(scene.conference, scene.lead_unit, status=DirectiveStatus.in_progress)
    report(scene, proposes_completion=True)
    make.directive(scene.conference, other_unit, confirmed=False)  # drafts are not followed up

    board = _dashboard(scene.organizer)

    assert board.counts == {
        "overdue": 1,
        "open": 0,
        "in_progress": 2,
        "done": 1,
        "total": 4,
        "pending_review": 1,
    }
    assert board.rows[0].directive.id == late.id and board.rows[-1].category == "done"
    bars = {bar.unit.code: bar.counts for bar in board.units}
    assert bars["VP3"] == {"overdue": 1, "open": 0, "in_progress": 0, "done": 1}
    assert board.units[0].unit.code == "VP3"  # the unit with overdue directives comes first
    assert next(r for r in board.rows if r.directive.id == scene.directive.id).pending_review


def test_the_dashboard_filters(make, db, scene):
    other_unit = make.unit()
    late = make.directive(scene.conference, other_unit, deadline=today() - timedelta(days=1))
    far = make.directive(scene.conference, other_unit, deadline=today() + timedelta(days=200))

    assert [r.directive.id for r in _dashboard(scene.organizer, status="overdue").rows] == [late.id]
    by_unit = _dashboard(scene.organizer, unit_id=other_unit.id)
    assert {r.directive.id for r in by_unit.rows} == {late.id, far.id}
    assert by_unit.counts["total"] == 2
    ranged = _dashboard(
        scene.organizer,
        deadline_from=today(),
        deadline_to=today() + timedelta(days=60),
    )
    assert [r.directive.id for r in ranged.rows] == [scene.directive.id]
    assert _dashboard(scene.organizer, status="pending_review").rows == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "late"}, "status"),
        ({"unit_id": 999999}, "unit_id"),
        ({"unit_id": "abc"}, "unit_id"),
        ({"deadline_from": "31/12/2016"}, "deadline_from"),
        ({"deadline_from": date(2017, 1, 1), "deadline_to": date(2016, 1, 1)}, "deadline_to"),
        ({"page": 0}, "page"),
    ],
)
def test_bad_dashboard_filters_are_refused_with_a_message(db, filters, field):
    with pytest.raises(ValidationError) as caught:
        svc.dashboard_filters(**filters)
    assert field in caught.value.field_errors


def test_the_dashboard_shows_what_the_reader_may_see(make, db, scene):
    secret_conference = make.conference(status=ConferenceStatus.concluded)
    hidden = make.directive(secret_conference, make.unit())
    assigned = make.directive(secret_conference, scene.coop_unit)

    def ids(actor):
        return {r.directive.id for r in _dashboard(actor).rows}

    assert ids(scene.organizer) == {scene.directive.id}
    assert ids(scene.chair) == {scene.directive.id}
    assert ids(scene.officer) == {scene.directive.id}  # its unit leads it
    assert ids(scene.coop_member) == {scene.directive.id, assigned.id}  # cooperates, leads
    assert ids(scene.outsider) == set()
    assert ids(make.admin()) == {scene.directive.id, hidden.id, assigned.id}


def test_the_dashboard_pages(make, db, scene):
    for _ in range(4):
        make.directive(scene.conference, scene.lead_unit)
    first = svc.dashboard(actor=scene.organizer, page_size=2)
    last = svc.dashboard(actor=scene.organizer, filters=svc.dashboard_filters(page=9), page_size=2)
    assert (first.total, first.pages, len(first.rows)) == (5, 3, 2)
    assert last.filters.page == 3 and len(last.rows) == 1


# --- reminders and escalation ---------------------------------------------------------------


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_the_lead_unit_is_reminded_a_week_before_every_three_days(make, db, scene):
    scene.directive.deadline = date(2016, 12, 6)
    later = make.directive(scene.conference, scene.lead_unit, deadline=date(2016, 12, 20))
    make.directive(
        scene.conference, scene.lead_unit, deadline=date(2016, 12, 5), status=DirectiveStatus.done
    )

    assert [d.id for d, _c in svc.due_reminders(NOW)] == [scene.directive.id]
    assert svc.send_reminders(NOW) == (1, 0)
    assert scene.directive.reminded_at == NOW and later.reminded_at is None
    assert svc.due_reminders(NOW + timedelta(days=2)) == []
    assert [d.id for d, _c in svc.due_reminders(NOW + timedelta(days=3))] == [scene.directive.id]


def test_an_overdue_directive_is_escalated_to_the_organizers_once(
    make, db, scene, app, monkeypatch
):
    FakeSMTP.sent = []
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    scene.directive.deadline = date(2016, 11, 30)
    colleague = make.user(unit=scene.lead_unit, email="chutri@example.test")
    db.session.commit()

    from meetings.db import unit_of_work

    with unit_of_work():
        assert svc.send_reminders(NOW) == (0, 1)
    assert FakeSMTP.sent == []  # no MAIL_SERVER: in the app only
    assert scene.directive.escalated_at == NOW
    with unit_of_work():
        assert svc.send_reminders(NOW + timedelta(days=1)) == (0, 0)

    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    soon = make.directive(scene.conference, scene.lead_unit, deadline=date(2016, 12, 4))
    late = make.directive(scene.conference, scene.lead_unit, deadline=date(2016, 11, 1))
    db.session.commit()
    with unit_of_work():
        assert svc.send_reminders(NOW) == (1, 1)
    assert soon.reminded_at == NOW and late.escalated_at == NOW
    subjects = sorted(m["Subject"] for m in FakeSMTP.sent)
    assert subjects[0].startswith("[Nhắc việc / Reminder] Kết luận số")
    assert subjects[1].startswith("[Quá hạn / Overdue] Kết luận số")
    reminder = next(m for m in FakeSMTP.sent if "Reminder" in m["Subject"])
    escalation = next(m for m in FakeSMTP.sent if "Overdue" in m["Subject"])
    assert colleague.email in reminder["To"] and scene.officer.email in reminder["To"]
    assert escalation["To"] == scene.organizer.email
    assert "Vụ Tổ chức cán bộ" in escalation.get_content()
    assert f"/directives/{late.id}" in escalation.get_content()


def test_the_send_reminders_command_covers_directives(make, db, app):
    scene = build(make, deadline=today() - timedelta(days=2))
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])

    assert first.exit_code == 0, first.output
    assert "Reminders sent: 0" in first.output
    assert "Directive reminders sent: 0; overdue directives escalated: 1" in first.output
    assert "overdue directives escalated: 0" in second.output
    db.session.expire_all()
    assert db.session.get(type(scene.directive), scene.directive.id).escalated_at is not None


def test_organizers_are_the_conference_organizers_or_its_creator(make, db, scene):
    assert svc.organizers_of(scene.conference) == [scene.organizer]
    second = make.user()
    make.participant(scene.conference, user=second, role=ConferenceRole.organizer)
    db.session.expire(scene.conference, ["participants"])
    assert {u.id for u in svc.organizers_of(scene.conference)} == {scene.organizer.id, second.id}


# --- the deadline feed ------------------------------------------------------------------------


def test_a_units_deadlines_as_all_day_events(app, make, db, scene):
    done = make.directive(
        scene.conference, scene.coop_unit, status=DirectiveStatus.done, text="Kiểm tra các đơn vị."
    )
    scene.directive.deadline = date(2016, 12, 31)
    with app.test_request_context("/"):
        rows = svc.unit_deadlines(scene.coop_unit)
        body = svc.deadline_calendar(scene.coop_unit, rows, host="test", locale="vi")

    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first = next(
        e for e in events if str(e["uid"]) == f"directive-{scene.directive.id}-deadline@test"
    )
    assert first.decoded("dtstart") == date(2016, 12, 31)
    assert first.decoded("dtend") == date(2017, 1, 1)
    assert "Tiếp tục triển khai" in str(first["summary"])
    assert "Vụ Tổ chức cán bộ" in str(first["description"])
    assert first.walk("VALARM")  # a reminder three days before
    second = next(e for e in events if e is not first)
    assert str(second["summary"]).startswith("✓") and not second.walk("VALARM")
    assert done.id in {int(str(e["uid"]).split("-")[1]) for e in events}


def test_who_may_follow_a_units_deadlines(make, scene):
    assert svc.can_follow_unit(scene.officer, scene.lead_unit)
    assert not svc.can_follow_unit(scene.coop_member, scene.lead_unit)
    assert svc.can_follow_unit(make.admin(), scene.lead_unit)
    assert not svc.can_follow_unit(None, scene.lead_unit)


# --- the next conference reviews the open directives ---------------------------------------


@pytest.fixture
def next_one(make, scene):
    """The next semi-annual review of the same host unit, being prepared."""
    return make.conference(
        organizer=scene.organizer,
        host_unit=scene.conference.host_unit,
        status=ConferenceStatus.scheduled,
        starts_at=scene.conference.starts_at + timedelta(days=180),
    )


def test_the_next_conference_of_the_programme_gets_the_open_directives(make, db, scene, next_one):
    make.directive(scene.conference, scene.lead_unit, status=DirectiveStatus.done)
    make.directive(scene.conference, scene.lead_unit, confirmed=False)
    older = make.conference(
        organizer=scene.organizer,
        host_unit=scene.conference.host_unit,
        status=ConferenceStatus.concluded,
        starts_at=scene.conference.starts_at - timedelta(days=180),
    )
    make.directive(older, scene.lead_unit)
    make.conference(  # another programme: same host unit, thematic
        organizer=scene.organizer,
        kind=ConferenceKind.thematic,
        status=ConferenceStatus.concluded,
        starts_at=scene.conference.starts_at + timedelta(days=1),
    )

    previous, rows = svc.open_directives_for_next(next_one)

    assert previous.id == scene.conference.id
    assert [row.directive.id for row in rows] == [scene.directive.id]
    assert svc.open_directives_for_next(older) == (None, [])


def test_the_annual_review_takes_up_the_mid_year_reviews_open_directives(make, scene):
    annual = make.conference(
        organizer=scene.organizer,
        host_unit=scene.conference.host_unit,
        kind=ConferenceKind.annual_review,
        status=ConferenceStatus.draft,
        starts_at=scene.conference.starts_at + timedelta(days=90),
    )
    previous, rows = svc.open_directives_for_next(annual)
    assert previous.id == scene.conference.id
    assert [row.directive.id for row in rows] == [scene.directive.id]


def test_adding_the_review_item_to_the_agenda(app, db, scene, next_one):
    with app.test_request_context("/"):
        item = svc.add_review_item(
            actor=scene.organizer,
            conference=next_one,
            agenda_version=next_one.agenda_version,
        )
        assert item.title in svc.review_item_titles(scene.conference)
        assert "Tiếp tục triển khai kế hoạch" in item.description
        assert scene.lead_unit.name in item.description  # in the language of the organizer
        assert item.planned_minutes == 15
        offer = svc.review_offer(scene.organizer, next_one, [item])
        assert offer.on_agenda and [r.directive.id for r in offer.rows] == [scene.directive.id]
        with pytest.raises(ConflictError, match="already on the agenda"):
            svc.add_review_item(
                actor=scene.organizer,
                conference=next_one,
                agenda_version=next_one.agenda_version,
            )


def test_the_review_item_is_for_the_organizers_of_a_conference_being_prepared(
    app, make, db, scene, next_one
):
    with app.test_request_context("/"):
        with pytest.raises(PermissionDeniedError):
            svc.add_review_item(actor=scene.officer, conference=next_one, agenda_version=1)
        assert svc.review_offer(scene.officer, next_one, []) is None
        next_one.status = ConferenceStatus.live
        with pytest.raises(InvalidStateError):
            svc.add_review_item(actor=scene.organizer, conference=next_one, agenda_version=1)
        assert svc.review_offer(scene.organizer, next_one, []) is None
        next_one.status = ConferenceStatus.scheduled
        scene.directive.status = DirectiveStatus.done
        with pytest.raises(InvalidStateError, match="still open"):
            svc.add_review_item(actor=scene.organizer, conference=next_one, agenda_version=1)
        assert db.session.scalar(select(func.count(AgendaItem.id))) == 0
