"""JSON API: the concluding directives of a conference (list, record, read, edit, confirm,
delete), who may, bad input, the live event, and the OpenAPI description."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives.models import Directive, DirectiveState
from meetings.extensions import db as _db
from meetings.live.models import LiveEvent
from tests.http.test_api import assert_error, bearer
from tests.socket.conftest import build_room


@pytest.fixture
def room(make):
    room = build_room(make)
    with unit_of_work():
        room.lead = make.unit(code="VP", name_vi="Văn phòng Ủy ban")
        room.helper = make.unit(code="TTTT", name_vi="Trung tâm Thông tin")
    return room


def base(room) -> str:
    return f"/api/v1/conferences/{room.id}/directives"


def body(room, **changes) -> dict:
    return {
        "text": "Thủ trưởng các đơn vị chịu trách nhiệm thực hiện kế hoạch.",
        "lead_unit_id": room.lead.id,
        "cooperating_unit_ids": [room.helper.id],
        "deadline": (room.conference.local_ends_at.date() + timedelta(days=45)).isoformat(),
        **changes,
    }


def directives() -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(Directive))


def events() -> int:
    _db.session.rollback()
    return _db.session.scalar(
        select(func.count()).select_from(LiveEvent).where(LiveEvent.type == "directives")
    )


def create(client, room, who="secretary", **changes) -> dict:
    response = client.post(base(room), json=body(room, **changes), headers=bearer(room.user(who)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_record_read_edit_confirm_through_the_api(client, room):
    created = create(client, room)

    assert created["number"] == 1 and created["state"] == "draft"
    assert created["status"] == "open" and created["version"] == 1
    assert created["lead_unit"] == {"id": room.lead.id, "code": "VP", "name": "Văn phòng Ủy ban"}
    assert [u["code"] for u in created["cooperating_units"]] == ["TTTT"]
    assert created["deadline"] == body(room)["deadline"]
    assert created["conference_id"] == room.id and created["confirmed_at"] is None
    assert events() == 1

    listed = client.get(base(room), headers=bearer(room.delegate)).get_json()
    assert [d["id"] for d in listed] == [created["id"]]
    one = client.get(f"/api/v1/directives/{created['id']}", headers=bearer(room.delegate))
    assert one.get_json()["text"] == created["text"]

    patched = client.patch(
        f"/api/v1/directives/{created['id']}",
        json={"version": 1, "text": "Đã sửa.", "cooperating_unit_ids": []},
        headers=bearer(room.secretary),
    )
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["text"], patched.get_json()["version"]) == ("Đã sửa.", 2)
    assert patched.get_json()["cooperating_units"] == []

    confirmed = client.post(
        f"/api/v1/directives/{created['id']}/confirm",
        json={"version": 2},
        headers=bearer(room.chair),
    )
    assert confirmed.status_code == 200
    assert confirmed.get_json()["state"] == "confirmed"
    assert confirmed.get_json()["confirmed_at"]
    assert events() == 3


def test_deleting_a_draft_renumbers_and_answers_204(client, room):
    first = create(client, room, text="Một")
    create(client, room, text="Hai")

    response = client.delete(f"/api/v1/directives/{first['id']}", headers=bearer(room.secretary))

    assert response.status_code == 204
    listed = client.get(base(room), headers=bearer(room.chair)).get_json()
    assert [(d["number"], d["text"]) for d in listed] == [(1, "Hai")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"lead_unit_id": 999_999}, "lead_unit_id"),
        ({"lead_unit_id": "1"}, "lead_unit_id"),
        ({"deadline": "2016-01-01"}, "deadline"),
        ({"deadline": "next week"}, "deadline"),
        ({"cooperating_unit_ids": "lead"}, "cooperating_unit_ids"),
        ({"agenda_item_id": 999_999}, "agenda_item_id"),
        ({"extra": 1}, "extra"),
        ({"text": "drop"}, "text"),
    ],
)
def test_bad_input_is_422_with_field_errors_and_stores_nothing(client, room, changes, field):
    if changes.get("cooperating_unit_ids") == "lead":
        changes["cooperating_unit_ids"] = [room.lead.id]
    data = {k: v for k, v in body(room, **changes).items() if v != "drop"}

    response = client.post(base(room), json=data, headers=bearer(room.secretary))

    payload = assert_error(response, 422, "invalid")
    assert field in payload["errors"], payload
    assert directives() == 0 and events() == 0


@pytest.mark.parametrize(
    ("who", "action", "status", "code"),
    [
        ("delegate", "create", 403, "forbidden"),
        ("organizer", "create", 403, "forbidden"),
        ("outsider", "create", 404, "not_found"),
        ("outsider", "list", 404, "not_found"),
        ("outsider", "get", 404, "not_found"),
        ("secretary", "confirm", 403, "forbidden"),
        ("delegate", "patch", 403, "forbidden"),
        ("delegate", "delete", 403, "forbidden"),
        ("chair", "stale", 409, "conflict"),
        ("chair", "no-version", 422, "invalid"),
    ],
)
def test_refusals(client, room, who, action, status, code):
    existing = create(client, room, text="Có sẵn")
    url = f"/api/v1/directives/{existing['id']}"
    headers = bearer(room.user(who))
    response = {
        "create": lambda: client.post(base(room), json=body(room), headers=headers),
        "list": lambda: client.get(base(room), headers=headers),
        "get": lambda: client.get(url, headers=headers),
        "confirm": lambda: client.post(f"{url}/confirm", json={}, headers=headers),
        "patch": lambda: client.patch(url, json={"version": 1, "text": "X"}, headers=headers),
        "delete": lambda: client.delete(url, headers=headers),
        "stale": lambda: client.patch(url, json={"version": 9, "text": "X"}, headers=headers),
        "no-version": lambda: client.patch(url, json={"text": "X"}, headers=headers),
    }[action]()

    assert_error(response, status, code)
    _db.session.expire_all()
    stored = _db.session.get(Directive, existing["id"])
    assert (stored.text, stored.state, stored.version) == ("Có sẵn", DirectiveState.draft, 1)
    assert directives() == 1


def test_a_concluded_conference_keeps_its_directives_frozen(client, room, make):
    with unit_of_work():
        directive_id = make.directive(room.conference, room.lead).id
        _db.session.get(Conference, room.id).status = ConferenceStatus.concluded
    url = f"/api/v1/directives/{directive_id}"

    assert_error(
        client.post(base(room), json=body(room), headers=bearer(room.chair)), 409, "invalid_state"
    )
    assert_error(
        client.patch(url, json={"version": 1, "text": "X"}, headers=bearer(room.chair)),
        409,
        "invalid_state",
    )
    assert_error(client.delete(url, headers=bearer(room.chair)), 409, "invalid_state")
    assert client.get(url, headers=bearer(room.delegate)).status_code == 200


def test_the_openapi_document_describes_the_directives(client, room):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/conferences/{conference_id}/directives"]) >= {"get", "post"}
    assert set(doc["paths"]["/api/v1/directives/{directive_id}"]) >= {"get", "patch", "delete"}
    assert "post" in doc["paths"]["/api/v1/directives/{directive_id}/confirm"]
    schemas = doc["components"]["schemas"]
    assert set(schemas["DirectiveCreate"]["required"]) == {"text", "lead_unit_id", "deadline"}
    assert schemas["DirectiveUpdate"]["required"] == ["version"]
    assert schemas["Directive"]["properties"]["state"]["enum"] == ["draft", "confirmed"]
