"""Saved web pages (.html, .htm, .mhtml): the main text, without navigation and page chrome.

``extract_html`` finds the main content with readability-lxml (menus, headers, footers,
sidebars, cookie banners and share buttons are left out) and keeps its structure: headings and
paragraphs as blocks, list items one per block, tables one row per line with each cell beside
its column header, as for PDF tables (``Page.tables`` records their spans). readability was
chosen over trafilatura because it imports no numpy: parsing runs in a sandbox with an
address-space limit (:mod:`pipeline.run.isolation`). When readability finds no main text (a page that is mostly a table of links, say), every visible text is read
instead (``html_to_text``), with a warning. An .mhtml file ("Save as: web page, single file")
is a MIME archive: its HTML part is read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.clean import normalise_text
from pipeline.ingest.text import decode_bytes

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
# A DOCTYPE with an internal subset (``<!DOCTYPE html [<!ENTITY ...>]>``) is never expanded,
# but Python's HTML parser ends the declaration at the first ">" and shows the rest as text.
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.IGNORECASE | re.DOTALL)
_BLOCKS = ("p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "tr", "table", "ul", "ol", "header", "footer", "br", "pre", "dd", "dt")


def html_to_text(data: bytes) -> tuple[str, str]:
    """Return (cleaned visible text, title). Uses Python's own HTML parser: no entity expansion
    beyond the standard HTML entities, no network, no DTD loading."""
    from bs4 import BeautifulSoup

    raw, _ = decode_bytes(data)
    raw = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", raw, count=1)
    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = soup.get_text()
    # Collapse the single newlines inside blocks; keep blank lines as paragraph breaks.
    paragraphs = [" ".join(block.split()) for block in text.split("\n\n")]
    return normalise_text("\n\n".join(p for p in paragraphs if p)), title


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
MIN_MAIN_WORDS = 20  # less than this from trafilatura: read the whole visible text instead


@dataclass(frozen=True)
class HtmlExtraction:
    text: str
    title: str
    tables: tuple[tuple[int, int], ...] = ()
    warnings: tuple[str, ...] = ()


def mhtml_to_html(data: bytes) -> bytes:
    """The first text/html part of an MHTML (MIME) archive, as UTF-8 bytes; b"" if none."""
    import email
    from email import policy

    message = email.message_from_bytes(data, policy=policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            try:
                content = part.get_content()
            except (LookupError, ValueError):
                content = part.get_payload(decode=True) or b""
            return content.encode("utf-8") if isinstance(content, str) else bytes(content)
    return b""


def _summary_text(summary: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Cleaned text of readability's summary HTML, and the spans of its tables (one row per
    line, each cell with its column header)."""
    from bs4 import BeautifulSoup

    from pipeline.ingest.pdf_tables import rows_as_text

    soup = BeautifulSoup(summary, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    tables: list[str] = []
    for table in soup.find_all("table"):
        if table.find_parent("table") is not None or table.parent is None:
            continue
        rows = [[cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
                for row in table.find_all("tr")]
        lines = rows_as_text(rows)
        marker = soup.new_tag("p")
        marker.string = f"\ue000{len(tables)}\ue000"
        tables.append("\n".join(normalise_text(line) for line in lines))
        table.replace_with(marker)
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    for item in soup.find_all("li"):
        item.insert(0, "\u2022 ")
    blocks = [" ".join(block.split()) for block in soup.get_text().split("\n\n")]
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for block in blocks:
        is_table = block.startswith("\ue000") and block.endswith("\ue000")
        text = tables[int(block.strip("\ue000"))] if is_table else normalise_text(block)
        if not text:
            continue
        if parts:
            position += 2
        if is_table:
            spans.append((position, position + len(text)))
        parts.append(text)
        position += len(text)
    return "\n\n".join(parts), tuple(spans)


def extract_html(data: bytes) -> HtmlExtraction:
    """The main text of a saved web page (see the module docstring)."""
    from readability import Document as Readable

    raw, _ = decode_bytes(data)
    raw = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", raw, count=1)
    page_title = _TITLE.search(raw)
    title = ""
    if page_title:
        from html import unescape

        title = " ".join(unescape(page_title.group(1)).split())
    text, tables = "", ()
    try:
        summary = Readable(raw).summary(html_partial=True)
        text, tables = _summary_text(summary)
    except Exception:  # readability gives up on some pages (no body, odd markup): read all
        pass
    if len(text.split()) < MIN_MAIN_WORDS:
        text, fallback_title = html_to_text(data)
        warning = ("no main text found: the whole visible text of the page was read "
                   "(it may include navigation)") if text else ""
        return HtmlExtraction(text, title or fallback_title, (), (warning,) if warning else ())
    return HtmlExtraction(text, title, tables)
