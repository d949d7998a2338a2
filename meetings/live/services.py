"""Rules of the live room: sites and their links, presence, the floor, chat, item control.

The actor is a Viewer: a logged-in person, or a remote site that joined through
its link (sites have no personal accounts). Every change appends its live
event in the same transaction (meetings.live.events.publish).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from meetings import audit, events, validation
from meetings.accounts.models import AuditEntry, Unit, User
from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
)
from meetings.db import utcnow
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.live import state
from meetings.live.events import publish
from meetings.live.models import (
    ChatKind,
    ChatMessage,
    FloorRequest,
    FloorStatus,
    LiveConnection,
    Site,
)

LINK_VALIDITY = timedelta(days=30)
CHAT_MAX = 2000
ROOM_STATES = (ConferenceStatus.scheduled, ConferenceStatus.live, ConferenceStatus.concluded)


@dataclass(frozen=True)
class Viewer:
    """Who is acting in the live room: a person, or a remote site."""

    user: User | None = None
    site: Site | None = None

    @property
    def label(self) -> str:
        return self.site.name if self.site else (self.user.full_name if self.user else "")

    def roles(self, conference: Conference) -> set[ConferenceRole]:
        return conferences.roles_of(self.user, conference) if self.user else set()

    def can_enter(self, conference: Conference) -> bool:
        if self.site is not None:
            return self.site.conference_id == conference.id and self.site.is_valid_at(utcnow())
        return conferences.can_view(self.user, conference) and (
            conference.status in ROOM_STATES or conferences.can_manage(self.user, conference)
        )

    def can_manage(self, conference: Conference) -> bool:
        return self.user is not None and conferences.can_manage(self.user, conference)

    def can_control(self, conference: Conference) -> bool:
        """Run the meeting: items, the floor. The chair and the organizers."""
        return self.can_manage(conference) or ConferenceRole.chair in self.roles(conference)

    def can_announce(self, conference: Conference) -> bool:
        return self.can_control(conference) or ConferenceRole.secretary in self.roles(conference)

    def describe(self, conference: Conference) -> dict:
        return {
            "kind": "site" if self.site else "user",
            "name": self.label,
            "site_id": self.site.id if self.site else None,
            "user_id": self.user.id if self.user else None,
            "can": {
                "control": self.can_control(conference),
                "manage": self.can_manage(conference),
                "announce": self.can_announce(conference),
                "raise_hand": True,
                "chat": True,
            },
        }


def _require(allowed: bool, message) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


def _require_live(conference: Conference) -> None:
    if conference.status != ConferenceStatus.live:
        raise InvalidStateError(_l("The conference is not live: open it first."))


# --- sites and their join links ---------------------------------------------------


def get_site(conference: Conference, site_id) -> Site:
    site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
    if site is None or site.conference_id != conference.id:
        raise NotFoundError(_l("This remote site does not exist."))
    return site


def site_for_token(token: str | None) -> Site | None:
    if not token or not isinstance(token, str) or len(token) > 64:
        return None
    return db.session.scalar(select(Site).where(Site.token == token))


def _headcount(value) -> int:
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or not (1 <= value <= 500):
        raise ValidationError.on(
            "expected_headcount", _l("The headcount must be between 1 and 500.")
        )
    return value


def _expiry(valid_days) -> datetime:
    if valid_days is None:
        return utcnow() + LINK_VALIDITY
    if (
        not isinstance(valid_days, int)
        or isinstance(valid_days, bool)
        or not (1 <= valid_days <= 365)
    ):
        raise ValidationError.on("valid_days", _l("A link is valid for 1 to 365 days."))
    return utcnow() + timedelta(days=valid_days)


def create_site(
    *,
    actor: User,
    conference: Conference,
    unit_id,
    expected_headcount=None,
    name=None,
    valid_days=None,
) -> Site:
    _require(
        conferences.can_manage(actor, conference), _l("Only the organizers may add remote sites.")
    )
    if conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived):
        raise InvalidStateError(_l("The conference is over: no new remote sites."))
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise ValidationError.on("unit_id", _l("Choose an existing unit."))
    if not any(p.unit_id == unit.id for p in conference.participants):
        raise ValidationError.on("unit_id", _l("Invite the unit to the conference first."))
    if any(s.unit_id == unit.id for s in conference.sites):
        raise ConflictError(_l("%(unit)s has a remote site already.", unit=unit.name))
    site = Site(
        conference_id=conference.id,
        unit_id=unit.id,
        # The official (Vietnamese) name, not the one of the organizer's interface language.
        name=validation.text(name, "name", max_length=200, required=False) or unit.name_vi,
        expected_headcount=_headcount(expected_headcount),
        token=secrets.token_urlsafe(32),
        expires_at=_expiry(valid_days),
        created_by_id=actor.id,
    )
    conference.sites.append(site)
    db.session.flush()
    audit.record(db.session, actor, "site.create", site, conference=conference.id)
    publish_presence(conference)
    return site


def update_site(*, actor: User, conference: Conference, site: Site, data: dict) -> Site:
    _require(
        conferences.can_manage(actor, conference),
        _l("Only the organizers may change remote sites."),
    )
    # Every value is checked before any is changed: a refused edit leaves the site as it was.
    changes = {}
    if "name" in data:
        changes["name"] = validation.text(data.get("name"), "name", max_length=200)
    if "expected_headcount" in data:
        changes["expected_headcount"] = _headcount(data.get("expected_headcount"))
    if "valid_days" in data:
        changes["expires_at"] = _expiry(data.get("valid_days"))
    for name, value in changes.items():
        setattr(site, name, value)
    db.session.flush()
    audit.record(db.session, actor, "site.update", site, fields=sorted(data))
    publish_presence(conference)
    return site


def renew_site_link(*, actor: User, conference: Conference, site: Site, valid_days=None) -> Site:
    """A new token (the old link stops working at once) and a fresh expiry."""
    _require(
        conferences.can_manage(actor, conference),
        _l("Only the organizers may change remote sites."),
    )
    expires_at = _expiry(valid_days)  # checked before anything changes
    site.token = secrets.token_urlsafe(32)
    site.expires_at = expires_at
    site.revoked_at = None
    db.session.flush()
    audit.record(db.session, actor, "site.renew", site)
    _drop_site_connections(site, "renewed", _l("This link was replaced by a new one."))
    publish_presence(conference)
    return site


def revoke_site(*, actor: User, conference: Conference, site: Site) -> Site:
    _require(conferences.can_manage(actor, conference), _l("Only the organizers may revoke links."))
    if site.revoked_at is None:
        site.revoked_at = utcnow()
        audit.record(db.session, actor, "site.revoke", site)
    _drop_site_connections(site, "revoked", _l("The organizers closed this link."))
    publish_presence(conference)
    return site


def _drop_site_connections(site: Site, reason: str, notice) -> None:
    """After the commit, tell each of the site's sockets why (a "revoked" message), then close it.

    The reason is a code the page words in the site's own language; the message is
    in the organizer's, for other clients."""
    from meetings.live import sockets  # the socket layer cuts the sockets after the commit

    sids = list(
        db.session.scalars(select(LiveConnection.sid).where(LiveConnection.site_id == site.id))
    )
    db.session.execute(delete(LiveConnection).where(LiveConnection.site_id == site.id))
    sockets.disconnect_after_commit(sids, {"reason": reason, "message": str(notice)})


