"""Dispositions: only the drafting unit answers, reasons, applying suggestions, challenges,
and accepted suggestions written into the next version.

The scene built here (`disposition_scene`) is shared by the table, page and API tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, Unit, User
from meetings.conferences.models import Conference
from meetings.drafts import dispositions, services
from meetings.drafts.models import Comment, CommentKind, Decision, Disposition, Draft
from meetings.errors import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db

PARAGRAPHS = [
    "I. Kết quả đạt được",
    "Công tác cải cách hành chính được triển khai đồng bộ, rà soát 12 thủ tục hành chính.",
    "Việc ứng dụng công nghệ thông tin còn chậm.",
    "II. Phương hướng nhiệm vụ",
]


@dataclass
class DScene:
    organizer: User
    conference: Conference
    drafting: Unit
    drafter: User  # a member of the drafting unit (Vụ Tổ chức cán bộ)
    unit_a: Unit
    reader_a: User  # a member of a unit the draft was sent to
    unit_b: Unit
    reader_b: User  # a member of another unit the draft was sent to
    bystander: User  # a member of a unit invited to the conference, not sent the draft
    outsider: User  # not invited at all
    draft: Draft

    @property
    def v1(self):
        return self.draft.versions[0]


def disposition_scene(make, *, shared: bool = False) -> DScene:
    organizer = make.organizer(full_name="Nguyễn Thị Thu")
    conference = make.conference(organizer=organizer, title="Hội nghị sơ kết 6 tháng đầu năm")
    drafting = make.unit(code="TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Personnel Department")
    unit_a = make.unit(
        code="VPĐD-HCM",
        name_vi="Văn phòng đại diện tại TP. Hồ Chí Minh",
        name_en="Representative office in Ho Chi Minh City",
    )
    unit_b = make.unit(
        code="VPĐD-CT",
        name_vi="Văn phòng đại diện tại Cần Thơ",
        name_en="Representative office in Can Tho",
    )
    unit_c = make.unit(code="PC", name_vi="Vụ Pháp chế", name_en="Legal Department")
    for unit in (drafting, unit_a, unit_b, unit_c):
        make.participant(conference, unit=unit)
    draft = make.draft(conference, drafting, PARAGRAPHS, comments_shared=shared)
    make.circulation(draft.latest, [unit_a, unit_b])
    scene = DScene(
        organizer=organizer,
        conference=conference,
        drafting=drafting,
        drafter=make.user(unit=drafting, full_name="Trần Minh Đức"),
        unit_a=unit_a,
        reader_a=make.user(unit=unit_a, full_name="Đặng Văn Ba"),
        unit_b=unit_b,
        reader_b=make.user(unit=unit_b, full_name="Lý Thị Hằng"),
        bystander=make.user(unit=unit_c, full_name="Phạm Văn Long"),
        outsider=make.user(full_name="Người Ngoài"),
        draft=draft,
    )
    _db.session.flush()
    return scene


def suggestion(make, s: DScene, anchor="p2", quote=None, text="rà soát 15 thủ tục", author=None):
    return make.comment(
        s.v1,
        author or s.reader_a,
        anchor=anchor,
        kind=CommentKind.suggestion,
        quote=quote,
        suggested_text=text,
        body="Đề nghị cập nhật số liệu.",
    )


def dispose(s: DScene, comment, actor=None, **data):
    return dispositions.dispose(
        actor=actor or s.drafter, draft=s.draft, conference=s.conference, comment=comment, data=data
    )


def challenge(s: DScene, comment, actor=None, reason="Đơn vị không nhất trí với giải trình."):
    return dispositions.challenge(
        actor=actor or s.reader_a,
        draft=s.draft,
        conference=s.conference,
        comment=comment,
        reason=reason,
    )


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def actions() -> list[str]:
    return list(_db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def s(db, make):
    return disposition_scene(make)


@pytest.fixture
def broadcasts(monkeypatch):
    """Every comments.broadcast(comment, action) call, as (comment id, action)."""
    from meetings.drafts import comments

    sent = []
    monkeypatch.setattr(
        comments, "broadcast", lambda comment, action: sent.append((comment.id, action))
    )
    return sent


# --- answering ------------------------------------------------------------------------------


def test_the_drafting_unit_accepts_a_comment_without_a_reason(s, make, broadcasts):
    comment = make.comment(s.v1, s.reader_a, anchor="p3")

    answer = dispose(s, comment, decision="accepted")

    assert (answer.decision, answer.reason, answer.challenged) == (Decision.accepted, "", False)
    assert answer.decided_by_id == s.drafter.id
    assert comment.disposition is answer
    assert actions() == ["disposition.set"]
    assert broadcasts == [(comment.id, "disposed")]


@pytest.mark.parametrize("decision", ["partly_accepted", "explained"])
def test_partly_accepted_and_explained_need_a_reason(s, make, decision):
    comment = make.comment(s.v1, s.reader_a)

    with pytest.raises(ValidationError) as error:
        dispose(s, comment, decision=decision, reason="   ")

    assert "reason" in error.value.field_errors
    assert "needs one" in str(error.value.field_errors["reason"][0])
    assert count(Disposition) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "Choose the answer"), ("", "Choose the answer"), ("approved", "Unknown answer")],
)
def test_an_unknown_or_missing_decision_is_refused(s, make, value, message):
    comment = make.comment(s.v1, s.reader_a)

    with pytest.raises(ValidationError) as error:
        dispose(s, comment, decision=value, reason="Lý do.")

    assert message in str(error.value.field_errors["decision"][0])
    assert count(Disposition) == 0


def test_a_very_long_reason_is_refused(s, make):
    comment = make.comment(s.v1, s.reader_a)

    with pytest.raises(ValidationError) as error:
        dispose(s, comment, decision="explained", reason="x" * 5001)

    assert "reason" in error.value.field_errors
    assert count(Disposition) == 0


@pytest.mark.parametrize("who", ["organizer", "reader_a", "reader_b", "bystander"])
def test_only_members_of_the_drafting_unit_answer(s, make, who):
    comment = make.comment(s.v1, s.reader_a)

    with pytest.raises(PermissionDeniedError):
        dispose(s, comment, actor=getattr(s, who), decision="accepted")

    assert count(Disposition) == 0
    assert not dispositions.can_dispose(getattr(s, who), s.draft, comment)
    assert dispositions.can_dispose(s.drafter, s.draft, comment)


def test_a_reply_is_not_answered_on_its_own(s, make):
    comment = make.comment(s.v1, s.reader_a)
    reply = make.comment(s.v1, s.drafter, parent=comment, body="Xin trao đổi thêm.")

    with pytest.raises(ValidationError) as error:
        dispose(s, reply, decision="accepted")

    assert "reply" in str(error.value.field_errors["comment"][0])
    assert count(Disposition) == 0
    assert not dispositions.can_dispose(s.drafter, s.draft, reply)


def test_a_comment_of_another_draft_is_not_found(s, make):
    other = make.draft(s.conference, s.drafting, ["Đoạn khác."], title="Dự thảo khác")
    make.circulation(other.latest, [s.unit_a])
    foreign = make.comment(other.latest, s.reader_a)

    with pytest.raises(NotFoundError):
        dispositions.get_comment(s.draft, s.conference, foreign.id, actor=s.drafter)
    with pytest.raises(NotFoundError):
        dispose(s, foreign, decision="accepted")
    with pytest.raises(NotFoundError):
        dispositions.get_comment(s.draft, s.conference, "7", actor=s.drafter)
    assert count(Disposition) == 0


def test_apply_suggestion_only_for_an_accepted_suggestion(s, make):
    remark = make.comment(s.v1, s.reader_a)
    offer = suggestion(make, s)

    with pytest.raises(ValidationError) as on_remark:
        dispose(s, remark, decision="accepted", apply_suggestion=True)
    with pytest.raises(ValidationError) as on_explained:
        dispose(s, offer, decision="explained", reason="Giữ nguyên.", apply_suggestion="1")
    with pytest.raises(ValidationError) as not_a_flag:
        dispose(s, offer, decision="accepted", apply_suggestion="perhaps")

    assert "suggests no text" in str(on_remark.value.field_errors["apply_suggestion"][0])
    assert "accepted" in str(on_explained.value.field_errors["apply_suggestion"][0])
    assert "apply_suggestion" in not_a_flag.value.field_errors
    assert count(Disposition) == 0
    answer = dispose(
        s, offer, decision="partly_accepted", reason="Tiếp thu một phần.", apply_suggestion="on"
    )
    assert answer.apply_suggestion is True


def test_a_suggestion_whose_paragraph_was_deleted_cannot_be_applied(s, make):
    offer = suggestion(make, s, anchor="p3")
    services.save_version(
        actor=s.drafter,
        draft=s.draft,
        conference=s.conference,
        text_value="\n\n".join(p for p in PARAGRAPHS if "công nghệ" not in p),
    )
    _db.session.refresh(offer)
    assert offer.orphaned_in_id is not None

    with pytest.raises(ValidationError) as error:
        dispose(s, offer, decision="accepted", apply_suggestion=True)

    assert "deleted" in str(error.value.field_errors["apply_suggestion"][0])
    # It can still be answered: orphaned comments need a disposition too.
    assert (
        dispose(s, offer, decision="explained", reason="Đoạn đã bỏ.").decision == Decision.explained
    )


def test_changing_the_answer_is_audited_and_ends_a_challenge(s, make, broadcasts):
    comment = make.comment(s.v1, s.reader_a)
    dispose(s, comment, decision="explained", reason="Giữ nguyên dự thảo.")
    challenge(s, comment)
    assert comment.disposition.challenged

    answer = dispose(s, comment, decision="accepted", reason="Tiếp thu ý kiến.")

    assert (answer.decision, answer.challenged) == (Decision.accepted, False)
    assert actions() == ["disposition.set", "disposition.challenge", "disposition.change"]
    detail = _db.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "disposition.change")
    ).one()
    assert '"previous": "explained"' in detail and '"was_challenged": true' in detail
    assert [action for _, action in broadcasts] == ["disposed"] * 3


def test_the_same_answer_again_changes_nothing(s, make, broadcasts):
    comment = make.comment(s.v1, s.reader_a)
    dispose(s, comment, decision="explained", reason="Giữ nguyên.")

    dispose(s, comment, decision="explained", reason="  Giữ nguyên.  ")

    assert actions() == ["disposition.set"]
    assert len(broadcasts) == 1


# --- challenges -----------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["explained", "partly_accepted"])
def test_the_comments_unit_challenges_an_explained_answer(s, make, decision, broadcasts):
    comment = make.comment(s.v1, s.reader_a)
    dispose(s, comment, decision=decision, reason="Giữ nguyên dự thảo.")
    assert dispositions.can_challenge(s.reader_a, comment)

    reply = challenge(s, comment, reason="Số liệu **chưa** khớp với báo cáo quý.")

    assert comment.disposition.challenged is True
    assert (reply.parent_id, reply.anchor, reply.unit_id) == (
        comment.id,
        comment.anchor,
        s.unit_a.id,
    )
    assert reply.body == "Số liệu **chưa** khớp với báo cáo quý."
    assert actions()[-1] == "disposition.challenge"
    assert broadcasts[-1] == (comment.id, "disposed")
    assert not dispositions.can_challenge(s.reader_a, comment)  # once


def test_challenges_that_are_refused(s, make):
    accepted = make.comment(s.v1, s.reader_a)
    dispose(s, accepted, decision="accepted")
    unanswered = make.comment(s.v1, s.reader_a, anchor="p3")
    explained = make.comment(s.v1, s.reader_a, anchor="p4")
    dispose(s, explained, decision="explained", reason="Giữ nguyên.")
    replies = count(Comment)

    with pytest.raises(InvalidStateError, match="accepted comment"):
        challenge(s, accepted)
    with pytest.raises(InvalidStateError, match="not been answered"):
        challenge(s, unanswered)
    with pytest.raises(PermissionDeniedError):
        challenge(s, explained, actor=s.reader_b)
    with pytest.raises(PermissionDeniedError):
        challenge(s, explained, actor=s.drafter)
    with pytest.raises(ValidationError) as empty:
        challenge(s, explained, reason="  ")
    assert "reason" in empty.value.field_errors

    assert count(Comment) == replies
    assert not explained.disposition.challenged
    challenge(s, explained)
    with pytest.raises(InvalidStateError, match="already challenged"):
        challenge(s, explained)
    assert not dispositions.can_challenge(s.reader_b, explained)


# --- who sees a comment ------------------------------------------------------------------------


def test_a_unit_sees_only_its_own_comments_unless_the_draft_shares_them(s, make):
    mine = make.comment(s.v1, s.reader_a)
    theirs = make.comment(s.v1, s.reader_b)

    assert dispositions.get_comment(s.draft, s.conference, mine.id, actor=s.reader_a) is mine
    with pytest.raises(NotFoundError):
        dispositions.get_comment(s.draft, s.conference, theirs.id, actor=s.reader_a)
    for who in (s.drafter, s.organizer):
        assert dispositions.get_comment(s.draft, s.conference, theirs.id, actor=who) is theirs

    s.draft.comments_shared = True
    _db.session.flush()
    assert dispositions.get_comment(s.draft, s.conference, theirs.id, actor=s.reader_a) is theirs


# --- accepted suggestions into the next version -----------------------------------------------


def accept(s, comment, **data):
    return dispose(s, comment, decision="accepted", apply_suggestion=True, **data)


def test_the_next_version_text_has_the_accepted_suggestions_written_in(s, make):
    quoted = suggestion(make, s, anchor="p2", quote="rà soát 12 thủ tục", text="rà soát 15 thủ tục")
    whole = suggestion(
        make, s, anchor="p3", text="Việc ứng dụng công nghệ thông tin đã có chuyển biến."
    )
    lost = suggestion(
        make, s, anchor="p4", quote="không có trong đoạn", text="II. Nhiệm vụ 6 tháng cuối năm"
    )
    explained = suggestion(make, s, anchor="p1", text="I. Kết quả")
    not_applied = suggestion(make, s, anchor="p1", text="I. Những kết quả")
    for comment in (quoted, whole, lost):
        accept(s, comment)
    dispose(s, explained, decision="explained", reason="Giữ nguyên tiêu đề.")
    dispose(s, not_applied, decision="accepted")

    upcoming = dispositions.next_version_text(s.draft)

    assert upcoming.text.split("\n\n") == [
        "I. Kết quả đạt được",
        "Công tác cải cách hành chính được triển khai đồng bộ, rà soát 15 thủ tục hành chính.",
        "Việc ứng dụng công nghệ thông tin đã có chuyển biến.",
        "II. Nhiệm vụ 6 tháng cuối năm\n",
    ]
    assert [(a.comment.id, a.position, a.whole_paragraph) for a in upcoming.applied] == [
        (quoted.id, 2, False),
        (whole.id, 3, True),
        (lost.id, 4, True),
    ]


def test_suggestions_on_one_paragraph_apply_in_the_order_they_were_written(s, make):
    first = suggestion(make, s, quote="đồng bộ", text="đồng bộ, hiệu quả")
    second = suggestion(make, s, quote="12 thủ tục", text="15 thủ tục", author=s.reader_b)
    accept(s, second)
    accept(s, first)

    text = dispositions.next_version_text(s.draft).text

    assert "đồng bộ, hiệu quả, rà soát 15 thủ tục hành chính." in text


def test_headings_and_list_items_keep_their_kind(db, make):
    s = disposition_scene(make)
    services.save_version(
        actor=s.drafter,
        draft=s.draft,
        conference=s.conference,
        text_value="# I. Kết quả đạt được\n\n- Rà soát 12 thủ tục hành chính.\n\nĐoạn văn.\n",
    )
    v2 = s.draft.latest
    make.circulation(v2, [s.unit_a])
    heading, item = v2.paragraphs[0], v2.paragraphs[1]
    on_heading = make.comment(
        v2,
        s.reader_a,
        anchor=heading.anchor,
        kind=CommentKind.suggestion,
        suggested_text="# I. Kết quả nổi bật",
        body="Sửa tiêu đề.",
    )
    on_item = make.comment(
        v2,
        s.reader_a,
        anchor=item.anchor,
        kind=CommentKind.suggestion,
        suggested_text="Rà soát, đơn giản hóa 15 thủ tục.",
        body="Sửa.",
    )
    accept(s, on_heading)
    accept(s, on_item)

    text = dispositions.next_version_text(s.draft).text

    assert text == "# I. Kết quả nổi bật\n\n- Rà soát, đơn giản hóa 15 thủ tục.\n\nĐoạn văn.\n"


def test_saving_the_next_version_marks_the_suggestions_it_contains(s, make):
    kept = suggestion(make, s, anchor="p2", quote="rà soát 12 thủ tục", text="rà soát 15 thủ tục")
    rewritten = suggestion(
        make, s, anchor="p3", text="Chuyển đổi số được đẩy mạnh ở mọi đơn vị trực thuộc Ủy ban."
    )
    dropped = suggestion(make, s, anchor="p1", text="I. Kết quả nổi bật", author=s.reader_b)
    for comment in (kept, rewritten, dropped):
        accept(s, comment)
    upcoming = dispositions.next_version_text(s.draft)
    # The drafter takes one suggestion out of the text before saving.
    body = upcoming.text.replace("I. Kết quả nổi bật", "I. Kết quả đạt được")

    v2 = services.save_version(
        actor=s.drafter, draft=s.draft, conference=s.conference, text_value=body
    )

    _db.session.expire_all()
    assert kept.disposition.applied_in_id == v2.id
    assert rewritten.disposition.applied_in_id == v2.id
    # Its paragraph was rewritten with its own suggestion (a new identity): not an orphan.
    assert rewritten.orphaned_in_id is None
    assert dropped.disposition.applied_in_id is None
    assert [a.comment.id for a in dispositions.next_version_text(s.draft).applied] == [dropped.id]
    assert "disposition.applied" in actions()


def test_applied_and_orphaned_suggestions_are_not_offered_again(s, make):
    offer = suggestion(make, s, anchor="p3", text="Đoạn mới hoàn toàn khác về chuyển đổi số.")
    accept(s, offer)
    services.save_version(
        actor=s.drafter,
        draft=s.draft,
        conference=s.conference,
        text_value="\n\n".join(p for p in PARAGRAPHS if "công nghệ" not in p),
    )
    # The suggestion was not written in and its paragraph is gone: nothing to offer.
    _db.session.refresh(offer)
    assert offer.orphaned_in_id is not None and offer.disposition.applied_in_id is None
    assert dispositions.next_version_text(s.draft).applied == []
