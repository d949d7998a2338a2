"""The consolidated comment table (bảng tổng hợp ý kiến) of a draft version.

Per version, grouped by paragraph: each comment with its unit, what it says
(quote, remark or suggested text, late, carried from an earlier version) and the
drafting unit's disposition with its reason. The same comments as on the
version's page, with the same visibility rules: the comments written on the
version, plus the open ones written on an earlier version whose paragraph is
still there. Shown as a page, exported as .docx (python-docx) and .xlsx (openpyxl).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from meetings import i18n, uploads
from meetings.accounts.models import Unit, User
from meetings.conferences.models import Conference
from meetings.db import utcnow
from meetings.drafts import dispositions, services
from meetings.drafts.models import (
    Comment,
    CommentKind,
    Decision,
    Disposition,
    Draft,
    DraftVersion,
    Paragraph,
)
from meetings.errors import ValidationError
from meetings.extensions import db

PENDING = "pending"
CONTESTED = "contested"
# What the table can be filtered on, besides the unit.
STATES = (
    PENDING,
    Decision.accepted.value,
    Decision.partly_accepted.value,
    Decision.explained.value,
    CONTESTED,
)
STATE_LABELS = {
    PENDING: _l("Not answered yet"),
    Decision.accepted.value: _l("Accepted"),
    Decision.partly_accepted.value: _l("Partly accepted"),
    Decision.explained.value: _l("Explained"),
    CONTESTED: _l("Contested"),
}
EXCERPT = 300
# XML 1.0 refuses these; a pasted comment may carry them.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Row:
    """One comment of the table."""

    number: int  # No. in the whole table (kept when the table is filtered)
    comment: Comment
    paragraph: Paragraph
    written_on: int  # the version number it was written on
    carried: bool  # written on an earlier version, still open
    objection: Comment | None = None  # the unit's reply when it challenged the answer

    @property
    def disposition(self) -> Disposition | None:
        return self.comment.disposition

    @property
    def state(self) -> str:
        answer = self.comment.disposition
        return PENDING if answer is None else answer.decision.value

    @property
    def contested(self) -> bool:
        answer = self.comment.disposition
        return answer is not None and answer.challenged

    @property
    def is_suggestion(self) -> bool:
        return self.comment.kind == CommentKind.suggestion


@dataclass
class Group:
    paragraph: Paragraph
    rows: list[Row]

    @property
    def excerpt(self) -> str:
        return excerpt(self.paragraph.text)


@dataclass
class CommentTable:
    draft: Draft
    conference: Conference
    version: DraftVersion
    groups: list[Group]
    counts: dict[str, int]  # over the whole table, before any filter
    units: list[Unit]  # the units that commented (for the filter)
    generated_at: datetime
    state: str | None = None
    unit_id: int | None = None
    applied_in: dict[int, int] = field(default_factory=dict)  # version id -> number

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    @property
    def filtered(self) -> bool:
        return self.state is not None or self.unit_id is not None


def excerpt(value: str, limit: int = EXCERPT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


# --- building ------------------------------------------------------------------------------


def _state(value) -> str | None:
    if value in (None, ""):
        return None
    if value not in STATES:
        raise ValidationError.on(
            "decision",
            _l(
                "Unknown filter “%(value)s”: choose pending, accepted, partly_accepted, "
                "explained or contested.",
                value=str(value)[:40],
            ),
        )
    return value


def _unit_id(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError.on("unit", _l("Choose a unit from the list."))
    return value


def build(
    *,
    actor: User,
    draft: Draft,
    conference: Conference,
    version_number=None,
    state=None,
    unit_id=None,
    now: datetime | None = None,
) -> CommentTable:
    """The table of version `version_number` (None: the latest the person sees), as the
    person may see it, optionally only one state (pending, accepted, ..., contested) or
    one unit. A fixed number of queries, however many comments."""
    state = _state(state)
    unit_id = _unit_id(unit_id)
    version = services.get_version(draft, conference, version_number, actor=actor)
    earlier = select(DraftVersion.id).where(
        DraftVersion.draft_id == draft.id, DraftVersion.number < version.number
    )
    carried = and_(
        Comment.version_id.in_(earlier),
        Comment.orphaned_in_id.is_(None),
        or_(Disposition.id.is_(None), Disposition.challenged.is_(True)),
        Comment.anchor.in_(select(Paragraph.anchor).where(Paragraph.version_id == version.id)),
    )
    query = (
        select(Comment)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .where(
            Comment.draft_id == draft.id,
            Comment.parent_id.is_(None),
            or_(Comment.version_id == version.id, carried),
        )
        .options(
            joinedload(Comment.unit),
            joinedload(Comment.author),
            contains_eager(Comment.disposition),
        )
        .order_by(Comment.id)
    )
    scope = dispositions.comment_scope(actor, draft, conference)
    if scope is not None:
        query = query.where(Comment.unit_id == scope)
    comments = db.session.scalars(query).all()
    objections = _objections(draft)

    numbers = {v.id: v.number for v in draft.versions}
    by_anchor: dict[str, list[Comment]] = {}
    for comment in comments:
        by_anchor.setdefault(comment.anchor, []).append(comment)
    counts = dict.fromkeys((*STATES, "total", "late", "carried"), 0)
    units: dict[int, Unit] = {}
    groups: list[Group] = []
    n = 0
    for paragraph in version.paragraphs:
        rows = []
        for comment in by_anchor.get(paragraph.anchor, ()):
            n += 1
            written_on = numbers.get(comment.version_id, version.number)
            row = Row(
                number=n,
                comment=comment,
                paragraph=paragraph,
                written_on=written_on,
                carried=written_on != version.number,
                objection=objections.get(comment.id) if _challenged(comment) else None,
            )
            counts["total"] += 1
            counts[row.state] += 1
            counts[CONTESTED] += row.contested
            counts["late"] += comment.late
            counts["carried"] += row.carried
            units.setdefault(comment.unit.id, comment.unit)
            if _wanted(row, state, unit_id):
                rows.append(row)
        if rows:
            groups.append(Group(paragraph, rows))
    return CommentTable(
        draft=draft,
        conference=conference,
        version=version,
        groups=groups,
        counts=counts,
        units=sorted(units.values(), key=lambda unit: unit.name),
        generated_at=now or utcnow(),
        state=state,
        unit_id=unit_id,
        applied_in=numbers,
    )


def _challenged(comment: Comment) -> bool:
    return comment.disposition is not None and comment.disposition.challenged


def _objections(draft: Draft) -> dict[int, Comment]:
    """For each challenged comment of the draft, its unit's last reply (the challenge says
    why). One query, however many comments."""
    parent = aliased(Comment)
    replies = db.session.scalars(
        select(Comment)
        .join(parent, parent.id == Comment.parent_id)
        .join(Disposition, Disposition.comment_id == parent.id)
        .where(
            parent.draft_id == draft.id,
            Disposition.challenged.is_(True),
            Comment.unit_id == parent.unit_id,
        )
        .order_by(Comment.id)
    )
    return {reply.parent_id: reply for reply in replies}


def _wanted(row: Row, state: str | None, unit_id: int | None) -> bool:
    if unit_id is not None and row.comment.unit_id != unit_id:
        return False
    if state is None:
        return True
    if state == CONTESTED:
        return row.contested
    return row.state == state


# --- words shared by the exports -----------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["heading", "lheading", "hr", "image"]
)


def plain_text(source: str | None) -> str:
    """A Markdown comment as plain text for a document cell: emphasis dropped, lists bulleted."""
    if not source:
        return ""
    source = clean(source)
    lines: list[str] = []
    prefix = ""
    for token in _markdown.parse(source):
        if token.type == "list_item_open":
            prefix = f"{token.info}. " if token.info else "• "
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        elif token.type == "inline":
            parts = []
            href = None
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
                elif child.type == "link_open":
                    href = child.attrGet("href")
                elif child.type == "link_close" and href:
                    parts.append(f" ({href})")
                    href = None
            lines.append(prefix + "".join(parts))
            prefix = ""
    return clean("\n".join(lines))


def clean(value: str | None) -> str:
    return CONTROL_RE.sub("", value or "")


def decision_label(row: Row) -> str:
    return str(STATE_LABELS[row.state])


def comment_parts(row: Row) -> list[tuple[str, str]]:
    """The comment cell as (style, text) pieces: quote, kind, body, suggested text, markers."""
    comment = row.comment
    parts: list[tuple[str, str]] = []
    if comment.quote:
        parts.append(("quote", f"“{clean(comment.quote)}”"))
    if row.is_suggestion:
        parts.append(("label", _("Suggestion:")))
    parts.append(("body", plain_text(comment.body)))
    if row.is_suggestion and comment.suggested_text:
        parts.append(("label", _("Suggested text:")))
        parts.append(("suggested", clean(comment.suggested_text)))
    notes = []
    if comment.late:
        notes.append(_("Late"))
    if row.carried:
        notes.append(_("From version %(n)d", n=row.written_on))
    if notes:
        parts.append(("note", "(" + "; ".join(notes) + ")"))
    return parts


def disposition_parts(table: CommentTable, row: Row) -> list[tuple[str, str]]:
    answer = row.disposition
    parts = [("decision", decision_label(row))]
    if answer is not None and answer.applied_in_id:
        parts.append(
            (
                "note",
                _("Written into version %(n)d", n=table.applied_in.get(answer.applied_in_id, 0)),
            )
        )
    elif answer is not None and answer.apply_suggestion:
        parts.append(("note", _("To be written into the next version")))
    if row.contested:
        parts.append(("contested", _("Contested by the unit")))
    return parts


def reason_parts(row: Row) -> list[tuple[str, str]]:
    answer = row.disposition
    parts = []
    if answer is not None and answer.reason:
        parts.append(("body", clean(answer.reason)))
    if row.objection is not None:
        parts.append(("label", _("The unit's objection:")))
        parts.append(("body", plain_text(row.objection.body)))
    return parts


def paragraph_cell(row_or_group) -> str:
    paragraph = row_or_group.paragraph
    return _("Paragraph %(n)d", n=paragraph.position) + "\n" + clean(excerpt(paragraph.text))


def _joined(parts: list[tuple[str, str]]) -> str:
    return "\n".join(text for _style, text in parts if text)


def headers() -> list[str]:
    return [_("No."), _("Paragraph"), _("Unit"), _("Comment"), _("Disposition"), _("Reason")]


def title_lines(table: CommentTable) -> dict[str, str]:
    tz = table.conference.tz
    counts = table.counts
    return {
        "conference": clean(table.conference.title),
        "unit": clean(table.draft.drafting_unit.name),
        "title": _("Consolidated table of comments"),
        "subtitle": _(
            "on the draft “%(title)s”, version %(n)d",
            title=clean(table.draft.title),
            n=table.version.number,
        ),
        "date": _("As of %(date)s", date=i18n.fmt_datetime(table.generated_at, tz)),
        "summary": _(
            "%(total)d comments: %(accepted)d accepted, %(partly)d partly accepted, "
            "%(explained)d explained, %(pending)d not answered yet, %(contested)d contested.",
            total=counts["total"],
            accepted=counts[Decision.accepted.value],
            partly=counts[Decision.partly_accepted.value],
            explained=counts[Decision.explained.value],
            pending=counts[PENDING],
            contested=counts[CONTESTED],
        ),
        "filtered": _("Filtered: only some comments are listed.") if table.filtered else "",
    }


def download_name(table: CommentTable, extension: str) -> str:
    """“Bảng tổng hợp ý kiến - <draft> - v2.docx”: the person's language, no path characters."""
    title = excerpt(table.draft.title.replace("/", "-").replace("\\", "-"), 80)
    name = f"{_('Comment table')} - {title} - v{table.version.number}.{extension}"
    return uploads.clean_filename(name)


