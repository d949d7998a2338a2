"""Paragraphs from Markdown and .docx, anchors carried across versions, the word diff."""

from __future__ import annotations

import io
from types import SimpleNamespace

import docx

from meetings.drafts import text as t


def test_markdown_headings_lists_and_paragraphs():
    blocks = t.split_markdown(
        "# Báo cáo\n\nĐoạn một,\ndòng hai.\n\n- ý một\n- ý hai\n  tiếp theo\n\n## Phần II\n\n\nCuối."
    )
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Báo cáo"),
        ("text", 0, "Đoạn một,\ndòng hai."),
        ("list_item", 0, "- ý một"),
        ("list_item", 0, "- ý hai\ntiếp theo"),
        ("heading", 2, "Phần II"),
        ("text", 0, "Cuối."),
    ]
    assert t.split_markdown(t.to_markdown(blocks)) == blocks
    assert t.split_markdown(" \n\n  ") == []


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("Báo cáo sơ kết", level=1)
    document.add_paragraph("")
    document.add_paragraph("Ủy ban Dân tộc đã hoàn thành kế hoạch.")
    document.add_heading("Nhiệm vụ", level=2)
    document.add_paragraph("Rà soát thủ tục hành chính", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Chỉ tiêu"
    table.cell(0, 1).text = "100%"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_lists_text_and_tables():
    blocks = t.docx_blocks(io.BytesIO(_docx_bytes()))
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Báo cáo sơ kết"),
        ("text", 0, "Ủy ban Dân tộc đã hoàn thành kế hoạch."),
        ("heading", 2, "Nhiệm vụ"),
        ("list_item", 0, "- Rà soát thủ tục hành chính"),
        ("text", 0, "Chỉ tiêu"),
        ("text", 0, "100%"),
    ]


V1 = [
    "Tình hình chung",
    "Trong 6 tháng đầu năm, Ủy ban đã ban hành kế hoạch cải cách hành chính năm 2016.",
    "Công tác kiểm soát thủ tục hành chính được thực hiện thường xuyên.",
    "Hạn chế: một số đơn vị chưa báo cáo đúng hạn.",
    "Phương hướng 6 tháng cuối năm",
]


def test_anchors_across_three_versions():
    v1 = list(zip([t.new_anchor() for _ in V1], V1, strict=True))
    a = {text: anchor for anchor, text in v1}

    # v2: one slight edit, one insertion, one deletion
    v2_texts = [
        V1[0],
        "Trong 6 tháng đầu năm 2016, Ủy ban đã ban hành kế hoạch cải cách hành chính.",
        "Mới: ứng dụng công nghệ thông tin trong quản lý văn bản được đẩy mạnh.",
        V1[2],
        V1[4],
    ]
    v2_anchors = t.carry_anchors(v1, v2_texts)
    assert v2_anchors[0] == a[V1[0]]
    assert v2_anchors[1] == a[V1[1]]  # slightly edited: same identity
    assert v2_anchors[2] not in a.values()  # inserted: a new anchor
    assert v2_anchors[3] == a[V1[2]]
    assert v2_anchors[4] == a[V1[4]]
    assert a[V1[3]] not in v2_anchors  # deleted
    assert len(set(v2_anchors)) == 5

    # v3: move a paragraph, rewrite one completely, edit the inserted one
    v2 = list(zip(v2_anchors, v2_texts, strict=True))
    v3_texts = [
        V1[0],
        V1[2],
        "Trong 6 tháng đầu năm 2016, Ủy ban đã ban hành kế hoạch cải cách hành chính.",
        "Một đoạn viết lại hoàn toàn khác về nội dung và câu chữ.",
        "Mới: ứng dụng công nghệ thông tin trong quản lý văn bản tiếp tục được đẩy mạnh.",
        V1[4],
    ]
    v3_anchors = t.carry_anchors(v2, v3_texts)
    assert v3_anchors[0] == v2_anchors[0]
    assert v3_anchors[1] == v2_anchors[3]  # moved but identical
    assert v3_anchors[2] == v2_anchors[1]  # the v1 paragraph, still the same identity
    assert v3_anchors[2] == a[V1[1]]
    assert v3_anchors[3] not in v2_anchors  # not similar to anything: new
    assert v3_anchors[4] == v2_anchors[2]  # the v2 insertion, edited again
    assert v3_anchors[5] == a[V1[4]]


def test_each_old_anchor_is_used_once_and_duplicates_keep_order():
    old = [("a", "Đồng ý."), ("b", "Đồng ý.")]
    assert t.carry_anchors(old, ["Đồng ý.", "Đồng ý.", "Đồng ý."])[:2] == ["a", "b"]
    similar = [("x", "Báo cáo được trình bày đầy đủ")]
    anchors = t.carry_anchors(similar, ["Báo cáo được trình bày đầy đủ.", "Báo cáo trình bày đủ"])
    assert anchors.count("x") == 1 and anchors[0] == "x"


def test_word_spans_mark_insertions_and_deletions():
    spans = t.word_spans("đã ban hành kế hoạch năm 2016", "đã ban hành kế hoạch cải cách năm 2016")
    assert [(s.op, s.text) for s in spans] == [
        ("equal", "đã ban hành kế hoạch "),
        ("insert", "cải cách "),
        ("equal", "năm 2016"),
    ]
    replaced = t.word_spans("hoàn thành 90%", "hoàn thành 100%")
    assert [(s.op, s.text) for s in replaced] == [
        ("equal", "hoàn thành "),
        ("delete", "90"),
        ("insert", "100"),
        ("equal", "%"),
    ]
    punctuation = t.word_spans("đúng thời hạn.", "đúng thời hạn;")
    assert [(s.op, s.text) for s in punctuation][-2:] == [("delete", "."), ("insert", ";")]


def _p(anchor, text, kind="text", level=0):
    return SimpleNamespace(anchor=anchor, text=text, kind=kind, level=level)


def test_diff_pairs_paragraphs_by_anchor():
    old = [
        _p("h", "Tình hình", "heading", 1),
        _p("a", "một hai ba"),
        _p("b", "bị xóa"),
        _p("c", "giữ nguyên"),
    ]
    new = [
        _p("h", "Tình hình", "heading", 1),
        _p("a", "một hai bốn"),
        _p("n", "đoạn mới"),
        _p("c", "giữ nguyên"),
    ]
    rows = t.diff_paragraphs(old, new)
    assert [(r.status, r.anchor, r.old_number, r.new_number) for r in rows] == [
        ("unchanged", "h", 1, 1),
        ("changed", "a", 2, 2),
        ("removed", "b", 3, None),
        ("added", "n", None, 3),
        ("unchanged", "c", 4, 4),
    ]
    assert [(s.op, s.text) for s in rows[1].spans] == [
        ("equal", "một hai "),
        ("delete", "ba"),
        ("insert", "bốn"),
    ]
    assert t.diff_summary(rows) == {"unchanged": 2, "changed": 1, "added": 1, "removed": 1}
