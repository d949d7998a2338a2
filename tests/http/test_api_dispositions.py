"""JSON API of dispositions and the comment table: answer, challenge, the table as JSON,
.docx and .xlsx; who may do what; bad input stores nothing."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from meetings.drafts.models import CommentKind
from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer
from tests.http.test_dispositions_pages import stored
from tests.unit.test_dispositions import disposition_scene


@pytest.fixture
def s(db, make):
    s = disposition_scene(make)
    s.remark = make.comment(s.v1, s.reader_a, anchor="p3", body="Đề nghị nêu rõ nguyên nhân chậm.")
    s.offer = make.comment(
        s.v1,
        s.reader_b,
        anchor="p2",
        kind=CommentKind.suggestion,
        quote="12 thủ tục",
        suggested_text="15 thủ tục",
        body="Số liệu **chưa** cập nhật.",
    )
    s.reply = make.comment(s.v1, s.drafter, parent=s.remark, body="Xin trao đổi thêm.")
    db.session.commit()
    return s


def path(s, comment, action="disposition") -> str:
    return f"/api/v1/drafts/{s.draft.id}/comments/{comment.id}/{action}"


def test_the_drafting_unit_answers_and_reads_the_answer(client, s):
    headers = bearer(s.drafter)
    assert_error(client.get(path(s, s.offer), headers=headers), 404, "not_found")

    response = client.put(
        path(s, s.offer),
        json={"decision": "accepted", "reason": "Tiếp thu.", "apply_suggestion": True},
        headers=headers,
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["comment_id"] == s.offer.id
    assert (body["decision"], body["reason"], body["apply_suggestion"]) == (
        "accepted",
        "Tiếp thu.",
        True,
    )
    assert (body["challenged"], body["applied_in_version"]) == (False, None)
    assert body["decided_by_id"] == s.drafter.id
    assert client.get(path(s, s.offer), headers=headers).get_json() == body
    # The comment's unit reads it too
    assert (
        client.get(path(s, s.offer), headers=bearer(s.reader_b)).get_json()["decision"]
        == "accepted"
    )


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("organizer", 403, "forbidden"),
        ("reader_a", 403, "forbidden"),
        ("reader_b", 404, "not_found"),
        ("bystander", 404, "not_found"),
        ("outsider", 404, "not_found"),
    ],
)
def test_only_the_drafting_unit_answers(client, s, who, status, code):
    headers = bearer(getattr(s, who))
    before = stored()

    response = client.put(path(s, s.remark), json={"decision": "accepted"}, headers=headers)

    assert_error(response, status, code)
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "explained"}, "reason"),
        ({"decision": "partly_accepted", "reason": ""}, "reason"),
        ({"decision": "approved", "reason": "Lý do."}, "decision"),
        ({"reason": "Lý do."}, "decision"),
        ({"decision": "accepted", "apply_suggestion": True}, "apply_suggestion"),
        ({"decision": "accepted", "apply_suggestion": "perhaps"}, "apply_suggestion"),
        ({"decision": "explained", "reason": "x" * 5001}, "reason"),
        ({"decision": "accepted", "colour": "red"}, "colour"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(client, s, body, field):
    headers = bearer(s.drafter)
    before = stored()

    response = client.put(path(s, s.remark), json=body, headers=headers)

    error = assert_error(response, 422, "invalid")
    assert field in error["errors"], error
    assert stored() == before


def test_a_reply_or_a_comment_of_another_draft_is_not_answered(client, make, s):
    other = make.draft(s.conference, s.drafting, ["Đoạn khác."], title="Dự thảo khác")
    make.circulation(other.latest, [s.unit_a])
    foreign = make.comment(other.latest, s.reader_a)
    _db.session.commit()
    headers = bearer(s.drafter)
    before = stored()

    on_reply = client.put(path(s, s.reply), json={"decision": "accepted"}, headers=headers)
    on_foreign = client.put(path(s, foreign), json={"decision": "accepted"}, headers=headers)

    assert "comment" in assert_error(on_reply, 422, "invalid")["errors"]
    assert_error(on_foreign, 404, "not_found")
    assert stored() == before


def test_the_comments_unit_challenges_once(client, s):
    client.put(
        path(s, s.remark),
        json={"decision": "explained", "reason": "Đã nêu ở Phụ lục."},
        headers=bearer(s.drafter),
    )
    headers = bearer(s.reader_a)

    empty = client.post(path(s, s.remark, "challenge"), json={}, headers=headers)
    assert "reason" in assert_error(empty, 422, "invalid")["errors"]
    response = client.post(
        path(s, s.remark, "challenge"),
        json={"reason": "Phụ lục không có số liệu."},
        headers=headers,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["disposition"]["challenged"] is True and body["reply_id"] > s.reply.id
    again = client.post(
        path(s, s.remark, "challenge"), json={"reason": "Lần nữa."}, headers=headers
    )
    assert_error(again, 409, "invalid_state")
    by_drafter = client.post(
        path(s, s.remark, "challenge"), json={"reason": "?"}, headers=bearer(s.drafter)
    )
    assert_error(by_drafter, 403, "forbidden")


def test_the_table_as_json(client, s):
    client.put(
        path(s, s.offer),
        json={"decision": "accepted", "reason": "Tiếp thu.", "apply_suggestion": True},
        headers=bearer(s.drafter),
    )

    response = client.get(f"/api/v1/drafts/{s.draft.id}/table", headers=bearer(s.organizer))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["draft_id"], body["version"], body["decision"], body["unit_id"]) == (
        s.draft.id,
        1,
        None,
        None,
    )
    assert body["drafting_unit"]["code"] == "TCCB"
    assert body["counts"]["total"] == 2 and body["counts"]["pending"] == 1
    assert [(p["position"], [c["number"] for c in p["comments"]]) for p in body["paragraphs"]] == [
        (2, [1]),
        (3, [2]),
    ]
    first = body["paragraphs"][0]["comments"][0]
    assert first["comment_id"] == s.offer.id
    assert first["unit"]["code"] == "VPĐD-CT"
    assert (first["kind"], first["quote"], first["suggested_text"]) == (
        "suggestion",
        "12 thủ tục",
        "15 thủ tục",
    )
    assert first["body"] == "Số liệu **chưa** cập nhật."
    assert first["disposition"]["decision"] == "accepted" and first["state"] == "accepted"
    assert body["paragraphs"][1]["comments"][0]["disposition"] is None


def test_the_table_shows_a_unit_only_its_own_comments(client, s):
    response = client.get(f"/api/v1/drafts/{s.draft.id}/table", headers=bearer(s.reader_a))

    ids = [c["comment_id"] for p in response.get_json()["paragraphs"] for c in p["comments"]]
    assert ids == [s.remark.id]
    outsider = client.get(f"/api/v1/drafts/{s.draft.id}/table", headers=bearer(s.outsider))
    assert_error(outsider, 404, "not_found")


def test_the_table_filters_and_their_errors(client, s):
    headers = bearer(s.drafter)
    base = f"/api/v1/drafts/{s.draft.id}/table"

    of_b = client.get(f"{base}?unit_id={s.unit_b.id}", headers=headers).get_json()
    pending = client.get(f"{base}?decision=pending&version=1", headers=headers).get_json()

    assert [c["comment_id"] for p in of_b["paragraphs"] for c in p["comments"]] == [s.offer.id]
    assert pending["decision"] == "pending" and len(pending["paragraphs"]) == 2
    assert (
        "decision"
        in assert_error(client.get(f"{base}?decision=approved", headers=headers), 422, "invalid")[
            "errors"
        ]
    )
    assert_error(client.get(f"{base}?version=7", headers=headers), 404, "not_found")


def test_the_table_downloads(client, s):
    headers = bearer(s.drafter)

    word = client.get(f"/api/v1/drafts/{s.draft.id}/table.docx?lang=vi", headers=headers)
    excel = client.get(f"/api/v1/drafts/{s.draft.id}/table.xlsx?lang=vi", headers=headers)

    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    rows = docx.Document(io.BytesIO(word.data)).tables[0].rows
    assert rows[1].cells[2].text == "Văn phòng đại diện tại Cần Thơ"
    assert "Số liệu chưa cập nhật." in rows[1].cells[3].text
    assert excel.status_code == 200 and excel.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(excel.data)).active
    assert sheet["C9"].value == "Văn phòng đại diện tại TP. Hồ Chí Minh"
    assert sheet["D9"].value == "Đề nghị nêu rõ nguyên nhân chậm."
    assert_error(client.get(f"/api/v1/drafts/{s.draft.id}/table.docx"), 401, "unauthenticated")
