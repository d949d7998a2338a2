"""Comment services: writing and replying, bad input, idempotency, late comments, the edit
lock, who sees which comment, open comments carried across versions, orphans, the bounded
number of queries of a version's threads, and Markdown rendered safely."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, Unit, User
from meetings.conferences.models import Conference, ConferenceRole
from meetings.db import POST_COMMIT_KEY
from meetings.drafts import circulation, comments, services
from meetings.drafts.models import Comment, Draft, DraftVersion
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db
from meetings.text import render_markdown

PARAGRAPHS = [
    "I. Kết quả đạt được",
    "Công tác cải cách hành chính được triển khai đồng bộ.",
    "Việc ứng dụng công nghệ thông tin còn chậm.",
    "Một số đơn vị chưa gửi báo cáo đúng hạn.",
    "II. Phương hướng nhiệm vụ 6 tháng cuối năm",
]


@dataclass
class CommentScene:
    organizer: User
    conference: Conference
    drafting_unit: Unit
    drafter: User
    unit_a: Unit
    a: User  # a member of recipient unit A
    a2: User  # another member of unit A
    unit_b: Unit
    b: User  # a member of recipient unit B
    c: User  # a member of unit C: invited to the conference, not a recipient
    outsider: User
    draft: Draft

    @property
    def v1(self) -> DraftVersion:
        return self.draft.versions[0]

    def version(self, number: int) -> DraftVersion:
        version = next(v for v in self.draft.versions if v.number == number)
        services.load_paragraphs([version])
        return version

    def anchor(self, number: int, position: int) -> str:
        return self.version(number).paragraphs[position - 1].anchor


def comment_scene(make, *, shared: bool = False, deadline=None, allow_late=False) -> CommentScene:
    """A conference; a drafting unit; a draft whose version 1 went to units A and B; unit C
    invited but not sent the draft; someone not invited at all."""
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    drafting_unit = make.unit(name_vi="Vụ Tổ chức cán bộ")
    drafter = make.user(unit=drafting_unit, full_name="Nguyễn Văn Soạn")
    unit_a = make.unit(name_vi="Vụ Địa phương III", name_en="Regional Department III")
    unit_b = make.unit(name_vi="Vụ Địa phương I")
    unit_c = make.unit(name_vi="Vụ Địa phương II")
    for unit in (drafting_unit, unit_a, unit_b, unit_c):
        make.participant(conference, unit=unit)
    a = make.user(unit=unit_a, full_name="Đặng Văn Ba")
    a2 = make.user(unit=unit_a, full_name="Lò Thị Hai")
    b = make.user(unit=unit_b, full_name="Hà Văn Một")
    c = make.user(unit=unit_c)
    outsider = make.user()
    draft = make.draft(conference, drafting_unit, PARAGRAPHS, comments_shared=shared)
    make.circulation(draft.latest, [unit_a, unit_b], deadline=deadline, allow_late=allow_late)
    _db.session.refresh(draft)
    return CommentScene(
        organizer, conference, drafting_unit, drafter, unit_a, a, a2, unit_b, b, c, outsider, draft
    )


def reload(scene: CommentScene, actor: User) -> tuple[Draft, Conference]:
    """The draft and conference as a page would load them for `actor`."""
    return services.get_draft(scene.draft.id, actor=actor)


def write(scene: CommentScene, actor: User, version=None, now=None, **data) -> Comment:
    draft, conference = reload(scene, actor)
    version = version or scene.version(1)
    return comments.add_comment(actor, draft, conference, version, data, now=now)


def comment_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(Comment))


def threads_of(scene: CommentScene, actor: User, number: int = 1) -> dict:
    draft, conference = reload(scene, actor)
    return comments.visible_threads(actor, draft, conference, scene.version(number))


def bodies(threads: dict) -> set[str]:
    return {t.comment.body for ts in threads.values() for t in ts}


@pytest.fixture
def cs(db, make) -> CommentScene:
    return comment_scene(make)


# --- writing -------------------------------------------------------------------------------------


def test_a_recipient_comments_on_a_paragraph_with_a_quote(cs):
    anchor = cs.anchor(1, 3)
    comment = write(
        cs,
        cs.a,
        anchor=anchor,
        quote="công nghệ  thông tin",
        body="Đề nghị **nêu rõ** nguyên nhân.",
    )
    assert comment.id is not None
    assert (comment.version_id, comment.anchor, comment.unit_id) == (cs.v1.id, anchor, cs.unit_a.id)
    assert comment.quote == "công nghệ thông tin"  # spaces as in the paragraph
    assert comment.kind.value == "remark" and comment.late is False
    assert comment.submitted_at is None and comment.parent_id is None
    actions = _db.session.scalars(select(AuditEntry.action)).all()
    assert "comment.create" in actions


def test_a_suggestion_carries_its_replacement_text(cs):
    comment = write(
        cs,
        cs.a,
        anchor=cs.anchor(1, 3),
        kind="suggestion",
        quote="còn chậm",
        suggested_text="chưa đạt yêu cầu đề ra",
    )
    assert comment.kind.value == "suggestion"
    assert comment.suggested_text == "chưa đạt yêu cầu đề ra"
    assert comment.body == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n  "}, "body"),
        ({"body": None}, "body"),
        ({"kind": "suggestion", "body": "Sửa lại", "suggested_text": " "}, "suggested_text"),
        ({"kind": "question", "body": "?"}, "kind"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "Trích sai", "quote": "không có trong đoạn"}, "quote"),
        ({"body": "Đoạn lạ", "anchor": "no-such-anchor"}, "anchor"),
        ({"body": "Không có đoạn", "anchor": None}, "anchor"),
        ({"body": "Khóa lạ", "idempotency_key": "có dấu cách và dấu"}, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(cs, data, field):
    data = {"anchor": cs.anchor(1, 2), **data}
    with pytest.raises(ValidationError) as error:
        write(cs, cs.a, **data)
    assert field in error.value.field_errors and str(error.value.message)
    assert comment_count() == 0


def test_a_comment_on_a_paragraph_of_another_version_is_refused(cs):
    services.save_version(
        actor=cs.drafter,
        draft=cs.draft,
        conference=cs.conference,
        text_value="\n\n".join([*PARAGRAPHS, "Đoạn mới chỉ có ở phiên bản 2."]),
    )
    new_anchor = cs.anchor(2, 6)

    with pytest.raises(ValidationError) as error:
        write(cs, cs.a, version=cs.version(1), anchor=new_anchor, body="Đoạn của v2")

    assert "version 1" in str(error.value.field_errors["anchor"][0])
    assert comment_count() == 0


def test_the_drafting_unit_and_organizers_reply_but_do_not_comment(cs):
    for person in (cs.drafter, cs.organizer):
        with pytest.raises(PermissionDeniedError):
            write(cs, person, anchor=cs.anchor(1, 2), body="Ý kiến của đơn vị soạn thảo")
    assert comment_count() == 0


def test_units_the_version_was_not_sent_to_cannot_comment(cs):
    for person in (cs.c, cs.outsider):
        with pytest.raises(NotFoundError):
            write(cs, person, anchor=cs.anchor(1, 2), body="Không được gửi")
    assert comment_count() == 0


# --- replies -------------------------------------------------------------------------------------


def test_replies_join_the_thread_one_level_deep(cs):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Đề nghị bổ sung số liệu.")
    reply = write(cs, cs.drafter, parent_id=top.id, body="Đơn vị soạn thảo sẽ bổ sung.")
    again = write(cs, cs.a2, parent_id=str(reply.id), body="Xin cảm ơn.")

    assert reply.parent_id == top.id and again.parent_id == top.id  # a reply to a reply
    assert (reply.anchor, reply.version_id) == (top.anchor, top.version_id)
    assert reply.unit_id == cs.drafting_unit.id
    thread = threads_of(cs, cs.organizer)[top.anchor][0]
    assert [r.id for r in thread.replies] == [reply.id, again.id]


def test_a_reply_to_a_comment_of_another_draft_is_refused(cs, make):
    other = make.draft(cs.conference, cs.drafting_unit, ["Đoạn của dự thảo khác."], title="Khác")
    make.circulation(other.latest, [cs.unit_a])
    foreign = make.comment(other.latest, cs.a, body="Ý kiến trên dự thảo khác")
    before = comment_count()

    for parent in (foreign.id, 999_999, "abc", True):
        with pytest.raises(ValidationError) as error:
            write(cs, cs.drafter, parent_id=parent, body="Trả lời nhầm dự thảo")
        assert "parent_id" in error.value.field_errors
    assert comment_count() == before


def test_a_reply_to_a_comment_one_cannot_see_is_refused(cs):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến riêng của đơn vị A")
    with pytest.raises(ValidationError):
        write(cs, cs.b, parent_id=top.id, body="Đơn vị B không thấy ý kiến này")


def test_a_reply_is_plain_text_and_not_empty(cs):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    with pytest.raises(ValidationError) as empty:
        write(cs, cs.drafter, parent_id=top.id, body=" ")
    with pytest.raises(ValidationError) as quoted:
        write(cs, cs.drafter, parent_id=top.id, body="Trả lời", quote="Công tác")
    assert "body" in empty.value.field_errors and "kind" in quoted.value.field_errors
    assert comment_count() == 1


# --- idempotency -----------------------------------------------------------------------------------


def test_a_retried_submission_returns_the_first_comment(cs):
    data = {
        "anchor": cs.anchor(1, 2),
        "body": "Gửi lại do mạng chập chờn",
        "idempotency_key": "k-1",
    }
    first = write(cs, cs.a, **data)
    second = write(cs, cs.a, **data)
    third = write(cs, cs.a, **{**data, "body": "changed on retry"})

    assert first.id == second.id == third.id
    assert comment_count() == 1
    assert first.body == "Gửi lại do mạng chập chờn"
    # Keys belong to their author: the same key from a colleague is a new comment.
    other = write(cs, cs.a2, **data)
    assert other.id != first.id and comment_count() == 2


def test_a_retried_reply_is_not_stored_twice(cs):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    data = {"parent_id": top.id, "body": "Trả lời", "idempotency_key": "reply-1"}
    assert write(cs, cs.drafter, **data).id == write(cs, cs.drafter, **data).id
    assert comment_count() == 2


def test_a_key_reused_on_another_draft_is_a_conflict(cs, make):
    other = make.draft(cs.conference, cs.drafting_unit, ["Một đoạn."], title="Khác")
    make.circulation(other.latest, [cs.unit_a])
    write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến", idempotency_key="same")
    draft, conference = services.get_draft(other.id, actor=cs.a)
    services.load_paragraphs([draft.latest])

    with pytest.raises(ConflictError):
        comments.add_comment(
            cs.a,
            draft,
            conference,
            draft.latest,
            {"anchor": draft.latest.paragraphs[0].anchor, "body": "x", "idempotency_key": "same"},
        )
    assert comment_count() == 1


def test_a_concurrent_duplicate_is_answered_with_the_stored_comment(cs, monkeypatch):
    """Two requests with one key at once: both check before either stored; the unique key
    refuses the second row, and its retry returns the first request's comment."""
    data = {"anchor": cs.anchor(1, 2), "body": "Yêu cầu thứ nhất", "idempotency_key": "race-1"}
    first = write(cs, cs.a, **data)
    _db.session.commit()
    real_check = comments._by_key
    checks = []

    def check_too_early(actor, key):
        checks.append(key)
        return None if len(checks) == 1 else real_check(actor, key)

    monkeypatch.setattr(comments, "_by_key", check_too_early)

    def work():
        draft, conference = reload(cs, cs.a)
        version = scene_v1(draft)
        return comments.add_comment(cs.a, draft, conference, version, {**data, "body": "lần 2"}).id

    assert comments.with_duplicate_retry(work) == first.id
    assert len(checks) == 2
    assert comment_count() == 1


