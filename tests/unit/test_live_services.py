"""Live room services called directly: the event log, sites and links, presence, the floor,
chat, running the agenda, opening and closing, and changes made elsewhere reaching the room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.accounts.models import AuditEntry
from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import Attendance, Conference, ConferenceStatus
from meetings.db import unit_of_work, utcnow
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db, socketio
from meetings.live import events, services, state
from meetings.live.models import (
    ChatKind,
    ChatMessage,
    FloorRequest,
    FloorStatus,
    LiveConnection,
    LiveEvent,
    Site,
)
from meetings.live.services import Viewer
from tests.socket.conftest import build_room

S = ConferenceStatus


@pytest.fixture
def room(make):
    return build_room(make)


@pytest.fixture
def emitted(monkeypatch):
    """What would be sent to the sockets: [(name, data, room)]."""
    sent = []
    monkeypatch.setattr(
        socketio,
        "emit",
        lambda name, data, to=None, namespace=None, **kw: sent.append((name, data, to)),
    )
    return sent


def viewer(room, kind: str) -> Viewer:
    if kind == "site":
        return Viewer(site=room.site)
    if kind == "other_site":
        return Viewer(site=room.other_site)
    return Viewer(user=room.user(kind))


def logged(conference_id: int) -> list[tuple[int, str]]:
    return [
        (e.seq, e.type)
        for e in db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == conference_id)
            .order_by(LiveEvent.seq)
        )
    ]


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the event log ----------------------------------------------------------------------


def test_publish_appends_gap_free_events_and_emits_only_after_the_commit(room, emitted):
    start = room.conference.live_seq
    with unit_of_work():
        first = events.publish(room.id, "chat", {"n": 1})
        second = events.publish(room.id, "chat", {"n": 2})
        assert (first.seq, second.seq) == (start + 1, start + 2)
        assert emitted == []  # not before the commit
    assert [(name, data["seq"], to) for name, data, to in emitted] == [
        ("event", start + 1, f"conference:{room.id}"),
        ("event", start + 2, f"conference:{room.id}"),
    ]
    assert emitted[0][1]["data"] == {"n": 1} and emitted[0][1]["server_time"].endswith("Z")
    db.session.refresh(room.conference)
    assert room.conference.live_seq == start + 2


def test_a_rolled_back_change_takes_no_seq_and_is_never_broadcast(room, emitted):
    start = room.conference.live_seq
    with pytest.raises(RuntimeError), unit_of_work():
        events.publish(room.id, "chat", {"n": 1})
        raise RuntimeError("boom")
    assert emitted == []
    assert db.session.get(Conference, room.id).live_seq == start
    with unit_of_work():
        assert events.publish(room.id, "chat", {"n": 2}).seq == start + 1
    assert [seq for seq, _ in logged(room.id)][-1] == start + 1


def test_each_conference_has_its_own_sequence(room, make):
    other = build_room(make)
    with unit_of_work():
        a = events.publish(room.id, "chat", {})
        b = events.publish(other.id, "chat", {})
    assert a.seq == room.conference.live_seq and b.seq == other.conference.live_seq
    seqs = [seq for seq, _ in logged(room.id)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_events_since_replays_or_asks_for_a_snapshot(room):
    with unit_of_work():
        for n in range(5):
            events.publish(room.id, "chat", {"n": n})
    current = db.session.get(Conference, room.id).live_seq
    assert [e.seq for e in events.events_since(room.id, current - 2)] == [current - 1, current]
    assert events.events_since(room.id, current) == []
    assert events.events_since(room.id, current + 1) is None  # ahead of the server
    assert events.events_since(987654, 0) is None
    assert len(events.events_since(room.id, 0)) == current


def test_events_since_gives_up_beyond_the_replay_limit(room, monkeypatch):
    monkeypatch.setattr(events, "REPLAY_LIMIT", 3)
    with unit_of_work():
        for n in range(4):
            events.publish(room.id, "chat", {"n": n})
    current = db.session.get(Conference, room.id).live_seq
    assert len(events.events_since(room.id, current - 3)) == 3
    assert events.events_since(room.id, current - 4) is None


# --- sites and their links --------------------------------------------------------------


def test_an_organizer_adds_a_site_for_an_invited_unit(room, make):
    unit = make.unit(name_vi="Vụ Địa phương III")
    make.participant(room.conference, unit=unit, attendance=Attendance.remote)
    seq = room.conference.live_seq
    site = services.create_site(
        actor=room.organizer, conference=room.conference, unit_id=unit.id, expected_headcount=15
    )
    assert site.name == "Vụ Địa phương III"
    assert site.expected_headcount == 15
    assert len(site.token) >= 40 and site.token != room.site.token
    assert site.expires_at > utcnow() + timedelta(days=29)
    assert site.is_valid_at(utcnow())
    assert "site.create" in actions()
    assert logged(room.id)[-1] == (seq + 1, "presence")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"actor": "delegate"}, PermissionDeniedError),
        ({"actor": "chair"}, PermissionDeniedError),
        ({"unit": "not invited"}, ValidationError),
        ({"unit": "unknown"}, ValidationError),
        ({"unit": "already a site"}, ConflictError),
        ({"expected_headcount": 0}, ValidationError),
        ({"expected_headcount": 501}, ValidationError),
        ({"expected_headcount": "12"}, ValidationError),
        ({"valid_days": 0}, ValidationError),
        ({"valid_days": 366}, ValidationError),
        ({"status": S.concluded}, InvalidStateError),
    ],
)
def test_a_site_is_refused_when(room, make, change, error):
    unit = make.unit()
    make.participant(room.conference, unit=unit, attendance=Attendance.remote)
    unit_id = {
        "not invited": make.unit().id,
        "unknown": 987654,
        "already a site": room.site.unit_id,
    }.get(change.get("unit"), unit.id)
    if "status" in change:
        room.conference.status = change["status"]
    sites = db.session.scalar(select(db.func.count()).select_from(Site))
    with pytest.raises(error):
        services.create_site(
            actor=room.user(change.get("actor", "organizer")),
            conference=room.conference,
            unit_id=unit_id,
            expected_headcount=change.get("expected_headcount"),
            valid_days=change.get("valid_days"),
        )
    assert db.session.scalar(select(db.func.count()).select_from(Site)) == sites


def test_a_link_is_found_by_its_token_only(room):
    assert services.site_for_token(room.site.token) == room.site
    for token in (None, "", "nope", room.site.token + "x" * 64, 42):
        assert services.site_for_token(token) is None


def test_revoking_and_renewing_a_link(room):
    old = room.site.token
    with pytest.raises(PermissionDeniedError):
        services.revoke_site(actor=room.chair, conference=room.conference, site=room.site)
    services.revoke_site(actor=room.organizer, conference=room.conference, site=room.site)
    assert not Viewer(site=room.site).can_enter(room.conference)
    services.renew_site_link(
        actor=room.organizer, conference=room.conference, site=room.site, valid_days=2
    )
    assert room.site.token != old and room.site.revoked_at is None
    assert room.site.expires_at < utcnow() + timedelta(days=2, minutes=1)
    assert Viewer(site=room.site).can_enter(room.conference)
    assert services.site_for_token(old) is None
    assert [a for a in actions() if a in ("site.revoke", "site.renew")] == [
        "site.revoke",
        "site.renew",
    ]


def test_an_expired_link_no_longer_enters(room):
    room.site.expires_at = utcnow() - timedelta(seconds=1)
    assert not Viewer(site=room.site).can_enter(room.conference)


# --- presence ---------------------------------------------------------------------------


def site_state(conference, site, now=None) -> dict:
    sites = state.presence_state(conference, now)["sites"]
    return next(s for s in sites if s["id"] == site.id)


def test_a_site_is_never_then_connected_then_reconnecting_then_away(room):
    conference, site = room.conference, room.site
    assert site_state(conference, site)["state"] == "never"
    services.connect(
        viewer=Viewer(site=site), conference=conference, sid="s1", remote_addr="10.0.0.8"
    )
    connected = site_state(conference, site)
    assert (connected["state"], connected["connections"]) == ("connected", 1)
    services.disconnect(sid="s1")
    assert site_state(conference, site)["state"] == "reconnecting"
    later = utcnow() + state.RECONNECT_GRACE + timedelta(seconds=1)
    assert site_state(conference, site, later)["state"] == "away"
    assert [a for a in actions() if a.startswith("site.")][-2:] == ["site.join", "site.leave"]


def test_a_connection_without_heartbeat_counts_as_gone(room):
    services.connect(
        viewer=Viewer(site=room.site), conference=room.conference, sid="s1", remote_addr=None
    )
    later = utcnow() + state.HEARTBEAT_TIMEOUT + timedelta(seconds=1)
    assert site_state(room.conference, room.site, later)["state"] in ("reconnecting", "away")
    connection = db.session.scalar(select(LiveConnection).where(LiveConnection.sid == "s1"))
    connection.last_seen_at = later
    services.heartbeat(sid="s1")
    assert db.session.get(LiveConnection, connection.id).last_seen_at <= utcnow()


def test_people_online_and_the_room_count(room):
    services.connect(
        viewer=viewer(room, "delegate"), conference=room.conference, sid="p1", remote_addr=None
    )
    services.connect(
        viewer=viewer(room, "delegate"), conference=room.conference, sid="p2", remote_addr=None
    )
    conferences.check_in(
        actor=room.secretary, conference=room.conference, participant=room.delegate_participant
    )
    presence = state.presence_state(room.conference)
    assert presence["people_online"] == 1  # one person, two screens
    assert presence["room"]["checked_in"] == 1
    assert presence["room"]["invited"] == 4  # organizer, chair, secretary, delegate


def test_an_outsider_cannot_connect(room):
    with pytest.raises(PermissionDeniedError):
        services.connect(
            viewer=viewer(room, "outsider"), conference=room.conference, sid="x", remote_addr=None
        )
    assert db.session.scalar(select(LiveConnection)) is None


# --- the floor --------------------------------------------------------------------------


def test_raising_twice_keeps_one_place_and_withdrawing_leaves_the_queue(room):
    first = services.raise_hand(viewer=viewer(room, "delegate"), conference=room.conference)
    again = services.raise_hand(viewer=viewer(room, "delegate"), conference=room.conference)
    assert first.id == again.id
    services.withdraw_hand(viewer=viewer(room, "delegate"), conference=room.conference)
    assert first.status == FloorStatus.withdrawn
    assert state.floor_state(room.id) == {"speaking": None, "queue": []}
    with pytest.raises(InvalidStateError):
        services.withdraw_hand(viewer=viewer(room, "delegate"), conference=room.conference)


def test_a_hand_is_raised_only_while_the_conference_is_live(room):
    room.conference.status = S.scheduled
    with pytest.raises(InvalidStateError):
        services.raise_hand(viewer=viewer(room, "site"), conference=room.conference)


def test_the_chair_alternates_fairly_between_the_room_and_the_sites(room, make):
    conference = room.conference
    order = ["delegate", "secretary", "site", "other_site"]
    for kind in order:
        services.raise_hand(viewer=viewer(room, kind), conference=conference)
    chair = viewer(room, "chair")
    granted = []
    for _ in order:
        request = services.grant_floor(viewer=chair, conference=conference)
        granted.append("site" if request.from_site else "room")
    assert granted == ["room", "site", "room", "site"]
    with pytest.raises(InvalidStateError):
        services.grant_floor(viewer=chair, conference=conference)
    requests = db.session.scalars(select(FloorRequest).order_by(FloorRequest.granted_at)).all()
    assert [r.status for r in requests].count(FloorStatus.speaking) == 1


def test_granting_a_request_ends_the_current_speaker(room):
    conference, chair = room.conference, viewer(room, "chair")
    first = services.raise_hand(viewer=viewer(room, "delegate"), conference=conference)
    second = services.raise_hand(viewer=viewer(room, "site"), conference=conference)
    services.grant_floor(viewer=chair, conference=conference, request_id=second.id)
    services.grant_floor(viewer=chair, conference=conference, request_id=first.id)
    assert (second.status, first.status) == (FloorStatus.done, FloorStatus.speaking)
    floor = state.floor_state(room.id)
    assert floor["speaking"]["id"] == first.id and floor["queue"] == []
    with pytest.raises(ConflictError):
        services.grant_floor(viewer=chair, conference=conference, request_id=second.id)
    services.end_floor(viewer=chair, conference=conference)
    with pytest.raises(InvalidStateError):
        services.end_floor(viewer=chair, conference=conference)


@pytest.mark.parametrize("kind", ["delegate", "secretary", "site"])
def test_only_the_chair_and_organizers_give_the_floor(room, kind):
    request = services.raise_hand(viewer=viewer(room, "delegate"), conference=room.conference)
    with pytest.raises(PermissionDeniedError):
        services.grant_floor(
            viewer=viewer(room, kind), conference=room.conference, request_id=request.id
        )
    assert request.status == FloorStatus.waiting


def test_a_request_of_another_conference_is_not_found(room, make):
    other = build_room(make)
    request = services.raise_hand(viewer=Viewer(site=other.site), conference=other.conference)
    with pytest.raises(NotFoundError):
        services.grant_floor(
            viewer=viewer(room, "chair"), conference=room.conference, request_id=request.id
        )


# --- chat -------------------------------------------------------------------------------


def test_a_message_is_trimmed_stored_as_text_and_published(room):
    message = services.post_message(
        viewer=viewer(room, "site"),
        conference=room.conference,
        body="  <img src=x onerror=alert(1)>  ",
    )
    assert message.body == "<img src=x onerror=alert(1)>"
    payload = state.message_state(message)
    assert (payload["author"], payload["from"], payload["kind"]) == (room.site.name, "site", "chat")
    assert logged(room.id)[-1][1] == "chat"


@pytest.mark.parametrize("body", [None, "", "   ", 5, "x" * 2001, "a\x00b", "bell\x07"])
def test_a_bad_message_is_refused(room, body):
    with pytest.raises(ValidationError):
        services.post_message(
            viewer=viewer(room, "delegate"), conference=room.conference, body=body
        )
    assert db.session.scalar(select(ChatMessage)) is None


def test_line_breaks_and_tabs_are_kept(room):
    message = services.post_message(
        viewer=viewer(room, "delegate"), conference=room.conference, body="một\nhai\tba"
    )
    assert message.body == "một\nhai\tba"


def test_announcements_and_the_closed_chat(room):
    with pytest.raises(PermissionDeniedError):
        services.post_message(
            viewer=viewer(room, "delegate"), conference=room.conference, body="x", announcement=True
        )
    room.conference.status = S.concluded
    with pytest.raises(InvalidStateError):
        services.post_message(viewer=viewer(room, "delegate"), conference=room.conference, body="x")
    message = services.post_message(
        viewer=viewer(room, "secretary"),
        conference=room.conference,
        body="Cảm ơn",
        announcement=True,
    )
    assert message.kind == ChatKind.announcement


def test_the_snapshot_keeps_the_last_messages(room):
    for n in range(state.CHAT_HISTORY + 5):
        services.post_message(
            viewer=viewer(room, "delegate"), conference=room.conference, body=f"m{n}"
        )
    history = state.chat_history(room.id)
    assert len(history) == state.CHAT_HISTORY
    assert history[0]["body"] == "m5" and history[-1]["body"] == f"m{state.CHAT_HISTORY + 4}"


# --- running the agenda -----------------------------------------------------------------


def test_items_run_pause_extend_close_and_skip(room):
    conference, chair = room.conference, viewer(room, "chair")
    first, second, third, fourth = room.items

    def act(item, action, minutes=None):
        return services.control_item(
            viewer=chair, conference=conference, item_id=item.id, action=action, minutes=minutes
        )

    act(first, "start")
    assert first.status == ItemStatus.running and first.run_started_at is not None
    version = first.version
    first.run_started_at = utcnow() - timedelta(seconds=90)  # it ran for a minute and a half
    act(first, "pause")
    assert first.status == ItemStatus.paused and 90 <= first.elapsed_seconds <= 92
    assert first.version == version + 1
    act(first, "extend", 5)
    assert first.planned_seconds == first.planned_minutes * 60 + 300
    act(first, "start")
    act(second, "start")  # the first one is done when the next one starts
    assert (first.status, second.status) == (ItemStatus.done, ItemStatus.running)
    assert first.ended_at is not None and first.run_started_at is None
    act(second, "close")
    act(fourth, "skip")
    assert [i.status for i in room.items] == [
        ItemStatus.done,
        ItemStatus.done,
        ItemStatus.pending,
        ItemStatus.skipped,
    ]
    agenda = state.agenda_state(conference)
    assert agenda["current_item_id"] is None
    assert [i["status"] for i in agenda["items"]] == ["done", "done", "pending", "skipped"]


@pytest.mark.parametrize(
    ("status", "action", "minutes"),
    [
        (ItemStatus.running, "start", None),
        (ItemStatus.pending, "pause", None),
        (ItemStatus.pending, "close", None),
        (ItemStatus.running, "skip", None),
        (ItemStatus.done, "extend", 5),
        (ItemStatus.skipped, "extend", 5),
    ],
)
def test_an_action_the_item_state_does_not_allow_is_refused(room, status, action, minutes):
    item = room.items[0]
    item.status = status
    version = item.version
    with pytest.raises(InvalidStateError):
        services.control_item(
            viewer=viewer(room, "organizer"),
            conference=room.conference,
            item_id=item.id,
            action=action,
            minutes=minutes,
        )
    assert (item.status, item.version) == (status, version)


@pytest.mark.parametrize("minutes", [None, 0, 121, "5", True])
def test_extending_takes_1_to_120_minutes(room, minutes):
    with pytest.raises(ValidationError):
        services.control_item(
            viewer=viewer(room, "chair"),
            conference=room.conference,
            item_id=room.items[0].id,
            action="extend",
            minutes=minutes,
        )
    assert room.items[0].extra_seconds == 0


def test_items_are_run_only_while_live_by_the_chair_and_organizers(room, make):
    item = room.items[0]
    for kind in ("secretary", "delegate", "site"):
        with pytest.raises(PermissionDeniedError):
            services.control_item(
                viewer=viewer(room, kind),
                conference=room.conference,
                item_id=item.id,
                action="start",
            )
    other = build_room(make)
    with pytest.raises(NotFoundError):
        services.control_item(
            viewer=viewer(room, "chair"),
            conference=room.conference,
            item_id=other.items[0].id,
            action="start",
        )
    with pytest.raises(ValidationError):
        services.control_item(
            viewer=viewer(room, "chair"), conference=room.conference, item_id=item.id, action="jump"
        )
    room.conference.status = S.scheduled
    with pytest.raises(InvalidStateError):
        services.control_item(
            viewer=viewer(room, "chair"),
            conference=room.conference,
            item_id=item.id,
            action="start",
        )


def test_projected_times_follow_the_planned_durations(room):
    room.conference.status = S.scheduled
    agenda = state.agenda_state(room.conference)
    starts = room.conference.starts_at
    minutes = 0
    for item, payload in zip(room.items, agenda["items"], strict=True):
        assert payload["projected_start"] == events.iso(starts + timedelta(minutes=minutes))
        minutes += item.planned_minutes
    assert agenda["projected_end"] == events.iso(starts + timedelta(minutes=minutes))


def test_a_running_item_projects_the_rest_from_now(room):
    services.control_item(
        viewer=viewer(room, "chair"),
        conference=room.conference,
        item_id=room.items[0].id,
        action="start",
    )
    now = utcnow()
    agenda = state.agenda_state(room.conference, now)
    assert agenda["current_item_id"] == room.items[0].id
    rest = sum(i.planned_minutes for i in room.items)
    assert agenda["projected_end"] == events.iso(now + timedelta(minutes=rest))


# --- opening and closing ----------------------------------------------------------------


def test_the_chair_opens_and_closes_and_a_delegate_cannot(room):
    room.conference.status = S.scheduled
    for kind in ("delegate", "secretary", "site"):
        with pytest.raises(PermissionDeniedError):
            services.open_conference(viewer=viewer(room, kind), conference=room.conference)
    services.open_conference(viewer=viewer(room, "chair"), conference=room.conference)
    assert room.conference.status == S.live
    services.control_item(
        viewer=viewer(room, "chair"),
        conference=room.conference,
        item_id=room.items[0].id,
        action="start",
    )
    waiting = services.raise_hand(viewer=viewer(room, "site"), conference=room.conference)
    for kind in ("delegate", "secretary", "site"):
        with pytest.raises(PermissionDeniedError):
            services.close_conference(viewer=viewer(room, kind), conference=room.conference)
    seq = db.session.get(Conference, room.id).live_seq
    services.close_conference(viewer=viewer(room, "chair"), conference=room.conference)
    assert room.conference.status == S.concluded
    assert room.items[0].status == ItemStatus.done
    assert waiting.status == FloorStatus.withdrawn
    assert [t for _, t in logged(room.id) if _ > seq] == ["conference", "agenda", "floor"]


# --- changes made elsewhere reach the room ------------------------------------------------


def test_a_status_change_and_a_check_in_publish_to_the_room(room):
    room.conference.status = S.scheduled
    seq = db.session.get(Conference, room.id).live_seq
    conferences.change_status(actor=room.organizer, conference=room.conference, to=S.live)
    conferences.check_in(
        actor=room.secretary, conference=room.conference, participant=room.delegate_participant
    )
    published = db.session.scalars(
        select(LiveEvent)
        .where(LiveEvent.conference_id == room.id, LiveEvent.seq > seq)
        .order_by(LiveEvent.seq)
    ).all()
    assert [e.type for e in published] == ["conference", "presence"]
    assert published[0].payload["conference"]["status"] == "live"
    assert published[1].payload["presence"]["room"]["checked_in"] == 1


def test_the_snapshot_describes_the_viewer(room):
    snapshot = state.snapshot(room.conference, viewer(room, "site"))
    assert snapshot["seq"] == db.session.get(Conference, room.id).live_seq
    assert snapshot["viewer"] == {
        "kind": "site",
        "name": room.site.name,
        "site_id": room.site.id,
        "user_id": None,
        "can": {
            "control": False,
            "manage": False,
            "announce": False,
            "raise_hand": True,
            "chat": True,
        },
    }
    assert "connections" not in snapshot
    assert "connections" in state.snapshot(room.conference, viewer(room, "organizer"))
    assert [i["id"] for i in snapshot["agenda"]["items"]] == [i.id for i in room.items]
    assert db.session.get(AgendaItem, room.items[0].id).conference_id == room.id
