"""The text of a draft: paragraphs from Markdown or a .docx, stable anchors, the word diff.

Pure functions: no database, no request. A paragraph's `anchor` is its identity
across versions; comments refer to it, so an unchanged or slightly edited
paragraph must keep the anchor of its predecessor.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import BinaryIO

HEADING = "heading"
TEXT = "text"
LIST_ITEM = "list_item"

# A slightly edited paragraph keeps its anchor when it is at least this similar.
SIMILAR = 0.6

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+\S")
# Words, runs of spaces and single punctuation marks: "hạn." vs "hạn;" differs by one mark.
WORD_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Block:
    """A paragraph as read from the source: its kind, heading level and raw text."""

    kind: str
    text: str
    level: int = 0


def new_anchor() -> str:
    return secrets.token_hex(8)


# --- reading ---------------------------------------------------------------------


def split_markdown(source: str) -> list[Block]:
    """Headings (`#`..`######`, with their level), list items and text paragraphs.

    Text paragraphs are separated by blank lines; consecutive non-blank lines
    form one paragraph. List items keep their marker ("- ", "1. ") in the text.
    """
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(Block(TEXT, "\n".join(lines)))
            lines.clear()

    for raw in (source or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = HEADING_RE.match(line)
        if heading and heading.group(2):
            flush()
            blocks.append(Block(HEADING, heading.group(2), len(heading.group(1))))
        elif LIST_RE.match(line):
            flush()
            blocks.append(Block(LIST_ITEM, line.strip()))
        elif blocks and blocks[-1].kind == LIST_ITEM and not lines and raw[:1].isspace():
            # An indented continuation line belongs to the list item above it.
            last = blocks.pop()
            blocks.append(Block(LIST_ITEM, f"{last.text}\n{line.strip()}"))
        else:
            lines.append(line)
    flush()
    return blocks


def to_markdown(blocks) -> str:
    """The Markdown a list of paragraphs (Blocks or Paragraph rows) was read from."""
    parts = []
    for block in blocks:
        kind = getattr(block.kind, "value", block.kind)
        if kind == HEADING:
            parts.append("#" * max(1, min(block.level or 1, 6)) + " " + block.text)
        elif kind == LIST_ITEM:
            parts.append(block.text.replace("\n", "\n  "))
        else:
            parts.append(block.text)
    return "\n\n".join(parts) + ("\n" if parts else "")


def _heading_level(style_name: str) -> int | None:
    name = (style_name or "").strip().lower()
    if name == "title":
        return 1
    match = re.match(r"^(?:heading|tiêu đề)\s*(\d)$", name)
    return min(int(match.group(1)), 6) if match else None


def _is_list(paragraph) -> bool:
    if "list" in (paragraph.style.name or "").lower():
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def docx_blocks(stream: BinaryIO, *, include_tables: bool = True) -> list[Block]:
    """The paragraphs of a .docx: headings by their "Heading N" style, list items, text.

    Empty paragraphs are skipped; a table's cells become text paragraphs, row
    by row. Raises whatever python-docx raises on a broken file.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = docx.Document(stream)
    blocks: list[Block] = []

    def add(paragraph) -> None:
        text = paragraph.text.strip()
        if not text:
            return
        level = _heading_level(paragraph.style.name if paragraph.style is not None else "")
        if level:
            blocks.append(Block(HEADING, text, level))
        elif paragraph.style is not None and _is_list(paragraph):
            blocks.append(Block(LIST_ITEM, f"- {text}"))
        else:
            blocks.append(Block(TEXT, text))

    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            add(item)
        elif include_tables and isinstance(item, Table):
            for row in item.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    for paragraph in cell.paragraphs:
                        text = paragraph.text.strip()
                        if text:
                            blocks.append(Block(TEXT, text))
    return blocks


# --- anchors ---------------------------------------------------------------------