def scene_v1(draft: Draft) -> DraftVersion:
    version = draft.versions[0]
    services.load_paragraphs([version])
    return version


# --- deadlines and the unit's answer -------------------------------------------------------------


def test_after_the_deadline_comments_are_refused_unless_late_ones_are_allowed(db, make):
    deadline = datetime(2030, 1, 10, 17, 0, tzinfo=UTC)
    strict = comment_scene(make, deadline=deadline)
    after = deadline + timedelta(minutes=1)

    with pytest.raises(InvalidStateError) as error:
        write(strict, strict.a, anchor=strict.anchor(1, 2), body="Trễ hạn", now=after)
    assert "deadline" in str(error.value.message)
    on_time = write(strict, strict.a, anchor=strict.anchor(1, 2), body="Đúng hạn", now=deadline)
    assert on_time.late is False

    lenient = comment_scene(make, deadline=deadline, allow_late=True)
    late = write(lenient, lenient.a, anchor=lenient.anchor(1, 2), body="Trễ hạn", now=after)
    assert late.late is True
    draft, conference = reload(lenient, lenient.a)
    state = comments.write_state(lenient.a, draft, conference, lenient.version(1), now=after)
    assert state.allowed and state.late


def test_no_new_comment_once_the_unit_has_submitted_its_answer(cs):
    write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    circulation.answer(actor=cs.a2, circulation=cs.v1.circulations[0], answer="comments")

    with pytest.raises(InvalidStateError):
        write(cs, cs.a, anchor=cs.anchor(1, 3), body="Thêm một ý nữa")
    # Unit B has not answered: it still comments.
    assert write(cs, cs.b, anchor=cs.anchor(1, 3), body="Ý kiến của B").id


