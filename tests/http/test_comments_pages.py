"""Comments on the draft page through the test client: who may do what (a table), the forms
that work without JavaScript, bad input (a clear message, the form kept, nothing stored),
the fragment the page's script fetches, the settings page, and badges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.drafts import services
from meetings.drafts.models import Comment, Draft
from meetings.extensions import db as _db
from tests.unit.test_comments import PARAGRAPHS, V2, comment_scene, new_version

SCRIPT = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.fixture
def cs(db, make):
    cs = comment_scene(make)
    cs.top = make.comment(cs.v1, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến của **Vụ ĐP III**")
    _db.session.commit()
    return cs


def comment_count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(Comment))


def person(cs, name):
    return {
        "organizer": cs.organizer,
        "drafter": cs.drafter,
        "author": cs.a,
        "colleague": cs.a2,
        "other_unit": cs.b,
        "not_sent": cs.c,
        "outsider": cs.outsider,
    }[name]


PEOPLE = ("organizer", "drafter", "author", "colleague", "other_unit", "not_sent", "outsider")


def _comment(cs):
    return (
        f"/drafts/{cs.draft.id}/versions/1/comments",
        {"anchor": cs.anchor(1, 3), "body": "Ý kiến mới"},
    )


def _reply(cs):
    return (
        f"/drafts/{cs.draft.id}/versions/1/comments",
        {"parent_id": cs.top.id, "body": "Trả lời"},
    )


def _edit(cs):
    return (f"/drafts/{cs.draft.id}/comments/{cs.top.id}/edit", {"body": "Đã sửa"})


def _delete(cs):
    return (f"/drafts/{cs.draft.id}/comments/{cs.top.id}/delete", {})


def _settings(cs):
    return (
        f"/drafts/{cs.draft.id}/settings",
        {"title": "Tên mới", "agenda_item_id": "", "comments_shared": "1"},
    )


ACTIONS = {
    "comment": _comment,
    "reply": _reply,
    "edit": _edit,
    "delete": _delete,
    "settings": _settings,
}
# organizer, drafter, author (unit A), colleague (unit A), other_unit (B, not shared),
# not_sent (C, invited, not a recipient), outsider
EXPECTED_POST = {
    "comment": (403, 403, 302, 302, 302, 404, 404),
    "reply": (302, 302, 302, 302, 422, 404, 404),
    "edit": (403, 403, 302, 403, 404, 404, 404),
    "delete": (403, 403, 302, 403, 404, 404, 404),
    "settings": (302, 302, 403, 403, 403, 404, 404),
}
EXPECTED_GET = {
    "thread": (200, 200, 200, 200, 404, 404, 404),
    "thread_form": (200, 200, 200, 200, 404, 404, 404),
    "settings": (200, 200, 403, 403, 403, 404, 404),
}
GETS = {
    "thread": lambda cs: f"/drafts/{cs.draft.id}/threads/{cs.top.id}",
    "thread_form": lambda cs: (
        f"/drafts/{cs.draft.id}/threads/{cs.top.id}?version=1&reply={cs.top.id}"
    ),
    "settings": lambda cs: f"/drafts/{cs.draft.id}/settings",
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", PEOPLE)
def test_post_permission_table(client, login_as, cs, action, who):
    login_as(person(cs, who))
    url, data = ACTIONS[action](cs)
    before = comment_count()

    response = client.post(url, data=data)

    assert response.status_code == EXPECTED_POST[action][PEOPLE.index(who)], (
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    if response.status_code != 302 and action in ("comment", "reply", "delete"):
        assert comment_count() == before


@pytest.mark.parametrize("page", list(GETS))
@pytest.mark.parametrize("who", PEOPLE)
def test_get_permission_table(client, login_as, cs, page, who):
    login_as(person(cs, who))
    response = client.get(GETS[page](cs))
    assert response.status_code == EXPECTED_GET[page][PEOPLE.index(who)]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_anonymous_is_sent_to_login(client, cs, action):
    url, data = ACTIONS[action](cs)
    response = client.post(url, data=data)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the forms without JavaScript ---------------------------------------------------------------


def test_comment_form_opens_from_a_link_and_posts_back_to_the_paragraph(client, login_as, cs):
    login_as(cs.a)
    anchor = cs.anchor(1, 3)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    link = f"/drafts/{cs.draft.id}?version=1&amp;comment={anchor}#{anchor}"
    assert link in page
    assert page.count('data-testid="comment-button"') == len(PARAGRAPHS)

    form_page = client.get(f"/drafts/{cs.draft.id}?version=1&comment={anchor}").get_data(
        as_text=True
    )
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form_page).group(1)
    data = {
        "anchor": anchor,
        "kind": "suggestion",
        "quote": "còn chậm",
        "body": "Đề nghị sửa.",
        "suggested_text": "chưa đạt yêu cầu",
        "idempotency_key": key,
    }
    response = client.post(f"/drafts/{cs.draft.id}/versions/1/comments", data=data)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/drafts/{cs.draft.id}?version=1#{anchor}")
    again = client.post(f"/drafts/{cs.draft.id}/versions/1/comments", data=data)  # resubmitted
    assert again.status_code == 302
    assert comment_count() == 2  # the fixture's and this one, once
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert "còn chậm" in page and "chưa đạt yêu cầu" in page
    assert "Suggestion" in page


def test_reply_and_edit_forms_open_from_links(client, login_as, cs):
    login_as(cs.a)
    base = f"/drafts/{cs.draft.id}"
    page = client.get(base).get_data(as_text=True)
    assert f"{base}?version=1&amp;reply={cs.top.id}#t{cs.top.id}" in page
    assert f"{base}?version=1&amp;edit={cs.top.id}#t{cs.top.id}" in page

    reply_page = client.get(f"{base}?version=1&reply={cs.top.id}").get_data(as_text=True)
    assert 'data-testid="reply-form"' in reply_page
    edit_page = client.get(f"{base}?version=1&edit={cs.top.id}").get_data(as_text=True)
    assert 'data-testid="edit-form"' in edit_page
    assert "Ý kiến của **Vụ ĐP III**</textarea>" in edit_page  # the Markdown source

    response = client.post(
        f"{base}/versions/1/comments", data={"parent_id": cs.top.id, "body": "Bổ sung thêm"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"#{cs.top.anchor}"
    )
    response = client.post(
        f"{base}/comments/{cs.top.id}/edit", data={"body": "Ý kiến đã sửa", "page_version": "1"}
    )
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Bổ sung thêm" in page and "Ý kiến đã sửa" in page


def test_markdown_in_comments_is_rendered_and_sanitized(client, login_as, cs, make):
    make.comment(cs.v1, cs.a, body="<script>alert('x')</script> [link](javascript:alert(1))")
    _db.session.commit()
    login_as(cs.a)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert "<strong>Vụ ĐP III</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert" in page


# --- bad input: a message, the form kept, nothing stored -------------------------------------------


def test_an_empty_comment_shows_the_form_again_with_a_message(client, login_as, cs):
    login_as(cs.a)
    anchor = cs.anchor(1, 3)
    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"anchor": anchor, "body": "  ", "quote": "còn chậm", "idempotency_key": "k-empty"},
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write your comment: it is empty." in page
    assert "Nothing was saved." in page
    assert 'value="còn chậm"' in page and 'value="k-empty"' in page  # what was typed stays
    assert comment_count() == 1


def test_a_comment_on_a_paragraph_of_another_version_is_refused(client, login_as, cs):
    new_version(cs, [*PARAGRAPHS, "Đoạn mới của phiên bản 2."], [cs.unit_a])
    _db.session.commit()
    login_as(cs.a)
    v2_anchor = cs.anchor(2, 6)

    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments", data={"anchor": v2_anchor, "body": "Ý kiến"}
    )

    assert response.status_code == 422
    assert "not part of this version" in response.get_data(as_text=True)
    assert comment_count() == 1


def test_a_reply_to_a_comment_of_another_draft_is_refused(client, login_as, cs, make):
    other = make.draft(cs.conference, cs.drafting_unit, ["Đoạn khác."], title="Dự thảo khác")
    make.circulation(other.latest, [cs.unit_a])
    foreign = make.comment(other.latest, cs.a, body="Trên dự thảo khác")
    _db.session.commit()
    login_as(cs.drafter)

    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"parent_id": foreign.id, "body": "Trả lời nhầm"},
    )

    assert response.status_code == 422
    assert "reply to a comment of this draft" in response.get_data(as_text=True)
    assert comment_count() == 2


def test_bad_input_from_the_script_is_answered_in_json(client, login_as, cs):
    login_as(cs.a)
    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"anchor": cs.anchor(1, 3), "body": ""},
        headers=SCRIPT,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["body"] == ["Write your comment: it is empty."]
    assert comment_count() == 1


def test_a_bad_edit_keeps_what_was_typed(client, login_as, cs):
    login_as(cs.a)
    response = client.post(
        f"/drafts/{cs.draft.id}/comments/{cs.top.id}/edit",
        data={"body": "Sửa", "kind": "suggestion", "suggested_text": "", "page_version": "1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the text you suggest" in page and 'data-testid="edit-form"' in page
    _db.session.expire_all()
    assert _db.session.get(Comment, cs.top.id).body == "Ý kiến của **Vụ ĐP III**"


def test_a_locked_comment_cannot_be_deleted_and_says_why(client, login_as, cs, make):
    make.disposition(cs.top, "explained", "Đã có quy định.")
    _db.session.commit()
    login_as(cs.a)
    response = client.post(
        f"/drafts/{cs.draft.id}/comments/{cs.top.id}/delete",
        data={"page_version": "1"},
        follow_redirects=True,
    )
    assert "has answered this comment" in response.get_data(as_text=True)
    assert comment_count() == 1


def test_after_the_deadline_the_page_says_so_and_posting_is_refused(client, login_as, db, make):
    past = datetime.now(UTC) - timedelta(hours=1)
    cs = comment_scene(make, deadline=past)
    _db.session.commit()
    login_as(cs.a)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert 'data-testid="comment-button"' not in page
    assert "deadline for comments has passed" in page

    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"anchor": cs.anchor(1, 2), "body": "Trễ"},
    )
    assert response.status_code == 409
    assert comment_count() == 0


def test_late_comments_are_marked_late(client, login_as, db, make):
    cs = comment_scene(make, deadline=datetime.now(UTC) - timedelta(hours=1), allow_late=True)
    _db.session.commit()
    login_as(cs.a)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert "passed: comments are marked late" in page
    client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"anchor": cs.anchor(1, 2), "body": "Trễ"},
    )
    login_as(cs.drafter)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert 'data-testid="late-badge"' in page


# --- with the script: fragments ---------------------------------------------------------------------


def test_the_script_gets_the_rendered_thread_back(client, login_as, cs):
    login_as(cs.drafter)
    response = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"parent_id": cs.top.id, "body": "Xin tiếp thu", "idempotency_key": "js-1"},
        headers=SCRIPT,
    )
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<article class="comment-thread" id="t{cs.top.id}"')
    assert "Xin tiếp thu" in html and "Ý kiến của" in html

    login_as(cs.a)
    deleted = client.post(
        f"/drafts/{cs.draft.id}/versions/1/comments",
        data={"anchor": cs.anchor(1, 4), "body": "Sẽ xóa"},
        headers=SCRIPT,
    )
    thread_id = int(re.search(r'data-thread="(\d+)"', deleted.get_data(as_text=True)).group(1))
    gone = client.post(f"/drafts/{cs.draft.id}/comments/{thread_id}/delete", headers=SCRIPT)
    assert gone.status_code == 204
    assert client.get(f"/drafts/{cs.draft.id}/threads/{thread_id}").status_code == 404


def test_the_thread_fragment_is_only_what_the_page_shows(client, login_as, cs, make):
    make.disposition(cs.top, "accepted", "Tiếp thu.")
    new_version(cs, V2, [cs.unit_a])
    _db.session.commit()
    login_as(cs.drafter)
    base = f"/drafts/{cs.draft.id}/threads/{cs.top.id}"
    assert client.get(f"{base}?version=1").status_code == 200
    assert client.get(f"{base}?version=2").status_code == 404  # disposed: stays with v1
    assert client.get(f"{base}?version=x").status_code == 404
    assert client.get(f"{base}?version=9").status_code == 404


# --- badges and cards -------------------------------------------------------------------------------


def test_carried_and_orphaned_comments_on_the_latest_version(client, login_as, cs, make):
    gone = make.comment(cs.v1, cs.b, anchor=cs.anchor(1, 3), body="Đoạn này sẽ bị xóa")
    new_version(cs, V2, [cs.unit_a, cs.unit_b])
    _db.session.commit()

    login_as(cs.drafter)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert 'data-testid="carried-badge"' in page and "from v1" in page
    assert 'data-testid="orphaned"' in page and "Orphaned comments" in page
    assert "Đoạn này sẽ bị xóa" in page and "paragraph removed in v2" in page
    assert "1 to answer" in page
    v1 = client.get(f"/drafts/{cs.draft.id}?version=1").get_data(as_text=True)
    assert 'data-testid="orphaned"' not in v1

    login_as(cs.a)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    assert 'data-testid="orphaned"' not in page and gone.body not in page
    assert "from v1" in page  # its own open comment, carried


def test_the_page_shows_counts_per_paragraph(client, login_as, cs, make):
    make.comment(cs.v1, cs.a, anchor=cs.anchor(1, 2), body="Thêm một ý")
    _db.session.commit()
    login_as(cs.a)
    page = client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)
    counts = re.findall(r'data-testid="comment-count"[^>]*>.*?<span class="n">(\d+)</span>', page)
    assert counts == ["2"]  # only where there are comments
    assert 'data-testid="comments-total">2<' in page


def test_the_draft_page_makes_the_same_number_of_queries_with_more_comments(
    client, login_as, cs, make, query_counter
):
    def queries() -> int:
        url = f"/drafts/{cs.draft.id}"
        client.get(url)
        with query_counter() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    login_as(cs.a)
    few = queries()
    version = cs.version(1)
    for n in range(30):
        author = (cs.a, cs.a2)[n % 2]
        top = make.comment(version, author, anchor=version.paragraphs[n % 5].anchor, body=f"#{n}")
        make.comment(version, cs.drafter, parent=top, body=f"trả lời {n}")
        if n % 3 == 0:
            make.disposition(top, "partly_accepted", "Tiếp thu một phần.")
    _db.session.commit()
    assert queries() == few


# --- settings -------------------------------------------------------------------------------------


def test_settings_change_title_and_sharing(client, login_as, cs):
    login_as(cs.drafter)
    page = client.get(f"/drafts/{cs.draft.id}/settings").get_data(as_text=True)
    assert 'name="comments_shared"' in page

    response = client.post(
        f"/drafts/{cs.draft.id}/settings",
        data={"title": "Báo cáo sơ kết (sửa)", "agenda_item_id": "", "comments_shared": "1"},
    )

    assert response.status_code == 302
    _db.session.expire_all()
    draft = _db.session.get(Draft, cs.draft.id)
    assert draft.title == "Báo cáo sơ kết (sửa)" and draft.comments_shared is True
    assert "draft.settings" in _db.session.scalars(select(AuditEntry.action)).all()
    # Now unit B sees unit A's comment.
    login_as(cs.b)
    assert "Vụ ĐP III" in client.get(f"/drafts/{cs.draft.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "  ", "agenda_item_id": ""}, "This field is required."),
        ({"title": "T", "agenda_item_id": "999"}, "Choose an item of this conference"),
        ({"title": "T", "agenda_item_id": "abc"}, "Choose an item of this conference"),
    ],
)
def test_bad_settings_are_refused(client, login_as, cs, data, message):
    login_as(cs.organizer)
    response = client.post(f"/drafts/{cs.draft.id}/settings", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    _db.session.expire_all()
    assert (
        _db.session.get(Draft, cs.draft.id).title
        == services.get_draft(cs.draft.id, actor=cs.organizer)[0].title
    )
    assert _db.session.get(Draft, cs.draft.id).comments_shared is False


def test_the_fragment_opens_the_reply_or_edit_form_the_script_asks_for(client, login_as, cs):
    base = f"/drafts/{cs.draft.id}/threads/{cs.top.id}?version=1"
    login_as(cs.a)
    assert 'data-testid="reply-form"' in client.get(f"{base}&reply={cs.top.id}").get_data(
        as_text=True
    )
    edit = client.get(f"{base}&edit={cs.top.id}").get_data(as_text=True)
    assert 'data-testid="edit-form"' in edit and "Ý kiến của **Vụ ĐP III**</textarea>" in edit
    login_as(cs.a2)  # a colleague sees the thread but may not edit it
    assert 'data-testid="edit-form"' not in client.get(f"{base}&edit={cs.top.id}").get_data(
        as_text=True
    )
