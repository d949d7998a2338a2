"""The per-conference live event log and its broadcast.

publish() appends a LiveEvent with the next gap-free sequence number in the
caller's transaction, and queues the Socket.IO emit for after the commit: a
rolled-back change is never broadcast, and a committed one always has its
log entry, so a client that missed the emit replays it from the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from meetings.conferences.models import Conference
from meetings.db import after_commit, utcnow
from meetings.extensions import db, socketio
from meetings.live.models import LiveEvent

NAMESPACE = "/live"
# A client that missed more than this many events gets a fresh snapshot instead.
REPLAY_LIMIT = 500


def room_of(conference_id: int) -> str:
    return f"conference:{conference_id}"


def site_room(site_id: int) -> str:
    return f"site:{site_id}"


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def next_seq(conference_id: int) -> int:
    """Take the next sequence number; the row lock makes concurrent writers queue."""
    return db.session.execute(
        update(Conference)
        .where(Conference.id == conference_id)
        .values(live_seq=Conference.live_seq + 1)
        .returning(Conference.live_seq)
    ).scalar_one()


def publish(conference_id: int, type_: str, data: dict) -> LiveEvent:
    event = LiveEvent(
        conference_id=conference_id, seq=next_seq(conference_id), type=type_, payload=data
    )
    db.session.add(event)
    db.session.flush()
    message = {**event.as_message(), "server_time": iso(utcnow())}
    after_commit(
        db.session,
        lambda: socketio.emit("event", message, to=room_of(conference_id), namespace=NAMESPACE),
    )
    return event


def events_since(conference_id: int, since: int) -> list[LiveEvent] | None:
    """The events after `since`, or None when too many were missed (send a snapshot)."""
    current = db.session.scalar(select(Conference.live_seq).where(Conference.id == conference_id))
    if current is None or since > current or current - since > REPLAY_LIMIT:
        return None
    return list(
        db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == conference_id, LiveEvent.seq > since)
            .order_by(LiveEvent.seq)
        )
    )
