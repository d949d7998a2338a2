"""Lossless reconnect: a client dropped during a burst of 1000 events ends in the server's state.

The client is a tiny model of static/js/live.js: it applies events in seq order,
ignores what it has already applied, calls "sync" with the last seq it applied on
every (re)connect and on a gap, and replaces whole sections (chat: append, dedupe
by id). The burst goes through the services in units of work, as the socket
events, forms and API do.
"""

from __future__ import annotations

import copy

from meetings.conferences.models import Conference
from meetings.db import unit_of_work
from meetings.extensions import db as _db
from meetings.live import services, state
from meetings.live.events import REPLAY_LIMIT
from meetings.live.models import FloorRequest, FloorStatus
from tests.socket.conftest import as_viewer, live_seq

SECTIONS = ("viewer", "conference", "agenda", "presence", "floor")
CHAT_KEPT = 200  # as live.js
# Derived from the server's clock when the payload was made (the client recomputes them).
CLOCK_FIELDS = {"server_time", "projected_start", "projected_end"}


class LiveModel:
    """What a browser's live.js keeps, and a record of how it got there."""

    def __init__(self):
        self.client = None
        self.seq: int | None = None
        self.state: dict = {}
        self.chat: list[dict] = []
        self.timeline: list[tuple[str, int]] = []  # ("snapshot", seq) | ("event", seq)
        self.syncs: list[str] = []
        self.duplicates = 0

    def join(self, client) -> str:
        """On every (re)connect: sync from the last applied seq."""
        self.client = client
        return self.sync()

    def sync(self) -> str:
        ack = self.client.call("sync", {"since": self.seq})
        assert ack["ok"] is True, ack
        data = ack["data"]
        if data["mode"] == "snapshot":
            self.apply_snapshot(data["snapshot"])
        else:
            for event in data["events"]:
                self.apply(event)
        self.syncs.append(data["mode"])
        return data["mode"]

    def apply_snapshot(self, snapshot: dict) -> None:
        self.state = {name: copy.deepcopy(snapshot[name]) for name in SECTIONS}
        self.chat = list(snapshot["chat"])
        self.seq = snapshot["seq"]
        self.timeline.append(("snapshot", snapshot["seq"]))

    def receive(self, event: dict) -> None:
        """A live "event" message."""
        if self.seq is not None and event["seq"] > self.seq + 1:
            self.sync()  # a gap: fetch what is missing (this event comes with it)
        self.apply(event)

    def apply(self, event: dict) -> None:
        if event["seq"] <= self.seq:
            self.duplicates += 1
            return
        assert event["seq"] == self.seq + 1, (event["seq"], self.seq)
        data = event["data"]
        if event["type"] == "chat":
            if all(m["id"] != data["message"]["id"] for m in self.chat):
                self.chat.append(data["message"])
                self.chat.sort(key=lambda m: m["id"])
                del self.chat[:-CHAT_KEPT]
        else:
            self.state[event["type"]] = data[event["type"]]
        self.seq = event["seq"]
        self.timeline.append(("event", event["seq"]))

    def pump(self) -> None:
        for event in self.client.events():
            self.receive(event)


def without_clock(value):
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k not in CLOCK_FIELDS}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


class Burst:
    """Makes one live event per step through the services, with every kind of change."""

    ITEM_ACTIONS = [
        (0, "start"),
        (0, "pause"),
        (0, "extend"),
        (0, "start"),
        (0, "close"),
        (1, "start"),
        (1, "pause"),
        (2, "start"),  # closes item 1
        (2, "close"),
        (3, "skip"),
    ]

    def __init__(self, room):
        self.room = room
        self.steps = 0
        self.actions = list(self.ITEM_ACTIONS)

    def step(self) -> None:
        n = self.steps = self.steps + 1
        room = self.room
        with unit_of_work():
            conference = _db.session.get(Conference, room.id)
            organizer = as_viewer(room, "organizer")
            delegate = as_viewer(room, "delegate")
            site = services.Viewer(site=room.other_site)
            if n % 40 == 0 and self.actions:
                index, action = self.actions.pop(0)
                services.control_item(
                    viewer=organizer,
                    conference=conference,
                    item_id=room.items[index].id,
                    action=action,
                    minutes=5 if action == "extend" else None,
                )
            elif n % 9 == 0:
                viewer = delegate if n % 2 else site
                if self._waiting(viewer):
                    services.withdraw_hand(viewer=viewer, conference=conference)
                else:
                    services.raise_hand(viewer=viewer, conference=conference)
            elif n % 23 == 0 and self._anyone_waiting():
                services.grant_floor(viewer=organizer, conference=conference)
            elif n % 50 == 0:
                services.post_message(
                    viewer=organizer,
                    conference=conference,
                    body=f"Thông báo {n}",
                    announcement=True,
                )
            else:
                author = (organizer, delegate, site)[n % 3]
                services.post_message(viewer=author, conference=conference, body=f"Tin {n}")

    def run(self, count: int, model: LiveModel | None = None) -> None:
        """`count` events; a connected model takes them in as they come."""
        start = live_seq(self.room.id)
        while live_seq(self.room.id) < start + count:
            self.step()
            if model is not None:
                model.pump()
        assert live_seq(self.room.id) == start + count

    def _waiting(self, viewer) -> bool:
        conference = _db.session.get(Conference, self.room.id)
        request = services._open_request_of(viewer, conference)
        return request is not None and request.status == FloorStatus.waiting

    def _anyone_waiting(self) -> bool:
        return (
            _db.session.query(FloorRequest)
            .filter_by(conference_id=self.room.id, status=FloorStatus.waiting)
            .count()
            > 0
        )