def list_sites(conference: Conference) -> list[Site]:
    """The conference's sites with their units (one query, two with the units)."""
    return list(
        db.session.scalars(
            select(Site)
            .where(Site.conference_id == conference.id)
            .options(selectinload(Site.unit))
            .order_by(Site.id)
        )
    )


def sites_with_presence(conference: Conference) -> list[tuple[Site, dict]]:
    """Each site with its row of the presence board (state, since, connections)."""
    board = {row["id"]: row for row in state.presence_state(conference)["sites"]}
    never = {"state": "never", "since": None, "connections": 0}
    return [(site, board.get(site.id, never)) for site in list_sites(conference)]


def units_for_new_site(conference: Conference) -> list[dict]:
    """Invited units without a site yet: those invited to attend remotely first.

    [{unit, remote, headcount}], headcount being the invitation's (a suggestion).
    """
    taken = {s.unit_id for s in conference.sites}
    found: dict[int, dict] = {}
    for participant in conference.participants:
        if participant.unit_id in taken:
            continue
        remote = participant.attendance == Attendance.remote
        row = found.setdefault(
            participant.unit_id,
            {"unit": participant.unit, "remote": False, "headcount": None},
        )
        row["remote"] = row["remote"] or remote
        if participant.user_id is None:  # the unit's own invitation says how many come
            row["headcount"] = participant.headcount
    return sorted(found.values(), key=lambda r: (not r["remote"], r["unit"].code))


