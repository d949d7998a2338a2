"""Circulation services: who may circulate and answer, deadlines and late answers, read
receipts, the dashboard, the inbox and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.conferences.models import ConferenceRole
from meetings.db import unit_of_work
from meetings.drafts import circulation as svc
from meetings.drafts.models import (
    Answer,
    Circulation,
    Comment,
    Draft,
    DraftVersion,
    Paragraph,
    Recipient,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db
from tests import factories

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def build_draft(make, *, versions: int = 1, prefix: str = "VP"):
    """A conference, a drafting unit with a drafter, a draft with `versions` versions,
    and three other units (two invited to the conference) with one member each."""
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    drafting = make.unit(code=prefix)
    drafter = make.user(unit=drafting)
    draft = Draft(conference_id=conference.id, title="Báo cáo sơ kết CCHC", drafting_unit=drafting)
    _db.session.add(draft)
    _db.session.flush()
    for n in range(1, versions + 1):
        version = DraftVersion(draft=draft, number=n)
        version.paragraphs = [
            Paragraph(position=1, anchor=f"a{n}1", text="I. Kết quả đạt được"),
            Paragraph(position=2, anchor=f"a{n}2", text="Nội dung đoạn hai."),
        ]
        _db.session.add(version)
    _db.session.flush()
    units = [make.unit(code=f"{prefix}{n}") for n in (1, 2, 3)]
    members = [make.user(unit=u) for u in units]
    make.participant(conference, unit=units[0], role=ConferenceRole.delegate)
    make.participant(conference, unit=units[1], role=ConferenceRole.delegate)
    _db.session.refresh(draft)
    return {
        "organizer": organizer,
        "conference": conference,
        "drafter": drafter,
        "draft": draft,
        "version": draft.latest,
        "units": units,
        "members": members,
    }


def send(ctx, actor=None, unit_ids=None, deadline=None, allow_late=False, now=NOW):
    return svc.circulate(
        actor=actor or ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[u.id for u in ctx["units"][:2]] if unit_ids is None else unit_ids,
        deadline=deadline or NOW + timedelta(days=5),
        allow_late=allow_late,
        message="Đề nghị góp ý",
        now=now,
    )


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --- circulating -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["drafter", "organizer"])
def test_drafters_and_organizers_circulate(make, db, who):
    ctx = build_draft(make)

    circulation = send(ctx, actor=ctx[who])

    assert [r.unit.code for r in circulation.recipients] == ["VP1", "VP2"]
    assert circulation.deadline == NOW + timedelta(days=5)
    assert circulation.sent_by_id == ctx[who].id
    assert all(
        r.answer == Answer.pending and r.first_read_at is None for r in circulation.recipients
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "draft.circulate"))
    assert entry.object_id == circulation.id and "VP1" in entry.detail


def test_others_may_not_circulate(make, db):
    ctx = build_draft(make)

    for outsider in (ctx["members"][0], make.user()):
        with pytest.raises(PermissionDeniedError):
            send(ctx, actor=outsider)
    assert count(Circulation) == 0


def test_a_naive_deadline_is_read_in_the_conference_zone(make, db):
    ctx = build_draft(make)

    circulation = send(ctx, deadline=datetime(2026, 12, 5, 17, 0))

    assert circulation.deadline == datetime(2026, 12, 5, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert circulation.deadline.astimezone(UTC).hour == 10


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("past deadline", "deadline"),
        ("no deadline", "deadline"),
        ("no units", "unit_ids"),
        ("unknown unit", "unit_ids"),
        ("drafting unit", "unit_ids"),
        ("not a number", "unit_ids"),
    ],
)
def test_bad_circulation_input_stores_nothing(make, db, case, field):
    ctx = build_draft(make)
    kwargs = {
        "past deadline": {"deadline": NOW - timedelta(minutes=1)},
        "no deadline": {"deadline": "tomorrow"},
        "no units": {"unit_ids": []},
        "unknown unit": {"unit_ids": [ctx["units"][0].id, 999999]},
        "drafting unit": {"unit_ids": [ctx["draft"].drafting_unit_id]},
        "not a number": {"unit_ids": ["x"]},
    }[case]
    deadline = kwargs.pop("deadline", NOW + timedelta(days=2))

    with pytest.raises(ValidationError) as error:
        svc.circulate(
            actor=ctx["drafter"],
            draft=ctx["draft"],
            conference=ctx["conference"],
            version=ctx["version"],
            unit_ids=kwargs.get("unit_ids", [ctx["units"][0].id]),
            deadline=deadline,
            now=NOW,
        )

    assert field in error.value.field_errors
    assert count(Circulation) == 0 and count(Recipient) == 0


def test_a_version_is_not_sent_twice_to_the_same_unit(make, db):
    ctx = build_draft(make)
    send(ctx)

    with pytest.raises(ValidationError) as error:
        send(ctx, unit_ids=[ctx["units"][1].id, ctx["units"][2].id])

    assert "already sent" in str(error.value.message) and "Unit" in str(error.value.message)
    assert count(Circulation) == 1
    send(ctx, unit_ids=[ctx["units"][2].id])  # a unit not yet reached may still be added
    assert count(Recipient) == 3


# --- read receipts ------------------------------------------------------------------


def test_mark_read_stamps_the_first_read_once(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)
    member = ctx["members"][0]

    svc.mark_read(actor=member, version=ctx["version"], now=NOW + timedelta(hours=1))
    svc.mark_read(actor=member, version=ctx["version"], now=NOW + timedelta(hours=5))
    svc.mark_read(actor=ctx["drafter"], version=ctx["version"], now=NOW)  # not a recipient: no-op

    db.session.expire_all()
    reads = {
        r.unit.code: r.first_read_at for r in db.session.get(Circulation, circulation.id).recipients
    }
    assert reads == {"VP1": NOW + timedelta(hours=1), "VP2": None}


# --- answers ------------------------------------------------------------------------


def test_a_recipient_member_answers_agree(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)

    recipient = svc.answer(
        actor=ctx["members"][0],
        circulation=circulation,
        answer="agree",
        now=NOW + timedelta(days=1),
    )

    assert recipient.answer == Answer.agree
    assert recipient.submitted_at == NOW + timedelta(days=1)
    assert recipient.submitted_by_id == ctx["members"][0].id
    assert recipient.late is False
    assert recipient.first_read_at is not None  # answering implies having read it


def test_only_recipient_members_answer(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)

    for outsider in (ctx["drafter"], ctx["organizer"], ctx["members"][2]):
        with pytest.raises(PermissionDeniedError):
            svc.answer(actor=outsider, circulation=circulation, answer="agree", now=NOW)
    assert all(r.submitted_at is None for r in circulation.recipients)


def test_a_second_submission_is_refused(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)
    colleague = make.user(unit=ctx["units"][0])
    svc.answer(actor=ctx["members"][0], circulation=circulation, answer="agree", now=NOW)

    with pytest.raises(ConflictError, match="already submitted"):
        svc.answer(actor=colleague, circulation=circulation, answer="comments", now=NOW)

    assert svc.recipient_of(colleague, circulation).answer == Answer.agree


def test_an_unknown_answer_is_refused(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)

    for bad in ("pending", "maybe", ""):
        with pytest.raises(ValidationError):
            svc.answer(actor=ctx["members"][0], circulation=circulation, answer=bad, now=NOW)
    assert svc.recipient_of(ctx["members"][0], circulation).submitted_at is None


def test_after_the_deadline_answers_are_refused_unless_late_is_allowed(make, db):
    ctx = build_draft(make)
    strict = send(ctx, unit_ids=[ctx["units"][0].id])
    lenient = send(ctx, unit_ids=[ctx["units"][1].id], allow_late=True)
    after = NOW + timedelta(days=6)

    with pytest.raises(InvalidStateError, match="deadline has passed"):
        svc.answer(actor=ctx["members"][0], circulation=strict, answer="agree", now=after)
    recipient = svc.answer(actor=ctx["members"][1], circulation=lenient, answer="agree", now=after)

    assert svc.recipient_of(ctx["members"][0], strict).submitted_at is None
    assert recipient.late is True and recipient.submitted_at == after


def _comment(ctx, unit, author, version=None):
    comment = Comment(
        draft_id=ctx["draft"].id,
        version_id=(version or ctx["version"]).id,
        anchor="a12",
        body="Đề nghị bổ sung số liệu.",
        author_id=author.id,
        unit_id=unit.id,
    )
    _db.session.add(comment)
    _db.session.flush()
    return comment


def test_answering_with_comments_submits_the_units_comments(make, db):
    ctx = build_draft(make)
    circulation = send(ctx, allow_late=True)
    mine = _comment(ctx, ctx["units"][0], ctx["members"][0])
    theirs = _comment(ctx, ctx["units"][1], ctx["members"][1])
    late = NOW + timedelta(days=6)

    svc.answer(actor=ctx["members"][0], circulation=circulation, answer="comments", now=late)

    db.session.expire_all()
    assert db.session.get(Comment, mine.id).submitted_at == late
    assert db.session.get(Comment, mine.id).late is True
    assert db.session.get(Comment, theirs.id).submitted_at is None


def test_agree_is_refused_while_the_unit_has_written_comments(make, db):
    ctx = build_draft(make)
    circulation = send(ctx)
    _comment(ctx, ctx["units"][0], ctx["members"][0])

    with pytest.raises(ValidationError, match="With comments"):
        svc.answer(actor=ctx["members"][0], circulation=circulation, answer="agree", now=NOW)


# --- dashboard and inbox ---------------------------------------------------------------


def test_dashboard_shows_read_answered_and_overdue(make, db, query_counter):
    ctx = build_draft(make)
    circulation = send(ctx, unit_ids=[u.id for u in ctx["units"]])
    svc.mark_read(actor=ctx["members"][1], version=ctx["version"], now=NOW)
    svc.answer(actor=ctx["members"][0], circulation=circulation, answer="agree", now=NOW)
    db.session.commit()
    db.session.expire_all()
    version = db.session.get(DraftVersion, ctx["version"].id)

    with query_counter() as statements:
        boards = svc.dashboard(version, now=NOW + timedelta(days=6))
    rows = {r.unit.code: r for r in boards[0].rows}

    assert len(statements) <= 4  # circulations, versions, recipients, units
    assert rows["VP1"].answer == Answer.agree and not rows["VP1"].overdue
    assert rows["VP2"].read_at == NOW and rows["VP2"].overdue
    assert rows["VP3"].read_at is None and rows["VP3"].overdue
    assert (boards[0].answered, boards[0].read, boards[0].overdue, boards[0].total) == (1, 2, 2, 3)


def test_dashboard_query_count_does_not_grow_with_units(make, db, query_counter):
    ctx = build_draft(make)
    many = [make.unit() for _ in range(20)]
    send(ctx, unit_ids=[u.id for u in many])
    send(ctx, unit_ids=[u.id for u in ctx["units"]])
    db.session.commit()
    db.session.expire_all()
    draft = db.session.get(Draft, ctx["draft"].id)

    with query_counter() as statements:
        boards = svc.draft_dashboard(draft)
        _ = [(r.unit.name, r.read_at) for b in boards for r in b.rows]

    assert len(boards) == 2 and sum(b.total for b in boards) == 23
    assert len(statements) <= 4


def test_inbox_lists_the_units_circulations_with_their_state(make, db):
    ctx = build_draft(make, versions=2)
    member = ctx["members"][0]
    v1, v2 = ctx["draft"].versions
    ctx["version"] = v1
    first = send(
        ctx,
        unit_ids=[ctx["units"][0].id],
        now=NOW - timedelta(days=10),
        deadline=NOW - timedelta(days=1),
    )
    other = build_draft(make, prefix="KT")  # another conference's draft, sent to the same unit
    second = svc.circulate(
        actor=other["drafter"],
        draft=other["draft"],
        conference=other["conference"],
        version=other["version"],
        unit_ids=[ctx["units"][0].id],
        deadline=NOW + timedelta(days=1),
        now=NOW - timedelta(days=1),
    )
    ctx["version"] = v2
    third = send(ctx, unit_ids=[ctx["units"][0].id], now=NOW)
    svc.mark_read(actor=member, version=other["version"], now=NOW)

    items = svc.inbox(member, now=NOW)

    assert [i.circulation.id for i in items] == [third.id, second.id, first.id]
    assert [i.state for i in items] == ["new", "read", "overdue"]
    assert [i.can_answer for i in items] == [True, True, False]
    assert [i.due_soon for i in items] == [False, True, True]
    assert svc.inbox_count(member, now=NOW) == 2
    assert svc.inbox(ctx["members"][2], now=NOW) == []
    svc.answer(actor=member, circulation=third, answer="agree", now=NOW)
    assert svc.inbox(member, now=NOW)[0].state == "answered"
    assert svc.inbox_count(member, now=NOW) == 1


# --- reminders -----------------------------------------------------------------------


def test_due_reminders_within_48_hours_once_a_day(make, db):
    ctx = build_draft(make)
    soon = send(ctx, unit_ids=[ctx["units"][0].id], deadline=NOW + timedelta(hours=47))
    later = send(ctx, unit_ids=[ctx["units"][1].id], deadline=NOW + timedelta(hours=49))
    answered = send(ctx, unit_ids=[ctx["units"][2].id], deadline=NOW + timedelta(hours=2))
    svc.answer(actor=ctx["members"][2], circulation=answered, answer="agree", now=NOW)

    assert [r.circulation_id for r in svc.due_reminders(NOW)] == [soon.id]
    assert svc.send_reminders(NOW) == 1
    assert soon.recipients[0].reminded_at == NOW
    assert later.recipients[0].reminded_at is None
    # 23 h later: the first was reminded less than a day ago; the second is now within 48 h
    assert [r.circulation_id for r in svc.due_reminders(NOW + timedelta(hours=23))] == [later.id]
    # a day later both are due: the first again (now overdue), the second within 48 h
    due = svc.due_reminders(NOW + timedelta(hours=24))
    assert {r.circulation_id for r in due} == {soon.id, later.id}


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_reminder_mail_only_with_a_mail_server(make, db, app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    ctx = build_draft(make)
    send(ctx, unit_ids=[ctx["units"][0].id], deadline=NOW + timedelta(hours=5))
    make.user(unit=ctx["units"][0], email="colleague@example.test")
    db.session.commit()

    with unit_of_work():
        assert svc.send_reminders(NOW) == 1
    assert FakeSMTP.sent == []  # no MAIL_SERVER: in-app only

    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    with unit_of_work():
        assert svc.send_reminders(NOW + timedelta(days=1)) == 1
    assert len(FakeSMTP.sent) == 1
    mail = FakeSMTP.sent[0]
    assert "colleague@example.test" in mail["To"] and ctx["members"][0].email in mail["To"]
    assert "Báo cáo sơ kết CCHC" in mail["Subject"]
    assert "Hạn góp ý" in mail.get_content()


def test_send_reminders_command(make, db, app):
    ctx = build_draft(make)
    send(
        ctx,
        unit_ids=[ctx["units"][0].id],
        deadline=datetime.now(UTC) + timedelta(hours=3),
        now=datetime.now(UTC),
    )
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])

    assert first.exit_code == 0, first.output
    assert "Reminders sent: 1" in first.output
    assert "Reminders sent: 0" in second.output
    db.session.expire_all()
    assert db.session.scalar(select(Recipient.reminded_at)) is not None
    assert factories  # the factories module is what `make` binds
