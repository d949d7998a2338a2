"""Who may send which /live event: every event x every kind of viewer.

Each cell prepares a state in which the action itself is possible (a raised hand
to grant, a running item to pause, a scheduled conference to open), so a refusal
can only come from the viewer's rights. A refused event changes nothing: no new
event in the log. A "revoked site" is a site whose link was revoked where this
socket's process did not see it (the row changed, the socket still open): its
next event is refused and its socket is cut.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work, utcnow
from meetings.drafts import adoption
from meetings.extensions import db as _db
from meetings.live import services
from meetings.live.models import LiveEvent, Site
from tests import factories
from tests.socket.conftest import as_viewer, live_seq

KINDS = ["organizer", "chair", "secretary", "delegate", "site", "revoked_site"]
EVERYONE = {"organizer", "chair", "secretary", "delegate", "site"}
RUNNERS = {"organizer", "chair"}

# event -> (who may send it, the event type it publishes or None)
TABLE = {
    "sync": (EVERYONE, None),
    "heartbeat": (EVERYONE, None),
    "presence_detail": ({"organizer"}, None),
    "hand_raise": (EVERYONE, "floor"),
    "hand_withdraw": (EVERYONE, "floor"),
    "floor_grant": (RUNNERS, "floor"),
    "floor_end": (RUNNERS, "floor"),
    "chat_send": (EVERYONE, "chat"),
    "announce": ({"organizer", "chair", "secretary"}, "chat"),
    "item_start": (RUNNERS, "agenda"),
    "item_pause": (RUNNERS, "agenda"),
    "item_close": (RUNNERS, "agenda"),
    "item_skip": (RUNNERS, "agenda"),
    "item_extend": (RUNNERS, "agenda"),
    "conference_open": (RUNNERS, "conference"),
    "conference_close": (RUNNERS, "conference"),
    # the adoption vote on a draft (meetings.drafts.adoption): every invited unit present answers
    "vote_open": (RUNNERS, "vote"),
    "vote_cast": (EVERYONE, "vote"),
    "vote_hand_count": ({"organizer", "chair", "secretary"}, "vote"),
    "vote_close": (RUNNERS, "vote"),
    # concluding directives (meetings.directives.services): the chair and the secretary record
    "directive_record": ({"chair", "secretary"}, "directives"),
    "directive_edit": ({"chair", "secretary"}, "directives"),
    "directive_confirm": ({"chair"}, "directives"),
    "directive_delete": ({"chair", "secretary"}, "directives"),
}


def prepare(room, event: str, kind: str) -> dict:
    """Put the room in a state where `event` is possible; return its payload."""
    conference = _db.session.get(Conference, room.id)
    organizer = as_viewer(room, "organizer")
    item = room.items[0]
    payload: dict = {}
    with unit_of_work():
        if event == "conference_open":
            conference.status = ConferenceStatus.scheduled
        elif event == "hand_withdraw":
            services.raise_hand(viewer=as_viewer(room, kind), conference=conference)
        elif event in ("floor_grant", "floor_end"):
            request = services.raise_hand(viewer=as_viewer(room, "delegate"), conference=conference)
            payload = {"request_id": request.id} if event == "floor_grant" else {}
            if event == "floor_end":
                services.grant_floor(viewer=organizer, conference=conference)
        elif event in ("item_pause", "item_close"):
            services.control_item(
                viewer=organizer, conference=conference, item_id=item.id, action="start"
            )
        elif event.startswith("vote_"):
            draft = factories.draft(conference, room.secretary.unit, agenda_item_id=item.id)
            payload = {"draft_id": draft.id}
            if event != "vote_open":
                vote = adoption.open_vote(viewer=organizer, conference=conference, draft=draft)
                payload = {"vote_id": vote.id}
            if event == "vote_cast":
                payload["answer"] = "agree"
            if event == "vote_hand_count":
                payload.update(agree=1, agree_with_comments=0, disagree=0)
        elif event.startswith("directive_"):
            deadline = conference.local_ends_at.date() + timedelta(days=30)
            payload = {
                "text": "Kết luận",
                "lead_unit_id": room.secretary.unit_id,
                "deadline": deadline.isoformat(),
            }
            if event != "directive_record":
                draft = factories.directive(
                    conference, room.secretary.unit, deadline=deadline, confirmed=False
                )
                payload = {"directive_id": draft.id, "version": draft.version}
            if event == "directive_edit":
                payload["text"] = "Kết luận đã sửa"
    if event.startswith("item_"):
        payload = {"item_id": item.id}
        if event == "item_extend":
            payload["minutes"] = 5
    if event in ("chat_send", "announce"):
        payload = {"body": f"{event} from {kind}"}
    if event == "sync":
        payload = {"since": None}
    return payload


def connect(room, sockets, kind: str):
    if kind in ("site", "revoked_site"):
        return sockets.site(room.site)
    return sockets.person(room.user(kind), room.conference)


def events_after(conference_id: int, seq: int) -> list[str]:
    _db.session.rollback()
    return list(
        _db.session.scalars(
            select(LiveEvent.type)
            .where(LiveEvent.conference_id == conference_id, LiveEvent.seq > seq)
            .order_by(LiveEvent.seq)
        )
    )


CELLS = [(event, kind) for event in TABLE for kind in KINDS]


@pytest.mark.parametrize(("event", "kind"), CELLS, ids=[f"{e}-{k}" for e, k in CELLS])
def test_permission_table(room, sockets, event, kind):
    allowed, publishes = TABLE[event]
    payload = prepare(room, event, kind)
    client = connect(room, sockets, kind)
    watcher = sockets.site(room.other_site)
    if kind == "revoked_site":
        with unit_of_work():
            _db.session.get(Site, room.site.id).revoked_at = utcnow()
    seq = live_seq(room.id)
    watcher.events()

    ack = client.call(event, payload)

    if kind in allowed:
        assert ack["ok"] is True, ack
        assert set(ack) == {"ok", "data"}
        if publishes is None:
            assert live_seq(room.id) == seq
        else:
            assert publishes in events_after(room.id, seq)
            assert publishes in [e["type"] for e in watcher.events()]
    else:
        assert ack["ok"] is False, ack
        assert ack["code"] == "forbidden", ack
        assert isinstance(ack["message"], str) and ack["message"]
        if kind == "revoked_site":
            # Cut off: its socket is closed, which is published as presence, nothing else
            # (and, while a vote is open, as the vote's new count of units present).
            assert not client.connected
            vote_open = event.startswith("vote_") and event != "vote_open"
            assert events_after(room.id, seq) == ["presence"] + (["vote"] if vote_open else [])
        else:
            assert client.connected
            assert events_after(room.id, seq) == []


def test_every_socket_event_is_in_the_table():
    from meetings.live.sockets import LiveNamespace

    handlers = {
        name[3:]
        for name in dir(LiveNamespace)
        if name.startswith("on_") and name not in ("on_connect", "on_disconnect", "on_event")
    }
    assert handlers == set(TABLE)


def test_what_a_viewer_may_do_is_in_its_snapshot(room, sockets):
    expected = {
        "organizer": {"control": True, "manage": True, "announce": True},
        "chair": {"control": True, "manage": False, "announce": True},
        "secretary": {"control": False, "manage": False, "announce": True},
        "delegate": {"control": False, "manage": False, "announce": False},
        "site": {"control": False, "manage": False, "announce": False},
    }
    for kind, can in expected.items():
        client = connect(room, sockets, kind)
        snapshot = client.call("sync", {"since": None})["data"]["snapshot"]
        viewer = snapshot["viewer"]
        assert {k: viewer["can"][k] for k in can} == can, kind
        assert viewer["kind"] == ("site" if kind == "site" else "user")
        # Who is connected from where: for the organizers only.
        assert ("connections" in snapshot) == (kind == "organizer")
        client.disconnect()