def test_a_client_dropped_during_a_burst_of_1000_events_ends_in_the_servers_state(room, sockets):
    flask_client = sockets.http(room.delegate)
    model = LiveModel()
    burst = Burst(room)
    first_seq = live_seq(room.id)

    def connect():
        return sockets.person(room.delegate, room.conference, flask_client=flask_client)

    assert model.join(connect()) == "snapshot"
    burst.run(200, model)

    # Dropped; fewer events than REPLAY_LIMIT happen meanwhile: the missed events come back.
    model.client.disconnect()
    burst.run(100)
    client = connect()
    model.client = client
    burst.run(3)  # live events arrive before the client synced: a gap, then a sync
    model.pump()
    assert model.syncs[-1] == "events"
    assert model.join(client) == "events"
    burst.run(100, model)

    # Dropped again; more than REPLAY_LIMIT happen: a fresh snapshot instead.
    model.client.disconnect()
    burst.run(REPLAY_LIMIT + 50)
    assert model.join(connect()) == "snapshot"
    done = live_seq(room.id) - first_seq
    burst.run(1000 - done, model)
    model.pump()
    assert burst.steps >= 1000 - 10  # the connects and disconnects made a few events too

    # The same state as the server's for the same viewer.
    _db.session.rollback()
    conference = _db.session.get(Conference, room.id)
    server = state.snapshot(conference, as_viewer(room, "delegate"))
    assert model.seq == server["seq"] == live_seq(room.id)
    for name in SECTIONS:
        assert without_clock(model.state[name]) == without_clock(server[name]), name
    assert model.chat[-state.CHAT_HISTORY :] == server["chat"]
    assert model.state["agenda"]["items"][0]["status"] == "done"
    assert model.state["agenda"]["items"][3]["status"] == "skipped"

    # Nothing applied twice, nothing skipped: each event follows the previous step.
    events = [seq for kind, seq in model.timeline if kind == "event"]
    assert len(events) == len(set(events))
    position = None
    for kind, seq in model.timeline:
        if kind == "event":
            assert seq == position + 1, (seq, position)
        else:
            assert position is None or seq > position
        position = seq
    assert model.syncs == ["snapshot", "events", "events", "snapshot"]
    assert model.duplicates == 3  # the live events already fetched by the gap's sync
    assert server["seq"] - first_seq >= 1000


def test_a_client_that_missed_nothing_gets_no_events_and_one_far_ahead_a_snapshot(room, sockets):
    client = sockets.person(room.delegate, room.conference)
    seq = live_seq(room.id)
    assert client.call("sync", {"since": seq})["data"]["events"] == []
    # A client that claims more than the server has (e.g. the database was reset) starts over.
    ahead = client.call("sync", {"since": seq + 5})["data"]
    assert ahead["mode"] == "snapshot" and ahead["snapshot"]["seq"] == seq


def test_the_replay_limit_is_the_boundary_between_events_and_a_snapshot(room, sockets):
    client = sockets.person(room.delegate, room.conference)
    start = live_seq(room.id)
    Burst(room).run(REPLAY_LIMIT)
    exactly = client.call("sync", {"since": start})["data"]
    assert exactly["mode"] == "events"
    assert [e["seq"] for e in exactly["events"]] == list(range(start + 1, start + REPLAY_LIMIT + 1))
    one_more = client.call("sync", {"since": start - 1})["data"]
    assert one_more["mode"] == "snapshot"