SITE_ACTIVITY = 30


def site_activity(
    *, actor: User, conference: Conference, limit: int = SITE_ACTIVITY
) -> list[AuditEntry]:
    """The last audit entries about the conference's sites, newest first (organizers)."""
    _require(
        conferences.can_manage(actor, conference),
        _l("Only the organizers see the activity of the remote sites."),
    )
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == Site.__tablename__,
                AuditEntry.object_id.in_(
                    select(Site.id).where(Site.conference_id == conference.id)
                ),
            )
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


# --- presence -----------------------------------------------------------------------


def publish_presence(conference: Conference) -> None:
    publish(conference.id, "presence", {"presence": state.presence_state(conference)})


def connect(*, viewer: Viewer, conference: Conference, sid: str, remote_addr: str | None) -> None:
    if not viewer.can_enter(conference):
        raise PermissionDeniedError(_l("You are not invited to this conference."))
    now = utcnow()
    db.session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))
    db.session.add(
        LiveConnection(
            sid=sid,
            conference_id=conference.id,
            user_id=viewer.user.id if viewer.user else None,
            site_id=viewer.site.id if viewer.site else None,
            remote_addr=remote_addr,
            connected_at=now,
            last_seen_at=now,
        )
    )
    if viewer.site is not None:
        site = viewer.site
        fresh = not any(
            c.site_id == site.id for c in state.live_connections(conference.id, now) if c.sid != sid
        )
        if fresh:
            site.state_since = now
        site.last_seen_at = now
        audit.record(db.session, None, "site.join", site, remote_addr=remote_addr)
    db.session.flush()
    publish_presence(conference)


def disconnect(*, sid: str) -> None:
    connection = db.session.scalar(select(LiveConnection).where(LiveConnection.sid == sid))
    if connection is None:
        return
    conference = db.session.get(Conference, connection.conference_id)
    site = connection.site
    # A bulk delete: the row may already be gone (a revoke dropped it meanwhile).
    db.session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))
    db.session.expunge(connection)
    if site is not None:
        site.last_seen_at = utcnow()
        audit.record(db.session, None, "site.leave", site)
    if conference is not None:  # deleted meanwhile (e.g. by another process)
        publish_presence(conference)


def heartbeat(*, sid: str) -> None:
    connection = db.session.scalar(select(LiveConnection).where(LiveConnection.sid == sid))
    if connection is not None:
        connection.last_seen_at = utcnow()
        if connection.site is not None:
            connection.site.last_seen_at = connection.last_seen_at


# --- the floor ----------------------------------------------------------------------


def _open_request_of(viewer: Viewer, conference: Conference) -> FloorRequest | None:
    query = select(FloorRequest).where(
        FloorRequest.conference_id == conference.id,
        FloorRequest.status.in_([FloorStatus.waiting, FloorStatus.speaking]),
    )
    if viewer.site is not None:
        query = query.where(FloorRequest.site_id == viewer.site.id)
    else:
        query = query.where(FloorRequest.user_id == viewer.user.id, FloorRequest.site_id.is_(None))
    return db.session.scalar(query)


def _publish_floor(conference: Conference) -> None:
    publish(conference.id, "floor", {"floor": state.floor_state(conference.id)})


def _current_item_id(conference: Conference) -> int | None:
    return db.session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.conference_id == conference.id,
            AgendaItem.status.in_([ItemStatus.running, ItemStatus.paused]),
        )
    )


def raise_hand(*, viewer: Viewer, conference: Conference) -> FloorRequest:
    _require(viewer.can_enter(conference), _l("You are not invited to this conference."))
    _require_live(conference)
    existing = _open_request_of(viewer, conference)
    if existing is not None:
        return existing  # raising twice is harmless: one place in the queue
    request = FloorRequest(
        conference_id=conference.id,
        user_id=viewer.user.id if viewer.user else None,
        site_id=viewer.site.id if viewer.site else None,
        agenda_item_id=_current_item_id(conference),
    )
    db.session.add(request)
    db.session.flush()
    _publish_floor(conference)
    return request


