"""The adoption vote over the /live namespace: a site answers and the room sees the tally;
who may open, count and close; bad payloads; a reconnecting client gets the vote."""

from __future__ import annotations

import pytest

from meetings.db import unit_of_work
from meetings.drafts.models import AdoptionVote, Ballot
from tests.socket.conftest import count, fresh


@pytest.fixture
def draft(room, make):
    with unit_of_work():
        draft = make.draft(room.conference, room.secretary.unit, agenda_item_id=room.items[1].id)
        make.comment(draft.latest, room.delegate, anchor="p2")
        return draft.id


def last_vote(client) -> dict:
    events = client.events("vote")
    assert events, "no vote event"
    return events[-1]["data"]["vote"]


def test_a_site_answers_and_the_room_receives_the_tally(room, draft, sockets):
    chair = sockets.person(room.chair, room.conference)
    delegate = sockets.person(room.delegate, room.conference)
    site = sockets.site(room.site)

    opened = chair.call("vote_open", {"draft_id": draft})
    assert opened["ok"] is True, opened
    vote_id = opened["data"]["vote_id"]
    announced = last_vote(delegate)
    assert (announced["id"], announced["status"], announced["draft_id"]) == (
        vote_id,
        "open",
        draft,
    )

    ack = site.call("vote_cast", {"vote_id": vote_id, "answer": "agree_with_comments"})
    assert ack == {"ok": True, "data": {"vote_id": vote_id, "answer": "agree_with_comments"}}

    for client in (chair, delegate, site):
        tally = last_vote(client)
        assert tally["units"]["agree_with_comments"] == 1, client
        assert tally["ballots"] == [
            {
                "unit_id": room.site.unit_id,
                "unit": room.site.unit.code,
                "name": room.site.unit.name_vi,
                "answer": "agree_with_comments",
                "from": "site",
            }
        ]
    assert count(Ballot, vote_id=vote_id) == 1

    closed = chair.call("vote_close", {"vote_id": vote_id})
    assert closed["ok"] is True and closed["data"]["vote_id"] == vote_id
    result = delegate.events("vote")[-1]["data"]
    assert result["vote"]["status"] == "closed"
    # Chair, delegate and the site are three units present of six invited: no quorum.
    assert (result["vote"]["present_units"], result["vote"]["quorum"]) == (3, 4)
    assert result["vote"]["adopted"] is False
    assert result["drafts"][0]["result"]["vote_id"] == vote_id


def test_a_delegate_cannot_open_a_vote(room, draft, sockets):
    delegate = sockets.person(room.delegate, room.conference)
    chair = sockets.person(room.chair, room.conference)
    chair.events()

    ack = delegate.call("vote_open", {"draft_id": draft})

    assert ack["ok"] is False and ack["code"] == "forbidden" and ack["message"]
    assert count(AdoptionVote) == 0
    assert chair.events("vote") == []


@pytest.mark.parametrize(
    ("who", "event", "payload", "code"),
    [
        ("delegate", "vote_close", "vote", "forbidden"),
        ("delegate", "vote_hand_count", "counts", "forbidden"),
        ("site", "vote_close", "vote", "forbidden"),
        ("chair", "vote_open", "draft", "conflict"),  # one open vote at a time
        ("chair", "vote_cast", {"answer": "maybe"}, "invalid"),
        ("chair", "vote_cast", {"answer": "agree", "vote_id": "1"}, "invalid"),
        ("secretary", "vote_hand_count", {"agree": -1}, "invalid"),
        ("secretary", "vote_hand_count", {"agree": 50}, "invalid"),  # more than the room
        ("chair", "vote_close", {"vote_id": 999_999}, "not_found"),
        ("chair", "vote_open", {"draft_id": 999_999}, "not_found"),
        ("chair", "vote_open", {"draft_id": 1, "extra": 1}, "invalid"),
    ],
)
def test_refusals_are_acknowledged_and_store_nothing(
    room, draft, sockets, who, event, payload, code
):
    chair = sockets.person(room.chair, room.conference)
    vote_id = chair.call("vote_open", {"draft_id": draft})["data"]["vote_id"]
    client = (
        sockets.site(room.site)
        if who == "site"
        else sockets.person(room.user(who), room.conference)
    )
    base = {
        "vote": {"vote_id": vote_id},
        "draft": {"draft_id": draft},
        "counts": {"vote_id": vote_id, "agree": 1, "agree_with_comments": 0, "disagree": 0},
    }
    if isinstance(payload, str):
        payload = base[payload]
    elif event == "vote_hand_count":
        payload = {**base["counts"], **payload}
    elif event == "vote_cast":
        payload = {"vote_id": vote_id, **payload}

    ack = client.call(event, payload)

    assert ack["ok"] is False and ack["code"] == code, ack
    assert ack["message"]
    vote = fresh(AdoptionVote, vote_id)
    assert vote.closed_at is None and vote.room_agree is None
    assert count(AdoptionVote) == 1 and count(Ballot) == 0


def test_the_secretary_counts_the_room_and_the_chair_closes(room, draft, sockets):
    chair = sockets.person(room.chair, room.conference)
    secretary = sockets.person(room.secretary, room.conference)
    vote_id = chair.call("vote_open", {"draft_id": draft})["data"]["vote_id"]

    ack = secretary.call(
        "vote_hand_count",
        {"vote_id": vote_id, "agree": 2, "agree_with_comments": 1, "disagree": 0},
    )

    assert ack == {"ok": True, "data": {"vote_id": vote_id}}
    assert last_vote(chair)["room"] == {"agree": 2, "agree_with_comments": 1, "disagree": 0}
    assert chair.call("vote_close", {"vote_id": vote_id})["ok"] is True
    again = chair.call("vote_close", {"vote_id": vote_id})
    assert again["ok"] is False and again["code"] == "invalid_state"


def test_a_unit_joining_during_the_vote_updates_the_present_count(room, draft, sockets):
    chair = sockets.person(room.chair, room.conference)
    vote_id = chair.call("vote_open", {"draft_id": draft})["data"]["vote_id"]
    assert last_vote(chair)["present_units"] == 1  # the chair's unit

    site = sockets.site(room.site)
    assert last_vote(chair)["present_units"] == 2
    site.disconnect()
    assert last_vote(chair)["present_units"] == 1
    assert fresh(AdoptionVote, vote_id).present_units == 1


def test_a_reconnecting_client_gets_the_vote_in_its_snapshot(room, draft, sockets):
    chair = sockets.person(room.chair, room.conference)
    site = sockets.site(room.site)
    vote_id = chair.call("vote_open", {"draft_id": draft})["data"]["vote_id"]
    site.call("vote_cast", {"vote_id": vote_id, "answer": "agree"})

    snapshot = site.call("sync", {"since": None})["data"]["snapshot"]

    adoption = snapshot["adoption"]
    assert adoption["vote"]["id"] == vote_id and adoption["vote"]["units"]["agree"] == 1
    assert adoption["me"]["unit_id"] == room.site.unit_id
    [panel] = adoption["drafts"]
    assert (panel["id"], panel["item_id"], panel["contested"]) == (draft, room.items[1].id, 1)
    assert panel["points"][0]["n"] == 2
    # Missed events are replayed from the log like any other.
    seq = snapshot["seq"]
    chair.call("vote_close", {"vote_id": vote_id})
    replay = site.call("sync", {"since": seq})["data"]
    assert [e["type"] for e in replay["events"]] == ["vote"]
    assert replay["events"][0]["data"]["vote"]["status"] == "closed"
