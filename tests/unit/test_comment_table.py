"""The consolidated comment table: which comments, grouped how, who sees what, filters,
and the .docx / .xlsx exports read back with python-docx and openpyxl."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import force_locale

from meetings.drafts import services, table
from meetings.drafts.models import CommentKind
from meetings.errors import NotFoundError, ValidationError
from meetings.extensions import db as _db
from tests.unit.test_dispositions import (
    PARAGRAPHS,
    challenge,
    dispose,
    disposition_scene,
)


@pytest.fixture
def s(db, make):
    return disposition_scene(make)


def build(s, actor=None, **kwargs) -> table.CommentTable:
    return table.build(actor=actor or s.drafter, draft=s.draft, conference=s.conference, **kwargs)


def lay_out(t: table.CommentTable) -> list[tuple[int, list[tuple[int, str, str]]]]:
    """(paragraph number, [(No., unit code, state), ...]) per group."""
    return [
        (g.paragraph.position, [(r.number, r.comment.unit.code, r.state) for r in g.rows])
        for g in t.groups
    ]


@pytest.fixture
def filled(s, make):
    """Comments of two units on paragraphs 2 and 3, some answered, one contested."""
    c1 = make.comment(s.v1, s.reader_a, anchor="p3", body="Đề nghị nêu rõ nguyên nhân chậm.")
    c2 = make.comment(
        s.v1,
        s.reader_b,
        anchor="p2",
        kind=CommentKind.suggestion,
        quote="12 thủ tục",
        suggested_text="15 thủ tục",
        body="Số liệu **chưa** cập nhật.",
        late=True,
    )
    c3 = make.comment(s.v1, s.reader_a, anchor="p2", body="Bổ sung kết quả cụ thể.")
    c4 = make.comment(s.v1, s.reader_b, anchor="p3", body="Đề nghị giữ nguyên.")
    dispose(
        s, c2, decision="accepted", reason="Tiếp thu, đã cập nhật số liệu.", apply_suggestion=True
    )
    dispose(s, c3, decision="explained", reason="Kết quả cụ thể đã nêu ở Phụ lục 1.")
    challenge(s, c3, reason="Phụ lục 1 không có số liệu quý II.")
    dispose(s, c4, decision="partly_accepted", reason="Tiếp thu một phần.")
    return c1, c2, c3, c4


def test_the_table_groups_comments_by_paragraph_in_the_order_of_the_text(s, filled):
    c1, c2, c3, c4 = filled

    t = build(s)

    assert t.version.number == 1
    assert lay_out(t) == [
        (2, [(1, "VPĐD-CT", "accepted"), (2, "VPĐD-HCM", "explained")]),
        (3, [(3, "VPĐD-HCM", "pending"), (4, "VPĐD-CT", "partly_accepted")]),
    ]
    assert t.counts == {
        "pending": 1,
        "accepted": 1,
        "partly_accepted": 1,
        "explained": 1,
        "contested": 1,
        "total": 4,
        "late": 1,
        "carried": 0,
    }
    contested = t.groups[0].rows[1]
    assert contested.contested and contested.objection.body == "Phụ lục 1 không có số liệu quý II."
    assert [u.code for u in t.units] == ["VPĐD-CT", "VPĐD-HCM"]


def test_open_comments_are_carried_to_the_next_versions_table(s, make, filled):
    c1, c2, c3, c4 = filled
    v2 = services.save_version(
        actor=s.drafter,
        draft=s.draft,
        conference=s.conference,
        text_value="\n\n".join(PARAGRAPHS).replace("12 thủ tục", "15 thủ tục") + "\n\nĐoạn mới.",
    )
    make.circulation(v2, [s.unit_a, s.unit_b])
    new = make.comment(v2, s.reader_a, anchor=v2.paragraphs[4].anchor, body="Ý kiến trên bản 2.")
    _db.session.flush()

    t2 = build(s, version_number=2)
    t1 = build(s, version_number=1)

    # Open on v2: c1 (no answer) and c3 (challenged); answered ones stay with version 1.
    assert [(r.comment.id, r.carried, r.written_on) for r in t2.rows] == [
        (c3.id, True, 1),
        (c1.id, True, 1),
        (new.id, False, 2),
    ]
    assert t2.counts["carried"] == 2
    assert {r.comment.id for r in t1.rows} == {c1.id, c2.id, c3.id, c4.id}


def test_who_sees_which_comments_in_the_table(s, filled):
    assert build(s, actor=s.organizer).counts["total"] == 4
    assert {r.comment.unit_id for r in build(s, actor=s.reader_a).rows} == {s.unit_a.id}
    assert {r.comment.unit_id for r in build(s, actor=s.reader_b).rows} == {s.unit_b.id}
    for who in (s.bystander, s.outsider):
        with pytest.raises(NotFoundError):
            table.build(actor=who, draft=s.draft, conference=s.conference)

    s.draft.comments_shared = True
    _db.session.flush()
    assert build(s, actor=s.reader_a).counts["total"] == 4


def test_a_version_not_sent_to_the_unit_has_no_table_for_it(s, make):
    services.save_version(
        actor=s.drafter, draft=s.draft, conference=s.conference, text_value="Bản 2."
    )

    with pytest.raises(NotFoundError):
        build(s, actor=s.reader_a, version_number=2)
    assert build(s, actor=s.reader_a).version.number == 1  # the latest it may see


def test_filters_by_state_and_unit_keep_the_numbers(s, filled):
    assert [r.number for r in build(s, state="pending").rows] == [3]
    assert [r.number for r in build(s, state="contested").rows] == [2]
    assert [r.number for r in build(s, state="explained").rows] == [2]
    only_b = build(s, unit_id=str(s.unit_b.id))
    assert [r.number for r in only_b.rows] == [1, 4]
    assert only_b.filtered and only_b.counts["total"] == 4  # the totals stay whole
    assert build(s, state="accepted", unit_id=s.unit_a.id).groups == []

    with pytest.raises(ValidationError) as error:
        build(s, state="approved")
    assert "decision" in error.value.field_errors
    with pytest.raises(ValidationError):
        build(s, unit_id="HCM")


def test_the_table_takes_the_same_number_of_queries_however_many_comments(db, make, query_counter):
    def queries(**size) -> int:
        organizer = make.organizer()
        conference = make.conference(organizer=organizer)
        draft = make.busy_draft(conference, **size)
        db.session.commit()
        db.session.expire_all()
        with query_counter() as statements:
            found, conference = services.get_draft(draft.id, actor=organizer)
            t = table.build(actor=organizer, draft=found, conference=conference)
            # everything the page and the exports read
            seen = [
                (r.comment.unit.name, r.comment.author.full_name, r.disposition, r.objection)
                for r in t.rows
            ]
        assert len(seen) == size["top_level"]
        return len(statements)

    small = queries(paragraphs=3, top_level=2, replies=1)
    big = queries(paragraphs=300, top_level=800, replies=200)
    assert big == small, (small, big)
    assert big <= 20, big  # the draft, its conference, then the table itself


def test_plain_text_of_a_markdown_comment():
    source = (
        "Đề nghị **làm rõ** số liệu:\n\n- quý I\n- quý II\n\nXem [báo cáo](https://ubdt.gov.vn/bc)."
    )
    assert table.plain_text(source) == (
        "Đề nghị làm rõ số liệu:\n• quý I\n• quý II\nXem báo cáo (https://ubdt.gov.vn/bc)."
    )
    assert table.plain_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert table.plain_text("a\x00b\x0bc") == "abc"


# --- exports ---------------------------------------------------------------------------------


def docx_text(data: bytes) -> tuple[docx.document.Document, str, list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    return document, paragraphs, rows


def test_the_docx_export_has_the_title_block_and_every_comment_in_vietnamese(app, s, filled):
    with app.test_request_context("/?lang=en"), force_locale("en"):
        data = table.to_docx(build(s))

    document, head, rows = docx_text(data)
    assert "PERSONNEL DEPARTMENT" in head  # the drafting unit, upper case
    assert "Hội nghị sơ kết 6 tháng đầu năm" in head
    assert "CONSOLIDATED TABLE OF COMMENTS" in head
    assert "on the draft “Báo cáo sơ kết công tác cải cách hành chính”, version 1" in head
    assert (
        "4 comments: 1 accepted, 1 partly accepted, 1 explained, 1 not answered yet, 1 contested."
        in head
    )
    assert rows[0] == ["No.", "Paragraph", "Unit", "Comment", "Disposition", "Reason"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    # A paragraph's comments share one merged cell
    assert (
        rows[1][1]
        == rows[2][1]
        == (
            "Paragraph 2\nCông tác cải cách hành chính được triển khai đồng bộ, rà soát 12 thủ tục hành chính."
        )
    )
    assert rows[1][2] == "Representative office in Can Tho"
    assert rows[1][3] == (
        "“12 thủ tục”\nSuggestion:\nSố liệu chưa cập nhật.\nSuggested text:\n15 thủ tục\n(Late)"
    )
    assert rows[1][4] == "Accepted\nTo be written into the next version"
    assert rows[1][5] == "Tiếp thu, đã cập nhật số liệu."
    assert rows[2][4] == "Explained\nContested by the unit"
    assert rows[2][5] == (
        "Kết quả cụ thể đã nêu ở Phụ lục 1.\nThe unit's objection:\nPhụ lục 1 không có số liệu quý II."
    )
    assert rows[3][2:5] == [
        "Representative office in Ho Chi Minh City",
        "Đề nghị nêu rõ nguyên nhân chậm.",
        "Not answered yet",
    ]
    assert rows[4][4] == "Partly accepted"

    section = document.sections[0]
    assert section.orientation == 1  # landscape
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    normal = document.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(13))
    header_row = document.tables[0].rows[0]._tr
    assert header_row.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert abs(document.tables[0].rows[1].cells[3].width - Cm(7.0)) < Cm(0.05)


def test_the_docx_export_in_vietnamese_names_the_units_in_vietnamese(app, s, filled):
    with app.test_request_context("/?lang=vi"), force_locale("vi"):
        data = table.to_docx(build(s))
        title = table.title_lines(build(s))["title"].upper()

    document, head, rows = docx_text(data)
    assert "VỤ TỔ CHỨC CÁN BỘ" in head and title in head
    assert [r[2] for r in rows[1:]] == [
        "Văn phòng đại diện tại Cần Thơ",
        "Văn phòng đại diện tại TP. Hồ Chí Minh",
        "Văn phòng đại diện tại TP. Hồ Chí Minh",
        "Văn phòng đại diện tại Cần Thơ",
    ]
    assert rows[4][3] == "Đề nghị giữ nguyên."
    assert rows[4][5] == "Tiếp thu một phần."
    assert document.core_properties.language == "vi-VN"


def test_an_empty_table_exports_with_a_note(app, s):
    with app.test_request_context("/?lang=en"), force_locale("en"):
        t = build(s)
        _document, _head, rows = docx_text(table.to_docx(t))
        sheet = openpyxl.load_workbook(io.BytesIO(table.to_xlsx(t))).active

    assert rows[1][0] == "No comments."
    assert sheet["A8"].value == "No comments."


def test_the_xlsx_export_has_a_frozen_header_and_every_comment(app, s, make, filled):
    formula = make.comment(s.v1, s.reader_a, anchor="p4", body='=HYPERLINK("http://x.test","bấm")')
    _db.session.flush()
    with app.test_request_context("/?lang=vi"), force_locale("vi"):
        data = table.to_xlsx(build(s))
        labels = table.headers()
        accepted = str(table.STATE_LABELS["accepted"])

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet["A1"].value == "VỤ TỔ CHỨC CÁN BỘ"
    assert sheet["A2"].value == "Hội nghị sơ kết 6 tháng đầu năm"
    assert [c.value for c in sheet[7]] == labels
    assert sheet.freeze_panes == "A8"
    assert sheet.auto_filter.ref == "A7:F12"
    assert sheet.print_title_rows == "$7:$7"
    assert sheet.page_setup.orientation == "landscape"
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=8)]
    assert [r[0] for r in body] == [1, 2, 3, 4, 5]
    assert body[0][2] == "Văn phòng đại diện tại Cần Thơ"
    assert body[0][3].startswith("“12 thủ tục”\n")
    assert "\nSố liệu chưa cập nhật.\n" in body[0][3] and body[0][3].count("15 thủ tục") == 1
    assert body[0][4].startswith(accepted + "\n")
    assert body[1][5].startswith("Kết quả cụ thể đã nêu ở Phụ lục 1.\n")
    assert body[1][5].endswith("\nPhụ lục 1 không có số liệu quý II.")
    assert body[3][1].endswith("\nViệc ứng dụng công nghệ thông tin còn chậm.")
    # A comment that looks like a formula stays text
    assert body[4][3] == '=HYPERLINK("http://x.test","bấm")'
    assert sheet.cell(row=12, column=4).data_type == "s"
    assert sheet["D8"].alignment.wrap_text
    assert sheet.column_dimensions["D"].width == 60
    assert formula.id


def test_the_download_name_is_readable_and_safe(app, s):
    s.draft.title = "Báo cáo 6/2016: CCHC"
    with app.test_request_context("/?lang=en"), force_locale("en"):
        name = table.download_name(build(s), "docx")
    assert name == "Comment table - Báo cáo 6-2016: CCHC - v1.docx"