def carry_anchors(previous: list[tuple[str, str]], texts: list[str]) -> list[str]:
    """The anchor of each new paragraph, given the previous version's (anchor, text) pairs.

    Identical paragraphs keep their anchor (in order first, then moved ones);
    then each slightly edited paragraph takes the most similar unused old
    anchor (ratio >= 0.6), preferring one between its matched neighbours, so
    order is respected where it can be; the rest get new anchors.
    """
    old_texts = [text for _, text in previous]
    result: list[str | None] = [None] * len(texts)
    used: set[int] = set()

    # 1. identical text, in order (the longest common runs)
    matcher = SequenceMatcher(None, old_texts, texts, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            result[block.b + k] = previous[block.a + k][0]
            used.add(block.a + k)
    # 2. identical text that moved
    unused_by_text: dict[str, list[int]] = {}
    for j, text in enumerate(old_texts):
        if j not in used:
            unused_by_text.setdefault(text, []).append(j)
    for i, text in enumerate(texts):
        if result[i] is None and unused_by_text.get(text):
            j = unused_by_text[text].pop(0)
            result[i] = previous[j][0]
            used.add(j)

    # 3. slightly edited: the best pairs first, those in their gap before the others
    old_index = {anchor: j for j, (anchor, _) in enumerate(previous)}
    candidates = []
    for i, text in enumerate(texts):
        if result[i] is not None:
            continue
        low = max((old_index[a] for a in result[:i] if a is not None), default=-1)
        high = min((old_index[a] for a in result[i + 1 :] if a is not None), default=len(previous))
        for j, old in enumerate(old_texts):
            if j in used:
                continue
            pair = SequenceMatcher(None, old, text, autojunk=False)
            if pair.real_quick_ratio() < SIMILAR or pair.quick_ratio() < SIMILAR:
                continue
            ratio = pair.ratio()
            if ratio >= SIMILAR:
                candidates.append((low < j < high, ratio, -abs(j - i), i, j))
    for _, _, _, i, j in sorted(candidates, reverse=True):
        if result[i] is None and j not in used:
            result[i] = previous[j][0]
            used.add(j)

    # 4. the rest are new paragraphs
    taken = set(filter(None, result))
    anchors = []
    for anchor in result:
        if anchor is None:
            anchor = new_anchor()
            while anchor in taken:
                anchor = new_anchor()
            taken.add(anchor)
        anchors.append(anchor)
    return anchors


# --- the diff --------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass
class DiffRow:
    status: str  # "unchanged", "changed", "added" or "removed"
    anchor: str
    kind: str
    level: int
    old_number: int | None = None
    new_number: int | None = None
    spans: list[Span] = field(default_factory=list)


def word_spans(old: str, new: str) -> list[Span]:
    """A word-by-word diff: runs of equal, deleted and inserted text (spaces kept)."""
    a, b = WORD_RE.findall(old), WORD_RE.findall(new)
    spans: list[Span] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if spans and spans[-1].op == op:
            spans[-1] = Span(op, spans[-1].text + text)
        else:
            spans.append(Span(op, text))

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return spans


def _kind(paragraph) -> str:
    return getattr(paragraph.kind, "value", paragraph.kind)


def diff_paragraphs(old: list, new: list) -> list[DiffRow]:
    """Pair two versions' paragraphs by anchor, in the new order, removed ones where they were.

    `old` and `new` hold objects with anchor, kind, level and text (Paragraph rows).
    """
    new_anchors = {p.anchor for p in new}
    old_by_anchor = {p.anchor: (n, p) for n, p in enumerate(old, start=1)}
    rows: list[DiffRow] = []
    emitted_old = 0  # old paragraphs before this position are placed

    def removed_until(position: int) -> None:
        """Place the old paragraphs before `position`, and the removed ones right after."""
        nonlocal emitted_old
        while emitted_old < position or (
            emitted_old < len(old) and old[emitted_old].anchor not in new_anchors
        ):
            p = old[emitted_old]
            emitted_old += 1
            if p.anchor not in new_anchors:
                rows.append(
                    DiffRow(
                        "removed",
                        p.anchor,
                        _kind(p),
                        p.level,
                        old_number=emitted_old,
                        spans=[Span("delete", p.text)],
                    )
                )

    removed_until(0)
    for number, p in enumerate(new, start=1):
        match = old_by_anchor.get(p.anchor)
        if match is None:
            rows.append(
                DiffRow(
                    "added",
                    p.anchor,
                    _kind(p),
                    p.level,
                    new_number=number,
                    spans=[Span("insert", p.text)],
                )
            )
            continue
        old_number, previous = match
        if previous.text == p.text and _kind(previous) == _kind(p) and previous.level == p.level:
            rows.append(
                DiffRow(
                    "unchanged",
                    p.anchor,
                    _kind(p),
                    p.level,
                    old_number,
                    number,
                    [Span("equal", p.text)],
                )
            )
        else:
            rows.append(
                DiffRow(
                    "changed",
                    p.anchor,
                    _kind(p),
                    p.level,
                    old_number,
                    number,
                    word_spans(previous.text, p.text),
                )
            )
        if old_number > emitted_old:
            removed_until(old_number)
    removed_until(len(old))
    return rows


def diff_summary(rows: list[DiffRow]) -> dict[str, int]:
    summary = {"unchanged": 0, "changed": 0, "added": 0, "removed": 0}
    for row in rows:
        summary[row.status] += 1
    return summary
