"""Conference services called directly: lifecycle, invitations, answers, check-in, visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from meetings.accounts.models import Unit, User
from meetings.conferences import services
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
    Participant,
    Rsvp,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

S = ConferenceStatus


@dataclass
class Scene:
    conference: Conference
    organizer: User
    chair: User
    secretary: User
    delegate: User
    unit_member: User
    outsider: User
    admin: User
    delegate_p: Participant
    unit_p: Participant
    remote_p: Participant
    unit: Unit

    def actor(self, role: str) -> User:
        return getattr(self, role)


def build(make, status: ConferenceStatus = S.scheduled) -> Scene:
    organizer = make.organizer(full_name="Thư Ký")
    chair = make.user(full_name="Chủ Trì")
    conference = make.conference(organizer=organizer, chair=chair, status=status)
    secretary = make.user()
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user()
    delegate_p = make.participant(conference, user=delegate)
    unit = make.unit()
    unit_member = make.user(unit=unit)
    unit_p = make.participant(conference, unit=unit, headcount=3)
    remote_p = make.participant(
        conference, unit=make.unit(), attendance=Attendance.remote, headcount=5
    )
    return Scene(
        conference,
        organizer,
        chair,
        secretary,
        delegate,
        unit_member,
        make.user(),
        make.admin(),
        delegate_p,
        unit_p,
        remote_p,
        unit,
    )


ROLES = ["organizer", "admin", "chair", "secretary", "delegate", "unit_member", "outsider"]

# (from, to) -> the roles allowed to make that move; everyone else is refused.
MOVES = {
    (S.draft, S.scheduled): {"organizer", "admin"},
    (S.scheduled, S.draft): {"organizer", "admin"},
    (S.scheduled, S.live): {"organizer", "admin", "chair"},
    (S.live, S.concluded): {"organizer", "admin", "chair"},
    (S.concluded, S.archived): {"organizer", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("source", "target"), list(MOVES))
def test_lifecycle_moves_allowed_and_refused_per_role(make, role, source, target):
    scene = build(make, status=source)
    actor = scene.actor(role)
    version = scene.conference.version
    if role in MOVES[(source, target)]:
        services.change_status(actor=actor, conference=scene.conference, to=target.value)
        assert scene.conference.status == target
        assert scene.conference.version == version + 1
        assert (
            services.allowed_transitions(actor, scene.conference)
            == list(services.TRANSITIONS[target])
            or role == "chair"
        )
    else:
        with pytest.raises(PermissionDeniedError):
            services.change_status(actor=actor, conference=scene.conference, to=target.value)
        assert scene.conference.status == source
        assert target not in services.allowed_transitions(actor, scene.conference)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.draft, S.live),
        (S.draft, S.concluded),
        (S.scheduled, S.archived),
        (S.live, S.draft),
        (S.concluded, S.live),
        (S.archived, S.draft),
        (S.archived, S.concluded),
    ],
)
def test_moves_not_in_the_lifecycle_are_refused_even_for_the_organizer(make, source, target):
    scene = build(make, status=source)
    with pytest.raises(InvalidStateError):
        services.change_status(actor=scene.organizer, conference=scene.conference, to=target)
    assert scene.conference.status == source


def test_scheduling_needs_a_chair_and_unknown_states_are_refused(make, db):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer, status=S.draft)
    with pytest.raises(InvalidStateError, match="chair"):
        services.change_status(actor=organizer, conference=conference, to="scheduled")
    with pytest.raises(ValidationError) as error:
        services.change_status(actor=organizer, conference=conference, to="cancelled")
    assert "status" in error.value.field_errors
    assert conference.status == S.draft


def test_chair_is_offered_only_opening_and_closing(make):
    scene = build(make, status=S.scheduled)
    assert services.allowed_transitions(scene.chair, scene.conference) == [S.live]
    assert services.allowed_transitions(scene.organizer, scene.conference) == [S.draft, S.live]
    assert services.allowed_transitions(scene.delegate, scene.conference) == []


# --- invitations ---------------------------------------------------------------


def test_invite_a_unit_and_a_person(make, db):
    scene = build(make)
    unit = make.unit(code="DP3")
    person = make.user()
    by_unit = services.invite(
        actor=scene.organizer,
        conference=scene.conference,
        unit_id=unit.id,
        role="delegate",
        attendance="remote",
        headcount=6,
    )
    by_person = services.invite(
        actor=scene.organizer, conference=scene.conference, user_id=person.id, role="presenter"
    )
    db.session.expire_all()
    assert by_unit.user_id is None and by_unit.unit_id == unit.id
    assert (by_unit.attendance, by_unit.headcount, by_unit.rsvp) == (
        Attendance.remote,
        6,
        Rsvp.pending,
    )
    assert by_person.unit_id == person.unit_id and by_person.role == ConferenceRole.presenter
    assert by_person.headcount == 1


def test_inviting_twice_is_a_conflict(make, db):
    scene = build(make)
    with pytest.raises(ConflictError):
        services.invite(actor=scene.organizer, conference=scene.conference, unit_id=scene.unit.id)
    with pytest.raises(ConflictError):
        services.invite(
            actor=scene.organizer, conference=scene.conference, user_id=scene.delegate.id
        )
    assert len(scene.conference.participants) == 6


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"unit_id": 999_999}, "unit_id"),
        ({"user_id": 999_999}, "user_id"),
        ({}, "user_id"),
        ({"unit_id": "new", "role": "organizer"}, "role"),
        ({"unit_id": "new", "role": "emperor"}, "role"),
        ({"unit_id": "new", "attendance": "balcony"}, "attendance"),
        ({"unit_id": "new", "headcount": 0}, "headcount"),
        ({"unit_id": "new", "headcount": 501}, "headcount"),
        ({"unit_id": "new", "headcount": "3"}, "headcount"),
    ],
)
def test_bad_invitations_say_which_field_is_wrong(make, kwargs, field):
    scene = build(make)
    if kwargs.get("unit_id") == "new":
        kwargs = {**kwargs, "unit_id": make.unit().id}
    with pytest.raises(ValidationError) as error:
        services.invite(actor=scene.organizer, conference=scene.conference, **kwargs)
    assert field in error.value.field_errors
    assert len(scene.conference.participants) == 6


@pytest.mark.parametrize("role", ["chair", "secretary", "delegate", "unit_member"])
def test_only_organizers_invite(make, role):
    scene = build(make)
    with pytest.raises(PermissionDeniedError):
        services.invite(
            actor=scene.actor(role), conference=scene.conference, unit_id=make.unit().id
        )


def test_no_invitations_once_concluded(make):
    scene = build(make, status=S.concluded)
    with pytest.raises(InvalidStateError):
        services.invite(actor=scene.organizer, conference=scene.conference, unit_id=make.unit().id)
    assert not services.is_open(scene.conference)
    assert not services.can_edit(scene.organizer, scene.conference)


def test_update_and_withdraw_an_invitation(make):
    scene = build(make)
    services.update_participant(
        actor=scene.organizer,
        conference=scene.conference,
        participant=scene.unit_p,
        data={"attendance": "remote", "headcount": 8},
    )
    assert (scene.unit_p.attendance, scene.unit_p.headcount) == (Attendance.remote, 8)
    services.remove_participant(
        actor=scene.organizer, conference=scene.conference, participant=scene.unit_p
    )
    assert scene.unit_p not in scene.conference.participants
    with pytest.raises(PermissionDeniedError):
        services.remove_participant(
            actor=scene.delegate, conference=scene.conference, participant=scene.delegate_p
        )


def test_the_last_organizer_and_the_chair_stay(make):
    scene = build(make)
    mine = next(p for p in scene.conference.participants if p.user_id == scene.organizer.id)
    with pytest.raises(ValidationError):
        services.update_participant(
            actor=scene.organizer,
            conference=scene.conference,
            participant=mine,
            data={"role": "delegate"},
        )
    chair_p = next(p for p in scene.conference.participants if p.user_id == scene.chair.id)
    with pytest.raises(ValidationError):
        services.remove_participant(
            actor=scene.organizer, conference=scene.conference, participant=chair_p
        )


# --- answers ---------------------------------------------------------------------


def test_invitee_answers_and_may_change_the_answer(make):
    scene = build(make)
    services.answer_invitation(
        actor=scene.delegate,
        conference=scene.conference,
        participant=scene.delegate_p,
        answer="attending",
    )
    assert (
        scene.delegate_p.rsvp == Rsvp.attending
        and scene.delegate_p.responded_by_id == scene.delegate.id
    )
    services.answer_invitation(
        actor=scene.delegate,
        conference=scene.conference,
        participant=scene.delegate_p,
        answer="substitute",
        substitute_name="Nguyễn Văn Bình, Phó Vụ trưởng",
        note="Bận công tác",
    )
    assert scene.delegate_p.rsvp == Rsvp.substitute
    assert scene.delegate_p.substitute_name == "Nguyễn Văn Bình, Phó Vụ trưởng"
    assert scene.delegate_p.rsvp_note == "Bận công tác"
    services.answer_invitation(
        actor=scene.delegate,
        conference=scene.conference,
        participant=scene.delegate_p,
        answer="declined",
    )
    assert scene.delegate_p.substitute_name is None


def test_a_unit_member_answers_for_the_unit_and_others_may_not(make):
    scene = build(make)
    services.answer_invitation(
        actor=scene.unit_member,
        conference=scene.conference,
        participant=scene.unit_p,
        answer="attending",
    )
    assert scene.unit_p.rsvp == Rsvp.attending
    assert services.invitations_of(scene.unit_member, scene.conference) == [scene.unit_p]
    for role in ("delegate", "secretary", "chair"):
        with pytest.raises(PermissionDeniedError):
            services.answer_invitation(
                actor=scene.actor(role),
                conference=scene.conference,
                participant=scene.unit_p,
                answer="declined",
            )


def test_organizer_records_an_answer_given_by_phone(make):
    scene = build(make)
    services.answer_invitation(
        actor=scene.organizer,
        conference=scene.conference,
        participant=scene.remote_p,
        answer="declined",
        note="Điện thoại",
    )
    assert (
        scene.remote_p.rsvp == Rsvp.declined
        and scene.remote_p.responded_by_id == scene.organizer.id
    )


@pytest.mark.parametrize(
    ("answer", "substitute", "field"),
    [
        ("substitute", "", "substitute_name"),
        ("pending", None, "answer"),
        ("maybe", None, "answer"),
    ],
)
def test_bad_answers_are_refused(make, answer, substitute, field):
    scene = build(make)
    with pytest.raises(ValidationError) as error:
        services.answer_invitation(
            actor=scene.delegate,
            conference=scene.conference,
            participant=scene.delegate_p,
            answer=answer,
            substitute_name=substitute,
        )
    assert field in error.value.field_errors
    assert scene.delegate_p.rsvp == Rsvp.pending


@pytest.mark.parametrize("status", [S.draft, S.concluded, S.archived])
def test_answers_only_while_scheduled_or_live(make, status):
    scene = build(make, status=status)
    assert not services.accepts_answers(scene.conference)
    with pytest.raises(InvalidStateError):
        services.answer_invitation(
            actor=scene.organizer,
            conference=scene.conference,
            participant=scene.delegate_p,
            answer="attending",
        )


# --- check-in ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("organizer", True),
        ("admin", True),
        ("secretary", True),
        ("chair", False),
        ("delegate", False),
        ("unit_member", False),
        ("outsider", False),
    ],
)
def test_who_checks_people_in(make, role, allowed):
    scene = build(make, status=S.live)
    actor = scene.actor(role)
    if allowed:
        services.check_in(actor=actor, conference=scene.conference, participant=scene.delegate_p)
        assert scene.delegate_p.checked_in and scene.delegate_p.checked_in_by_id == actor.id
        services.check_in(
            actor=actor, conference=scene.conference, participant=scene.delegate_p, present=False
        )
        assert not scene.delegate_p.checked_in and scene.delegate_p.checked_in_by_id is None
    else:
        with pytest.raises(PermissionDeniedError):
            services.check_in(
                actor=actor, conference=scene.conference, participant=scene.delegate_p
            )
        assert not scene.delegate_p.checked_in


def test_check_in_rules(make):
    scene = build(make)
    with pytest.raises(ValidationError):  # remote sites are not at the door
        services.check_in(
            actor=scene.secretary, conference=scene.conference, participant=scene.remote_p
        )
    services.answer_invitation(
        actor=scene.delegate,
        conference=scene.conference,
        participant=scene.delegate_p,
        answer="declined",
    )
    with pytest.raises(ValidationError):
        services.check_in(
            actor=scene.secretary, conference=scene.conference, participant=scene.delegate_p
        )
    services.check_in(actor=scene.secretary, conference=scene.conference, participant=scene.unit_p)
    summary = services.participant_summary(scene.conference)
    assert summary == {
        "answers": {"pending": 5, "attending": 0, "substitute": 0, "declined": 1},
        "in_room": 5,
        "remote": 1,
        "checked_in": 1,
        "total": 6,
    }


@pytest.mark.parametrize("status", [S.draft, S.concluded])
def test_no_check_in_outside_the_day(make, status):
    scene = build(make, status=status)
    with pytest.raises(InvalidStateError):
        services.check_in(
            actor=scene.organizer, conference=scene.conference, participant=scene.unit_p
        )


# --- visibility --------------------------------------------------------------------


def test_drafts_are_seen_only_by_their_organizers(make, db):
    scene = build(make, status=S.draft)
    conference_id = scene.conference.id
    for role in ("organizer", "admin"):
        assert services.get_conference(conference_id, actor=scene.actor(role)).id == conference_id
        assert scene.conference in services.list_conferences(actor=scene.actor(role))
    for role in ("chair", "secretary", "delegate", "unit_member", "outsider"):
        with pytest.raises(NotFoundError):
            services.get_conference(conference_id, actor=scene.actor(role))
        assert scene.conference not in services.list_conferences(actor=scene.actor(role))
        assert scene.conference not in services.conferences_of(scene.actor(role))
    assert scene.conference in services.conferences_of(scene.organizer)


def test_scheduled_conferences_are_seen_by_invitees_only(make):
    scene = build(make)
    for role in ("chair", "secretary", "delegate", "unit_member"):
        assert services.can_view(scene.actor(role), scene.conference)
        assert scene.conference in services.conferences_of(scene.actor(role))
    with pytest.raises(NotFoundError):
        services.get_conference(scene.conference.id, actor=scene.outsider)
    with pytest.raises(NotFoundError):
        services.get_conference("1", actor=scene.organizer)
    assert services.list_conferences(actor=scene.outsider) == []


def test_list_upcoming_past_and_by_unit(make):
    organizer = make.organizer()
    now = datetime.now(UTC)
    soon = make.conference(organizer=organizer, starts_at=now + timedelta(days=2), title="Soon")
    over = make.conference(organizer=organizer, starts_at=now - timedelta(days=30), title="Over")
    other_unit = make.unit()
    make.participant(over, unit=other_unit)
    assert services.list_conferences(actor=organizer) == [soon]
    assert services.list_conferences(actor=organizer, when="past") == [over]
    assert services.list_conferences(actor=organizer, when="past", unit_id=other_unit.id) == [over]
    assert services.list_conferences(actor=organizer, unit_id=other_unit.id) == []


def test_month_grid_starts_on_monday_and_refuses_bad_months():
    from zoneinfo import ZoneInfo

    weeks, start, end = services.month_grid(2016, 9, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert weeks[0][0].isoformat() == "2016-08-29" and weeks[0][0].weekday() == 0
    assert weeks[-1][-1].isoformat() == "2016-10-02"
    assert start == datetime(2016, 8, 28, 17, 0, tzinfo=UTC)
    with pytest.raises(ValidationError):
        services.month_grid(2016, 13, ZoneInfo("UTC"))


# --- creating and editing ----------------------------------------------------------


def _data(unit_id, **overrides):
    data = {
        "title": "Hội nghị",
        "kind": "thematic",
        "host_unit_id": unit_id,
        "starts_at": datetime(2016, 9, 20, 15, 15),
        "ends_at": datetime(2016, 9, 20, 17, 30),
        "timezone": "Asia/Ho_Chi_Minh",
    }
    data.update(overrides)
    return data


def test_create_reads_local_times_in_the_chosen_zone(make):
    organizer = make.organizer()
    conference = services.create_conference(actor=organizer, data=_data(organizer.unit_id))
    assert conference.starts_at == datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    assert conference.status == S.draft
    assert [p.role for p in conference.participants] == [ConferenceRole.organizer]
    paris = services.create_conference(
        actor=organizer, data=_data(organizer.unit_id, timezone="Europe/Paris")
    )
    assert paris.starts_at == datetime(2016, 9, 20, 13, 15, tzinfo=UTC)


def test_only_schedulers_create(make):
    member = make.user()
    with pytest.raises(PermissionDeniedError):
        services.create_conference(actor=member, data=_data(member.unit_id))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": datetime(2016, 9, 20, 15, 0)}, "ends_at"),
        ({"host_unit_id": 999_999}, "host_unit_id"),
        ({"title": "x" * 301}, "title"),
        ({"title": "  "}, "title"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"chair_id": 999_999}, "chair_id"),
        ({"video_bridge_url": "javascript:alert(1)"}, "video_bridge_url"),
    ],
)
def test_create_refuses_bad_input(make, db, overrides, field):
    organizer = make.organizer()
    with pytest.raises(ValidationError) as error:
        services.create_conference(actor=organizer, data=_data(organizer.unit_id, **overrides))
    assert field in error.value.field_errors


def test_a_stale_edit_is_refused_and_changes_nothing(make):
    scene = build(make)
    version = scene.conference.version
    services.update_conference(
        actor=scene.organizer, conference=scene.conference, data={"title": "Mới"}, version=version
    )
    assert scene.conference.version == version + 1
    with pytest.raises(ConflictError) as error:
        services.update_conference(
            actor=scene.organizer,
            conference=scene.conference,
            data={"title": "Cũ"},
            version=version,
        )
    assert not isinstance(error.value, InvalidStateError)
    assert scene.conference.title == "Mới"


@pytest.mark.parametrize("role", ["chair", "secretary", "delegate", "outsider"])
def test_only_organizers_edit(make, role):
    scene = build(make)
    assert not services.can_edit(scene.actor(role), scene.conference)
    with pytest.raises(PermissionDeniedError):
        services.update_conference(
            actor=scene.actor(role), conference=scene.conference, data={"title": "x"}, version=None
        )
