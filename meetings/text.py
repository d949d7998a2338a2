"""Markdown written by people (comment bodies, replies), rendered for a page.

One function: render_markdown(). CommonMark with raw HTML disabled (markdown-it-py),
then the result is sanitized with nh3, so whatever someone types, nothing runs:
only paragraphs, line breaks, emphasis, code, lists, quotes and plain links survive.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

# "breaks": a line break typed in a comment box stays a line break. Headings, rules and
# images are not parsed at all, so "# 3." or "---" in a comment reads as it was typed.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).disable(
    ["heading", "lheading", "hr", "image"]
)


def render_markdown(source: str | None) -> Markup:
    """Safe HTML for a Markdown text; raw HTML is shown as text, never as markup."""
    if not source:
        return Markup("")
    return Markup(_render(source))


@lru_cache(maxsize=4096)
def _render(source: str) -> str:
    # A pure function of the text: a draft page shows the same comments on every visit.
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
    ).strip()
