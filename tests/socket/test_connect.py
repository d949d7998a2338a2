"""Joining the /live namespace: who is let in, who is refused, presence, cut-off links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.accounts.models import AuditEntry
from meetings.conferences.models import ConferenceStatus, Participant
from meetings.db import unit_of_work, utcnow
from meetings.extensions import db as _db
from meetings.live import services
from meetings.live.models import ChatMessage, LiveConnection, Site
from tests.socket.conftest import (
    build_room,
    connections,
    count,
    expire_link,
    fresh,
    live_seq,
)


def site_states(event: dict) -> dict[int, dict]:
    return {s["id"]: s for s in event["data"]["presence"]["sites"]}


def audit_actions() -> list[str]:
    _db.session.rollback()
    return list(_db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_person_and_a_site_join_and_are_recorded(room, sockets):
    organizer = sockets.person(room.organizer, room.conference)
    site = sockets.site(room.site)
    assert organizer.connected and site.connected

    _db.session.rollback()
    rows = _db.session.scalars(select(LiveConnection).order_by(LiveConnection.id)).all()
    assert [(r.user_id, r.site_id, r.conference_id) for r in rows] == [
        (room.organizer.id, None, room.id),
        (None, room.site.id, room.id),
    ]
    assert "site.join" in audit_actions()
    # The organizer's socket saw the site arrive.
    (presence,) = organizer.events("presence")
    assert site_states(presence)[room.site.id]["state"] == "connected"
    assert presence["data"]["presence"]["people_online"] == 1


def test_a_site_connects_with_its_token_whatever_conference_it_names(room, sockets, make):
    other = make.conference()
    _db.session.commit()
    site = sockets.connect(
        {"conference_id": other.id, "site_token": room.site.token},
        flask_client=sockets.http(),
    )
    assert site.connected
    assert count(LiveConnection, site_id=room.site.id, conference_id=room.id) == 1


def test_a_site_joined_through_its_link_page_connects_with_the_session(app, room, sockets):
    flask_client = app.test_client()
    with flask_client.session_transaction() as session:
        session["site_token"] = room.site.token
    site = sockets.connect({"conference_id": room.id}, flask_client=flask_client)
    assert site.connected
    assert count(LiveConnection, site_id=room.site.id) == 1


REFUSALS = {
    "anonymous": ("anonymous", {}, "forbidden"),
    "no auth at all": ("anonymous", None, "forbidden"),
    "non-invitee": ("outsider", {}, "forbidden"),
    "unknown conference": ("organizer", {"conference_id": 987654}, "not_found"),
    "conference id as text": ("organizer", {"conference_id": "1"}, "not_found"),
    "no conference id": ("organizer", {"conference_id": None}, "not_found"),
    "revoked site link": ("revoked_site", {}, "forbidden"),
    "expired site link": ("expired_site", {}, "forbidden"),
    "unknown site link": ("unknown_site", {}, "forbidden"),
    "overlong site token": ("long_token", {}, "forbidden"),
    "site token of a wrong type": ("token_as_number", {}, "forbidden"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_connect_gets_an_error_and_records_nothing(room, sockets, case):
    who, auth, code = REFUSALS[case]
    if who == "revoked_site":
        with unit_of_work():
            services.revoke_site(
                actor=room.organizer,
                conference=room.conference,
                site=room.site,
            )
    if who == "expired_site":
        expire_link(room.site.id)
    seq, audited = live_seq(room.id), len(audit_actions())

    flask_client = None
    if who in ("outsider", "organizer"):
        flask_client = sockets.http(room.user(who))
    if auth is not None and "conference_id" not in auth:
        auth = {**auth, "conference_id": room.id}
    if who in ("revoked_site", "expired_site"):
        auth = {**auth, "site_token": room.site.token}
    elif who == "unknown_site":
        auth = {**auth, "site_token": "x" * 43}
    elif who == "long_token":
        auth = {**auth, "site_token": room.site.token + "x" * 60}
    elif who == "token_as_number":
        auth = {**auth, "site_token": 12345}

    error = sockets.refused(auth, flask_client=flask_client)

    assert error["data"]["code"] == code
    assert error["message"] and error["message"] == error["data"]["message"]
    assert "{" not in error["message"]
    assert connections() == 0
    assert live_seq(room.id) == seq
    assert len(audit_actions()) == audited


def test_a_delegate_cannot_join_a_draft_conference_but_its_organizer_can(make, sockets):
    room = build_room(make, status=ConferenceStatus.draft)
    error = sockets.refused({"conference_id": room.id}, flask_client=sockets.http(room.delegate))
    assert error["data"]["code"] == "forbidden"
    assert sockets.person(room.organizer, room.conference).connected
    assert connections(room.id) == 1


def test_a_site_cannot_join_through_a_link_of_another_conference(make, sockets):
    first, second = build_room(make), build_room(make)
    site = sockets.site(second.site)
    assert site.connected
    assert count(LiveConnection, site_id=second.site.id, conference_id=second.id) == 1
    assert count(LiveConnection, conference_id=first.id) == 0


def test_presence_shows_a_site_connected_then_reconnecting(room, sockets):
    organizer = sockets.person(room.organizer, room.conference)
    organizer.events()
    site = sockets.site(room.site)

    (joined,) = organizer.events("presence")
    state = site_states(joined)[room.site.id]
    assert (state["state"], state["connections"]) == ("connected", 1)
    assert state["since"].endswith("Z")
    assert site_states(joined)[room.other_site.id]["state"] == "never"

    # A second screen at the same site: still one site, two connections, same "since".
    second = sockets.site(room.site)
    (both,) = organizer.events("presence")
    assert site_states(both)[room.site.id]["connections"] == 2
    assert site_states(both)[room.site.id]["since"] == state["since"]
    second.disconnect()
    (one_left,) = organizer.events("presence")
    assert site_states(one_left)[room.site.id]["state"] == "connected"

    site.disconnect()
    (left,) = organizer.events("presence")
    gone = site_states(left)[room.site.id]
    assert (gone["state"], gone["connections"]) == ("reconnecting", 0)
    assert connections() == 1
    assert audit_actions().count("site.leave") == 2

    # Back again: connected, since the new connection.
    sockets.site(room.site)
    (back,) = organizer.events("presence")
    assert site_states(back)[room.site.id]["state"] == "connected"
    assert site_states(back)[room.site.id]["since"] >= gone["since"]


def test_revoking_a_site_disconnects_it_at_once(room, sockets):
    organizer = sockets.person(room.organizer, room.conference)
    site = sockets.site(room.site)
    other = sockets.site(room.other_site)
    organizer.events()

    with unit_of_work():
        services.revoke_site(
            actor=room.organizer,
            conference=room.conference,
            site=room.site,
        )

    assert not site.connected
    revoked = [m for m in site.received() if m["name"] == "revoked"]
    assert len(revoked) == 1 and revoked[0]["args"][0]["message"]
    assert other.connected and not [m for m in other.received() if m["name"] == "revoked"]
    assert count(LiveConnection, site_id=room.site.id) == 0
    presence = organizer.events("presence")[-1]
    assert site_states(presence)[room.site.id]["state"] == "revoked"
    assert site_states(presence)[room.other_site.id]["state"] == "connected"
    assert "site.revoke" in audit_actions()

    # The link no longer opens the room.
    error = sockets.refused({"conference_id": room.id, "site_token": room.site.token})
    assert error["data"]["code"] == "forbidden"
    assert count(LiveConnection, site_id=room.site.id) == 0


def test_renewing_a_link_cuts_the_old_one_and_the_new_one_works(room, sockets):
    old_token = room.site.token
    site = sockets.site(room.site)
    with unit_of_work():
        renewed = services.renew_site_link(
            actor=room.organizer,
            conference=room.conference,
            site=room.site,
        )
        new_token = renewed.token
    assert not site.connected
    assert [m["name"] for m in site.received()].count("revoked") == 1
    assert new_token != old_token
    assert sockets.refused({"conference_id": room.id, "site_token": old_token})
    assert sockets.site(room.site, token=new_token).connected


def test_a_link_that_stopped_working_refuses_the_next_event_and_cuts_the_socket(room, sockets):
    site = sockets.site(room.site)
    expire_link(room.site.id)  # as if changed by another process: the socket is still open
    assert site.connected
    seq = live_seq(room.id)

    ack = site.call("chat_send", {"body": "still here?"})

    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert not site.connected
    assert count(ChatMessage) == 0
    assert count(LiveConnection, site_id=room.site.id) == 0
    # Its leaving is published like any other (presence), nothing else.
    assert live_seq(room.id) == seq + 1


def test_a_person_removed_from_the_conference_is_refused_on_the_next_event(room, sockets):
    delegate = sockets.person(room.delegate, room.conference)
    with unit_of_work():
        _db.session.delete(_db.session.get(Participant, room.delegate_participant.id))
    seq = live_seq(room.id)

    ack = delegate.call("hand_raise")

    assert (ack["ok"], ack["code"]) == (False, "forbidden")
    assert live_seq(room.id) == seq


def test_a_socket_that_never_joined_gets_no_state(room, sockets):
    """A refused socket cannot send events at all; the namespace knows no binding for it."""
    from meetings.live import sockets as live_sockets

    client = sockets.person(room.delegate, room.conference)
    sid = next(iter(live_sockets._bindings))
    binding = live_sockets._bindings.pop(sid)
    try:
        ack = client.call("sync", {"since": None})
    finally:
        live_sockets._bindings[sid] = binding
    assert (ack["ok"], ack["code"]) == (False, "forbidden")


def test_the_site_state_is_kept_on_the_site_row(room, sockets):
    sockets.site(room.site).disconnect()
    site = fresh(Site, room.site.id)
    assert site.last_seen_at is not None and site.last_seen_at <= utcnow()
    assert site.state_since is not None
