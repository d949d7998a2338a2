"""JSON API of comments: list a version's threads, write, reply, retry with an idempotency
key, read, change and delete; who may do it; bad input answered as JSON, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.drafts import circulation
from meetings.drafts.models import Comment
from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer, login
from tests.unit.test_comments import V2, comment_scene, new_version


@pytest.fixture
def cs(db, make):
    cs = comment_scene(make)
    cs.top = make.comment(cs.v1, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến **A**")
    make.comment(cs.v1, cs.drafter, parent=cs.top, body="Trả lời của đơn vị soạn thảo")
    cs.theirs = make.comment(cs.v1, cs.b, anchor=cs.anchor(1, 3), body="Ý kiến B")
    _db.session.commit()
    return cs


def count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(Comment))


def url(cs, number=1) -> str:
    return f"/api/v1/drafts/{cs.draft.id}/versions/{number}/comments"


def one(cs, comment_id) -> str:
    return f"/api/v1/drafts/{cs.draft.id}/comments/{comment_id}"


def test_list_shows_threads_with_replies_as_the_person_may_see_them(client, cs):
    body = client.get(url(cs), headers=bearer(cs.drafter)).get_json()
    assert [c["body"] for c in body] == ["Ý kiến **A**", "Ý kiến B"]  # in paragraph order
    first = body[0]
    assert first["body_html"] == "<p>Ý kiến <strong>A</strong></p>"
    assert first["version"] == 1 and first["anchor"] == cs.anchor(1, 2)
    assert first["unit"]["code"] == cs.unit_a.code and first["author"]["full_name"] == "Đặng Văn Ba"
    assert first["kind"] == "remark" and first["disposition"] is None
    assert first["carried_from"] is None and first["orphaned_in"] is None
    assert [r["body"] for r in first["replies"]] == ["Trả lời của đơn vị soạn thảo"]
    assert first["can_edit"] is False  # not the drafter's comment

    mine = client.get(url(cs), headers=bearer(cs.a)).get_json()
    assert [c["body"] for c in mine] == ["Ý kiến **A**"] and mine[0]["can_edit"] is True


def test_post_a_comment_and_retry_it_safely(client, cs):
    headers = {**bearer(cs.a), "Idempotency-Key": "retry-7"}
    payload = {
        "anchor": cs.anchor(1, 3),
        "kind": "suggestion",
        "quote": "còn chậm",
        "suggested_text": "chưa đạt yêu cầu",
        "body": "Đề nghị sửa",
    }
    first = client.post(url(cs), json=payload, headers=headers)
    again = client.post(url(cs), json=payload, headers=headers)

    assert first.status_code == 201, first.get_json()
    assert again.status_code == 201 and again.get_json()["id"] == first.get_json()["id"]
    assert first.get_json()["kind"] == "suggestion" and first.get_json()["quote"] == "còn chậm"
    assert count() == 4

    field_key = client.post(
        url(cs), json={**payload, "idempotency_key": "field-key"}, headers=bearer(cs.a)
    )
    retried = client.post(
        url(cs), json={**payload, "idempotency_key": "field-key"}, headers=bearer(cs.a)
    )
    assert field_key.get_json()["id"] == retried.get_json()["id"]
    assert count() == 5


def test_reply_through_the_api(client, cs):
    response = client.post(
        url(cs), json={"parent_id": cs.top.id, "body": "Xin bổ sung"}, headers=bearer(cs.organizer)
    )
    assert response.status_code == 201
    reply = response.get_json()
    assert reply["parent_id"] == cs.top.id and reply["anchor"] == cs.top.anchor
    thread = client.get(one(cs, cs.top.id), headers=bearer(cs.a)).get_json()
    assert [r["body"] for r in thread["replies"]][-1] == "Xin bổ sung"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"anchor": "P2", "body": ""}, 422, "body"),
        ({"anchor": "P2"}, 422, "body"),
        ({"anchor": "P2", "kind": "suggestion", "body": "x"}, 422, "suggested_text"),
        ({"anchor": "P2", "kind": "nonsense", "body": "x"}, 422, "kind"),
        ({"anchor": "nope", "body": "x"}, 422, "anchor"),
        ({"anchor": "P2", "body": "x", "quote": "không có"}, 422, "quote"),
        ({"anchor": "P2", "body": 5}, 422, "body"),
        ({"anchor": "P2", "body": "x", "colour": "red"}, 422, "colour"),
        ({"parent_id": 999999, "body": "x"}, 422, "parent_id"),
        ({"parent_id": "FOREIGN", "body": "x"}, 422, "parent_id"),
        ({"anchor": "P2", "body": "x", "idempotency_key": "a b"}, 422, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_as_json_and_nothing_stored(client, cs, make, payload, status, field):
    other = make.draft(cs.conference, cs.drafting_unit, ["Đoạn khác."], title="Khác")
    foreign = make.comment(other.latest, cs.drafter, body="Khác")
    _db.session.commit()
    subst = {"P2": cs.anchor(1, 2), "FOREIGN": foreign.id}
    payload = {k: subst.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = count()

    response = client.post(url(cs), json=payload, headers=bearer(cs.a))

    body = assert_error(response, status, "invalid")
    assert field in body["errors"], body
    assert count() == before


def test_a_paragraph_of_another_version_is_refused(client, cs):
    new_version(cs, V2, [cs.unit_a])
    _db.session.commit()
    v2_only = next(p.anchor for p in cs.version(2).paragraphs if p.text.startswith("Đoạn chèn"))
    before = count()
    response = client.post(url(cs, 1), json={"anchor": v2_only, "body": "x"}, headers=bearer(cs.a))
    assert assert_error(response, 422, "invalid")["errors"]["anchor"]
    assert count() == before


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("drafter", 403, "forbidden"),
        ("organizer", 403, "forbidden"),
        ("c", 404, "not_found"),
        ("outsider", 404, "not_found"),
    ],
)
def test_who_may_not_write_a_top_level_comment(client, cs, who, status, code):
    before = count()
    response = client.post(
        url(cs), json={"anchor": cs.anchor(1, 2), "body": "x"}, headers=bearer(getattr(cs, who))
    )
    assert_error(response, status, code)
    assert count() == before


def test_anonymous_callers_are_refused(client, cs):
    assert_error(client.get(url(cs)), 401, "unauthenticated")
    assert_error(client.post(url(cs), json={"body": "x"}), 401, "unauthenticated")


def test_session_callers_need_the_csrf_header(app, client, cs, monkeypatch):
    login(client, cs.a)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(url(cs), json={"anchor": cs.anchor(1, 2), "body": "x"})
    assert_error(response, 400, "csrf_failed")


@pytest.mark.parametrize(
    ("who", "status"),
    [("a", 200), ("a2", 200), ("drafter", 200), ("organizer", 200), ("b", 404), ("c", 404)],
)
def test_reading_one_comment(client, cs, who, status):
    response = client.get(one(cs, cs.top.id), headers=bearer(getattr(cs, who)))
    assert response.status_code == status


def test_patch_and_delete_ones_own_comment(client, cs):
    headers = bearer(cs.a)
    changed = client.patch(
        one(cs, cs.top.id), json={"body": "Ý kiến đã sửa", "quote": "đồng bộ"}, headers=headers
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["body"] == "Ý kiến đã sửa" and changed.get_json()["id"] == cs.top.id

    assert_error(
        client.patch(one(cs, cs.top.id), json={"body": "x"}, headers=bearer(cs.a2)),
        403,
        "forbidden",
    )
    assert_error(
        client.patch(one(cs, cs.top.id), json={"body": "  "}, headers=headers), 422, "invalid"
    )
    assert_error(client.delete(one(cs, cs.top.id), headers=headers), 409, "invalid_state")

    lone = client.post(
        url(cs), json={"anchor": cs.anchor(1, 4), "body": "Sẽ xóa"}, headers=headers
    ).get_json()
    assert client.delete(one(cs, lone["id"]), headers=headers).status_code == 204
    assert_error(client.get(one(cs, lone["id"]), headers=headers), 404, "not_found")


def test_no_change_after_the_unit_submits(client, cs):
    circulation.answer(actor=cs.a, circulation=cs.v1.circulations[0], answer="comments")
    _db.session.commit()
    body = assert_error(
        client.patch(one(cs, cs.top.id), json={"body": "x"}, headers=bearer(cs.a)),
        409,
        "invalid_state",
    )
    assert "submitted" in body["message"]
    response = client.post(
        url(cs), json={"anchor": cs.anchor(1, 4), "body": "x"}, headers=bearer(cs.a)
    )
    assert_error(response, 409, "invalid_state")


def test_carried_comments_are_listed_on_the_next_version(client, cs):
    new_version(cs, V2, [cs.unit_a, cs.unit_b])
    _db.session.commit()
    body = client.get(url(cs, 2), headers=bearer(cs.drafter)).get_json()
    assert {(c["body"], c["carried_from"]) for c in body} == {("Ý kiến **A**", 1)}
    orphan = client.get(one(cs, cs.theirs.id), headers=bearer(cs.drafter)).get_json()
    assert orphan["orphaned_in"] == 2
