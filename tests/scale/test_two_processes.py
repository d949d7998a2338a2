"""Two server processes sharing PostgreSQL and Redis: a change made through one reaches
a client connected to the other (and a link revoked through one is cut on the other)."""

from __future__ import annotations

import queue
import time

import socketio

from meetings.accounts import services as accounts
from meetings.conferences.models import ConferenceStatus
from meetings.db import unit_of_work
from meetings.live.events import NAMESPACE
from meetings.live.models import LiveConnection
from tests.socket.conftest import build_room, count

WAIT = 10  # seconds: generous for a busy CI machine; a healthy run takes milliseconds


class SiteClient:
    """A real python-socketio client joined as a remote site, recording what it receives."""

    def __init__(self, server, site):
        self.received: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", lambda data: self.received.put(("event", data)), namespace=NAMESPACE)
        self.sio.on(
            "revoked", lambda data: self.received.put(("revoked", data)), namespace=NAMESPACE
        )
        self.sio.on(
            "disconnect", lambda *args: self.received.put(("disconnect", args)), namespace=NAMESPACE
        )
        self.sio.connect(
            server.url,
            namespaces=[NAMESPACE],
            auth={"conference_id": site.conference_id, "site_token": site.token},
            transports=["websocket"],
            wait_timeout=WAIT,
        )

    def call(self, event: str, payload: dict | None = None) -> dict:
        return self.sio.call(event, payload or {}, namespace=NAMESPACE, timeout=WAIT)

    def wait_for(self, predicate, what: str):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                name, data = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if predicate(name, data):
                return data
        raise AssertionError(f"no {what} within {WAIT} s")

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


def test_a_change_through_process_a_reaches_a_client_on_process_b(make, db, servers):
    room = build_room(make, status=ConferenceStatus.scheduled)
    with unit_of_work():
        _, token = accounts.issue_api_token(actor=room.organizer, name="scale test")
    conference_id, site_id = room.id, room.site.id
    a, b = servers(2)

    clients = []
    try:
        on_b = SiteClient(b, room.site)
        clients.append(on_b)
        on_a = SiteClient(a, room.other_site)
        clients.append(on_a)
        assert count(LiveConnection, conference_id=conference_id) == 2

        # An HTTP change on A -> the client on B gets the event.
        started = time.monotonic()
        status, body = a.request(
            "POST", f"/api/v1/conferences/{conference_id}/status", {"to": "live"}, token
        )
        assert status == 200, body
        event = on_b.wait_for(
            lambda name, data: name == "event" and data["type"] == "conference",
            "conference event on B",
        )
        took = time.monotonic() - started
        assert event["data"]["conference"]["status"] == "live"
        assert took < WAIT

        # A socket event on B -> the client on A gets it, with the next seq.
        ack = on_b.call("hand_raise")
        assert ack["ok"] is True, ack
        floor = on_a.wait_for(
            lambda name, data: name == "event" and data["type"] == "floor", "floor event on A"
        )
        assert floor["seq"] == event["seq"] + 1
        assert [r["site_id"] for r in floor["data"]["floor"]["queue"]] == [site_id]

        # The site's link revoked through A: its socket on B is told and cut at once.
        status, body = a.request(
            "POST", f"/api/v1/conferences/{conference_id}/sites/{site_id}/revoke", {}, token
        )
        assert status == 200, body
        notice = on_b.wait_for(lambda name, data: name == "revoked", "revoked notice on B")
        assert notice["message"]
        on_b.wait_for(lambda name, data: name == "disconnect", "disconnect on B")
        presence = on_a.wait_for(
            lambda name, data: (
                name == "event"
                and data["type"] == "presence"
                and data["data"]["presence"]["sites"][0]["state"] == "revoked"
            ),
            "presence with the revoked site on A",
        )
        assert presence["data"]["presence"]["sites"][1]["state"] == "connected"
        assert count(LiveConnection, site_id=site_id) == 0
    finally:
        for client in clients:
            client.close()
