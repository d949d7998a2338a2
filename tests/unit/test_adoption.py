"""A draft at the meeting: discussion points, and the adoption vote with quorum from live
presence, called directly on the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
)
from meetings.db import unit_of_work, utcnow
from meetings.drafts import adoption
from meetings.drafts.models import AdoptionVote, Ballot, DraftVersion, Paragraph
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db, socketio
from meetings.live import services, state
from meetings.live.models import LiveConnection, LiveEvent
from meetings.live.services import Viewer
from tests.socket.conftest import build_room


@pytest.fixture
def emitted(monkeypatch):
    sent = []
    monkeypatch.setattr(
        socketio,
        "emit",
        lambda name, data, to=None, namespace=None, **kw: sent.append((name, data, to)),
    )
    return sent


@pytest.fixture
def room(make, emitted):
    room = build_room(make)
    with unit_of_work():
        room.draft = make.draft(
            room.conference,
            room.secretary.unit,
            agenda_item_id=room.items[1].id,
            paragraphs=[
                "I. Kết quả đạt được",
                "Công tác cải cách hành chính được triển khai đồng bộ.",
                "Việc ứng dụng công nghệ thông tin còn chậm.",
                "II. Phương hướng",
            ],
        )
    return room


def viewer(room, kind: str) -> Viewer:
    if kind == "site":
        return Viewer(site=room.site)
    if kind == "other_site":
        return Viewer(site=room.other_site)
    return Viewer(user=room.user(kind))


def join(room, *kinds: str) -> None:
    """Open a live connection for each of these people or sites."""
    for kind in kinds:
        services.connect(
            viewer=viewer(room, kind),
            conference=room.conference,
            sid=f"sid-{kind}",
            remote_addr=None,
        )


def vote_events(conference_id: int) -> list[dict]:
    return [
        e.payload
        for e in db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == conference_id, LiveEvent.type == "vote")
            .order_by(LiveEvent.seq)
        )
    ]


def stored(vote_id: int | None = None) -> tuple:
    """A fingerprint of every vote and ballot: equal before and after = nothing stored."""
    db.session.flush()
    votes = db.session.execute(
        select(
            AdoptionVote.id,
            AdoptionVote.closed_at,
            AdoptionVote.room_agree,
            AdoptionVote.room_agree_with_comments,
            AdoptionVote.room_disagree,
            AdoptionVote.adopted,
        ).order_by(AdoptionVote.id)
    ).all()
    ballots = db.session.execute(
        select(Ballot.vote_id, Ballot.unit_id, Ballot.answer).order_by(Ballot.id)
    ).all()
    return votes, ballots


def open_(room, who: str = "chair") -> AdoptionVote:
    return adoption.open_vote(
        viewer=viewer(room, who), conference=room.conference, draft=room.draft
    )


# --- drafts and discussion points ---------------------------------------------------------


def test_drafts_for_item_are_those_attached_to_it(room, make):
    other = make.draft(room.conference, room.secretary.unit, title="Dự thảo khác")
    assert adoption.drafts_for_item(room.conference, room.items[1]) == [room.draft]
    assert adoption.drafts_for_item(room.conference, room.items[0]) == []
    assert adoption.drafts_for_item(room.conference, None) == []
    listed = adoption.drafts_state(room.conference)
    assert [d["id"] for d in listed] == [room.draft.id]  # not attached: not in the room
    assert other.id not in [d["id"] for d in listed]


def test_discussion_points_are_paragraphs_with_open_comments(room, make):
    v1 = room.draft.latest
    author = room.delegate
    open_one = make.comment(v1, author, anchor="p2", body="Thiếu số liệu.")
    make.comment(v1, author, anchor="p2", body="Cần nêu rõ hơn.")
    make.comment(v1, author, anchor="p2", parent=open_one, body="Trả lời")  # a reply: not counted
    accepted = make.comment(v1, author, anchor="p3")
    make.disposition(accepted, "accepted")
    explained = make.comment(v1, author, anchor="p3")
    make.disposition(explained, "explained", reason="Đã có trong báo cáo khác.")
    challenged = make.comment(v1, author, anchor="p4")
    make.disposition(challenged, "explained", reason="Giải trình.", challenged=True)
    make.comment(v1, author, anchor="p1", orphaned_in_id=v1.id)  # orphaned: not a point

    points = adoption.discussion_points(room.draft)

    assert [(p.anchor, [c.id for c in comments]) for p, comments in points] == [
        ("p2", [open_one.id, open_one.id + 1]),
        ("p4", [challenged.id]),
    ]
    panel = adoption.drafts_state(room.conference)[0]
    assert [(p["n"], p["count"]) for p in panel["points"]] == [(2, 2), (4, 1)]
    assert panel["contested"] == 3 and panel["item_id"] == room.items[1].id
    assert panel["points"][0]["text"] == "Công tác cải cách hành chính được triển khai đồng bộ."


def test_open_comments_of_an_earlier_version_follow_their_paragraph(room, make):
    v1 = room.draft.latest
    make.comment(v1, room.delegate, anchor="p3")
    v2 = DraftVersion(draft=room.draft, number=2)
    v2.paragraphs = [
        Paragraph(position=1, anchor="p1", text="I. Kết quả"),
        Paragraph(position=2, anchor="p9", text="Đoạn mới chèn vào."),
        Paragraph(position=3, anchor="p3", text="Việc ứng dụng CNTT còn chậm, cần đẩy nhanh."),
    ]
    db.session.add(v2)
    db.session.flush()
    db.session.refresh(room.draft)

    [(paragraph, comments)] = adoption.discussion_points(room.draft)
    assert (paragraph.version_id, paragraph.position) == (v2.id, 3)
    panel = adoption.drafts_state(room.conference)[0]
    assert panel["version"] == 2 and panel["points"][0]["n"] == 3


def test_the_drafts_state_takes_a_bounded_number_of_queries(room, make, query_counter):
    def queries() -> int:
        with query_counter() as statements:
            adoption.drafts_state(room.conference)
        return len(statements)

    make.comment(room.draft.latest, room.delegate, anchor="p2")
    join(room, "site")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    queries()  # the conference and its participants loaded once, as in the live room
    few = queries()
    for n in range(3):
        draft = make.draft(room.conference, room.secretary.unit, agenda_item_id=room.items[n].id)
        for anchor in ("p1", "p2", "p3"):
            make.comment(draft.latest, room.delegate, anchor=anchor)
    assert queries() == few <= 6


# --- who may open, answer, count and close --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("chair", True),
        ("organizer", True),
        ("secretary", False),
        ("delegate", False),
        ("outsider", False),
        ("site", False),
    ],
)
def test_only_the_chair_and_the_organizers_open_a_vote(room, who, allowed):
    if allowed:
        assert open_(room, who).closed_at is None
    else:
        with pytest.raises(PermissionDeniedError):
            open_(room, who)
        assert stored() == ([], [])


def test_a_second_open_vote_in_the_conference_is_refused(room, make):
    first = open_(room)
    other = make.draft(room.conference, room.secretary.unit, title="Dự thảo QCDC")
    before = stored()
    with pytest.raises(ConflictError, match="already open"):
        adoption.open_vote(viewer=viewer(room, "chair"), conference=room.conference, draft=other)
    assert stored() == before
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=first)
    assert open_(room).id != first.id  # once closed, the next one may open


def test_votes_are_taken_only_while_the_conference_is_live(room):
    room.conference.status = ConferenceStatus.scheduled
    with pytest.raises(InvalidStateError):
        open_(room)
    assert stored() == ([], [])


def test_a_draft_of_another_conference_cannot_be_voted_here(room, make):
    elsewhere = make.conference(status=ConferenceStatus.live)
    with pytest.raises(NotFoundError):
        adoption.get_draft(elsewhere, room.draft.id)
    with pytest.raises(NotFoundError):
        adoption.get_draft(room.conference, "1")


def test_a_site_and_a_delegate_answer_for_their_units(room):
    join(room, "site", "delegate")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.cast_ballot(
        viewer=viewer(room, "delegate"), conference=room.conference, vote=vote, answer="disagree"
    )
    # Changed until the vote closes: still one ballot per unit.
    ballot = adoption.cast_ballot(
        viewer=viewer(room, "delegate"),
        conference=room.conference,
        vote=vote,
        answer="agree_with_comments",
    )

    assert ballot.user_id == room.delegate.id and ballot.site_id is None
    answers = {b.unit_id: b.answer.value for b in vote.ballots}
    assert answers == {
        room.site.unit_id: "agree",
        room.delegate.unit_id: "agree_with_comments",
    }
    state_ = adoption.vote_state(vote, room.conference)
    assert state_["units"] == {"agree": 1, "agree_with_comments": 1, "disagree": 0}
    assert {b["from"] for b in state_["ballots"]} == {"site", "room"}
    last = vote_events(room.id)[-1]["vote"]
    assert last["totals"]["agree_with_comments"] == 1 and last["status"] == "open"


def test_a_unit_not_present_cannot_answer(room):
    join(room, "delegate")
    vote = open_(room)
    before = stored()
    with pytest.raises(InvalidStateError, match="not present"):
        adoption.cast_ballot(
            viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
        )
    assert stored() == before


def test_a_connection_without_heartbeat_is_not_presence(room):
    join(room, "site")
    db.session.execute(
        LiveConnection.__table__.update().values(
            last_seen_at=utcnow() - state.HEARTBEAT_TIMEOUT - timedelta(seconds=1)
        )
    )
    vote = open_(room)
    with pytest.raises(InvalidStateError):
        adoption.cast_ballot(
            viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
        )


@pytest.mark.parametrize("who", ["outsider", "observer"])
def test_people_without_a_unit_in_the_conference_do_not_answer(room, make, who):
    if who == "observer":
        person = make.user()
        make.participant(room.conference, user=person, role=ConferenceRole.observer)
    else:
        person = room.outsider
    services.connect(
        viewer=Viewer(user=room.chair), conference=room.conference, sid="c", remote_addr=None
    )
    vote = open_(room)
    before = stored()
    with pytest.raises(PermissionDeniedError):
        adoption.cast_ballot(
            viewer=Viewer(user=person), conference=room.conference, vote=vote, answer="agree"
        )
    assert stored() == before


@pytest.mark.parametrize("answer", ["yes", "", None, 1, "AGREE"])
def test_an_unknown_answer_is_refused_and_nothing_stored(room, answer):
    join(room, "site")
    vote = open_(room)
    before = stored()
    with pytest.raises(ValidationError) as raised:
        adoption.cast_ballot(
            viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer=answer
        )
    assert "answer" in raised.value.field_errors
    assert stored() == before


def test_no_answer_after_the_vote_closed(room):
    join(room, "site")
    vote = open_(room)
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    before = stored()
    with pytest.raises(InvalidStateError, match="closed"):
        adoption.cast_ballot(
            viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
        )
    assert stored() == before


# --- the room's hand count --------------------------------------------------------------------


def check_in_everyone(conference: Conference) -> int:
    for participant in conference.participants:
        if participant.attendance == Attendance.in_room:
            participant.checked_in_at = utcnow()
    db.session.flush()
    return adoption.room_headcount(conference)


@pytest.mark.parametrize(
    ("who", "allowed"), [("secretary", True), ("chair", True), ("delegate", False), ("site", False)]
)
def test_the_secretary_or_the_chair_enter_the_hand_count(room, who, allowed):
    vote = open_(room)
    call = lambda: adoption.record_hand_count(  # noqa: E731
        viewer=viewer(room, who),
        conference=room.conference,
        vote=vote,
        agree=2,
        agree_with_comments=1,
        disagree=1,
    )
    if allowed:
        call()
        assert adoption.tally(vote)["room"] == {
            "agree": 2,
            "agree_with_comments": 1,
            "disagree": 1,
        }
    else:
        before = stored()
        with pytest.raises(PermissionDeniedError):
            call()
        assert stored() == before


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ((-1, 0, 0), "agree"),
        ((0, "3", 0), "agree_with_comments"),
        ((0, 0, 1.5), "disagree"),
        ((0, True, 0), "agree_with_comments"),
        ((3, 1, 1), "agree"),  # five hands: the room has four people
        ((0, 0, 10_001), "disagree"),
    ],
)
def test_bad_hand_counts_are_refused_and_nothing_stored(room, counts, field):
    assert check_in_everyone(room.conference) == 4
    vote = open_(room)
    before = stored()
    with pytest.raises(ValidationError) as raised:
        adoption.record_hand_count(
            viewer=viewer(room, "secretary"),
            conference=room.conference,
            vote=vote,
            agree=counts[0],
            agree_with_comments=counts[1],
            disagree=counts[2],
        )
    assert field in raised.value.field_errors
    assert stored() == before


def test_the_room_headcount_is_the_people_checked_in_else_those_invited(room, make):
    conference = room.conference
    assert adoption.room_headcount(conference) == 4  # nobody checked in: the invited
    make.participant(conference, unit=make.unit(), headcount=12)
    assert adoption.room_headcount(conference) == 16
    conference.participants[0].checked_in_at = utcnow()
    assert adoption.room_headcount(conference) == 1


# --- closing: quorum from presence, and the result ---------------------------------------------


def test_closing_takes_quorum_from_presence_and_records_the_result(room):
    # Six units invited (organizer, chair, secretary, delegate, two remote): quorum 4.
    join(room, "site", "other_site", "delegate", "secretary")
    vote = open_(room)
    assert vote.quorum == 4 and vote.present_units == 4
    for who, answer in (
        ("site", "agree"),
        ("other_site", "disagree"),
        ("delegate", "agree_with_comments"),
    ):
        adoption.cast_ballot(
            viewer=viewer(room, who), conference=room.conference, vote=vote, answer=answer
        )
    adoption.record_hand_count(
        viewer=viewer(room, "secretary"),
        conference=room.conference,
        vote=vote,
        agree=1,
        agree_with_comments=0,
        disagree=2,
    )

    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)

    assert vote.closed_at is not None
    assert (vote.present_units, vote.quorum, vote.adopted) == (4, 4, False)  # 3 for, 3 against
    result = vote_events(room.id)[-1]
    assert result["vote"]["adopted"] is False and result["vote"]["status"] == "closed"
    assert result["drafts"][0]["result"]["vote_id"] == vote.id
    assert "vote.close" in db.session.scalars(select(AuditEntry.action)).all()


def test_adopted_with_quorum_and_more_for_than_against(room):
    join(room, "site", "other_site", "delegate", "secretary")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.cast_ballot(
        viewer=viewer(room, "other_site"),
        conference=room.conference,
        vote=vote,
        answer="agree_with_comments",
    )
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    assert vote.adopted is True


def test_no_quorum_no_adoption(room):
    join(room, "site", "delegate")  # two units of six
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    assert (vote.present_units, vote.quorum, vote.adopted) == (2, 4, False)


def test_a_unit_that_answered_then_dropped_still_counts_as_present(room):
    join(room, "site", "other_site", "delegate", "secretary")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    services.disconnect(sid="sid-site")  # a slow link dropped
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    assert (vote.present_units, vote.adopted) == (4, True)


def test_several_delegates_of_one_unit_are_one_unit_present(room, make):
    colleague = make.user(unit=room.delegate.unit)
    make.participant(room.conference, user=colleague)
    services.connect(
        viewer=Viewer(user=colleague), conference=room.conference, sid="x", remote_addr=None
    )
    join(room, "delegate")
    assert adoption.connected_unit_ids(room.conference) == {room.delegate.unit_id}


def test_closing_twice_is_refused_and_changes_nothing(room):
    vote = open_(room)
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    before = stored()
    events_before = len(vote_events(room.id))
    with pytest.raises(InvalidStateError):
        adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    assert stored() == before and len(vote_events(room.id)) == events_before


def test_a_delegate_cannot_close_a_vote(room):
    vote = open_(room)
    with pytest.raises(PermissionDeniedError):
        adoption.close_vote(viewer=viewer(room, "delegate"), conference=room.conference, vote=vote)
    assert vote.closed_at is None


def test_a_vote_of_another_conference_is_not_found(room, make):
    vote = open_(room)
    elsewhere = make.conference(status=ConferenceStatus.live)
    with pytest.raises(NotFoundError):
        adoption.get_vote(elsewhere, vote.id)
    with pytest.raises(NotFoundError):
        adoption.get_vote(room.conference, True)


# --- presence while the vote is open, and the live snapshot --------------------------------------


def test_presence_changes_reach_an_open_vote_only_when_the_count_changes(room):
    vote = open_(room)
    count = lambda: len(vote_events(room.id))  # noqa: E731
    before = count()
    join(room, "site")
    adoption.refresh_presence(room.conference)
    assert vote.present_units == 1 and count() == before + 1
    adoption.refresh_presence(room.conference)
    assert count() == before + 1  # nothing changed: no event


def test_the_snapshot_carries_the_drafts_the_vote_and_what_the_viewer_may_do(room, make):
    make.circulation(room.draft.latest, [room.delegate.unit])
    join(room, "site")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )

    site_view = state.snapshot(room.conference, viewer(room, "site"))["adoption"]
    assert site_view["vote"]["id"] == vote.id
    assert site_view["vote"]["ballots"][0]["unit"] == room.site.unit.code
    assert [d["id"] for d in site_view["drafts"]] == [room.draft.id]
    assert site_view["me"]["unit_id"] == room.site.unit_id
    assert site_view["me"]["readable"] == []  # a site has no account: no draft page
    assert not site_view["me"]["can_call"] and not site_view["me"]["can_count"]

    chair_view = state.snapshot(room.conference, viewer(room, "chair"))["adoption"]
    assert chair_view["me"]["can_call"] and chair_view["me"]["can_count"]
    delegate_view = state.snapshot(room.conference, viewer(room, "delegate"))["adoption"]
    assert delegate_view["me"]["readable"] == [room.draft.id]  # circulated to its unit
    outsider_unit = state.snapshot(room.conference, viewer(room, "secretary"))["adoption"]
    assert outsider_unit["me"]["readable"] == [room.draft.id]  # the drafting unit


def test_events_are_sent_only_after_the_commit(room, emitted):
    emitted.clear()
    with pytest.raises(RuntimeError), unit_of_work():
        open_(room)
        raise RuntimeError("rolled back")
    assert emitted == []
    assert db.session.scalar(select(func.count()).select_from(AdoptionVote)) == 0
    with unit_of_work():
        open_(room)
    assert [(name, data["type"]) for name, data, _to in emitted] == [("event", "vote")]


def test_the_draft_page_lists_the_votes_newest_first(room):
    join(room, "site")
    first = open_(room)
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=first)
    second = open_(room)
    rows = adoption.votes_for_draft(room.draft)
    assert [r["vote"].id for r in rows] == [second.id, first.id]
    assert rows[0]["version"] == 1 and rows[1]["totals"] == {
        "agree": 0,
        "agree_with_comments": 0,
        "disagree": 0,
    }


def test_the_draft_page_include_shows_each_result(room, app):
    from flask import render_template

    join(room, "site", "other_site", "delegate", "secretary")
    vote = open_(room)
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    with app.test_request_context("/?lang=en"):
        html = render_template(
            "drafts/_adoption.html",
            votes=adoption.votes_for_draft(room.draft),
            conference=room.conference,
        )
        empty = render_template("drafts/_adoption.html", votes=[], conference=room.conference)
    assert 'data-testid="adoption-result"' in html and "Adopted" in html
    assert "4 units present · quorum 4" in html
    assert room.site.unit.name_en in html and "Agree with comments" in html
    assert empty.strip() == ""


def test_a_vote_closed_meanwhile_by_another_process_takes_no_more_answers(room):
    from sqlalchemy import update

    join(room, "site")
    vote = open_(room)
    # The row changes under this session's feet (another server process closed it).
    db.session.execute(
        update(AdoptionVote).where(AdoptionVote.id == vote.id).values(closed_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    assert vote.closed_at is None  # this session's copy is stale
    with pytest.raises(InvalidStateError, match="closed"):
        adoption.cast_ballot(
            viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
        )
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_a_hall_delegation_checked_in_counts_as_present_without_a_device(room):
    # Only the two sites are online; the four hall units were checked in by the secretariat.
    join(room, "site", "other_site")
    check_in_everyone(room.conference)
    vote = open_(room)
    assert vote.present_units == 6
    adoption.cast_ballot(
        viewer=viewer(room, "site"), conference=room.conference, vote=vote, answer="agree"
    )
    adoption.record_hand_count(
        viewer=viewer(room, "chair"),
        conference=room.conference,
        vote=vote,
        agree=3,
        agree_with_comments=0,
        disagree=0,
    )
    adoption.close_vote(viewer=viewer(room, "chair"), conference=room.conference, vote=vote)
    assert (vote.present_units, vote.quorum, vote.adopted) == (6, 4, True)
