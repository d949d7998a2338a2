"""Official documents of a conference: the conclusion notice and the minutes, as Word and PDF.

One layout model (OfficialDocument) is filled by meetings.directives.notices and
.minutes, then written three ways: a .docx (python-docx), a PDF (fpdf2) and the
HTML preview (templates/notices/_paper.html). The layout follows Decree
30/2020/NĐ-CP on administrative documents: A4 portrait, margins top 20 mm,
bottom 20 mm, left 30 mm, right 15 mm; a two-column heading (issuing body and
number on the left, national title and motto, place and date on the right); the
kind of document and its summary title centred in bold; the body in 14 pt,
justified, first lines indented; at the end the recipients (“Nơi nhận”, bold
italic 12 pt, recipients 11 pt) on the left and the signer on the right; page
numbers from page 2, centred at the top.

The PDF needs a font with Vietnamese glyphs: Noto Serif, installed from the npm
registry by `make vendor` into static/vendor/fonts/noto-serif/ (never fetched at
run time). Word documents name Times New Roman, the customary font.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt

from meetings.errors import DomainError

# The fixed words of the Vietnamese form. They are the document's own text, required by
# the decree, and stay Vietnamese whatever language the person reads the app in.
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER_LABEL = "Số"
RECIPIENTS_LABEL = "Nơi nhận:"
DRAFT_MARK = "DỰ THẢO"
NOTICE_KIND = "THÔNG BÁO"
MINUTES_KIND = "BIÊN BẢN"
DOCUMENT_LANG = "vi"

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIMETYPE = "application/pdf"

WORD_FONT = "Times New Roman"
FONT_DIR = Path("vendor") / "fonts" / "noto-serif"
FONT_FILES = {
    "": "NotoSerif-Regular.ttf",
    "B": "NotoSerif-Bold.ttf",
    "I": "NotoSerif-Italic.ttf",
    "BI": "NotoSerif-BoldItalic.ttf",
}
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportUnavailableError(DomainError):
    status = 503
    code = "export_unavailable"
    default_message = _l(
        "The PDF font is not installed on this server. Ask the administrator to run "
        "“make vendor”; the Word (.docx) download works meanwhile."
    )


# --- the layout model ----------------------------------------------------------------------


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """A paragraph of the body. kind: heading (level 1..3), paragraph, bullet, numbered."""

    kind: str
    runs: list[Run]
    level: int = 1
    label: str = ""  # "1." for a numbered item, "-" for a bullet
    indent: bool = True  # first-line indent of a body paragraph

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class Signer:
    title_lines: list[str]  # e.g. ["TL. BỘ TRƯỞNG, CHỦ NHIỆM", "CHÁNH VĂN PHÒNG"]
    name: str


@dataclass
class OfficialDocument:
    parent_body: str  # "" when the issuing body has none above it on the document
    issuing_body: str
    reference: str  # "Số: 123/TB-UBDT" (or "Số:      /TB-UBDT" for a draft)
    place_date: str  # "Hà Nội, ngày 20 tháng 9 năm 2016"
    kind: str  # "THÔNG BÁO", "BIÊN BẢN"
    title_lines: list[str]
    blocks: list[Block]
    recipients: list[str] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)  # one: right; two: left and right
    draft: bool = False
    properties: dict[str, str] = field(default_factory=dict)  # title, subject, author


# --- words ---------------------------------------------------------------------------------


def clean(value: str | None) -> str:
    """NFC text without the control characters XML and PDF refuse."""
    return unicodedata.normalize("NFC", CONTROL_RE.sub("", value or ""))


def vietnamese_date(day: date | None, *, year: int | None = None) -> str:
    """“ngày 20 tháng 9 năm 2016”; the decree writes a leading zero for days below 10 and
    for January and February (“ngày 05 tháng 02 năm 2017”). Without a day: blanks to be
    filled in by hand when the document is signed."""
    if day is None:
        blank = "\u00a0" * 6
        return f"ngày{blank}tháng{blank}năm {year or ''}".rstrip()
    d = f"{day.day:02d}" if day.day < 10 else str(day.day)
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {d} tháng {m} năm {day.year}"


def place_date(place: str, day: date | None, *, year: int | None = None) -> str:
    return f"{clean(place)}, {vietnamese_date(day, year=year)}"


def reference_line(number: int | None, symbol: str) -> str:
    """“Số: 123/TB-UBDT”; a draft leaves room for the number."""
    shown = str(number) if number is not None else "\u00a0" * 6
    return f"{NUMBER_LABEL}: {shown}/{clean(symbol)}"


def recipient_lines(text: str | None) -> list[str]:
    """One recipient a line, each written “- ...” as the form has it."""
    lines = []
    for line in clean(text).splitlines():
        line = line.strip().lstrip("-–•").strip()
        if line:
            lines.append(f"- {line}")
    return lines


def text_blocks(text: str | None, *, indent: bool = True) -> list[Block]:
    """Plain paragraphs (one per non-empty line) as body blocks."""
    return [
        Block("paragraph", [Run(line.strip())], indent=indent)
        for line in clean(text).splitlines()
        if line.strip()
    ]


# --- Markdown (the minutes) as blocks ---------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(["image"])


def markdown_blocks(source: str | None) -> list[Block]:
    """Headings, paragraphs, bulleted and numbered lists, bold and italic; the rest as text."""
    blocks: list[Block] = []
    pending: dict = {}
    lists: list[dict] = []  # {"ordered": bool, "next": int}
    for token in _markdown.parse(clean(source)):
        if token.type == "heading_open":
            pending = {"kind": "heading", "level": min(int(token.tag[1]), 3)}
        elif token.type == "bullet_list_open":
            lists.append({"ordered": False, "next": 1})
        elif token.type == "ordered_list_open":
            start = token.attrGet("start")
            lists.append({"ordered": True, "next": int(start) if start else 1})
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            pending = {}
        elif token.type == "list_item_close":
            pending = {}
        elif token.type == "list_item_open" and lists:
            current = lists[-1]
            if current["ordered"]:
                pending = {"kind": "numbered", "label": f"{current['next']}."}
                current["next"] += 1
            else:
                pending = {"kind": "bullet", "label": "-"}
            pending["level"] = len(lists)
        elif token.type in ("fence", "code_block"):
            for line in token.content.rstrip("\n").splitlines():
                blocks.append(Block("paragraph", [Run(line)], indent=False))
        elif token.type == "hr":
            blocks.append(Block("rule", []))
        elif token.type == "inline":
            runs = _inline_runs(token)
            if not runs:
                continue
            kind = pending.get("kind", "paragraph")
            if kind in ("bullet", "numbered") and blocks and pending.get("used"):
                # A second paragraph of the same list item: a continuation without a label.
                blocks.append(
                    Block("continuation", runs, level=pending.get("level", 1), indent=False)
                )
                continue
            blocks.append(
                Block(
                    kind,
                    runs,
                    level=pending.get("level", 1),
                    label=pending.get("label", ""),
                    indent=kind == "paragraph" and not lists,
                )
            )
            if kind in ("bullet", "numbered"):
                pending["used"] = True
            else:
                pending = {}
        elif token.type in ("heading_close",):
            pending = {}
    return blocks


def _inline_runs(token) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    href = None
    for child in token.children or ():
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type == "em_open":
            italic += 1
        elif child.type == "em_close":
            italic -= 1
        elif child.type in ("text", "code_inline"):
            runs.append(Run(child.content, bold > 0, italic > 0))
        elif child.type in ("softbreak", "hardbreak"):
            runs.append(Run("\n", bold > 0, italic > 0))
        elif child.type == "link_open":
            href = child.attrGet("href")
        elif child.type == "link_close" and href:
            runs.append(Run(f" ({href})", bold > 0, italic > 0))
            href = None
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return [run for run in merged if run.text]


# --- .docx ---------------------------------------------------------------------------------


def to_docx(doc: OfficialDocument) -> bytes:
    """The document as Word: A4, Times New Roman 14 pt, the decree's layout."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = WORD_FONT
    normal.font.size = Pt(14)
    properties_xml = normal.element.get_or_add_rPr()
    fonts = properties_xml.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), WORD_FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    properties_xml.append(language)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.header_distance = Cm(1.0)
    section.different_first_page_header_footer = True  # page numbers from page 2
    _page_number(section.header.paragraphs[0], OxmlElement, qn, WD_ALIGN_PARAGRAPH)

    core = document.core_properties
    core.title = doc.properties.get("title", "")
    core.subject = doc.properties.get("subject", "")
    core.author = doc.properties.get("author", "")
    core.language = "vi-VN"

    def paragraph(
        container, text="", *, bold=False, italic=False, size=None, align="center", upper=False
    ):
        p = container.add_paragraph() if container is not None else document.add_paragraph()
        p.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        if text:
            run = p.add_run(text.upper() if upper else text)
            run.bold, run.italic = bold, italic
            if size:
                run.font.size = Pt(size)
        return p

    if doc.draft:
        mark = paragraph(None, DRAFT_MARK, bold=True, size=12, align="left")
        _box(mark, OxmlElement, qn)
        mark.paragraph_format.right_indent = Cm(13.5)
        mark.paragraph_format.space_after = Pt(6)

    # The heading: two rows, so that the number and the date stand on one line.
    head = document.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    head.autofit = False
    widths = (Cm(6.0), Cm(10.5))
    _widths(head, widths)
    left, right = head.cell(0, 0), head.cell(0, 1)
    first = left.paragraphs[0]
    if doc.parent_body:
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = first.add_run(doc.parent_body.upper())
        run.font.size = Pt(13)
        body_p = paragraph(left, doc.issuing_body, bold=True, size=13, upper=True)
    else:
        body_p = first
        body_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = body_p.add_run(doc.issuing_body.upper())
        run.bold, run.font.size = True, Pt(13)
    # The short line under the issuing body: a paragraph whose bottom border is narrow.
    rule = paragraph(left)
    _bottom_border(rule, OxmlElement, qn)
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = Cm(2.2)
    _tiny(rule, Pt)

    title_p = right.paragraphs[0]
    title_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title_p.add_run(NATIONAL_TITLE)
    run.bold, run.font.size = True, Pt(12.5)
    motto = paragraph(right, MOTTO, bold=True, size=13)
    motto.runs[0].underline = True

    number_p = head.cell(1, 0).paragraphs[0]
    number_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number_p.paragraph_format.space_before = Pt(6)
    number_p.add_run(doc.reference).font.size = Pt(13)
    date_p = head.cell(1, 1).paragraphs[0]
    date_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date_p.paragraph_format.space_before = Pt(6)
    run = date_p.add_run(doc.place_date)
    run.italic, run.font.size = True, Pt(14)
    _widths(head, widths)

    kind = paragraph(None, doc.kind, bold=True, size=14, upper=True)
    kind.paragraph_format.space_before = Pt(24)
    for line in doc.title_lines:
        paragraph(None, line, bold=True, size=14)
    rule = paragraph(None)
    _bottom_border(rule, OxmlElement, qn)
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = Cm(6.5)
    _tiny(rule, Pt)
    rule.paragraph_format.space_after = Pt(12)

    for block in doc.blocks:
        last = _docx_block(document, block, Cm, Pt, WD_ALIGN_PARAGRAPH, OxmlElement, qn)
    if doc.blocks:
        last.paragraph_format.keep_with_next = True  # the closing stays with the signature

    _docx_end(document, doc, Cm, Pt, WD_ALIGN_PARAGRAPH, WD_TABLE_ALIGNMENT)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_block(document, block: Block, Cm, Pt, WD_ALIGN_PARAGRAPH, OxmlElement, qn):  # noqa: N803
    p = document.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_after = Pt(6)
    if block.kind == "rule":
        _bottom_border(p, OxmlElement, qn)
        return p
    if block.kind == "heading":
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.space_before = Pt(6)
        fmt.keep_with_next = True
        if block.level == 1:
            fmt.space_before = Pt(12)
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.kind == "paragraph" and block.indent:
        fmt.first_line_indent = Cm(1.27)
    elif block.kind in ("bullet", "numbered", "continuation"):
        fmt.left_indent = Cm(0.75 * block.level)
        if block.kind != "continuation":
            fmt.first_line_indent = Cm(-0.6)
    if block.label:
        p.add_run(f"{block.label}\u00a0")
    for run_model in block.runs:
        pieces = run_model.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                p.add_run().add_break()
            if piece:
                run = p.add_run(piece)
                run.bold = run_model.bold or block.kind == "heading"
                run.italic = run_model.italic or (block.kind == "heading" and block.level == 3)
    return p


