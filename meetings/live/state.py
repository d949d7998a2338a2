"""What the live room shows, as plain dicts: the snapshot and the payloads of events."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences.models import Attendance, Conference, ConferenceStatus
from meetings.db import utcnow
from meetings.extensions import db
from meetings.live.events import iso
from meetings.live.models import ChatMessage, FloorRequest, FloorStatus, LiveConnection, Site

# A site whose last socket closed less than this long ago is "reconnecting", then "away".
RECONNECT_GRACE = timedelta(seconds=60)
# A connection whose heartbeat is older than this is gone (its server process died).
HEARTBEAT_TIMEOUT = timedelta(seconds=90)
CHAT_HISTORY = 50


def conference_state(conference: Conference) -> dict:
    return {
        "id": conference.id,
        "title": conference.title,
        "status": conference.status.value,
        "starts_at": iso(conference.starts_at),
        "ends_at": iso(conference.ends_at),
        "timezone": conference.timezone,
        "venue": conference.venue,
        "video_bridge_url": conference.video_bridge_url,
    }


def load_items(conference_id: int) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference_id)
            .order_by(AgendaItem.position)
            .options(selectinload(AgendaItem.presenter), selectinload(AgendaItem.documents))
        )
    )


def agenda_state(conference: Conference, now: datetime | None = None) -> dict:
    """Items with status, timing, and the projected start of each and end of the meeting."""
    now = now or utcnow()
    live = conference.status == ConferenceStatus.live
    cursor = conference.starts_at
    items, current_id = [], None
    loaded = load_items(conference.id)
    first_start = min((i.started_at for i in loaded if i.started_at), default=None)
    for item in loaded:
        if item.status in (ItemStatus.done, ItemStatus.skipped):
            start = item.started_at or cursor
            end = item.ended_at or start
        elif item.status in (ItemStatus.running, ItemStatus.paused):
            current_id = item.id
            start = item.started_at or now
            remaining = max(0, item.planned_seconds - item.elapsed_at(now))
            end = now + timedelta(seconds=remaining)
        else:
            start = max(cursor, now) if live else cursor
            end = start + timedelta(seconds=item.planned_seconds)
        cursor = end
        items.append(
            {
                "id": item.id,
                "position": item.position,
                "title": item.title,
                "description": item.description,
                "presenter": item.presenter_label,
                "planned_seconds": item.planned_seconds,
                "status": item.status.value,
                "started_at": iso(item.started_at),
                "ended_at": iso(item.ended_at),
                "elapsed_seconds": item.elapsed_seconds,
                "run_started_at": iso(item.run_started_at),
                "projected_start": iso(start),
                "projected_end": iso(end),
                "version": item.version,
                "documents": [
                    {"id": d.id, "filename": d.filename, "size": d.size} for d in item.documents
                ],
            }
        )
    return {
        "agenda_version": conference.agenda_version,
        "current_item_id": current_id,
        "items": items,
        "projected_end": iso(cursor),
        "planned_end": iso(planned_end(conference, first_start)),
    }


def planned_end(conference: Conference, first_start: datetime | None) -> datetime:
    """The end to hold the agenda against: the scheduled end, unless the meeting began
    after it (held on another day, or a replay of the seed case): then its own length
    from when it began."""
    if first_start is not None and first_start > conference.ends_at:
        return first_start + (conference.ends_at - conference.starts_at)
    return conference.ends_at


def _site_state(site: Site, connections: list[LiveConnection], now: datetime) -> dict:
    if connections:
        state, since = "connected", site.state_since
    elif site.last_seen_at is None:
        state, since = "never", None
    elif now - site.last_seen_at < RECONNECT_GRACE:
        state, since = "reconnecting", site.last_seen_at
    else:
        state, since = "away", site.last_seen_at
    if site.revoked_at is not None:
        state, since = "revoked", site.revoked_at
    return {
        "id": site.id,
        "name": site.name,
        "unit_code": site.unit.code,
        "city": site.unit.city,
        "expected_headcount": site.expected_headcount,
        "state": state,
        "since": iso(since),
        "connections": len(connections),
    }


def live_connections(conference_id: int, now: datetime) -> list[LiveConnection]:
    return list(
        db.session.scalars(
            select(LiveConnection)
            .where(
                LiveConnection.conference_id == conference_id,
                LiveConnection.last_seen_at > now - HEARTBEAT_TIMEOUT,
            )
            # Joined, not selectin: the conference page stays within its query budget.
            .options(joinedload(LiveConnection.user), joinedload(LiveConnection.site))
            .order_by(LiveConnection.connected_at)
        )
    )


def presence_state(conference: Conference, now: datetime | None = None) -> dict:
    now = now or utcnow()
    connections = live_connections(conference.id, now)
    by_site: dict[int, list[LiveConnection]] = {}
    people_online = set()
    for connection in connections:
        if connection.site_id:
            by_site.setdefault(connection.site_id, []).append(connection)
        elif connection.user_id:
            people_online.add(connection.user_id)
    sites = db.session.scalars(
        select(Site)
        .where(Site.conference_id == conference.id)
        .options(joinedload(Site.unit))
        .order_by(Site.id)
    ).all()
    in_room = [p for p in conference.participants if p.attendance == Attendance.in_room]
    checked_in = [p for p in in_room if p.checked_in]
    return {
        "sites": [_site_state(site, by_site.get(site.id, []), now) for site in sites],
        "room": {
            "invited": len(in_room),
            "checked_in": len(checked_in),
            "checked_in_people": sum(p.headcount for p in checked_in),
        },
        "people_online": len(people_online),
    }


def connections_detail(conference: Conference) -> list[dict]:
    """Who is connected from where: for the organizers only."""
    return [
        {
            "who": c.site.name if c.site else (c.user.full_name if c.user else "?"),
            "site_id": c.site_id,
            "user_id": c.user_id,
            "remote_addr": c.remote_addr,
            "connected_at": iso(c.connected_at),
        }
        for c in live_connections(conference.id, utcnow())
    ]


def _request_state(request: FloorRequest) -> dict:
    return {
        "id": request.id,
        "who": request.site.name if request.site else request.user.full_name,
        "from": "site" if request.site_id else "room",
        "site_id": request.site_id,
        "user_id": request.user_id,
        "status": request.status.value,
        "requested_at": iso(request.requested_at),
        "granted_at": iso(request.granted_at),
    }


def floor_state(conference_id: int) -> dict:
    open_requests = db.session.scalars(
        select(FloorRequest)
        .where(
            FloorRequest.conference_id == conference_id,
            FloorRequest.status.in_([FloorStatus.waiting, FloorStatus.speaking]),
        )
        .options(selectinload(FloorRequest.user), selectinload(FloorRequest.site))
        .order_by(FloorRequest.requested_at, FloorRequest.id)
    ).all()
    speaking = next((r for r in open_requests if r.status == FloorStatus.speaking), None)
    return {
        "speaking": _request_state(speaking) if speaking else None,
        "queue": [_request_state(r) for r in open_requests if r.status == FloorStatus.waiting],
    }


def message_state(message: ChatMessage) -> dict:
    return {
        "id": message.id,
        "kind": message.kind.value,
        "author": message.site.name
        if message.site
        else (message.user.full_name if message.user else ""),
        "from": "site" if message.site_id else "room",
        "body": message.body,
        "created_at": iso(message.created_at),
    }


def chat_history(conference_id: int) -> list[dict]:
    messages = db.session.scalars(
        select(ChatMessage)
        .where(ChatMessage.conference_id == conference_id)
        .options(selectinload(ChatMessage.user), selectinload(ChatMessage.site))
        .order_by(ChatMessage.id.desc())
        .limit(CHAT_HISTORY)
    ).all()
    return [message_state(m) for m in reversed(messages)]


def snapshot(conference: Conference, viewer) -> dict:
    now = utcnow()
    data = {
        "seq": conference.live_seq,
        "server_time": iso(now),
        "viewer": viewer.describe(conference),
        "conference": conference_state(conference),
        "agenda": agenda_state(conference, now),
        "presence": presence_state(conference, now),
        "floor": floor_state(conference.id),
        "chat": chat_history(conference.id),
    }
    if viewer.can_manage(conference):
        data["connections"] = connections_detail(conference)
    from meetings.drafts import adoption  # the drafts build on the live room, not the reverse

    data["adoption"] = adoption.live_state(conference, viewer)
    from meetings.directives import services as directives  # they build on the live room

    data["directives"] = directives.live_state(conference, viewer)
    return data