# --- .docx ---------------------------------------------------------------------------------

FONT = "Times New Roman"
# Landscape A4 with 2 cm margins (2.5 cm left, for binding): 25.2 cm of table.
COLUMN_CM = (1.2, 4.8, 3.4, 7.0, 3.2, 5.6)


def to_docx(table: CommentTable) -> bytes:
    """The table as a Word document: A4 landscape, Times New Roman 13 pt, a title block,
    the header row repeated on every page, a paragraph's comments under one merged cell."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    lang = i18n.locale()
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN" if lang == "vi" else "en-GB")
    normal.element.get_or_add_rPr().append(language)
    normal.paragraph_format.space_after = Pt(0)

    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    _page_number_footer(section, OxmlElement, qn, WD_ALIGN_PARAGRAPH)

    words = title_lines(table)
    properties = document.core_properties
    properties.title = f"{words['title']} – {clean(table.draft.title)}"
    properties.subject = words["conference"]
    properties.language = "vi-VN" if lang == "vi" else "en-GB"
    properties.author = words["unit"]

    def line(text: str, *, bold=False, italic=False, size=None, after=0, upper=False):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(after)
        run = paragraph.add_run(text.upper() if upper else text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        return paragraph

    line(words["unit"], bold=True, upper=True)
    line(words["conference"], italic=True, after=12)
    line(words["title"], bold=True, size=14, upper=True)
    line(words["subtitle"], bold=True)
    line(words["date"], italic=True, after=6)
    line(words["summary"], after=0 if words["filtered"] else 12)
    if words["filtered"]:
        line(words["filtered"], italic=True, after=12)

    grid = document.add_table(rows=1, cols=len(COLUMN_CM))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    header = grid.rows[0]
    header_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)
    for cell, label in zip(header.cells, headers(), strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell, "E7ECF3", OxmlElement, qn)

    def write(cell, parts: list[tuple[str, str]]):
        first = True
        for style, text in parts:
            for piece in text.split("\n") if text else [""]:
                paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                run = paragraph.add_run(piece)
                run.bold = style in ("decision", "label", "number")
                run.italic = style in ("quote", "note", "contested")
                if style == "suggested":
                    run.underline = True

    if not table.groups:
        cells = grid.add_row().cells
        merged = cells[0].merge(cells[-1])
        merged.text = _("No comments.") if not table.filtered else _("No comment matches.")
    for group in table.groups:
        first_index = len(grid.rows)
        for row in group.rows:
            cells = grid.add_row().cells
            write(cells[0], [("number", str(row.number))])
            cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            write(cells[2], [("body", clean(row.comment.unit.name))])
            write(cells[3], comment_parts(row))
            write(cells[4], disposition_parts(table, row))
            write(cells[5], reason_parts(row))
        top = grid.rows[first_index].cells[1]
        if len(group.rows) > 1:
            top = top.merge(grid.rows[len(grid.rows) - 1].cells[1])
        top.text = ""
        write(
            top,
            [
                ("label", _("Paragraph %(n)d", n=group.paragraph.position)),
                ("body", clean(group.excerpt)),
            ],
        )
    for grid_row in grid.rows:
        for cell, width in zip(grid_row.cells, COLUMN_CM, strict=True):
            cell.width = Cm(width)
    for column, width in zip(grid.columns, COLUMN_CM, strict=True):
        column.width = Cm(width)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _shade(cell, color: str, OxmlElement, qn) -> None:  # noqa: N803 - python-docx's names
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), color)
    cell._tc.get_or_add_tcPr().append(shading)


def _page_number_footer(section, OxmlElement, qn, WD_ALIGN_PARAGRAPH) -> None:  # noqa: N803
    paragraph = section.footer.paragraphs[0]
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


# --- .xlsx ---------------------------------------------------------------------------------

XLSX_WIDTHS = (6, 40, 24, 60, 22, 50)
HEADER_ROW = 7


def to_xlsx(table: CommentTable) -> bytes:
    """The table as a workbook: a title block, a frozen header row with filters, one row
    per comment, wrapped text, column widths; prints on A4 landscape, one page wide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    words = title_lines(table)
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(_("Comment table"))
    book.properties.title = f"{words['title']} – {clean(table.draft.title)}"
    book.properties.creator = words["unit"]
    book.properties.subject = words["conference"]
    book.properties.language = "vi-VN" if i18n.locale() == "vi" else "en-GB"

    last = get_column_letter(len(XLSX_WIDTHS))
    title_rows = [
        (words["unit"].upper(), Font(name=FONT, size=12, bold=True)),
        (words["conference"], Font(name=FONT, size=12, italic=True)),
        (words["title"].upper(), Font(name=FONT, size=14, bold=True)),
        (words["subtitle"], Font(name=FONT, size=12, bold=True)),
        (words["date"], Font(name=FONT, size=12, italic=True)),
        (" ".join(filter(None, (words["summary"], words["filtered"]))), Font(name=FONT, size=12)),
    ]
    for number, (text, font) in enumerate(title_rows, start=1):
        sheet.merge_cells(f"A{number}:{last}{number}")
        cell = sheet.cell(row=number, column=1)
        _set_text(cell, text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, label in enumerate(headers(), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        _set_text(cell, label)
        cell.font = Font(name=FONT, size=12, bold=True)
        cell.fill = PatternFill("solid", fgColor="E7ECF3")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border

    body_font = Font(name=FONT, size=12)
    wrap = Alignment(vertical="top", wrap_text=True)
    r = HEADER_ROW
    for row in table.rows:
        r += 1
        values = [
            row.number,
            paragraph_cell(row),
            clean(row.comment.unit.name),
            _joined(comment_parts(row)),
            _joined(disposition_parts(table, row)),
            _joined(reason_parts(row)),
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=column)
            if isinstance(value, int):
                cell.value = value
            else:
                _set_text(cell, value)
            cell.font = body_font
            cell.alignment = wrap
            cell.border = border
        sheet.cell(row=r, column=1).alignment = Alignment(horizontal="center", vertical="top")
    if not table.rows:
        r += 1
        sheet.merge_cells(f"A{r}:{last}{r}")
        _set_text(
            sheet.cell(row=r, column=1),
            _("No comments.") if not table.filtered else _("No comment matches."),
        )
        sheet.cell(row=r, column=1).font = body_font

    for column, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[3].height = 22
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(r, HEADER_ROW + 1)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set_text(cell, value: str) -> None:
    """Text stays text: a comment starting with “=” is never read as a formula."""
    cell.value = clean(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _sheet_title(value: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", value)[:31] or "Sheet"