def withdraw_hand(*, viewer: Viewer, conference: Conference) -> None:
    request = _open_request_of(viewer, conference)
    if request is None or request.status != FloorStatus.waiting:
        raise InvalidStateError(_l("You have no raised hand to withdraw."))
    request.status = FloorStatus.withdrawn
    request.ended_at = utcnow()
    db.session.flush()
    _publish_floor(conference)


def _end_current_speaker(conference: Conference, now: datetime) -> FloorRequest | None:
    speaking = db.session.scalar(
        select(FloorRequest).where(
            FloorRequest.conference_id == conference.id,
            FloorRequest.status == FloorStatus.speaking,
        )
    )
    if speaking is not None:
        speaking.status = FloorStatus.done
        speaking.ended_at = now
    return speaking


def _next_fairly(conference: Conference) -> FloorRequest | None:
    """Alternate between the room and the sites: after a speaker from one, the other's turn."""
    waiting = db.session.scalars(
        select(FloorRequest)
        .where(
            FloorRequest.conference_id == conference.id, FloorRequest.status == FloorStatus.waiting
        )
        .order_by(FloorRequest.requested_at, FloorRequest.id)
    ).all()
    if not waiting:
        return None
    last = db.session.scalar(
        select(FloorRequest)
        .where(FloorRequest.conference_id == conference.id, FloorRequest.granted_at.is_not(None))
        .order_by(FloorRequest.granted_at.desc(), FloorRequest.id.desc())
        .limit(1)
    )
    if last is not None:
        other = [r for r in waiting if r.from_site != last.from_site]
        if other:
            return other[0]
    return waiting[0]


def grant_floor(*, viewer: Viewer, conference: Conference, request_id=None) -> FloorRequest:
    """Give the floor to a request, or (no id) to the next one, alternating room and sites."""
    _require(viewer.can_control(conference), _l("Only the chair may give the floor."))
    _require_live(conference)
    if request_id is None:
        request = _next_fairly(conference)
        if request is None:
            raise InvalidStateError(_l("Nobody is waiting for the floor."))
    else:
        request = db.session.get(FloorRequest, request_id) if isinstance(request_id, int) else None
        if request is None or request.conference_id != conference.id:
            raise NotFoundError(_l("This request for the floor does not exist."))
        if request.status != FloorStatus.waiting:
            raise ConflictError(_l("This request is no longer waiting for the floor."))
    now = utcnow()
    _end_current_speaker(conference, now)
    request.status = FloorStatus.speaking
    request.granted_at = now
    request.granted_by_id = viewer.user.id if viewer.user else None
    db.session.flush()
    _publish_floor(conference)
    return request


def end_floor(*, viewer: Viewer, conference: Conference) -> None:
    _require(viewer.can_control(conference), _l("Only the chair may end a speaker's turn."))
    if _end_current_speaker(conference, utcnow()) is None:
        raise InvalidStateError(_l("Nobody has the floor."))
    db.session.flush()
    _publish_floor(conference)


# --- chat -----------------------------------------------------------------------------


def post_message(
    *, viewer: Viewer, conference: Conference, body, announcement: bool = False
) -> ChatMessage:
    _require(viewer.can_enter(conference), _l("You are not invited to this conference."))
    if announcement:
        _require(
            viewer.can_announce(conference), _l("Only the organizers and the chair may announce.")
        )
    if (
        conference.status in (ConferenceStatus.concluded, ConferenceStatus.archived)
        and not announcement
    ):
        raise InvalidStateError(_l("The conference is over: the chat is closed."))
    text = validation.text(body, "body", max_length=CHAT_MAX)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        # e.g. a NUL byte, which PostgreSQL refuses to store
        raise ValidationError.on("body", _l("Remove the control characters from the message."))
    message = ChatMessage(
        conference_id=conference.id,
        user_id=viewer.user.id if viewer.user else None,
        site_id=viewer.site.id if viewer.site else None,
        kind=ChatKind.announcement if announcement else ChatKind.chat,
        body=text,
    )
    db.session.add(message)
    db.session.flush()
    publish(conference.id, "chat", {"message": state.message_state(message)})
    return message