# --- editing and deleting ------------------------------------------------------------------------


def edit(cs, actor, comment, **data):
    draft, conference = reload(cs, actor)
    return comments.edit_comment(actor, draft, conference, comment, data)


def delete(cs, actor, comment):
    draft, conference = reload(cs, actor)
    comments.delete_comment(actor, draft, conference, comment)


def test_the_author_edits_until_the_unit_submits_its_answer(cs):
    comment = write(cs, cs.a, anchor=cs.anchor(1, 3), body="Bản nháp")
    edited = edit(
        cs,
        cs.a,
        comment,
        body="Bản sửa",
        kind="suggestion",
        suggested_text="Câu mới",
        quote="còn chậm",
    )
    assert edited.id == comment.id
    assert (edited.body, edited.kind.value, edited.suggested_text, edited.quote) == (
        "Bản sửa",
        "suggestion",
        "Câu mới",
        "còn chậm",
    )
    with pytest.raises(PermissionDeniedError):
        edit(cs, cs.a2, comment, body="Đồng nghiệp sửa")  # only the author

    circulation.answer(actor=cs.a, circulation=cs.v1.circulations[0], answer="comments")
    _db.session.expire_all()
    comment = _db.session.get(Comment, comment.id)
    assert comment.submitted_at is not None

    with pytest.raises(InvalidStateError) as error:
        edit(cs, cs.a, comment, body="Sửa sau khi gửi")
    assert "submitted" in str(error.value.message)
    with pytest.raises(InvalidStateError):
        delete(cs, cs.a, comment)
    _db.session.expire_all()
    assert _db.session.get(Comment, comment.id).body == "Bản sửa"


