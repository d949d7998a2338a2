"""Disposition forms, the comment table page and its downloads, and the "New version" form
pre-filled with accepted suggestions, through the test client."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.drafts.models import Comment, CommentKind, Decision, Disposition
from meetings.extensions import db as _db
from tests.unit.test_dispositions import PARAGRAPHS, DScene, disposition_scene


def stored() -> tuple:
    """A fingerprint of what these pages can change: equal before and after = nothing stored."""
    _db.session.expire_all()
    answers = _db.session.execute(
        select(
            Disposition.comment_id,
            Disposition.decision,
            Disposition.reason,
            Disposition.apply_suggestion,
            Disposition.challenged,
        ).order_by(Disposition.id)
    ).all()
    comments = _db.session.scalar(select(func.count()).select_from(Comment))
    audit = _db.session.scalar(select(func.count()).select_from(AuditEntry))
    return tuple(answers), comments, audit


@pytest.fixture
def s(db, make) -> DScene:
    s = disposition_scene(make)
    s.remark = make.comment(s.v1, s.reader_a, anchor="p3", body="Đề nghị nêu rõ nguyên nhân chậm.")
    s.offer = make.comment(
        s.v1,
        s.reader_b,
        anchor="p2",
        kind=CommentKind.suggestion,
        quote="12 thủ tục",
        suggested_text="15 thủ tục",
        body="Số liệu chưa cập nhật.",
    )
    s.reply = make.comment(s.v1, s.drafter, parent=s.remark, body="Xin trao đổi thêm.")
    db.session.commit()
    return s


def url(s, comment, action="disposition") -> str:
    return f"/drafts/{s.draft.id}/comments/{comment.id}/{action}"


# --- answering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("drafter", 303),
        ("organizer", 403),  # sees every comment, but only the drafting unit answers
        ("reader_a", 403),  # the comment's own unit
        ("reader_b", 404),  # another unit: comments not shared
        ("bystander", 404),  # invited, the draft was not sent to its unit
        ("outsider", 404),
    ],
)
def test_only_the_drafting_unit_answers(client, login_as, s, who, status):
    login_as(getattr(s, who))
    before = stored()

    response = client.post(url(s, s.remark), data={"decision": "accepted", "reason": "Tiếp thu."})

    assert response.status_code == status
    if status == 303:
        assert response.headers["Location"].endswith(
            f"/drafts/{s.draft.id}?version=1#t{s.remark.id}"
        )
        answer = _db.session.scalars(select(Disposition)).one()
        assert (answer.comment_id, answer.decision, answer.reason) == (
            s.remark.id,
            Decision.accepted,
            "Tiếp thu.",
        )
    else:
        assert stored() == before


def test_an_answer_returns_to_the_page_it_was_given_on(client, login_as, s):
    login_as(s.drafter)

    to_draft = client.post(url(s, s.remark), data={"decision": "accepted", "version": "1"})
    to_table = client.post(
        url(s, s.offer),
        data={
            "decision": "explained",
            "reason": "Giữ nguyên.",
            "return_to": "table",
            "version": "1",
        },
    )

    assert to_draft.headers["Location"].endswith(f"/drafts/{s.draft.id}?version=1#t{s.remark.id}")
    assert to_table.headers["Location"].endswith(
        f"/drafts/{s.draft.id}/table?version=1#c{s.offer.id}"
    )
    page = client.get(to_table.headers["Location"]).get_data(as_text=True)
    assert f"The answer to comment #{s.offer.id} was saved." in page


def test_a_carried_comment_answered_on_a_later_version_goes_back_to_its_own(client, login_as, s):
    from meetings.drafts import services

    services.save_version(
        actor=s.drafter,
        draft=s.draft,
        conference=s.conference,
        text_value="\n\n".join(PARAGRAPHS) + "\n\nĐoạn mới.",
    )
    _db.session.commit()
    login_as(s.drafter)
    assert f'id="t{s.remark.id}"' in client.get(f"/drafts/{s.draft.id}?version=2").get_data(
        as_text=True
    )  # carried from version 1

    response = client.post(
        url(s, s.remark), data={"decision": "accepted", "reason": "Tiếp thu.", "version": "2"}
    )

    assert response.headers["Location"].endswith(f"/drafts/{s.draft.id}?version=1#t{s.remark.id}")
    assert f'id="t{s.remark.id}"' not in client.get(f"/drafts/{s.draft.id}?version=2").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "explained", "reason": " "}, "reason", "needs one"),
        ({"decision": "partly_accepted"}, "reason", "needs one"),
        ({"decision": "approved", "reason": "Lý do."}, "decision", "Unknown answer"),
        ({"reason": "Lý do."}, "decision", "Choose the answer"),
        ({"decision": "explained", "reason": "x" * 5001}, "reason", "At most 5000"),
    ],
)
def test_bad_answers_show_the_form_again_and_store_nothing(
    client, login_as, s, data, field, message
):
    login_as(s.drafter)
    before = stored()

    response = client.post(url(s, s.remark), data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Nothing was saved." in page
    assert 'data-testid="dispose-form"' in page
    assert stored() == before


def test_applying_the_text_of_a_remark_is_refused(client, login_as, s):
    login_as(s.drafter)
    before = stored()

    response = client.post(url(s, s.remark), data={"decision": "accepted", "apply_suggestion": "1"})

    assert response.status_code == 422
    assert "suggests no text" in response.get_data(as_text=True)
    assert stored() == before


def test_a_reply_is_not_answered_and_nothing_is_stored(client, login_as, s):
    login_as(s.drafter)
    before = stored()

    response = client.post(url(s, s.reply), data={"decision": "accepted", "reason": "Tiếp thu."})

    assert response.status_code == 422
    assert "answer the comment it replies to" in response.get_data(as_text=True)
    assert stored() == before


def test_a_comment_of_another_draft_is_not_found(client, login_as, make, s):
    other = make.draft(s.conference, s.drafting, ["Đoạn khác."], title="Dự thảo khác")
    make.circulation(other.latest, [s.unit_a])
    foreign = make.comment(other.latest, s.reader_a)
    _db.session.commit()
    login_as(s.drafter)
    before = stored()

    response = client.post(url(s, foreign), data={"decision": "accepted"})
    missing = client.post(
        f"/drafts/{s.draft.id}/comments/999999/disposition", data={"decision": "accepted"}
    )

    assert (response.status_code, missing.status_code) == (404, 404)
    assert stored() == before


def test_the_form_page_shows_the_comment_and_its_paragraph(client, login_as, s):
    login_as(s.drafter)

    page = client.get(url(s, s.offer)).get_data(as_text=True)

    assert "Representative office in Can Tho" in page  # in the reader's language (English)
    assert "rà soát 12 thủ tục hành chính" in page  # the paragraph as it was
    assert "“12 thủ tục”" in page and "15 thủ tục" in page
    assert 'name="apply_suggestion"' in page  # a suggestion can be written into the draft


# --- challenging ---------------------------------------------------------------------------------


def test_the_comments_unit_challenges_an_explained_answer(client, login_as, s):
    login_as(s.drafter)
    client.post(url(s, s.remark), data={"decision": "explained", "reason": "Đã nêu ở Phụ lục."})
    login_as(s.reader_b)
    assert (
        client.post(url(s, s.remark, "challenge"), data={"reason": "Không đồng ý."}).status_code
        == 404
    )
    login_as(s.reader_a)
    page = client.get(f"/drafts/{s.draft.id}").get_data(as_text=True)
    assert page.count('data-testid="challenge-form"') == 1
    empty = client.post(url(s, s.remark, "challenge"), data={"reason": ""})
    assert empty.status_code == 422
    assert "does not agree" in empty.get_data(as_text=True)

    response = client.post(
        url(s, s.remark, "challenge"),
        data={"reason": "Phụ lục không có số liệu quý II.", "version": "1"},
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/drafts/{s.draft.id}?version=1#t{s.remark.id}")
    _db.session.expire_all()
    answer = _db.session.scalars(select(Disposition)).one()
    assert answer.challenged
    objection = _db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert (objection.parent_id, objection.body) == (
        s.remark.id,
        "Phụ lục không có số liệu quý II.",
    )
    again = client.post(url(s, s.remark, "challenge"), data={"reason": "Lần nữa."})
    assert again.status_code == 409


# --- the table page and its downloads -------------------------------------------------------------


@pytest.fixture
def answered(client, login_as, s):
    login_as(s.drafter)
    client.post(
        url(s, s.offer),
        data={"decision": "accepted", "reason": "Tiếp thu.", "apply_suggestion": "1"},
    )
    return s


@pytest.mark.parametrize(
    ("who", "status", "units"),
    [
        ("drafter", 200, 2),
        ("organizer", 200, 2),
        ("reader_a", 200, 1),
        ("reader_b", 200, 1),
        ("bystander", 404, 0),
        ("outsider", 404, 0),
    ],
)
@pytest.mark.parametrize("suffix", ["", ".docx", ".xlsx"])
def test_who_sees_the_table_and_its_downloads(
    client, login_as, answered, who, status, units, suffix
):
    s = answered
    login_as(getattr(s, who))

    response = client.get(f"/drafts/{s.draft.id}/table{suffix}")

    assert response.status_code == status
    if status != 200:
        return
    if suffix == "":
        page = response.get_data(as_text=True)
        assert page.count('data-testid="row"') == units
    elif suffix == ".docx":
        document = docx.Document(io.BytesIO(response.data))
        assert len(document.tables[0].rows) == 1 + units
        assert response.mimetype.endswith("wordprocessingml.document")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet.max_row == 7 + units
        assert response.mimetype.endswith("spreadsheetml.sheet")


def test_the_table_page_for_the_drafting_unit(client, login_as, answered):
    s = answered
    login_as(s.drafter)

    response = client.get(f"/drafts/{s.draft.id}/table")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Consolidated table of comments" in page
    assert "Đề nghị nêu rõ nguyên nhân chậm." in page and "Số liệu chưa cập nhật." in page
    assert page.index(f'id="c{s.offer.id}"') < page.index(
        f'id="c{s.remark.id}"'
    )  # paragraph 2 first
    assert f'href="/drafts/{s.draft.id}/table.docx?version=1"' in page
    assert f'href="/drafts/{s.draft.id}/table.xlsx?version=1"' in page
    # The drafting unit answers from the table; the forms come back here
    assert page.count('data-testid="dispose-form"') == 2
    assert 'name="return_to" value="table"' in page
    assert re.search(r'data-testid="count-pending">.*?<div class="fs-4[^>]*>1</div>', page, re.S)


def test_the_draft_page_links_to_the_table_and_shows_the_answers(client, login_as, answered):
    s = answered
    login_as(s.reader_b)

    page = client.get(f"/drafts/{s.draft.id}").get_data(as_text=True)

    assert f'href="/drafts/{s.draft.id}/table?version=1"' in page
    assert f'data-disposition-of="{s.offer.id}" data-decision="accepted"' in page
    assert 'data-testid="dispose-form"' not in page  # only the drafting unit answers
    login_as(s.drafter)
    page = client.get(f"/drafts/{s.draft.id}").get_data(as_text=True)
    assert page.count('data-testid="dispose-form"') == 2


def test_the_table_page_filters(client, login_as, answered):
    s = answered
    login_as(s.drafter)

    pending = client.get(f"/drafts/{s.draft.id}/table?decision=pending").get_data(as_text=True)
    of_b = client.get(f"/drafts/{s.draft.id}/table?unit={s.unit_b.id}").get_data(as_text=True)
    nothing = client.get(f"/drafts/{s.draft.id}/table?decision=contested").get_data(as_text=True)
    bad = client.get(f"/drafts/{s.draft.id}/table?decision=approved")
    docx_of_b = client.get(f"/drafts/{s.draft.id}/table.docx?unit={s.unit_b.id}")

    assert f'id="c{s.remark.id}"' in pending and f'id="c{s.offer.id}"' not in pending
    assert f'id="c{s.offer.id}"' in of_b and f'id="c{s.remark.id}"' not in of_b
    assert "No comment matches these filters." in nothing
    assert bad.status_code == 422
    assert "Unknown filter" in bad.get_data(as_text=True)
    rows = docx.Document(io.BytesIO(docx_of_b.data)).tables[0].rows
    assert len(rows) == 2 and "Số liệu chưa cập nhật." in rows[1].cells[3].text


def test_the_downloads_carry_a_readable_file_name(client, login_as, answered):
    s = answered
    login_as(s.drafter)

    response = client.get(f"/drafts/{s.draft.id}/table.xlsx?version=1")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Comment table - Báo cáo sơ kết công tác cải cách hành chính - v1.xlsx" in unquote(
        disposition
    )
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_table_of_an_unknown_version_is_not_found(client, login_as, answered):
    login_as(answered.drafter)
    assert client.get(f"/drafts/{answered.draft.id}/table?version=9").status_code == 404
    assert client.get(f"/drafts/{answered.draft.id}/table.docx?version=x").status_code == 404


# --- the "New version" form -----------------------------------------------------------------------


def test_the_new_version_form_offers_the_accepted_suggestions(client, login_as, answered):
    s = answered
    login_as(s.drafter)

    page = client.get(f"/drafts/{s.draft.id}/versions/new").get_data(as_text=True)
    plain = client.get(f"/drafts/{s.draft.id}/versions/new?suggestions=0").get_data(as_text=True)

    assert 'data-testid="applied-suggestions"' in page
    assert "1 accepted suggestion is written into the text below" in page
    assert f'data-comment="{s.offer.id}"' in page
    assert "rà soát 15 thủ tục hành chính" in page and "rà soát 12 thủ tục hành chính" not in page
    assert "rà soát 12 thủ tục hành chính" in plain
    assert "1 accepted suggestion is not written into the text below" in plain


def test_saving_the_new_version_marks_the_suggestion_applied(client, login_as, answered):
    s = answered
    login_as(s.drafter)
    page = client.get(f"/drafts/{s.draft.id}/versions/new").get_data(as_text=True)
    text = re.search(r"<textarea[^>]*name=\"text\"[^>]*>(.*?)</textarea>", page, re.S).group(1)
    response = client.post(
        f"/drafts/{s.draft.id}/versions/new",
        data={"text": html.unescape(text).lstrip("\n"), "note": "Tiếp thu ý kiến"},
    )

    assert response.status_code == 302
    _db.session.expire_all()
    answer = _db.session.scalars(select(Disposition)).one()
    assert answer.applied_in_id is not None
    after = client.get(f"/drafts/{s.draft.id}/versions/new").get_data(as_text=True)
    assert 'data-testid="applied-suggestions"' not in after
    table_page = client.get(f"/drafts/{s.draft.id}/table?version=1").get_data(as_text=True)
    assert "Written into version 2" in table_page
