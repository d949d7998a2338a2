"""JSON API: the floor queue, and its changes reaching the live room like socket changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
)
from meetings.extensions import db as _db
from meetings.extensions import socketio
from meetings.live import services
from meetings.live.events import NAMESPACE
from meetings.live.models import FloorRequest, FloorStatus, LiveEvent
from meetings.live.services import Viewer
from tests.http.test_api import assert_error, bearer, login


@pytest.fixture
def api(client):
    return client


def build(make, status: ConferenceStatus = ConferenceStatus.live) -> dict:
    organizer = make.organizer()
    chair = make.user(full_name="Hà Hùng")
    conference = make.conference(organizer=organizer, chair=chair)
    people = {"organizer": organizer, "chair": chair}
    for role, name in (("delegate", "Lê Thị Hoa"), ("waiter", "Trần Văn Chờ")):
        people[role] = make.user(full_name=name)
        make.participant(conference, user=people[role])
    people["secretary"] = make.user()
    make.participant(conference, user=people["secretary"], role=ConferenceRole.secretary)
    unit = make.unit(name_vi="Vụ Địa phương III", city="Đà Nẵng")
    make.participant(conference, unit=unit, attendance=Attendance.remote)
    people["unit_member"] = make.user(unit=unit)
    people["outsider"] = make.user()
    people["admin"] = make.admin()
    site = services.create_site(actor=organizer, conference=conference, unit_id=unit.id)
    conference.status = status
    _db.session.commit()
    return {
        **people,
        "conference": conference,
        "id": conference.id,
        "site": site,
        "base": f"/api/v1/conferences/{conference.id}/floor",
    }


@pytest.fixture
def scene(make) -> dict:
    return build(make)


def _raise(scene, who: str) -> int:
    """Raise a hand directly through the service (a person, or "site")."""
    conference = _db.session.get(Conference, scene["id"])
    viewer = Viewer(site=scene["site"]) if who == "site" else Viewer(user=scene[who])
    request = services.raise_hand(viewer=viewer, conference=conference)
    _db.session.commit()
    return request.id


def _open_requests() -> list[tuple]:
    _db.session.expire_all()
    return list(
        _db.session.execute(
            select(FloorRequest.id, FloorRequest.status)
            .where(FloorRequest.status.in_([FloorStatus.waiting, FloorStatus.speaking]))
            .order_by(FloorRequest.id)
        )
    )


def _event_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(LiveEvent))


# --- the queue -------------------------------------------------------------------------


def test_the_floor_starts_empty(api, scene):
    response = api.get(scene["base"], headers=bearer(scene["delegate"]))
    assert response.status_code == 200
    assert response.get_json() == {"speaking": None, "queue": []}


def test_a_delegate_raises_and_withdraws_a_hand(api, scene):
    headers = bearer(scene["delegate"])

    body = api.post(f"{scene['base']}/raise", headers=headers).get_json()

    [request] = body["queue"]
    assert request["who"] == "Lê Thị Hoa" and request["from"] == "room"
    assert request["user_id"] == scene["delegate"].id and request["status"] == "waiting"
    assert request["requested_at"].endswith("Z") and body["speaking"] is None
    # Raising twice keeps one place in the queue.
    again = api.post(f"{scene['base']}/raise", json={}, headers=headers).get_json()
    assert [r["id"] for r in again["queue"]] == [request["id"]]

    body = api.post(f"{scene['base']}/withdraw", headers=headers).get_json()
    assert body["queue"] == [] and _open_requests() == []
    assert_error(api.post(f"{scene['base']}/withdraw", headers=headers), 409, "invalid_state")


def test_the_chair_grants_the_next_fairly_and_ends_the_turn(api, scene):
    room_first = _raise(scene, "waiter")
    from_site = _raise(scene, "site")
    room_second = _raise(scene, "delegate")
    headers = bearer(scene["chair"])

    body = api.post(f"{scene['base']}/grant", json={"request_id": None}, headers=headers).get_json()
    assert body["speaking"]["id"] == room_first
    assert [r["id"] for r in body["queue"]] == [from_site, room_second]

    # After a speaker from the room, the sites' turn (no body = the next one).
    body = api.post(f"{scene['base']}/grant", headers=headers).get_json()
    assert body["speaking"]["id"] == from_site and body["speaking"]["from"] == "site"
    assert body["speaking"]["who"] == "Vụ Địa phương III" and body["speaking"]["granted_at"]

    body = api.post(f"{scene['base']}/end", headers=headers).get_json()
    assert body["speaking"] is None and [r["id"] for r in body["queue"]] == [room_second]
    assert_error(api.post(f"{scene['base']}/end", headers=headers), 409, "invalid_state")


def test_granting_a_chosen_request(api, scene):
    _raise(scene, "waiter")
    chosen = _raise(scene, "delegate")
    body = api.post(
        f"{scene['base']}/grant", json={"request_id": chosen}, headers=bearer(scene["organizer"])
    ).get_json()
    assert body["speaking"]["id"] == chosen


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"request_id": "1"}, 422, "invalid"),
        ({"request_id": 1.5}, 422, "invalid"),
        ({"request_id": 1, "extra": 2}, 422, "invalid"),
        ({"request_id": 99999}, 404, "not_found"),
        ({"request_id": None}, 409, "invalid_state"),  # nobody waits
    ],
)
def test_bad_grants_are_refused_and_change_nothing(api, scene, payload, status, code):
    headers = bearer(scene["chair"])
    before = (_open_requests(), _event_count())
    assert_error(api.post(f"{scene['base']}/grant", json=payload, headers=headers), status, code)
    assert (_open_requests(), _event_count()) == before


def test_a_request_no_longer_waiting_cannot_be_granted(api, scene):
    request_id = _raise(scene, "delegate")
    headers = bearer(scene["chair"])
    api.post(f"{scene['base']}/grant", json={"request_id": request_id}, headers=headers)
    assert_error(
        api.post(f"{scene['base']}/grant", json={"request_id": request_id}, headers=headers),
        409,
        "conflict",
    )


def test_a_request_of_another_conference_is_404(api, make, scene):
    other = build(make)
    foreign = _raise(other, "delegate")
    assert_error(
        api.post(
            f"{scene['base']}/grant", json={"request_id": foreign}, headers=bearer(scene["chair"])
        ),
        404,
        "not_found",
    )


@pytest.mark.parametrize("status", [ConferenceStatus.scheduled, ConferenceStatus.concluded])
def test_the_floor_is_open_only_while_the_conference_is_live(api, make, status):
    scene = build(make, status=status)
    before = _event_count()
    assert_error(
        api.post(f"{scene['base']}/raise", headers=bearer(scene["delegate"])), 409, "invalid_state"
    )
    assert_error(
        api.post(f"{scene['base']}/grant", headers=bearer(scene["chair"])), 409, "invalid_state"
    )
    assert _event_count() == before and _open_requests() == []


# --- who may ---------------------------------------------------------------------------

# operation -> what must be true before it (so that a permitted call succeeds)
OPERATIONS = ["read", "raise", "withdraw", "grant", "end"]
EXPECTED = {
    "anonymous": dict.fromkeys(OPERATIONS, 401),
    "outsider": dict.fromkeys(OPERATIONS, 404),
    "delegate": {"read": 200, "raise": 200, "withdraw": 200, "grant": 403, "end": 403},
    "unit_member": {"read": 200, "raise": 200, "withdraw": 200, "grant": 403, "end": 403},
    "secretary": {"read": 200, "raise": 200, "withdraw": 200, "grant": 403, "end": 403},
    "chair": dict.fromkeys(OPERATIONS, 200),
    "organizer": dict.fromkeys(OPERATIONS, 200),
    "admin": dict.fromkeys(OPERATIONS, 200),
}
CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}


@pytest.mark.parametrize(
    ("role", "operation"),
    [pytest.param(r, o, id=f"{o}-{r}") for r in EXPECTED for o in OPERATIONS],
)
def test_permission_table(api, make, role, operation):
    scene = build(make)
    person = scene.get(role)
    if operation == "withdraw" and role not in ("anonymous", "outsider"):
        _raise(scene, role)
    if operation in ("grant", "end"):
        request_id = _raise(scene, "waiter")
        if operation == "end":
            services.grant_floor(
                viewer=Viewer(user=scene["chair"]),
                conference=_db.session.get(Conference, scene["id"]),
                request_id=request_id,
            )
            _db.session.commit()
    headers = bearer(person) if person is not None else {}
    method, url = (
        ("GET", scene["base"]) if operation == "read" else ("POST", f"{scene['base']}/{operation}")
    )
    before = (_open_requests(), _event_count())

    response = api.open(url, method=method, headers=headers)

    expected = EXPECTED[role][operation]
    if expected == 200:
        assert response.status_code == 200, response.get_json()
        assert set(response.get_json()) == {"speaking", "queue"}
    else:
        assert_error(response, expected, CODES[expected])
        assert (_open_requests(), _event_count()) == before


# --- the live room sees API changes ----------------------------------------------------


def _live_client(app, flask_client, conference_id: int):
    with app.app_context():
        return socketio.test_client(
            app,
            namespace=NAMESPACE,
            flask_test_client=flask_client,
            auth={"conference_id": conference_id},
        )


def _events(socket_client) -> list[dict]:
    return [m["args"][0] for m in socket_client.get_received(NAMESPACE) if m["name"] == "event"]


def test_a_floor_change_through_the_api_reaches_the_live_room(app, api, scene):
    """The API appends a LiveEvent, and a socket in the room receives it, like a socket change."""
    watcher = app.test_client()
    login(watcher, scene["chair"])
    room = _live_client(app, watcher, scene["id"])
    try:
        assert room.is_connected(NAMESPACE)
        _events(room)  # the presence update of its own arrival
        _db.session.expire_all()
        seq_before = _db.session.get(Conference, scene["id"]).live_seq

        response = api.post(f"{scene['base']}/raise", headers=bearer(scene["delegate"]))

        assert response.status_code == 200
        [logged] = _db.session.scalars(
            select(LiveEvent).where(
                LiveEvent.conference_id == scene["id"], LiveEvent.seq > seq_before
            )
        ).all()
        assert logged.type == "floor" and logged.seq == seq_before + 1
        [received] = _events(room)
        assert received["seq"] == logged.seq and received["type"] == "floor"
        assert received["data"] == logged.payload
        assert received["data"]["floor"]["queue"][0]["who"] == "Lê Thị Hoa"
        assert received["server_time"].endswith("Z")

        # The chair gives the floor through the API: the room sees who speaks.
        api.post(
            f"{scene['base']}/grant", json={"request_id": None}, headers=bearer(scene["chair"])
        )
        [granted] = _events(room)
        assert granted["seq"] == logged.seq + 1
        assert granted["data"]["floor"]["speaking"]["who"] == "Lê Thị Hoa"
        assert granted["data"]["floor"]["queue"] == []
    finally:
        with app.app_context():
            room.disconnect(NAMESPACE)


def test_a_refused_api_call_broadcasts_nothing(app, api, scene):
    watcher = app.test_client()
    login(watcher, scene["organizer"])
    room = _live_client(app, watcher, scene["id"])
    try:
        _events(room)
        before = _event_count()
        assert_error(
            api.post(f"{scene['base']}/grant", headers=bearer(scene["delegate"])), 403, "forbidden"
        )
        assert_error(
            api.post(f"{scene['base']}/end", headers=bearer(scene["chair"])), 409, "invalid_state"
        )
        assert _event_count() == before and _events(room) == []
    finally:
        with app.app_context():
            room.disconnect(NAMESPACE)


def test_revoking_a_site_through_the_api_cuts_its_socket_off(app, api, scene):
    """A site in the room is told its link was revoked and disconnected; the room sees it."""
    with app.app_context():
        site_socket = socketio.test_client(
            app,
            namespace=NAMESPACE,
            flask_test_client=app.test_client(),
            auth={"conference_id": scene["id"], "site_token": scene["site"].token},
        )
    watcher = app.test_client()
    login(watcher, scene["organizer"])
    room = _live_client(app, watcher, scene["id"])
    try:
        assert site_socket.is_connected(NAMESPACE)
        _events(room)
        site_socket.get_received(NAMESPACE)

        response = api.post(
            f"/api/v1/conferences/{scene['id']}/sites/{scene['site'].id}/revoke",
            headers=bearer(scene["organizer"]),
        )

        assert response.status_code == 200
        told = [m for m in site_socket.queue if m["name"] == "revoked"]
        assert len(told) == 1 and told[0]["args"][0]["message"]
        assert not site_socket.is_connected(NAMESPACE)
        [presence] = [e for e in _events(room) if e["type"] == "presence"]
        [board] = presence["data"]["presence"]["sites"]
        assert board["state"] == "revoked" and board["connections"] == 0
    finally:
        with app.app_context():
            room.disconnect(NAMESPACE)
            if site_socket.is_connected(NAMESPACE):
                site_socket.disconnect(NAMESPACE)
