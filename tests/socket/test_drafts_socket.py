"""The /drafts namespace: who may connect, and which sockets hear of which comment.

A page connects with the person's session and ?draft=<id>; the server puts it in the
managers' room or its unit's room. Every committed change to a comment is announced
(ids only) to the managers, the comment's unit, and, when the draft shares comments,
every recipient unit; never after a rolled-back change.
"""

from __future__ import annotations

import pytest
from socketio import packet
from sqlalchemy import select

from meetings.drafts.models import Comment, Draft
from meetings.extensions import db as _db
from meetings.extensions import socketio
from tests.conftest import login
from tests.unit.test_comments import comment_scene

NS = "/drafts"


class DraftSocket:
    def __init__(self, app, raw, label):
        self.app, self.raw, self.label = app, raw, label

    @property
    def connected(self) -> bool:
        return self.raw.is_connected(NS)

    def news(self) -> list[dict]:
        """The "comment" messages received since the last look."""
        return [m["args"][0] for m in self.raw.get_received(NS) if m["name"] == "comment"]

    def __repr__(self) -> str:
        return f"<DraftSocket {self.label}>"


class Factory:
    def __init__(self, app):
        self.app = app
        self.raws = []

    def http(self, user=None):
        client = self.app.test_client()
        if user is not None:
            login(client, user)
        return client

    def connect(self, user, draft_id, *, query=None, auth=None) -> DraftSocket:
        flask_client = self.http(user)
        with self.app.app_context():
            raw = socketio.test_client(
                self.app,
                namespace=NS,
                flask_test_client=flask_client,
                query_string=query if query is not None else f"draft={draft_id}",
                auth=auth,
            )
        self.raws.append(raw)
        return DraftSocket(self.app, raw, getattr(user, "email", "anonymous"))

    def refusal(self, user, draft_id, *, query=None, auth=None) -> dict:
        """Connect, expect a refusal, and return the connect_error's data (the test client
        installs its own packet sender when it is made, so the spy goes on a second try)."""
        sock = self.connect(user, draft_id, query=query, auth=auth)
        assert not sock.connected, "the connection was accepted"
        errors = []
        send = socketio.server._send_packet

        def spy(eio_sid, pkt):
            if pkt.packet_type == packet.CONNECT_ERROR and pkt.namespace == NS:
                errors.append(pkt.data)
            send(eio_sid, pkt)

        socketio.server._send_packet = spy
        try:
            with self.app.app_context():
                sock.raw.connect(
                    namespace=NS,
                    query_string=query if query is not None else f"draft={draft_id}",
                    auth=auth,
                )
        finally:
            socketio.server._send_packet = send
        assert not sock.connected and len(errors) == 1, errors
        return errors[0]

    def close(self):
        for raw in self.raws:
            if raw.is_connected(NS):
                with self.app.app_context():
                    raw.disconnect(NS)
            raw.clients.pop(raw.eio_sid, None)
            socketio.server.environ.pop(raw.eio_sid, None)


@pytest.fixture
def sockets(app, db):
    factory = Factory(app)
    yield factory
    factory.close()
    _db.session.rollback()


@pytest.fixture
def cs(db, make):
    cs = comment_scene(make)
    _db.session.commit()
    return cs


def post_comment(client, cs, anchor, body="Ý kiến mới", **extra):
    return client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments", data={"anchor": anchor, "body": body, **extra}
    )


# --- connecting ----------------------------------------------------------------------------


def test_people_who_see_the_draft_connect(sockets, cs):
    for person in (cs.organizer, cs.drafter, cs.a, cs.b):
        assert sockets.connect(person, cs.draft.id).connected, person


def test_the_draft_may_be_named_in_auth_too(sockets, cs):
    assert sockets.connect(cs.a, None, query="", auth={"draft": cs.draft.id}).connected


@pytest.mark.parametrize(
    ("who", "query", "code"),
    [
        (None, "DRAFT", "unauthenticated"),
        ("c", "DRAFT", "not_found"),  # invited, but the draft was not sent to the unit
        ("outsider", "DRAFT", "not_found"),
        ("a", "draft=999999", "not_found"),
        ("a", "draft=abc", "not_found"),
        ("a", "", "not_found"),
    ],
)
def test_others_are_refused_with_a_reason(sockets, cs, who, query, code):
    user = getattr(cs, who) if who else None
    query = f"draft={cs.draft.id}" if query == "DRAFT" else query
    data = sockets.refusal(user, cs.draft.id, query=query)
    assert data["data"]["code"] == code, data
    assert data["message"]


