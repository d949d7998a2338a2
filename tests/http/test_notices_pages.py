"""Pages of the conclusion notice and the minutes: who may see and do what, the forms, the
downloads."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from meetings.directives.models import MinutesRevision, Notice, NoticeStatus
from meetings.extensions import db
from tests import notices_scene
from tests.notices_scene import DIRECTIVE_1
from tests.unit.test_notices import require_fonts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def scene(make):
    data = notices_scene.build(make)
    db.session.commit()
    return data


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _notice(scene, *, issued=False) -> Notice:
    from datetime import date

    from meetings.directives import notices

    notice = notices.generate_notice(actor=scene.organizer, conference=scene.conference)
    if issued:
        notices.issue_notice(
            actor=scene.organizer,
            notice=notice,
            conference=scene.conference,
            issued_on=date(2016, 9, 22),
        )
    db.session.commit()
    return notice


def _revision(scene) -> MinutesRevision:
    from meetings.directives import minutes

    revision = minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    db.session.commit()
    return revision


# --- who may do what: every route, every role ------------------------------------------

ROLES = ["organizer", "chair", "secretary", "delegate", "outsider", None]


def _as(client, login_as, scene, who):
    if who is None:
        client.post("/logout")
    else:
        login_as(getattr(scene, who))


@pytest.mark.parametrize(
    "who, expected",
    [
        ("organizer", 200),
        ("chair", 200),
        ("secretary", 200),
        ("delegate", 200),
        ("outsider", 404),
        (None, 302),
    ],
)
def test_reading_pages_and_downloads(client, login_as, scene, who, expected):
    notice = _notice(scene, issued=True)
    _revision(scene)
    _as(client, login_as, scene, who)
    cid = scene.conference.id
    urls = [
        f"/conferences/{cid}/notices",
        f"/notices/{notice.id}",
        f"/notices/{notice.id}.docx",
        f"/conferences/{cid}/minutes",
        f"/conferences/{cid}/minutes/revisions/1",
        f"/conferences/{cid}/minutes.docx",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("organizer", 303),
        ("chair", 403),
        ("secretary", 403),
        ("delegate", 403),
        ("outsider", 404),
        (None, 302),
    ],
)
def test_generating_the_notice(client, login_as, scene, who, expected):
    _as(client, login_as, scene, who)

    response = client.post(f"/conferences/{scene.conference.id}/notices")

    assert response.status_code == expected
    assert _count(Notice) == (1 if expected == 303 else 0)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("organizer", 303),
        ("secretary", 303),
        ("chair", 403),
        ("delegate", 403),
        ("outsider", 404),
        (None, 302),
    ],
)
def test_generating_the_minutes(client, login_as, scene, who, expected):
    _as(client, login_as, scene, who)

    response = client.post(f"/conferences/{scene.conference.id}/minutes/generate")

    assert response.status_code == expected
    assert _count(MinutesRevision) == (1 if expected == 303 else 0)


@pytest.mark.parametrize(
    "who, expected", [("chair", 403), ("secretary", 403), ("delegate", 403), ("outsider", 404)]
)
def test_only_organizers_edit_issue_correct_or_delete_notices(
    client, login_as, scene, who, expected
):
    draft = _notice(scene)
    _as(client, login_as, scene, who)

    assert client.get(f"/notices/{draft.id}/edit").status_code == expected
    assert client.post(f"/notices/{draft.id}/edit", data={"title": "X"}).status_code == expected
    assert client.post(f"/notices/{draft.id}/issue").status_code == expected
    assert client.post(f"/notices/{draft.id}/delete").status_code == expected
    db.session.expire_all()
    assert db.session.get(Notice, draft.id).status == NoticeStatus.draft
    assert db.session.get(Notice, draft.id).title != "X"


# --- the notice, from generation to correction ------------------------------------------


def test_the_secretariat_generates_edits_issues_and_corrects_the_notice(client, login_as, scene):
    login_as(scene.organizer)
    cid = scene.conference.id

    empty = client.get(f"/conferences/{cid}/notices").get_data(as_text=True)
    assert 'data-testid="generate-notice"' in empty

    response = client.post(f"/conferences/{cid}/notices")
    assert response.status_code == 303
    notice = db.session.scalar(select(Notice))
    assert response.headers["Location"].endswith(f"/notices/{notice.id}/edit")

    page = client.get(f"/notices/{notice.id}/edit").get_data(as_text=True)
    assert 'name="summary"' in page and "Thứ trưởng, Phó Chủ nhiệm Hà Hùng" in page
    assert DIRECTIVE_1 in page and "Dec 31, 2016" in page  # the reader reads English

    form = {
        "version": notice.version,
        "symbol": "TB-UBDT",
        "parent_body": "",
        "issuing_body": "Ủy ban Dân tộc",
        "place": "Hà Nội",
        "issued_on": "",
        "title": "Kết luận của Thứ trưởng, Phó Chủ nhiệm Hà Hùng tại Hội nghị sơ kết",
        "summary": notice.summary,
        "closing": "Văn phòng Ủy ban thông báo để các vụ, đơn vị biết, thực hiện./.",
        "recipients": "Như trên;\nLưu: VT, VP.",
        "signer_title": "TL. BỘ TRƯỞNG, CHỦ NHIỆM\nCHÁNH VĂN PHÒNG",
        "signer_name": "Nguyễn Văn An",
    }
    bad = client.post(f"/notices/{notice.id}/edit", data={**form, "title": "", "symbol": "tb ubdt"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Nothing was saved" in text and "This field is required." in text
    assert "Nguyễn Văn An" in text  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).signer_name == "Hà Hùng"

    assert client.post(f"/notices/{notice.id}/edit", data=form).status_code == 303
    db.session.expire_all()
    notice = db.session.get(Notice, notice.id)
    assert notice.signer_name == "Nguyễn Văn An" and notice.version == 2

    stale = client.post(f"/notices/{notice.id}/edit", data={**form, "version": 1, "place": "Huế"})
    assert stale.status_code == 409 and "Someone else saved this notice" in stale.get_data(
        as_text=True
    )

    taken = client.post(
        f"/notices/{notice.id}/issue", data={"version": 2, "number": "x", "issued_on": "2016-09-22"}
    )
    assert taken.status_code == 422 and "Enter a number from 1 to 99999" in taken.get_data(
        as_text=True
    )

    issued = client.post(
        f"/notices/{notice.id}/issue", data={"version": 2, "number": "", "issued_on": "2016-09-22"}
    )
    assert issued.status_code == 303
    shown = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert "Số: 1/TB-UBDT" in shown and "Hà Nội, ngày 22 tháng 9 năm 2016" in shown
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in shown and DIRECTIVE_1 in shown
    assert 'data-testid="draft-mark"' not in shown
    assert 'data-testid="correct-notice"' in shown

    # An issued notice is not edited: the form sends back to the document.
    again = client.get(f"/notices/{notice.id}/edit")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/notices/{notice.id}")
    refused = client.post(f"/notices/{notice.id}/edit", data={**form, "version": 3})
    assert refused.status_code == 409

    corrected = client.post(f"/notices/{notice.id}/correct")
    assert corrected.status_code == 303
    correction = db.session.scalar(select(Notice).where(Notice.replaces_id == notice.id))
    assert corrected.headers["Location"].endswith(f"/notices/{correction.id}/edit")
    listing = client.get(f"/conferences/{cid}/notices").get_data(as_text=True)
    assert "1/TB-UBDT" in listing and "Replaces No. 1/TB-UBDT" in listing


def test_a_draft_preview_is_marked_and_can_be_deleted(client, login_as, scene):
    notice = _notice(scene)
    login_as(scene.organizer)

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert 'data-testid="draft-mark"' in page and "DỰ THẢO" in page

    assert client.post(f"/notices/{notice.id}/delete", data={"version": 1}).status_code == 303
    assert _count(Notice) == 0


def test_the_downloads_are_named_and_private(client, login_as, scene):
    require_fonts()
    notice = _notice(scene, issued=True)
    login_as(scene.delegate)

    word = client.get(f"/notices/{notice.id}.docx")
    pdf = client.get(f"/notices/{notice.id}.pdf")

    assert word.status_code == 200 and word.mimetype == DOCX
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "1-TB-UBDT.pdf" in pdf.headers["Content-Disposition"]
    assert "private" in pdf.headers["Cache-Control"]
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert DIRECTIVE_1 in text


# --- the minutes ---------------------------------------------------------------------------


def test_the_secretary_generates_edits_and_reads_every_revision(client, login_as, scene):
    login_as(scene.secretary)
    cid = scene.conference.id

    empty = client.get(f"/conferences/{cid}/minutes").get_data(as_text=True)
    assert 'data-testid="empty"' in empty and 'data-testid="generate-minutes"' in empty

    assert client.post(f"/conferences/{cid}/minutes/generate").status_code == 303
    page = client.get(f"/conferences/{cid}/minutes").get_data(as_text=True)
    assert "Điểm cầu Vụ Địa phương II" in page and "15:10–16:02" in page
    assert "<h3>" in page and DIRECTIVE_1 in page

    form = client.get(f"/conferences/{cid}/minutes/edit").get_data(as_text=True)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "## " in body
    assert 'name="base" value="1"' in form

    saved = client.post(
        f"/conferences/{cid}/minutes/edit",
        data={"body": "## Biên bản\n\nThư ký ghi: **đồng ý**.", "note": "Rút gọn", "base": "1"},
    )
    assert saved.status_code == 303
    latest = client.get(f"/conferences/{cid}/minutes").get_data(as_text=True)
    assert "<strong>đồng ý</strong>" in latest and "Revision 2" in latest and "Rút gọn" in latest

    stale = client.post(
        f"/conferences/{cid}/minutes/edit", data={"body": "Văn bản cũ", "note": "", "base": "1"}
    )
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "Revision 2 is the latest now" in text and "Văn bản cũ" in text
    assert 'name="base" value="2"' in text  # saving again, knowingly, is one click
    assert _count(MinutesRevision) == 2

    empty_body = client.post(
        f"/conferences/{cid}/minutes/edit", data={"body": " ", "note": "", "base": "2"}
    )
    assert empty_body.status_code == 422 and "This field is required." in empty_body.get_data(
        as_text=True
    )
    assert _count(MinutesRevision) == 2

    old = client.get(f"/conferences/{cid}/minutes/revisions/1").get_data(as_text=True)
    assert 'data-testid="old-revision"' in old and "Điểm cầu Vụ Địa phương II" in old
    assert client.get(f"/conferences/{cid}/minutes/revisions/7").status_code == 404

    word = client.get(f"/conferences/{cid}/minutes.docx?revision=1")
    assert word.status_code == 200 and word.mimetype == DOCX
    assert client.get(f"/conferences/{cid}/minutes.docx?revision=x").status_code == 404


def test_minutes_downloads_before_any_revision_answer_404(client, login_as, scene):
    login_as(scene.organizer)
    assert client.get(f"/conferences/{scene.conference.id}/minutes.pdf").status_code == 404
    assert client.get(f"/conferences/{scene.conference.id}/minutes/edit").status_code == 302


def test_readers_see_no_writing_buttons(client, login_as, scene):
    _notice(scene, issued=True)
    _revision(scene)
    login_as(scene.delegate)

    notices_page = client.get(f"/conferences/{scene.conference.id}/notices").get_data(as_text=True)
    minutes_page = client.get(f"/conferences/{scene.conference.id}/minutes").get_data(as_text=True)

    assert "generate-notice" not in notices_page and "/edit" not in notices_page
    assert "generate-minutes" not in minutes_page and "edit-minutes" not in minutes_page


def test_pages_speak_vietnamese_by_default(client, login_as, scene, make):
    _notice(scene, issued=True)
    scene.organizer.locale = "vi"
    db.session.commit()
    login_as(scene.organizer)

    page = client.get(f"/conferences/{scene.conference.id}/notices")

    assert page.status_code == 200 and '<html lang="vi">' in page.get_data(as_text=True)
