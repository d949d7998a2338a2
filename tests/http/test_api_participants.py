"""JSON API: invitations of a conference, answers and check-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.conferences.models import (
    Attendance,
    ConferenceRole,
    ConferenceStatus,
    Participant,
    Rsvp,
)
from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer, stored_state


@pytest.fixture
def api(client):
    return client


@pytest.fixture
def scene(make):
    organizer = make.organizer()
    delegate = make.user()
    unit = make.unit()
    unit_member = make.user(unit=unit)
    conference = make.conference(organizer=organizer)
    invitation = make.participant(conference, user=delegate)
    unit_invitation = make.participant(
        conference, unit=unit, attendance=Attendance.remote, headcount=3
    )
    _db.session.commit()
    return {
        "organizer": organizer,
        "delegate": delegate,
        "unit": unit,
        "unit_member": unit_member,
        "conference": conference,
        "invitation": invitation,
        "unit_invitation": unit_invitation,
        "base": f"/api/v1/conferences/{conference.id}",
    }


def _participant(pid: int) -> Participant | None:
    _db.session.expire_all()
    return _db.session.get(Participant, pid)


def test_invitees_see_the_invitation_list(api, scene):
    response = api.get(f"{scene['base']}/participants", headers=bearer(scene["unit_member"]))

    assert response.status_code == 200
    rows = response.get_json()
    assert [row["role"] for row in rows] == ["organizer", "delegate", "delegate"]
    person, unit = rows[1], rows[2]
    assert person["invitee"] == "person" and person["user"]["id"] == scene["delegate"].id
    assert person["answer"] == "pending" and person["checked_in"] is False
    assert unit["invitee"] == "unit" and unit["user"] is None
    assert unit["unit"]["id"] == scene["unit"].id and unit["headcount"] == 3
    assert unit["attendance"] == "remote"


def test_one_invitation_reads_and_another_conferences_is_404(api, make, scene):
    headers = bearer(scene["organizer"])
    other = make.conference(organizer=scene["organizer"])
    _db.session.commit()
    pid = scene["invitation"].id

    assert api.get(f"{scene['base']}/participants/{pid}", headers=headers).get_json()["id"] == pid
    assert_error(
        api.get(f"/api/v1/conferences/{other.id}/participants/{pid}", headers=headers),
        404,
        "not_found",
    )


def test_the_organizer_invites_a_person_and_a_unit(api, make, scene):
    person, unit = make.user(), make.unit()
    headers = bearer(scene["organizer"])
    url = f"{scene['base']}/participants"

    by_person = api.post(url, headers=headers, json={"user_id": person.id, "role": "presenter"})
    by_unit = api.post(
        url, headers=headers, json={"unit_id": unit.id, "attendance": "remote", "headcount": 4}
    )

    assert by_person.status_code == 201, by_person.get_json()
    assert by_person.get_json()["role"] == "presenter"
    assert by_unit.status_code == 201, by_unit.get_json()
    stored = _participant(by_unit.get_json()["id"])
    assert stored.unit_id == unit.id and stored.user_id is None
    assert stored.attendance == Attendance.remote and stored.headcount == 4


@pytest.mark.parametrize(
    "payload, status, code, field",
    [
        ({}, 422, "invalid", "user_id"),
        ({"user_id": "DELEGATE", "unit_id": "UNIT"}, 422, "invalid", "user_id"),
        ({"user_id": 987654}, 422, "invalid", "user_id"),
        ({"unit_id": "UNIT", "role": "chair"}, 422, "invalid", "role"),
        ({"unit_id": "UNIT", "headcount": 0}, 422, "invalid", "headcount"),
        ({"unit_id": "UNIT", "headcount": 501}, 422, "invalid", "headcount"),
        ({"unit_id": "UNIT", "attendance": "balcony"}, 422, "invalid", "attendance"),
        ({"user_id": "DELEGATE"}, 409, "conflict", None),
        ({"unit_id": "UNIT"}, 409, "conflict", None),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_stored(
    api, make, scene, payload, status, code, field
):
    fresh_unit = make.unit()
    _db.session.commit()
    ids = {"DELEGATE": scene["delegate"].id, "UNIT": fresh_unit.id}
    if payload.get("unit_id") == "UNIT" and status == 409:
        ids["UNIT"] = scene["unit"].id
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    headers = bearer(scene["organizer"])
    before = stored_state()

    response = api.post(f"{scene['base']}/participants", headers=headers, json=payload)

    body = assert_error(response, status, code)
    if field:
        assert field in body["errors"], body
    assert stored_state() == before


def test_the_organizer_updates_an_invitation(api, scene):
    pid = scene["unit_invitation"].id

    response = api.patch(
        f"{scene['base']}/participants/{pid}",
        headers=bearer(scene["organizer"]),
        json={"role": "observer", "attendance": "in_room", "headcount": 2},
    )

    assert response.status_code == 200, response.get_json()
    stored = _participant(pid)
    assert (stored.role, stored.attendance, stored.headcount) == (
        ConferenceRole.observer,
        Attendance.in_room,
        2,
    )


def test_the_last_organizer_cannot_step_down(api, scene):
    organizer_pid = scene["conference"].participants[0].id
    headers = bearer(scene["organizer"])
    before = stored_state()

    response = api.patch(
        f"{scene['base']}/participants/{organizer_pid}", headers=headers, json={"role": "delegate"}
    )

    assert "organizer" in " ".join(assert_error(response, 422, "invalid")["errors"]["role"])
    assert_error(
        api.delete(f"{scene['base']}/participants/{organizer_pid}", headers=headers), 422, "invalid"
    )
    assert stored_state() == before


def test_the_organizer_withdraws_an_invitation(api, scene):
    pid = scene["invitation"].id

    response = api.delete(f"{scene['base']}/participants/{pid}", headers=bearer(scene["organizer"]))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert _participant(pid) is None


def test_the_invitee_answers_and_a_unit_member_answers_for_the_unit(api, scene):
    base = scene["base"]
    own = api.post(
        f"{base}/participants/{scene['invitation'].id}/answer",
        headers=bearer(scene["delegate"]),
        json={"answer": "substitute", "substitute_name": "Nguyễn Văn B", "note": "Đi công tác"},
    )
    for_unit = api.post(
        f"{base}/participants/{scene['unit_invitation'].id}/answer",
        headers=bearer(scene["unit_member"]),
        json={"answer": "attending"},
    )

    assert own.status_code == 200, own.get_json()
    body = own.get_json()
    assert body["answer"] == "substitute" and body["substitute_name"] == "Nguyễn Văn B"
    assert body["note"] == "Đi công tác" and body["responded_at"]
    assert for_unit.status_code == 200, for_unit.get_json()
    assert _participant(scene["unit_invitation"].id).rsvp == Rsvp.attending


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"answer": "substitute"}, "substitute_name"),
        ({"answer": "pending"}, "answer"),
        ({"answer": "maybe"}, "answer"),
        ({}, "answer"),
    ],
)
def test_a_bad_answer_is_422_and_nothing_is_stored(api, scene, payload, field):
    headers = bearer(scene["delegate"])
    before = stored_state()

    response = api.post(
        f"{scene['base']}/participants/{scene['invitation'].id}/answer",
        headers=headers,
        json=payload,
    )

    assert field in assert_error(response, 422, "invalid")["errors"]
    assert stored_state() == before


def test_nobody_else_answers_for_an_invitee(api, make, scene):
    other_delegate = make.user()
    make.participant(scene["conference"], user=other_delegate)
    headers = bearer(other_delegate)

    response = api.post(
        f"{scene['base']}/participants/{scene['invitation'].id}/answer",
        headers=headers,
        json={"answer": "declined"},
    )

    assert_error(response, 403, "forbidden")
    assert _participant(scene["invitation"].id).rsvp == Rsvp.pending


def test_answers_are_closed_once_the_conference_is_over(api, scene):
    scene["conference"].status = ConferenceStatus.concluded
    headers = bearer(scene["delegate"])

    response = api.post(
        f"{scene['base']}/participants/{scene['invitation'].id}/answer",
        headers=headers,
        json={"answer": "attending"},
    )

    assert_error(response, 409, "invalid_state")


def test_the_desk_checks_people_in_and_out(api, make, scene):
    secretary = make.user()
    make.participant(scene["conference"], user=secretary, role=ConferenceRole.secretary)
    url = f"{scene['base']}/participants/{scene['invitation'].id}/check-in"
    headers = bearer(secretary)

    checked_in = api.post(url, headers=headers, json={})
    assert checked_in.status_code == 200, checked_in.get_json()
    assert checked_in.get_json()["checked_in"] is True and checked_in.get_json()["checked_in_at"]
    assert _participant(scene["invitation"].id).checked_in_by_id == secretary.id

    undone = api.post(url, headers=headers, json={"present": False})
    assert undone.get_json()["checked_in"] is False
    assert _participant(scene["invitation"].id).checked_in_at is None


def test_check_in_refusals(api, scene):
    base = scene["base"]
    remote = api.post(
        f"{base}/participants/{scene['unit_invitation'].id}/check-in",
        headers=bearer(scene["organizer"]),
        json={"present": True},
    )
    assert "Remote" in assert_error(remote, 422, "invalid")["message"]

    self_check_in = api.post(
        f"{base}/participants/{scene['invitation'].id}/check-in",
        headers=bearer(scene["delegate"]),
        json={"present": True},
    )
    assert_error(self_check_in, 403, "forbidden")

    not_a_boolean = api.post(
        f"{base}/participants/{scene['invitation'].id}/check-in",
        headers=bearer(scene["organizer"]),
        json={"present": "perhaps"},
    )
    assert_error(not_a_boolean, 422, "invalid")
    stored = _db.session.scalars(select(Participant.checked_in_at)).all()
    assert stored == [None, None, None]