# --- running the agenda -------------------------------------------------------------


def _item(conference: Conference, item_id) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if isinstance(item_id, int) else None
    if item is None or item.conference_id != conference.id:
        raise NotFoundError(_l("This agenda item does not exist."))
    return item


def publish_agenda(conference: Conference) -> None:
    publish(conference.id, "agenda", {"agenda": state.agenda_state(conference)})


def _stop(item: AgendaItem, now: datetime, status: ItemStatus) -> None:
    if item.run_started_at is not None:
        item.elapsed_seconds = item.elapsed_at(now)
        item.run_started_at = None
    item.status = status
    if status == ItemStatus.done:
        item.ended_at = now
    item.version += 1


def control_item(
    *, viewer: Viewer, conference: Conference, item_id, action: str, minutes=None
) -> AgendaItem:
    """start | pause | close | skip | extend an agenda item during the meeting."""
    _require(viewer.can_control(conference), _l("Only the chair may run the agenda."))
    _require_live(conference)
    item = _item(conference, item_id)
    now = utcnow()
    if action == "start":
        if item.status == ItemStatus.running:
            raise InvalidStateError(_l("This item is already running."))
        for other in conference.agenda_items:
            if other.id != item.id and other.status in (ItemStatus.running, ItemStatus.paused):
                _stop(other, now, ItemStatus.done)
        item.status = ItemStatus.running
        item.started_at = item.started_at or now
        item.ended_at = None
        item.run_started_at = now
        item.version += 1
    elif action == "pause":
        if item.status != ItemStatus.running:
            raise InvalidStateError(_l("Only a running item can be paused."))
        _stop(item, now, ItemStatus.paused)
    elif action == "close":
        if item.status not in (ItemStatus.running, ItemStatus.paused):
            raise InvalidStateError(_l("Only a running or paused item can be closed."))
        _stop(item, now, ItemStatus.done)
    elif action == "skip":
        if item.status != ItemStatus.pending:
            raise InvalidStateError(_l("Only an item not yet started can be skipped."))
        item.status = ItemStatus.skipped
        item.version += 1
    elif action == "extend":
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not (1 <= minutes <= 120):
            raise ValidationError.on("minutes", _l("Extend by 1 to 120 minutes."))
        if item.status in (ItemStatus.done, ItemStatus.skipped):
            raise InvalidStateError(_l("A finished item cannot be extended."))
        item.extra_seconds += minutes * 60
        item.version += 1
    else:
        raise ValidationError.on("action", _l("Unknown action."))
    db.session.flush()
    publish_agenda(conference)
    return item


def open_conference(*, viewer: Viewer, conference: Conference) -> Conference:
    _require(viewer.user is not None, _l("Only the chair may open the conference."))
    return conferences.change_status(
        actor=viewer.user, conference=conference, to=ConferenceStatus.live
    )


def close_conference(*, viewer: Viewer, conference: Conference) -> Conference:
    _require(viewer.user is not None, _l("Only the chair may close the conference."))
    now = utcnow()
    conferences.change_status(
        actor=viewer.user, conference=conference, to=ConferenceStatus.concluded
    )
    for item in conference.agenda_items:
        if item.status in (ItemStatus.running, ItemStatus.paused):
            _stop(item, now, ItemStatus.done)
    for request in db.session.scalars(
        select(FloorRequest).where(
            FloorRequest.conference_id == conference.id,
            FloorRequest.status.in_([FloorStatus.waiting, FloorStatus.speaking]),
        )
    ):
        request.status = (
            FloorStatus.done if request.status == FloorStatus.speaking else FloorStatus.withdrawn
        )
        request.ended_at = now
    db.session.flush()
    publish_agenda(conference)
    _publish_floor(conference)
    return conference


# --- changes made elsewhere reach the room the same way ----------------------------


def _on_conference_changed(conference: Conference, **_extra) -> None:
    publish(conference.id, "conference", {"conference": state.conference_state(conference)})


def _on_participants_changed(conference: Conference, **_extra) -> None:
    publish_presence(conference)


def connect_signals() -> None:
    events.conference_changed.connect(_on_conference_changed)
    events.participants_changed.connect(_on_participants_changed)
