"""Concluding directives over the /live namespace: the secretary records one and a remote
site sees it appear as a draft; the chair confirms it; who may; bad payloads; edits,
deletes and the conclusion guard; a reconnecting client gets the directives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives.models import Directive, DirectiveState
from tests.socket.conftest import count, fresh


@pytest.fixture
def units(room, make):
    with unit_of_work():
        return {"lead": make.unit(code="VP").id, "helper": make.unit(code="TTTT").id}


def deadline(room, days: int = 30) -> str:
    return (room.conference.local_ends_at.date() + timedelta(days=days)).isoformat()


def payload(room, units, **changes) -> dict:
    return {
        "text": "Đẩy mạnh ứng dụng công nghệ thông tin trong hoạt động của các đơn vị.",
        "lead_unit_id": units["lead"],
        "cooperating_unit_ids": [units["helper"]],
        "deadline": deadline(room),
        **changes,
    }


def last_list(client) -> list[dict]:
    events = client.events("directives")
    assert events, f"no directives event for {client}"
    return events[-1]["data"]["directives"]


def test_the_secretary_records_a_site_sees_the_draft_and_the_chair_confirms(room, units, sockets):
    secretary = sockets.person(room.secretary, room.conference)
    chair = sockets.person(room.chair, room.conference)
    site = sockets.site(room.site)

    ack = secretary.call("directive_record", payload(room, units))

    assert ack["ok"] is True, ack
    directive_id = ack["data"]["directive_id"]
    assert ack["data"]["number"] == 1
    for client in (secretary, chair, site):
        [shown] = last_list(client)
        assert (shown["id"], shown["number"], shown["state"]) == (directive_id, 1, "draft")
        assert shown["lead_unit"]["code"] == "VP"
        assert [u["code"] for u in shown["cooperating_units"]] == ["TTTT"]
        assert shown["deadline"] == deadline(room)

    confirmed = chair.call("directive_confirm", {"directive_id": directive_id, "version": 1})

    assert confirmed == {"ok": True, "data": {"directive_id": directive_id, "state": "confirmed"}}
    assert last_list(site)[0]["state"] == "confirmed"
    assert fresh(Directive, directive_id).state == DirectiveState.confirmed


def test_an_edit_and_a_delete_reach_the_room(room, units, sockets):
    secretary = sockets.person(room.secretary, room.conference)
    delegate = sockets.person(room.delegate, room.conference)
    first = secretary.call("directive_record", payload(room, units, text="Một"))["data"]
    second = secretary.call("directive_record", payload(room, units, text="Hai"))["data"]

    edited = secretary.call(
        "directive_edit",
        {"directive_id": second["directive_id"], "version": 1, "text": "Hai (sửa)"},
    )
    assert edited == {"ok": True, "data": {"directive_id": second["directive_id"], "version": 2}}
    assert [d["text"] for d in last_list(delegate)] == ["Một", "Hai (sửa)"]

    stale = secretary.call(
        "directive_edit",
        {"directive_id": second["directive_id"], "version": 1, "text": "Bản cũ"},
    )
    assert stale["ok"] is False and stale["code"] == "conflict"
    assert delegate.events("directives") == []

    deleted = secretary.call("directive_delete", {"directive_id": first["directive_id"]})
    assert deleted["ok"] is True
    [left] = last_list(delegate)
    assert (left["id"], left["number"], left["text"]) == (second["directive_id"], 1, "Hai (sửa)")
    assert count(Directive) == 1


@pytest.mark.parametrize(
    ("who", "event", "data", "code"),
    [
        ("delegate", "directive_record", {}, "forbidden"),
        ("organizer", "directive_record", {}, "forbidden"),
        ("site", "directive_record", {}, "forbidden"),
        ("secretary", "directive_confirm", "ref", "forbidden"),
        ("site", "directive_confirm", "ref", "forbidden"),
        ("delegate", "directive_delete", "ref", "forbidden"),
        ("delegate", "directive_edit", "edit", "forbidden"),
        ("secretary", "directive_record", {"text": ""}, "invalid"),
        ("secretary", "directive_record", {"text": None}, "invalid"),
        ("secretary", "directive_record", {"deadline": "tomorrow"}, "invalid"),
        ("secretary", "directive_record", {"deadline": "2016-01-01"}, "invalid"),
        ("secretary", "directive_record", {"lead_unit_id": "1"}, "invalid"),
        ("secretary", "directive_record", {"lead_unit_id": 999_999}, "invalid"),
        ("secretary", "directive_record", {"cooperating_unit_ids": "all"}, "invalid"),
        ("secretary", "directive_record", {"colour": "red"}, "invalid"),
        ("chair", "directive_confirm", {"directive_id": 999_999}, "not_found"),
        ("chair", "directive_confirm", {"directive_id": "1"}, "invalid"),
        ("chair", "directive_confirm", {"version": 7}, "conflict"),
        ("secretary", "directive_edit", {"version": None}, "invalid"),
    ],
)
def test_refusals_are_acknowledged_and_change_nothing(room, units, sockets, who, event, data, code):
    secretary = sockets.person(room.secretary, room.conference)
    existing = secretary.call("directive_record", payload(room, units, text="Có sẵn"))["data"]
    ref = {"directive_id": existing["directive_id"]}
    client = (
        sockets.site(room.site)
        if who == "site"
        else sockets.person(room.user(who), room.conference)
    )
    client.events()
    if data == "ref":
        data = ref
    elif data == "edit":
        data = {**ref, "version": 1, "text": "Không được"}
    elif event == "directive_record":
        data = {k: v for k, v in {**payload(room, units), **data}.items() if v != "drop"}
    elif event == "directive_edit":
        data = {**ref, "text": "Khác", **data}
    elif "directive_id" not in data:
        data = {**ref, **data}

    ack = client.call(event, data)

    assert ack["ok"] is False and ack["code"] == code, ack
    assert ack["message"]
    if code == "invalid":
        assert ack["errors"], ack
    assert count(Directive) == 1
    stored = fresh(Directive, existing["directive_id"])
    assert (stored.text, stored.state, stored.version) == ("Có sẵn", DirectiveState.draft, 1)
    assert client.events("directives") == []


def test_a_deadline_on_the_day_of_the_meeting_is_explained_under_its_field(room, units, sockets):
    secretary = sockets.person(room.secretary, room.conference)

    ack = secretary.call("directive_record", payload(room, units, deadline=deadline(room, 0)))

    assert ack["ok"] is False and ack["code"] == "invalid"
    assert "after the day of the conference" in ack["errors"]["deadline"][0]
    assert count(Directive) == 0


def test_closing_the_conference_waits_for_the_drafts(room, units, sockets):
    chair = sockets.person(room.chair, room.conference)
    recorded = chair.call("directive_record", payload(room, units))["data"]

    refused = chair.call("conference_close")

    assert refused["ok"] is False and refused["code"] == "invalid_state"
    assert refused["message"] == "Confirm or delete the draft directives first."
    assert fresh(Conference, room.id).status == ConferenceStatus.live

    chair.call("directive_confirm", {"directive_id": recorded["directive_id"]})
    closed = chair.call("conference_close")
    assert closed == {"ok": True, "data": {"status": "concluded"}}
    frozen = chair.call(
        "directive_edit", {"directive_id": recorded["directive_id"], "version": 2, "text": "Sau"}
    )
    assert frozen["ok"] is False and frozen["code"] == "invalid_state"


def test_a_reconnecting_client_gets_the_directives(room, units, sockets):
    secretary = sockets.person(room.secretary, room.conference)
    site = sockets.site(room.site)
    secretary.call("directive_record", payload(room, units))

    snapshot = site.call("sync", {"since": None})["data"]["snapshot"]

    section = snapshot["directives"]
    assert [d["state"] for d in section["directives"]] == ["draft"]
    assert section["me"]["can_record"] is False and section["me"]["units"] == []
    mine = secretary.call("sync", {"since": None})["data"]["snapshot"]["directives"]["me"]
    assert mine["can_record"] is True and mine["can_confirm"] is False
    assert units["lead"] in {u["id"] for u in mine["units"]}
    # Missed changes are replayed from the log like any other.
    seq = snapshot["seq"]
    secretary.call("directive_record", payload(room, units, text="Thứ hai"))
    replay = site.call("sync", {"since": seq})["data"]
    assert [e["type"] for e in replay["events"]] == ["directives"]
    assert [d["number"] for d in replay["events"][0]["data"]["directives"]] == [1, 2]