def test_bad_edits_are_refused_and_nothing_changes(cs):
    comment = write(cs, cs.a, anchor=cs.anchor(1, 3), body="Bản gốc")
    _db.session.commit()
    for data, field in (
        ({"body": ""}, "body"),
        ({"kind": "suggestion"}, "suggested_text"),
        ({"quote": "không có"}, "quote"),
    ):
        with pytest.raises(ValidationError) as error:
            edit(cs, cs.a, comment, **data)
        assert field in error.value.field_errors
        _db.session.rollback()
    assert _db.session.get(Comment, comment.id).body == "Bản gốc"


def test_a_disposition_locks_the_thread(cs, make):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    reply = write(cs, cs.a2, parent_id=top.id, body="Bổ sung")
    make.disposition(top, "explained", "Giữ nguyên vì đã có quy định.")
    _db.session.expire_all()
    top, reply = _db.session.get(Comment, top.id), _db.session.get(Comment, reply.id)

    for comment, person in ((top, cs.a), (reply, cs.a2)):
        with pytest.raises(InvalidStateError):
            edit(cs, person, comment, body="Sửa")
        with pytest.raises(InvalidStateError):
            delete(cs, person, comment)
    # Replies may still be added: the unit answers the explanation.
    assert write(cs, cs.a, parent_id=top.id, body="Chúng tôi chưa đồng ý").id


def test_delete_ones_own_comment_but_not_one_with_replies(cs):
    lone = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Sẽ xóa")
    answered = write(cs, cs.a, anchor=cs.anchor(1, 3), body="Có trả lời")
    reply = write(cs, cs.drafter, parent_id=answered.id, body="Đã ghi nhận")

    with pytest.raises(PermissionDeniedError):
        delete(cs, cs.a2, lone)
    delete(cs, cs.a, lone)
    with pytest.raises(InvalidStateError) as error:
        delete(cs, cs.a, answered)
    assert "replies" in str(error.value.message)
    delete(cs, cs.drafter, reply)  # a reply goes, then the comment may go too
    _db.session.expire_all()
    delete(cs, cs.a, _db.session.get(Comment, answered.id))
    assert comment_count() == 0


# --- who sees which comment -------------------------------------------------------------------------