# --- who hears what ------------------------------------------------------------------------


def test_a_new_comment_reaches_managers_and_its_unit_only(sockets, cs):
    author = sockets.connect(cs.a, cs.draft.id)
    colleague = sockets.connect(cs.a2, cs.draft.id)
    drafter = sockets.connect(cs.drafter, cs.draft.id)
    organizer = sockets.connect(cs.organizer, cs.draft.id)
    other_unit = sockets.connect(cs.b, cs.draft.id)
    for s in (author, colleague, drafter, organizer, other_unit):
        s.news()

    response = post_comment(sockets.http(cs.a), cs, cs.anchor(1, 2))
    assert response.status_code == 302

    expected = {
        "draft_id": cs.draft.id,
        "anchor": cs.anchor(1, 2),
        "version": 1,
        "action": "created",
    }
    for s in (author, colleague, drafter, organizer):
        (news,) = s.news()
        assert {k: news[k] for k in expected} == expected
        assert news["thread_id"] == news["comment_id"]
    assert other_unit.news() == []  # comments_shared is off: unit B hears nothing


def test_with_shared_comments_every_recipient_unit_hears(sockets, cs):
    draft = _db.session.get(Draft, cs.draft.id)
    draft.comments_shared = True
    _db.session.commit()
    other_unit = sockets.connect(cs.b, cs.draft.id)
    drafter = sockets.connect(cs.drafter, cs.draft.id)
    other_unit.news()

    post_comment(sockets.http(cs.a), cs, cs.anchor(1, 3))

    assert [n["action"] for n in other_unit.news()] == ["created"]
    assert len(drafter.news()) == 1


def test_replies_edits_and_deletes_are_announced_on_the_thread(sockets, cs):
    author_http = sockets.http(cs.a)
    post_comment(author_http, cs, cs.anchor(1, 2), body="Gốc")
    author = sockets.connect(cs.a, cs.draft.id)
    other_unit = sockets.connect(cs.b, cs.draft.id)
    _db.session.expire_all()
    thread_id = _db.session.scalar(select(Comment.id))
    author.news()

    sockets.http(cs.drafter).post(
        f"/drafts/{cs.draft.id}/versions/1/comments", data={"parent_id": thread_id, "body": "Đã rõ"}
    )
    (reply,) = author.news()
    assert reply["thread_id"] == thread_id and reply["comment_id"] != thread_id
    assert reply["action"] == "created"

    author_http.post(f"/drafts/{cs.draft.id}/comments/{thread_id}/edit", data={"body": "Sửa"})
    assert [n["action"] for n in author.news()] == ["edited"]
    author_http.post(f"/drafts/{cs.draft.id}/comments/{reply['comment_id']}/delete")
    assert author.news() == []  # the drafter's reply: not the author's to delete
    sockets.http(cs.drafter).post(f"/drafts/{cs.draft.id}/comments/{reply['comment_id']}/delete")
    (gone,) = author.news()
    assert (gone["action"], gone["thread_id"], gone["comment_id"]) == (
        "deleted",
        thread_id,
        reply["comment_id"],
    )
    assert other_unit.news() == []


def test_nothing_is_announced_when_nothing_was_stored(sockets, cs):
    drafter = sockets.connect(cs.drafter, cs.draft.id)
    drafter.news()
    response = post_comment(sockets.http(cs.a), cs, cs.anchor(1, 2), body="   ")
    assert response.status_code == 422
    assert drafter.news() == []


def test_the_api_announces_too(sockets, cs):
    from tests.http.test_api import bearer

    drafter = sockets.connect(cs.drafter, cs.draft.id)
    drafter.news()
    client = sockets.http()
    response = client.post(
        f"/api/v1/drafts/{cs.draft.id}/versions/1/comments",
        json={"anchor": cs.anchor(1, 4), "body": "Qua API"},
        headers=bearer(cs.a),
    )
    assert response.status_code == 201
    assert [n["comment_id"] for n in drafter.news()] == [response.get_json()["id"]]
