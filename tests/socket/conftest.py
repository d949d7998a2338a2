"""Socket.IO test clients on the /live namespace, and a live conference to join.

`sockets.person(user, conference)` logs the person in through POST /login on a
Flask test client of their own and connects with that session cookie;
`sockets.site(site)` connects a remote site with its link token and no cookie.
Every handler runs synchronously in the test's thread (Flask-SocketIO's test
client). Each connect, event and disconnect runs in an app context of its own, as
in production: otherwise the handler would share the test's `g` (Flask-Login
keeps the previous socket's user there) and its database session. So a test
commits what a socket must see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from socketio import packet
from sqlalchemy import func, select

from meetings.accounts.models import User
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
    Participant,
)
from meetings.db import unit_of_work, utcnow
from meetings.extensions import db as _db
from meetings.extensions import socketio
from meetings.live import services
from meetings.live.events import NAMESPACE
from meetings.live.models import LiveConnection, Site
from tests.conftest import login


class LiveClient:
    """A connected /live socket with helpers: call() for acknowledged events, events()."""

    def __init__(self, app, raw, label: str):
        self.app = app
        self.raw = raw
        self.label = label

    @property
    def connected(self) -> bool:
        return self.raw.is_connected(NAMESPACE)

    def call(self, event: str, payload=None) -> dict:
        """Send an event and return its acknowledgement (payload None: {}; ...: no argument)."""
        args = () if payload is ... else (payload if payload is not None else {},)
        with self.app.app_context():
            return self.raw.emit(event, *args, namespace=NAMESPACE, callback=True)

    def received(self) -> list[dict]:
        """Everything received since the last look: [{name, args, namespace}]."""
        if self.connected:
            return self.raw.get_received(NAMESPACE)
        items = [m for m in self.raw.queue if m["namespace"] == NAMESPACE]
        self.raw.queue = [m for m in self.raw.queue if m not in items]
        return items

    def events(self, type_: str | None = None) -> list[dict]:
        """The live "event" messages received since the last look: [{seq, type, data, ...}]."""
        out = [m["args"][0] for m in self.received() if m["name"] == "event"]
        return [e for e in out if type_ is None or e["type"] == type_]

    def disconnect(self) -> None:
        if self.connected:
            with self.app.app_context():
                self.raw.disconnect(NAMESPACE)

    def reconnect(self, auth: dict) -> None:
        with self.app.app_context():
            self.raw.connect(namespace=NAMESPACE, auth=auth)

    def __repr__(self) -> str:
        return f"<LiveClient {self.label} connected={self.connected}>"


class SocketFactory:
    def __init__(self, app):
        self.app = app
        self.clients: list[LiveClient] = []

    def connect(self, auth: dict | None, *, flask_client=None, label="?") -> LiveClient:
        with self.app.app_context():
            raw = socketio.test_client(
                self.app, namespace=NAMESPACE, flask_test_client=flask_client, auth=auth
            )
        client = LiveClient(self.app, raw, label)
        self.clients.append(client)
        return client

    def refused(self, auth: dict | None, *, flask_client=None) -> dict:
        """Connect, expect a refusal, and return what the client's connect_error got."""
        client = self.connect(auth, flask_client=flask_client, label="refused")
        assert not client.connected, "the connection was accepted"
        errors = []
        send = socketio.server._send_packet

        def spy(eio_sid, pkt):
            if pkt.packet_type == packet.CONNECT_ERROR and pkt.namespace == NAMESPACE:
                errors.append(pkt.data)
            send(eio_sid, pkt)

        socketio.server._send_packet = spy
        try:
            client.reconnect(auth)
        finally:
            socketio.server._send_packet = send
        assert not client.connected and len(errors) == 1
        return errors[0]

    def http(self, user: User | None = None):
        """A Flask test client of its own, logged in as `user` when given."""
        flask_client = self.app.test_client()
        if user is not None:
            login(flask_client, user)
        return flask_client

    def person(self, user: User, conference, *, flask_client=None) -> LiveClient:
        flask_client = flask_client or self.http(user)
        conference_id = conference if isinstance(conference, int) else conference.id
        return self.connect(
            {"conference_id": conference_id}, flask_client=flask_client, label=user.email
        )

    def site(self, site: Site, token: str | None = None) -> LiveClient:
        return self.connect(
            {"conference_id": site.conference_id, "site_token": token or site.token},
            flask_client=self.app.test_client(),
            label=site.name,
        )

    def close_all(self) -> None:
        for client in self.clients:
            client.disconnect()
            # The test client keeps every instance in class-level registries.
            client.raw.clients.pop(client.raw.eio_sid, None)
            socketio.server.environ.pop(client.raw.eio_sid, None)


