"""The one escaper for every markdown and HTML report: strings from vCenter and from the
configuration (VM names, annotations, attribute keys and values, folders, networks) are data,
never markup, wherever a report puts them (docs/drift.md, "Reports are safe to post").

Pure string functions; imports nothing of ours.
"""

from __future__ import annotations

import html
import re

# Markdown punctuation that can open emphasis, code, links, tables, strikethrough or headings
# anywhere on a line. `<`, `>` and `&` become entities instead (GitHub decodes them as text), so
# no tag such as `</details>` or `<img onerror=...>` can ever be formed.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#!])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def html_text(text: str) -> str:
    """Text for an HTML element or a quoted attribute value."""
    return html.escape(text, quote=True)


def markdown_text(text: str) -> str:
    """Text for a markdown line or table cell: one line, no markup, no HTML."""
    flat = _LINE_BREAKS.sub(" ", text)
    entities = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCT.sub(r"\\\1", entities)


def markdown_code(text: str) -> str:
    """Monospace text in markdown. A backtick code span cannot hold escapes (a value with a
    backtick or `|` would end it, or the table cell), so this is an HTML <code> element whose
    content is escaped markdown text."""
    return f"<code>{markdown_text(text)}</code>"


def code_block_line(text: str) -> str:
    """One line inside a fenced code block: nothing is markup there except a closing fence,
    so backticks are replaced and line breaks flattened (a value cannot end the block)."""
    return _LINE_BREAKS.sub(" ", text).replace("`", "'")
