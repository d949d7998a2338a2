"""JSON API: the adoption vote (open, ballots, hand count, close) and a draft's votes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.conferences.models import Conference
from meetings.extensions import db as _db
from meetings.extensions import socketio
from meetings.live import services
from meetings.live.events import NAMESPACE
from meetings.live.models import LiveEvent
from meetings.live.services import Viewer
from tests.http.test_api import assert_error, bearer
from tests.socket.conftest import build_room


@pytest.fixture
def scene(make):
    room = build_room(make)
    draft = make.draft(room.conference, room.secretary.unit, agenda_item_id=room.items[1].id)
    make.circulation(draft.latest, [room.delegate.unit])
    _db.session.commit()
    return {"room": room, "draft": draft.id, "base": f"/api/v1/conferences/{room.id}/votes"}


def present(scene, *people) -> None:
    """These people have the live room open (a live connection each)."""
    room = scene["room"]
    conference = _db.session.get(Conference, room.id)
    for person in people:
        services.connect(
            viewer=Viewer(user=person), conference=conference, sid=f"s{person.id}", remote_addr=None
        )
    _db.session.commit()


def open_vote(api, scene) -> dict:
    response = api.post(
        scene["base"], json={"draft_id": scene["draft"]}, headers=bearer(scene["room"].chair)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def vote_events() -> int:
    _db.session.rollback()
    return _db.session.scalar(
        select(func.count()).select_from(LiveEvent).where(LiveEvent.type == "vote")
    )


def test_a_whole_vote_through_the_api(client, scene, monkeypatch):
    sent = []
    monkeypatch.setattr(
        socketio,
        "emit",
        lambda name, data, to=None, namespace=None, **kw: sent.append((name, data)),
    )
    room = scene["room"]
    present(scene, room.delegate, room.secretary)

    vote = open_vote(client, scene)
    assert (vote["status"], vote["version"], vote["quorum"], vote["present_units"]) == (
        "open",
        1,
        4,
        2,
    )
    base = f"{scene['base']}/{vote['id']}"

    response = client.post(
        f"{base}/ballots", json={"answer": "agree"}, headers=bearer(room.delegate)
    )
    assert response.status_code == 200
    assert response.get_json()["ballots"][0]["from"] == "room"

    response = client.post(
        f"{base}/hand-count",
        json={"agree": 2, "agree_with_comments": 0, "disagree": 1},
        headers=bearer(room.secretary),
    )
    assert response.status_code == 200
    assert response.get_json()["totals"] == {"agree": 3, "agree_with_comments": 0, "disagree": 1}

    response = client.post(f"{base}/close", json={}, headers=bearer(room.chair))
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "closed"
    assert (body["present_units"], body["quorum"], body["adopted"]) == (2, 4, False)

    listed = client.get(f"/api/v1/drafts/{scene['draft']}/votes", headers=bearer(room.delegate))
    assert listed.status_code == 200
    assert [v["id"] for v in listed.get_json()] == [vote["id"]]
    # Each change reached the live room as a "vote" event.
    assert vote_events() == 4
    assert all(name == "event" for name, _data in sent)
    assert {data["type"] for _name, data in sent} >= {"vote"}
    assert NAMESPACE == "/live"


@pytest.mark.parametrize("who", ["delegate", "secretary", "outsider"])
def test_only_the_chair_and_organizers_open_a_vote(client, scene, who):
    response = client.post(
        scene["base"], json={"draft_id": scene["draft"]}, headers=bearer(scene["room"].user(who))
    )
    assert_error(
        response,
        404 if who == "outsider" else 403,
        "not_found" if who == "outsider" else "forbidden",
    )
    assert vote_events() == 0


def test_a_second_open_vote_is_a_conflict(client, scene):
    open_vote(client, scene)
    response = client.post(
        scene["base"], json={"draft_id": scene["draft"]}, headers=bearer(scene["room"].organizer)
    )
    assert_error(response, 409, "conflict")
    assert vote_events() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": "yes"}, "answer"),
        ({}, "answer"),
        ({"answer": "agree", "unit_id": 3}, "unit_id"),
    ],
)
def test_bad_ballots_are_refused(client, scene, body, field):
    room = scene["room"]
    present(scene, room.delegate)
    vote = open_vote(client, scene)
    response = client.post(
        f"{scene['base']}/{vote['id']}/ballots", json=body, headers=bearer(room.delegate)
    )
    assert field in assert_error(response, 422, "invalid")["errors"]
    assert vote_events() == 1


def test_a_unit_not_in_the_live_room_cannot_answer(client, scene):
    vote = open_vote(client, scene)
    response = client.post(
        f"{scene['base']}/{vote['id']}/ballots",
        json={"answer": "agree"},
        headers=bearer(scene["room"].delegate),
    )
    assert "not present" in assert_error(response, 409, "invalid_state")["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"agree": -1, "agree_with_comments": 0, "disagree": 0},
        {"agree": 3, "agree_with_comments": 1, "disagree": 1},  # five: the room has four
        {"agree": "2", "agree_with_comments": 0, "disagree": 0},
        {"agree": 1, "agree_with_comments": 0},
    ],
)
def test_bad_hand_counts_are_refused_and_nothing_stored(client, scene, body):
    vote = open_vote(client, scene)
    response = client.post(
        f"{scene['base']}/{vote['id']}/hand-count",
        json=body,
        headers=bearer(scene["room"].secretary),
    )
    assert_error(response, 422, "invalid")
    assert (
        client.get(
            f"/api/v1/drafts/{scene['draft']}/votes", headers=bearer(scene["room"].organizer)
        ).get_json()[0]["room"]
        is None
    )


def test_closing_twice_is_refused(client, scene):
    vote = open_vote(client, scene)
    url = f"{scene['base']}/{vote['id']}/close"
    assert client.post(url, json={}, headers=bearer(scene["room"].chair)).status_code == 200
    assert_error(
        client.post(url, json={}, headers=bearer(scene["room"].chair)), 409, "invalid_state"
    )


def test_votes_of_a_draft_are_seen_by_whoever_sees_the_draft(client, scene, make):
    stranger = make.user()
    _db.session.commit()
    url = f"/api/v1/drafts/{scene['draft']}/votes"
    assert client.get(url, headers=bearer(scene["room"].delegate)).get_json() == []
    assert_error(client.get(url, headers=bearer(stranger)), 404, "not_found")
    assert_error(client.get(url), 401, "unauthenticated")


def test_a_vote_of_another_conference_is_not_found_here(client, scene, make):
    vote = open_vote(client, scene)
    other = make.conference(
        organizer=scene["room"].organizer, status=scene["room"].conference.status
    )
    _db.session.commit()
    response = client.post(
        f"/api/v1/conferences/{other.id}/votes/{vote['id']}/close",
        json={},
        headers=bearer(scene["room"].organizer),
    )
    assert_error(response, 404, "not_found")