@pytest.fixture
def sockets(app, db):
    factory = SocketFactory(app)
    yield factory
    factory.close_all()
    _db.session.rollback()


@dataclass
class Room:
    """A live conference with one person of every kind, two remote sites and an agenda."""

    conference: Conference
    organizer: User
    chair: User
    secretary: User
    delegate: User
    outsider: User
    site: Site
    other_site: Site
    items: list[AgendaItem] = field(default_factory=list)
    delegate_participant: Participant | None = None

    @property
    def id(self) -> int:
        return self.conference.id

    def user(self, kind: str) -> User:
        return getattr(self, kind)


def add_items(conference: Conference, count: int = 4) -> list[AgendaItem]:
    items = [
        AgendaItem(
            conference_id=conference.id,
            position=n,
            title=f"Item {n}",
            planned_minutes=10 + n,
        )
        for n in range(1, count + 1)
    ]
    _db.session.add_all(items)
    _db.session.flush()
    return items


def build_room(make, status: ConferenceStatus = ConferenceStatus.live) -> Room:
    """Made and committed in one unit of work (its live events are sent at the commit)."""
    with unit_of_work():
        return _build_room(make, status)


def _build_room(make, status: ConferenceStatus) -> Room:
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair, status=status)
    secretary = make.user()
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user()
    delegate_participant = make.participant(conference, user=delegate)
    remote_units = [make.unit(city="Cần Thơ"), make.unit(city="Đà Nẵng")]
    for unit in remote_units:
        make.participant(conference, unit=unit, attendance=Attendance.remote)
    sites = [
        services.create_site(
            actor=organizer, conference=conference, unit_id=unit.id, expected_headcount=12
        )
        for unit in remote_units
    ]
    items = add_items(conference)
    outsider = make.user()
    return Room(
        conference=conference,
        organizer=organizer,
        chair=chair,
        secretary=secretary,
        delegate=delegate,
        outsider=outsider,
        site=sites[0],
        other_site=sites[1],
        items=items,
        delegate_participant=delegate_participant,
    )


@pytest.fixture
def room(make) -> Room:
    return build_room(make)


# --- looking at the database from the test --------------------------------------------


def fresh(model, id_):
    """The row as committed now (the test's session may hold an older copy)."""
    _db.session.rollback()
    _db.session.expire_all()
    return _db.session.get(model, id_)


def live_seq(conference_id: int) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(Conference.live_seq).where(Conference.id == conference_id))


def count(model, **where) -> int:
    _db.session.rollback()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return _db.session.scalar(query)


def connections(conference_id: int | None = None) -> int:
    return (
        count(LiveConnection)
        if conference_id is None
        else count(LiveConnection, conference_id=conference_id)
    )


def as_viewer(room: Room, kind: str) -> services.Viewer:
    """The Viewer of one of the room's people or sites, loaded in the test's session."""
    if kind in ("site", "revoked_site"):
        return services.Viewer(site=_db.session.get(Site, room.site.id))
    return services.Viewer(user=_db.session.get(User, room.user(kind).id))


def expire_link(site_id: int) -> None:
    """Make a link stop working without the service (as another process would see it)."""
    with unit_of_work():
        _db.session.get(Site, site_id).expires_at = utcnow() - timedelta(minutes=1)