def test_units_see_only_their_own_comments_unless_the_draft_shares_them(cs):
    mine = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến của A")
    theirs = write(cs, cs.b, anchor=cs.anchor(1, 2), body="Ý kiến của B")
    write(cs, cs.drafter, parent_id=theirs.id, body="Trả lời B")

    assert bodies(threads_of(cs, cs.a)) == {"Ý kiến của A"}
    assert bodies(threads_of(cs, cs.a2)) == {"Ý kiến của A"}  # a colleague of the same unit
    assert bodies(threads_of(cs, cs.b)) == {"Ý kiến của B"}
    for manager in (cs.drafter, cs.organizer):
        assert bodies(threads_of(cs, manager)) == {"Ý kiến của A", "Ý kiến của B"}
    draft, conference = reload(cs, cs.a)
    assert comments.can_see_comment(cs.a, draft, conference, mine)
    assert not comments.can_see_comment(cs.a, draft, conference, theirs)
    with pytest.raises(NotFoundError):
        comments.get_comment(theirs.id, actor=cs.a, draft=draft, conference=conference)

    cs.draft.comments_shared = True
    _db.session.flush()
    assert bodies(threads_of(cs, cs.a)) == {"Ý kiến của A", "Ý kiến của B"}
    draft, conference = reload(cs, cs.a)
    reply = comments.get_thread(theirs.id, actor=cs.a, draft=draft, conference=conference).replies
    assert [r.body for r in reply] == ["Trả lời B"]  # replies follow their thread


def test_people_who_may_not_see_the_version_see_no_threads(cs):
    write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    for person in (cs.c, cs.outsider):
        with pytest.raises(NotFoundError):
            reload(cs, person)
    draft, conference = reload(cs, cs.organizer)
    with pytest.raises(NotFoundError):
        comments.visible_threads(cs.c, draft, conference, cs.version(1))


def test_what_the_page_offers_each_person(cs, make):
    top = write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    make.disposition(top, "explained", "Đã có quy định.")
    _db.session.expire_all()
    by_author = threads_of(cs, cs.a)[top.anchor][0]
    by_drafter = threads_of(cs, cs.drafter)[top.anchor][0]
    by_organizer = threads_of(cs, cs.organizer)[top.anchor][0]

    assert by_author.can_challenge and not by_author.can_dispose
    assert by_drafter.can_dispose and not by_drafter.can_challenge
    assert not by_organizer.can_dispose
    assert not by_author.editable  # answered: locked

    draft, conference = reload(cs, cs.a)
    assert comments.write_state(cs.a, draft, conference, cs.version(1)).allowed
    refusal = comments.write_state(cs.drafter, draft, conference, cs.version(1))
    assert not refusal.allowed and "dispositions" in refusal.reason


# --- carried across versions, orphans ---------------------------------------------------------------


V2 = [
    "I. Kết quả đạt được",  # unchanged
    "Công tác cải cách hành chính được triển khai đồng bộ và hiệu quả.",  # slightly edited
    "Đoạn chèn mới ở phiên bản 2 về chuyển đổi số.",  # inserted
    # "Việc ứng dụng công nghệ thông tin còn chậm." deleted
    "Một số đơn vị chưa gửi báo cáo đúng hạn.",
    "II. Phương hướng nhiệm vụ 6 tháng cuối năm",
]
V3 = [
    "Đoạn mở đầu chèn ở phiên bản 3.",  # inserted at the top: everything moves down
    "I. Kết quả đạt được",
    # the edited paragraph of v2 is deleted in v3
    "Đoạn chèn mới ở phiên bản 2 về chuyển đổi số, có bổ sung ví dụ.",  # edited
    "Một số đơn vị chưa gửi báo cáo đúng hạn.",
    "II. Phương hướng nhiệm vụ 6 tháng cuối năm 2016",  # edited
]


def new_version(cs: CommentScene, paragraphs: list[str], units: list[Unit]) -> DraftVersion:
    version = services.save_version(
        actor=cs.drafter,
        draft=cs.draft,
        conference=cs.conference,
        text_value="\n\n".join(paragraphs),
    )
    circulation.circulate(
        actor=cs.drafter,
        draft=cs.draft,
        conference=cs.conference,
        version=version,
        unit_ids=[u.id for u in units],
        deadline=datetime.now(UTC) + timedelta(days=3),
    )
    _db.session.flush()
    return version


