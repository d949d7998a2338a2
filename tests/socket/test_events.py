"""Acknowledgements, fan-out between sockets, HTTP changes reaching sockets, bad payloads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.accounts import services as accounts
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.extensions import db as _db
from meetings.live import services
from meetings.live.models import ChatMessage, FloorRequest, LiveEvent
from tests.socket.conftest import as_viewer, build_room, count, live_seq


def set_status(conference_id: int, status: ConferenceStatus) -> None:
    with unit_of_work():
        _db.session.get(Conference, conference_id).status = status


# --- acknowledgements ------------------------------------------------------------------


def test_every_event_answers_with_an_acknowledgement(room, sockets):
    set_status(room.id, ConferenceStatus.scheduled)
    first, second = room.items[0].id, room.items[1].id
    chair = sockets.person(room.chair, room.conference)

    def ok(event, payload=None):
        ack = chair.call(event, payload)
        assert ack["ok"] is True and set(ack) == {"ok", "data"}, (event, ack)
        return ack["data"]

    def refused(event, payload, code):
        ack = chair.call(event, payload)
        assert ack["ok"] is False and ack["code"] == code, (event, ack)
        assert set(ack) <= {"ok", "code", "message", "errors"} and ack["message"]
        return ack

    assert ok("conference_open") == {"status": "live"}
    refused("conference_open", {}, "invalid_state")
    snapshot = ok("sync", {"since": None})["snapshot"]
    assert snapshot["conference"]["status"] == "live"
    assert snapshot["seq"] == live_seq(room.id)
    replay = ok("sync", {"since": snapshot["seq"]})
    assert (replay["mode"], replay["events"]) == ("events", [])
    assert ok("sync", ...)["mode"] == "snapshot"  # no payload at all: since defaults to null
    assert ok("heartbeat")["server_time"].endswith("Z")
    refused("presence_detail", {}, "forbidden")  # the chair runs the meeting, not the desk

    refused("hand_withdraw", {}, "invalid_state")
    request_id = ok("hand_raise")["request_id"]
    assert ok("hand_raise")["request_id"] == request_id  # twice: one place in the queue
    assert ok("hand_withdraw") is None
    refused("floor_grant", {"request_id": None}, "invalid_state")  # nobody waiting
    ok("hand_raise")
    granted = ok("floor_grant", {"request_id": None})["request_id"]
    refused("floor_grant", {"request_id": granted}, "conflict")  # no longer waiting
    assert ok("floor_end") is None
    refused("floor_end", {}, "invalid_state")

    assert isinstance(ok("chat_send", {"body": "Chào các đồng chí"})["id"], int)
    assert isinstance(ok("announce", {"body": "Nghỉ giải lao 10 phút"})["id"], int)

    refused("item_pause", {"item_id": first}, "invalid_state")
    assert ok("item_start", {"item_id": first}) == {"item_id": first, "status": "running"}
    refused("item_start", {"item_id": first}, "invalid_state")
    assert ok("item_pause", {"item_id": first})["status"] == "paused"
    assert ok("item_extend", {"item_id": first, "minutes": 5})["status"] == "paused"
    refused("item_extend", {"item_id": first}, "invalid")  # how long?
    assert ok("item_close", {"item_id": first})["status"] == "done"
    refused("item_extend", {"item_id": first, "minutes": 5}, "invalid_state")
    assert ok("item_skip", {"item_id": second})["status"] == "skipped"
    refused("item_skip", {"item_id": second}, "invalid_state")

    assert ok("conference_close") == {"status": "concluded"}
    refused("chat_send", {"body": "too late"}, "invalid_state")
    refused("hand_raise", {}, "invalid_state")

    _db.session.rollback()
    item = _db.session.get(AgendaItem, first)
    assert item.extra_seconds == 300 and item.status.value == "done"


def test_closing_the_conference_stops_the_running_item_and_the_floor(room, sockets):
    chair = sockets.person(room.chair, room.conference)
    delegate = sockets.person(room.delegate, room.conference)
    site = sockets.site(room.site)
    chair.call("item_start", {"item_id": room.items[0].id})
    delegate.call("hand_raise")
    site.call("hand_raise")
    chair.call("floor_grant", {"request_id": None})
    delegate.events()

    assert chair.call("conference_close")["ok"] is True

    received = delegate.events()
    assert [e["type"] for e in received] == ["conference", "agenda", "floor"]
    assert received[0]["data"]["conference"]["status"] == "concluded"
    assert received[1]["data"]["agenda"]["current_item_id"] is None
    assert received[1]["data"]["agenda"]["items"][0]["status"] == "done"
    assert received[2]["data"]["floor"] == {"speaking": None, "queue": []}


# --- fan-out ---------------------------------------------------------------------------


def test_an_event_by_one_client_reaches_the_others_with_consecutive_seq(room, sockets):
    delegate = sockets.person(room.delegate, room.conference)
    site = sockets.site(room.site)
    delegate.events(), site.events()
    start = live_seq(room.id)

    delegate.call("chat_send", {"body": "Thứ nhất"})
    delegate.call("chat_send", {"body": "<b>Thứ hai</b>"})
    site.call("hand_raise")

    at_site, at_delegate = site.events(), delegate.events()
    assert [e["seq"] for e in at_site] == [start + 1, start + 2, start + 3]
    assert [e["type"] for e in at_site] == ["chat", "chat", "floor"]
    assert [(e["seq"], e["data"]) for e in at_site] == [(e["seq"], e["data"]) for e in at_delegate]
    first, second = (e["data"]["message"] for e in at_site[:2])
    assert (first["body"], first["author"], first["from"]) == (
        "Thứ nhất",
        room.delegate.full_name,
        "room",
    )
    # Markup is carried as text (the page shows it as text, never as HTML).
    assert second["body"] == "<b>Thứ hai</b>"
    queue = at_delegate[2]["data"]["floor"]["queue"]
    assert [(r["who"], r["from"], r["site_id"]) for r in queue] == [
        (room.site.name, "site", room.site.id)
    ]
    for event in at_site:
        assert set(event) == {"seq", "type", "data", "server_time"}
        assert event["server_time"].endswith("Z")

    # The log holds the very same events.
    _db.session.rollback()
    logged = _db.session.scalars(
        select(LiveEvent)
        .where(LiveEvent.conference_id == room.id, LiveEvent.seq > start)
        .order_by(LiveEvent.seq)
    ).all()
    assert [e.as_message() for e in logged] == [
        {k: e[k] for k in ("seq", "type", "data")} for e in at_site
    ]


def test_events_of_one_conference_do_not_reach_another(room, sockets, make):
    other = build_room(make)
    here = sockets.person(room.delegate, room.conference)
    there = sockets.person(other.delegate, other.conference)
    here.events(), there.events()

    here.call("chat_send", {"body": "chỉ phòng này"})

    assert [e["type"] for e in here.events()] == ["chat"]
    assert there.events() == []


def test_a_refused_event_is_not_broadcast(room, sockets):
    delegate = sockets.person(room.delegate, room.conference)
    site = sockets.site(room.site)
    site.events()
    assert delegate.call("item_start", {"item_id": room.items[0].id})["ok"] is False
    assert site.events() == []


# --- changes made over HTTP reach the sockets --------------------------------------------


def test_a_status_change_through_the_web_form_reaches_the_room(room, sockets):
    set_status(room.id, ConferenceStatus.scheduled)
    site = sockets.site(room.site)
    site.events()
    seq = live_seq(room.id)

    response = sockets.http(room.organizer).post(
        f"/conferences/{room.id}/status", data={"to": "live"}
    )
    assert response.status_code == 302

    (event,) = site.events()
    assert (event["seq"], event["type"]) == (seq + 1, "conference")
    assert event["data"]["conference"]["status"] == "live"
    assert event["data"]["conference"]["id"] == room.id


def test_a_status_change_through_the_api_reaches_the_room(room, sockets):
    delegate = sockets.person(room.delegate, room.conference)
    with unit_of_work():
        _, secret = accounts.issue_api_token(actor=room.chair, name="desk")
    delegate.events()

    response = sockets.http().post(
        f"/api/v1/conferences/{room.id}/status",
        json={"to": "concluded"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.get_json()

    (event,) = delegate.events("conference")
    assert event["data"]["conference"]["status"] == "concluded"


def test_a_check_in_at_the_door_reaches_the_presence_board(room, sockets):
    site = sockets.site(room.site)
    site.events()

    response = sockets.http(room.secretary).post(
        f"/conferences/{room.id}/participants/{room.delegate_participant.id}/check-in",
        data={"present": "1"},
    )
    assert response.status_code == 302

    (event,) = site.events()
    assert event["type"] == "presence"
    assert event["data"]["presence"]["room"]["checked_in"] == 1


def test_a_refused_http_change_broadcasts_nothing(room, sockets):
    site = sockets.site(room.site)
    site.events()
    seq = live_seq(room.id)
    response = sockets.http(room.delegate).post(
        f"/conferences/{room.id}/status", data={"to": "concluded"}
    )
    assert response.status_code in (302, 403)
    assert site.events() == []
    assert live_seq(room.id) == seq


# --- bad payloads ------------------------------------------------------------------------

ITEM = "<item>"
OTHER_ITEM = "<item of another conference>"
OTHER_REQUEST = "<floor request of another conference>"

BAD = {
    "chat: body a number": ("chat_send", {"body": 5}, "invalid"),
    "chat: body missing": ("chat_send", {}, "invalid"),
    "chat: body null": ("chat_send", {"body": None}, "invalid"),
    "chat: body empty": ("chat_send", {"body": ""}, "invalid"),
    "chat: body blank": ("chat_send", {"body": "   \n "}, "invalid"),
    "chat: 3000 characters": ("chat_send", {"body": "x" * 3000}, "invalid"),
    "chat: 2001 characters": ("chat_send", {"body": "đ" * 2001}, "invalid"),
    "chat: NUL character": ("chat_send", {"body": "a\x00b"}, "invalid"),
    "chat: unknown field": ("chat_send", {"body": "hi", "to": "all"}, "invalid"),
    "chat: a string payload": ("chat_send", "hi", "invalid"),
    "chat: a list payload": ("chat_send", ["hi"], "invalid"),
    "announce: too long": ("announce", {"body": "x" * 3000}, "invalid"),
    "start: item_id missing": ("item_start", {}, "invalid"),
    "start: item_id as text": ("item_start", {"item_id": ITEM + "text"}, "invalid"),
    "start: item_id a word": ("item_start", {"item_id": "first"}, "invalid"),
    "start: item_id a fraction": ("item_start", {"item_id": 1.5}, "invalid"),
    "start: item_id true": ("item_start", {"item_id": True}, "invalid"),
    "start: item_id null": ("item_start", {"item_id": None}, "invalid"),
    "start: unknown item": ("item_start", {"item_id": 987654}, "not_found"),
    "start: item of another conference": ("item_start", {"item_id": OTHER_ITEM}, "not_found"),
    "close: item of another conference": ("item_close", {"item_id": OTHER_ITEM}, "not_found"),
    "skip: unknown field": ("item_skip", {"item_id": ITEM, "force": True}, "invalid"),
    "extend: 0 minutes": ("item_extend", {"item_id": ITEM, "minutes": 0}, "invalid"),
    "extend: 121 minutes": ("item_extend", {"item_id": ITEM, "minutes": 121}, "invalid"),
    "extend: negative": ("item_extend", {"item_id": ITEM, "minutes": -5}, "invalid"),
    "extend: minutes as text": ("item_extend", {"item_id": ITEM, "minutes": "5"}, "invalid"),
    "extend: minutes missing": ("item_extend", {"item_id": ITEM}, "invalid"),
    "extend: item of another conference": (
        "item_extend",
        {"item_id": OTHER_ITEM, "minutes": 5},
        "not_found",
    ),
    "grant: request_id a word": ("floor_grant", {"request_id": "next"}, "invalid"),
    "grant: unknown request": ("floor_grant", {"request_id": 987654}, "not_found"),
    "grant: request of another conference": (
        "floor_grant",
        {"request_id": OTHER_REQUEST},
        "not_found",
    ),
    "sync: negative since": ("sync", {"since": -1}, "invalid"),
    "sync: since as text": ("sync", {"since": "12"}, "invalid"),
    "sync: unknown field": ("sync", {"since": 1, "full": True}, "invalid"),
    "heartbeat: unknown field": ("heartbeat", {"at": 1}, "invalid"),
    "hand_raise: unknown field": ("hand_raise", {"for": "someone"}, "invalid"),
    "open: a number payload": ("conference_open", 1, "invalid"),
    "close: unknown field": ("conference_close", {"force": True}, "invalid"),
}


def state_of(conference_id: int) -> dict:
    """Everything a bad payload must leave alone."""
    _db.session.rollback()
    _db.session.expire_all()
    conference = _db.session.get(Conference, conference_id)
    items = _db.session.scalars(
        select(AgendaItem).where(AgendaItem.conference_id == conference_id).order_by(AgendaItem.id)
    ).all()
    return {
        "seq": conference.live_seq,
        "status": conference.status,
        "events": count(LiveEvent),
        "messages": count(ChatMessage),
        "requests": [
            (r.id, r.status)
            for r in _db.session.scalars(select(FloorRequest).order_by(FloorRequest.id))
        ],
        "items": [(i.id, i.status, i.version, i.extra_seconds) for i in items],
    }


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_payload_gets_an_error_and_changes_nothing(room, sockets, make, case):
    event, payload, code = BAD[case]
    other = build_room(make)
    with unit_of_work():
        running = room.items[1]
        services.control_item(
            viewer=as_viewer(room, "organizer"),
            conference=_db.session.get(Conference, room.id),
            item_id=running.id,
            action="start",
        )
        other_request = services.raise_hand(
            viewer=services.Viewer(site=other.site),
            conference=_db.session.get(Conference, other.id),
        )
        services.raise_hand(
            viewer=as_viewer(room, "delegate"), conference=_db.session.get(Conference, room.id)
        )
        other_request_id = other_request.id
    substitutes = {
        ITEM: room.items[0].id,
        ITEM + "text": str(room.items[0].id),
        OTHER_ITEM: other.items[1].id,
        OTHER_REQUEST: other_request_id,
    }
    if isinstance(payload, dict):
        payload = {
            k: substitutes.get(v, v) if isinstance(v, str) else v for k, v in payload.items()
        }
    organizer = sockets.person(room.organizer, room.conference)
    watcher = sockets.site(room.site)
    before, before_other = state_of(room.id), state_of(other.id)
    watcher.events()

    ack = organizer.call(event, payload)

    assert ack["ok"] is False, ack
    assert ack["code"] == code, ack
    assert isinstance(ack["message"], str) and ack["message"]
    if code == "invalid":
        assert ack.get("errors"), ack  # which field, for the form to show
    assert state_of(room.id) == before
    assert state_of(other.id) == before_other
    assert watcher.events() == []
    assert organizer.connected  # a bad payload is answered, not punished
