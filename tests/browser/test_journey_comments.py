"""Journeys 3-4 (JOURNEYS.md): a regional office comments on a paragraph of the circulated
draft; the drafting unit, with the draft open, sees the comment arrive without reloading and
accepts it; the office sees the answer arrive; the consolidated table's exports contain it."""

from __future__ import annotations

import re

import pytest
from docx import Document
from openpyxl import load_workbook

from meetings.accounts.models import UnitKind
from meetings.conferences.models import Attendance
from meetings.drafts.models import Comment, Decision, Disposition
from tests.browser.helpers import expect, log_in

pytestmark = pytest.mark.browser

PARAGRAPHS = [
    "II. Tồn tại, hạn chế",
    "Một số vụ, đơn vị chưa gửi báo cáo định kỳ về công tác CCHC đúng thời hạn quy định.",
    "Tập trung thực hiện 7 nhiệm vụ CCHC trong 6 tháng cuối năm 2016.",
]
REMARK = "Đề nghị bổ sung hạn chế về ứng dụng công nghệ thông tin ở các điểm cầu địa phương."
REASON = "Tiếp thu, bổ sung vào mục II của dự thảo lần 2."


@pytest.fixture
def scene(db, make):
    drafting = make.unit("TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Department of Personnel")
    office = make.unit(
        "DP3",
        name_vi="Vụ Địa phương III",
        name_en="Regional Department III",
        kind=UnitKind.regional_office,
    )
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    make.participant(conference, unit=drafting)
    make.participant(conference, unit=office, attendance=Attendance.remote)
    drafter = make.user(
        unit=drafting, full_name="Phạm Văn Long", email="baocao@ubdt.test", locale="vi"
    )
    reader = make.user(unit=office, full_name="H'Linh Niê", email="dp3@ubdt.test", locale="vi")
    draft = make.draft(conference, drafting, PARAGRAPHS)
    make.circulation(draft.latest, [office])
    db.session.commit()
    return {"draft_id": draft.id, "drafter": drafter.email, "reader": reader.email}


def test_a_regional_office_comments_and_the_drafting_unit_accepts_it_live(
    db, scene, new_page, tmp_path
):
    url = f"/drafts/{scene['draft_id']}"
    drafter = new_page("drafter")
    log_in(drafter, scene["drafter"])
    drafter.goto(url)
    expect(drafter.get_by_test_id("live-status")).to_be_visible()  # its socket is joined

    office = new_page("office")
    log_in(office, scene["reader"])
    office.goto(url)
    expect(office.get_by_test_id("live-status")).to_be_visible()
    paragraph = office.locator("li[data-anchor='p2']")
    paragraph.get_by_test_id("comment-button").click()
    form = paragraph.get_by_test_id("comment-form")
    form.locator("textarea[name='body']").fill(REMARK)
    form.locator("button[type='submit']").click()
    expect(paragraph.get_by_test_id("thread")).to_contain_text(REMARK)

    # The drafting unit's page shows it by itself, under the same paragraph.
    thread = drafter.locator("li[data-anchor='p2']").get_by_test_id("thread")
    expect(thread).to_contain_text(REMARK)
    expect(thread).to_contain_text("Vụ Địa phương III")
    expect(drafter.get_by_test_id("comments-total")).to_have_text("1")

    thread.get_by_test_id("dispose-toggle").click()
    answer = thread.get_by_test_id("dispose-form")
    answer.locator("label[for$='-accepted']").click()
    answer.locator("textarea[name='reason']").fill(REASON)
    answer.locator("button[type='submit']").click()
    decided = drafter.locator("li[data-anchor='p2']").get_by_test_id("disposition")
    expect(decided).to_have_attribute("data-decision", "accepted")
    expect(decided).to_contain_text(REASON)

    # The office sees the answer arrive too.
    expect(office.locator("li[data-anchor='p2']").get_by_test_id("disposition")).to_have_attribute(
        "data-decision", "accepted"
    )

    stored = db.session.query(Comment).one()
    assert stored.unit.code == "DP3" and stored.anchor == "p2"
    assert db.session.query(Disposition).one().decision == Decision.accepted

    # The consolidated comment table, and its two exports, carry the comment and the answer.
    drafter.get_by_test_id("table-link").click()
    expect(drafter).to_have_url(re.compile(r"/table"))
    expect(drafter.get_by_test_id("comment-table")).to_contain_text(REMARK)
    with drafter.expect_download() as download:
        drafter.get_by_test_id("export-xlsx").click()
    saved = tmp_path / download.value.suggested_filename
    assert saved.suffix == ".xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(REMARK in c for c in cells) and any(REASON in c for c in cells)
    assert any("Vụ Địa phương III" in c for c in cells)
    with drafter.expect_download() as download:
        drafter.get_by_test_id("export-docx").click()
    saved = tmp_path / download.value.suggested_filename
    assert saved.suffix == ".docx"
    download.value.save_as(saved)
    document = Document(saved)
    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert REMARK in text and REASON in text and "Vụ Địa phương III" in text