def shown(cs, actor, number) -> dict[str, tuple[int, int | None]]:
    """body -> (paragraph position on that version, carried from)."""
    version = cs.version(number)
    position = {p.anchor: p.position for p in version.paragraphs}
    return {
        t.comment.body: (position[anchor], t.carried_from)
        for anchor, ts in threads_of(cs, actor, number).items()
        for t in ts
    }


def test_open_comments_follow_their_paragraph_across_three_versions(cs, make):
    write(cs, cs.a, anchor=cs.anchor(1, 1), body="heading")  # unchanged in v2, moved in v3
    write(cs, cs.a, anchor=cs.anchor(1, 2), body="edited")  # edited in v2, deleted in v3
    write(cs, cs.b, anchor=cs.anchor(1, 3), body="deleted")  # deleted in v2
    disposed = write(cs, cs.a, anchor=cs.anchor(1, 4), body="disposed")  # answered on v1
    challenged = write(cs, cs.b, anchor=cs.anchor(1, 5), body="challenged")
    make.disposition(disposed, "accepted", "Tiếp thu.")
    make.disposition(challenged, "explained", "Giải trình.", challenged=True)

    new_version(cs, V2, [cs.unit_a, cs.unit_b])
    on_v2 = write(cs, cs.a, version=cs.version(2), anchor=cs.anchor(2, 3), body="written on v2")

    assert shown(cs, cs.drafter, 1) == {
        "heading": (1, None),
        "edited": (2, None),
        "deleted": (3, None),
        "disposed": (4, None),
        "challenged": (5, None),
    }
    assert shown(cs, cs.drafter, 2) == {
        "heading": (1, 1),
        "edited": (2, 1),  # the edited paragraph kept its anchor
        "written on v2": (3, None),
        "challenged": (5, 1),  # contested again: still open
    }

    new_version(cs, V3, [cs.unit_a, cs.unit_b])

    assert shown(cs, cs.drafter, 3) == {
        "heading": (2, 1),  # moved down by the insertion at the top
        "written on v2": (3, 2),
        "challenged": (5, 1),
    }
    # Orphans: deleted in v2, and the one whose paragraph went in v3.
    draft, conference = reload(cs, cs.drafter)
    orphans = comments.orphaned(draft, cs.drafter)
    assert [(t.comment.body, t.orphaned_in, t.written_on) for t in orphans] == [
        ("edited", 3, 1),
        ("deleted", 2, 1),
    ]
    assert orphans[1].paragraph.text == PARAGRAPHS[2]  # the paragraph as it was
    page = comments.page(cs.drafter, draft, conference, cs.version(3))
    assert [t.comment.body for t in page.orphaned] == ["edited", "deleted"]
    assert page.orphaned_pending == 2
    # Only the latest version's page lists them, and only for the managers.
    assert comments.page(cs.drafter, draft, conference, cs.version(2)).orphaned == []
    draft_a, conference_a = reload(cs, cs.a)
    assert comments.page(cs.a, draft_a, conference_a, cs.version(3)).orphaned == []
    # A unit sees its own carried comments, not the other unit's.
    assert set(shown(cs, cs.a, 3)) == {"heading", "written on v2"}
    assert set(shown(cs, cs.b, 3)) == {"challenged"}
    # The fragment of a thread answers only where the page shows it.
    with pytest.raises(NotFoundError):
        comments.get_thread(
            disposed.id, actor=cs.drafter, draft=draft, conference=conference, version=cs.version(2)
        )
    assert (
        comments.get_thread(
            on_v2.id, actor=cs.drafter, draft=draft, conference=conference, version=cs.version(3)
        ).carried_from
        == 2
    )


def test_a_comment_on_an_older_version_whose_paragraph_is_gone_is_an_orphan_at_once(cs):
    new_version(cs, V2, [cs.unit_a])
    gone = write(cs, cs.a, version=cs.version(1), anchor=cs.anchor(1, 3), body="deleted in v2")
    kept = write(cs, cs.a, version=cs.version(1), anchor=cs.anchor(1, 4), body="still in v2")

    assert gone.orphaned_in_id == cs.version(2).id
    assert kept.orphaned_in_id is None
    assert set(shown(cs, cs.drafter, 2)) == {"still in v2"}
    draft, conference = reload(cs, cs.drafter)
    assert [t.comment.body for t in comments.orphaned(draft, cs.drafter)] == ["deleted in v2"]