def _docx_end(document, doc: OfficialDocument, Cm, Pt, WD_ALIGN_PARAGRAPH, WD_TABLE_ALIGNMENT):  # noqa: N803
    """Recipients on the left and the signer on the right (or two signers side by side)."""
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)
    spacer.paragraph_format.keep_with_next = True
    grid = document.add_table(rows=1, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = (Cm(8.0), Cm(8.5))
    left, right = grid.rows[0].cells
    _widths(grid, widths)
    _keep_rows_together(grid)

    def signer(cell, person: Signer):
        first = True
        for line in person.title_lines:
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(line.upper())
            run.bold, run.font.size = True, Pt(14)
        for _ in range(4):
            cell.add_paragraph()
        p = cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(person.name)
        run.bold, run.font.size = True, Pt(14)

    if len(doc.signers) >= 2:
        signer(left, doc.signers[0])
        signer(right, doc.signers[1])
    else:
        if doc.recipients:
            p = left.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            run = p.add_run(RECIPIENTS_LABEL)
            run.bold = run.italic = True
            run.font.size = Pt(12)
            for line in doc.recipients:
                q = left.add_paragraph()
                q.alignment = WD_ALIGN_PARAGRAPH.LEFT
                q.add_run(line).font.size = Pt(11)
        if doc.signers:
            signer(right, doc.signers[0])


def _widths(table, widths) -> None:
    """Column widths for Word (the cells) and for LibreOffice (the table grid)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _keep_rows_together(table) -> None:
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
                p.paragraph_format.keep_together = True


def _tiny(paragraph, Pt) -> None:  # noqa: N803
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(4)


def _bottom_border(paragraph, OxmlElement, qn) -> None:  # noqa: N803
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _box(paragraph, OxmlElement, qn) -> None:  # noqa: N803
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", "8"),
            ("w:space", "2"),
            ("w:color", "000000"),
        ):
            edge.set(qn(key), value)
        borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number(paragraph, OxmlElement, qn, WD_ALIGN_PARAGRAPH) -> None:  # noqa: N803
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# --- PDF -----------------------------------------------------------------------------------

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20.0, 20.0, 30.0, 15.0
CONTENT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
HEAD_LEFT_W = 68.0
PT = 25.4 / 72  # one point in millimetres


def font_folder() -> Path:
    return Path(current_app.static_folder or "static") / FONT_DIR


def fonts_installed() -> bool:
    folder = font_folder()
    return all((folder / name).is_file() for name in FONT_FILES.values())


def to_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF/A4 in Noto Serif; its text reads back as written (Unicode)."""
    if not fonts_installed():
        raise ExportUnavailableError()
    from fpdf import FPDF

    folder = font_folder()

    class Paper(FPDF):
        def header(self):
            if self.page_no() > 1:  # page numbers from the second page, centred on top
                self.set_font("Serif", "", 13)
                self.set_xy(MARGIN_LEFT, 10)
                self.cell(CONTENT_W, 6, str(self.page_no()), align="C")
                self.set_xy(MARGIN_LEFT, MARGIN_TOP)

    pdf = Paper(orientation="P", unit="mm", format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font("Serif", style, str(folder / name))
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM)
    pdf.set_title(doc.properties.get("title", ""))
    pdf.set_subject(doc.properties.get("subject", ""))
    pdf.set_author(doc.properties.get("author", ""))
    pdf.set_lang("vi-VN")
    pdf.set_creator("meetings")
    pdf.add_page()

    if doc.draft:
        pdf.set_font("Serif", "B", 11)
        width = pdf.get_string_width(DRAFT_MARK) + 6
        pdf.set_xy(MARGIN_LEFT, 10)
        pdf.cell(width, 7, DRAFT_MARK, border=1, align="C")

    _pdf_heading(pdf, doc)

    # Kind and summary title, then a short rule.
    pdf.set_y(pdf.get_y() + 9)
    pdf.set_font("Serif", "B", 14)
    pdf.multi_cell(CONTENT_W, 7, doc.kind.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    for line in doc.title_lines:
        pdf.multi_cell(CONTENT_W, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.3)
    pdf.line(MARGIN_LEFT + CONTENT_W / 2 - 20, y, MARGIN_LEFT + CONTENT_W / 2 + 20, y)
    pdf.set_y(y + 6)

    # The last paragraph (the closing sentence) goes with the signature: a signer alone on
    # the last page would sign nothing.
    body, last = (doc.blocks[:-1], doc.blocks[-1:]) if doc.blocks else ([], [])
    _pdf_body(pdf, body)
    if last:
        pdf.set_font("Serif", "", 14)
        height = pdf.multi_cell(
            CONTENT_W, 14 * PT * 1.2, last[0].text, dry_run=True, output="HEIGHT"
        )
        if pdf.get_y() + height + _end_height(doc) > PAGE_H - MARGIN_BOTTOM:
            pdf.add_page()
        _pdf_body(pdf, last)
    _pdf_end(pdf, doc)
    return bytes(pdf.output())


def _pdf_heading(pdf, doc: OfficialDocument) -> None:
    top = MARGIN_TOP
    right_x, right_w = MARGIN_LEFT + HEAD_LEFT_W - 8, CONTENT_W - HEAD_LEFT_W + 8
    left_x, left_w = MARGIN_LEFT - 12, HEAD_LEFT_W + 4
    # Left: parent body, issuing body (bold), a short rule.
    pdf.set_xy(left_x, top)
    if doc.parent_body:
        pdf.set_font("Serif", "", 12.5)
        pdf.multi_cell(left_w, 6, doc.parent_body.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Serif", "B", 12.5)
    pdf.multi_cell(left_w, 6, doc.issuing_body.upper(), align="C", new_x="LEFT", new_y="NEXT")
    rule_y = pdf.get_y() + 1
    pdf.set_line_width(0.3)
    pdf.line(left_x + left_w / 2 - 12, rule_y, left_x + left_w / 2 + 12, rule_y)
    left_bottom = rule_y
    # Right: the national title, the motto underlined over its own length.
    pdf.set_xy(right_x, top)
    size = 12.5
    pdf.set_font("Serif", "B", size)
    while pdf.get_string_width(NATIONAL_TITLE) > right_w - 1 and size > 10:
        size -= 0.5
        pdf.set_font("Serif", "B", size)
    pdf.cell(right_w, 6, NATIONAL_TITLE, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Serif", "B", 13.5)
    pdf.cell(right_w, 6.5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(MOTTO)
    rule_y2 = pdf.get_y() + 0.6
    pdf.line(right_x + (right_w - motto_w) / 2, rule_y2, right_x + (right_w + motto_w) / 2, rule_y2)
    # The number (left) and the place and date (right) on one line.
    row_y = max(left_bottom, rule_y2) + 3
    pdf.set_xy(left_x, row_y)
    pdf.set_font("Serif", "", 13)
    pdf.cell(left_w, 7, doc.reference, align="C")
    pdf.set_xy(right_x, row_y)
    pdf.set_font("Serif", "I", 13.5)
    pdf.multi_cell(right_w, 7, doc.place_date, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), row_y + 7))


def _pdf_body(pdf, blocks: list[Block]) -> None:
    size = 14
    pdf.set_font("Serif", "", size)
    with pdf.text_columns(text_align="J", line_height=1.2) as columns:
        for block in blocks:
            if block.kind == "rule":
                continue
            if block.kind == "heading":
                paragraph = columns.paragraph(
                    text_align="L", top_margin=3 if block.level == 1 else 1.5, bottom_margin=2
                )
            elif block.kind in ("bullet", "numbered"):
                paragraph = columns.paragraph(
                    indent=7.0 * block.level,
                    bullet_string=block.label,
                    bullet_r_margin=1.5,
                    bottom_margin=1.5,
                )
            elif block.kind == "continuation":
                paragraph = columns.paragraph(indent=7.0 * block.level, bottom_margin=1.5)
            else:
                paragraph = columns.paragraph(
                    first_line_indent=12.7 if block.indent else 0, bottom_margin=2.1
                )
            with paragraph:
                for run in block.runs:
                    bold = run.bold or block.kind == "heading"
                    italic = run.italic or (block.kind == "heading" and block.level == 3)
                    pdf.set_font("Serif", ("B" if bold else "") + ("I" if italic else ""), size)
                    paragraph.write(run.text)
            pdf.set_font("Serif", "", size)


def _end_height(doc: OfficialDocument) -> float:
    """About how tall the recipients and signature block is, in millimetres."""
    titles = max((len(person.title_lines) for person in doc.signers), default=0)
    return 4 + max(6.5 * titles + 33, 8 + 5.6 * (len(doc.recipients) + 1))


def _pdf_end(pdf, doc: OfficialDocument) -> None:
    """Recipients and signer side by side, kept on one page."""
    if pdf.get_y() + _end_height(doc) > PAGE_H - MARGIN_BOTTOM:
        pdf.add_page()
    top = pdf.get_y() + 4
    left_x, left_w = MARGIN_LEFT, 78.0
    right_x, right_w = MARGIN_LEFT + 75.0, CONTENT_W - 75.0

    def signer(x, w, person: Signer):
        pdf.set_xy(x, top)
        pdf.set_font("Serif", "B", 13.5)
        for line in person.title_lines:
            pdf.multi_cell(w, 6.5, line.upper(), align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_y(pdf.get_y() + 24)
        pdf.set_x(x)
        pdf.multi_cell(w, 7, person.name, align="C", new_x="LEFT", new_y="NEXT")
        return pdf.get_y()

    bottoms = []
    if len(doc.signers) >= 2:
        bottoms.append(signer(left_x, right_w, doc.signers[0]))
        bottoms.append(signer(right_x, right_w, doc.signers[1]))
    else:
        if doc.recipients:
            pdf.set_xy(left_x, top)
            pdf.set_font("Serif", "BI", 12)
            pdf.cell(left_w, 6, RECIPIENTS_LABEL, new_x="LEFT", new_y="NEXT")
            pdf.set_font("Serif", "", 11)
            for line in doc.recipients:
                pdf.multi_cell(left_w - 4, 5.2, line, align="L", new_x="LEFT", new_y="NEXT")
            bottoms.append(pdf.get_y())
        if doc.signers:
            bottoms.append(signer(right_x, right_w, doc.signers[0]))
    pdf.set_xy(MARGIN_LEFT, max(bottoms or [top]))