def test_an_orphaned_comment_is_disposed_and_stays_listed_as_answered(cs, make):
    gone = write(cs, cs.a, anchor=cs.anchor(1, 3), body="deleted")
    new_version(cs, V2, [cs.unit_a])
    make.disposition(gone, "explained", "Đoạn đã được bỏ.")
    _db.session.expire_all()
    draft, conference = reload(cs, cs.drafter)
    page = comments.page(cs.drafter, draft, conference, cs.version(2))
    assert [t.comment.body for t in page.orphaned] == ["deleted"]
    assert page.orphaned_pending == 0


# --- bounded queries ---------------------------------------------------------------------------------


def test_a_versions_threads_load_in_a_fixed_number_of_queries(cs, make, query_counter):
    def count_for(extra: int) -> int:
        version = cs.version(1)
        for n in range(extra):
            author = (cs.a, cs.a2, cs.b)[n % 3]
            top = make.comment(
                version, author, anchor=version.paragraphs[n % 5].anchor, body=f"#{n}"
            )
            make.comment(version, cs.drafter, parent=top, body=f"reply {n}")
            if n % 2:
                make.disposition(top, "explained", "Giải trình", decided_by_id=cs.drafter.id)
        _db.session.commit()
        _db.session.expire_all()
        draft, conference = reload(cs, cs.drafter)
        version = cs.version(1)
        with query_counter() as statements:
            view = comments.page(cs.drafter, draft, conference, version)
            for threads in view.threads.values():
                for t in threads:
                    _ = [t.comment.author.full_name, t.comment.unit.name, t.comment.disposition]
                    _ = [(r.author.full_name, r.unit.name) for r in t.replies]
                    if t.comment.disposition:
                        _ = t.comment.disposition.decided_by
        return len(statements)

    few = count_for(2)
    many = count_for(40)
    assert few == many, (few, many)
    assert many <= 6


# --- markdown ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected", "absent"),
    [
        ("**đậm** và *nghiêng*", "<strong>đậm</strong> và <em>nghiêng</em>", None),
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script"),
        ('<img src=x onerror="alert(1)">', "&lt;img", "<img"),
        ("[bấm](javascript:alert(1))", "[bấm](javascript:alert(1))", 'href="javascript'),
        (
            "[cổng](https://chinhphu.vn)",
            '<a href="https://chinhphu.vn" rel="noopener nofollow">cổng</a>',
            None,
        ),
        ("- một\n- hai", "<ul>\n<li>một</li>", None),
        ("> trích dẫn", "<blockquote>", None),
        ("dòng 1\ndòng 2", "dòng 1<br>", None),
        ("# 3. Không phải tiêu đề", "<p># 3. Không phải tiêu đề</p>", "<h1"),
        ("![ảnh](https://x/y.png)", "ảnh", "<img"),
        ('<a href="https://x" onclick="x()">a</a>', "&lt;a href=", "<a "),
    ],
)
def test_markdown_is_rendered_and_nothing_runs(source, expected, absent):
    html = str(render_markdown(source))
    assert expected in html
    if absent:
        assert absent not in html


def test_markdown_of_nothing_is_empty():
    assert render_markdown(None) == "" and render_markdown("") == ""


# --- the broadcast is queued for after the commit ---------------------------------------------------


def test_a_new_comment_queues_its_broadcast_for_after_the_commit(cs):
    _db.session.info.pop(POST_COMMIT_KEY, None)
    write(cs, cs.a, anchor=cs.anchor(1, 2), body="Ý kiến")
    assert len(_db.session.info.get(POST_COMMIT_KEY, [])) == 1
    _db.session.info.pop(POST_COMMIT_KEY, None)


def test_the_chair_and_the_secretary_read_every_comment_but_do_not_answer(make, db):
    from meetings.drafts import dispositions, permissions

    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair)
    secretary = make.user()
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    drafting, office = make.unit(), make.unit()
    draft = make.draft(conference, drafting)
    make.circulation(draft.latest, [office])
    comment = make.comment(draft.latest, make.user(unit=office), anchor="p2")
    db.session.commit()
    for person in (chair, secretary):
        assert permissions.can_see_version(person, draft, draft.latest, conference)
        assert comments.can_see_comment(person, draft, conference, comment)
        assert not permissions.can_manage(person, draft, conference)
        assert not dispositions.can_dispose(person, draft, comment)
        with pytest.raises(PermissionDeniedError):
            services.save_version(
                actor=person, draft=draft, conference=conference, text_value="Đoạn mới."
            )
