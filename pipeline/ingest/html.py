"""Saved web pages (.html, .htm, .mhtml): the main text, without navigation and page chrome.

``extract_html`` finds the main content with trafilatura (menus, headers, footers, sidebars,
cookie banners and share buttons are left out) and keeps its structure: headings and
paragraphs as blocks, list items one per block, tables one row per line with each cell beside
its column header, as for PDF tables (``Page.tables`` records their spans). When trafilatura
finds no main text (a page that is mostly a table of links, say), every visible text is read
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


def _blocks(main) -> list[tuple[str, str]]:
    """(kind, text) blocks of trafilatura's XML ``main`` element, in reading order."""
    from pipeline.ingest.pdf_tables import rows_as_text

    out: list[tuple[str, str]] = []
    for element in main:
        tag = element.tag
        if tag == "table":
            rows = [[" ".join("".join(cell.itertext()).split()) for cell in row.iter("cell")]
                    for row in element.iter("row")]
            lines = rows_as_text(rows)
            if lines:
                out.append(("table", "\n".join(lines)))
        elif tag == "list":
            for item in element.iter("item"):
                text = " ".join("".join(item.itertext()).split())
                if text:
                    out.append(("body", f"\u2022 {text}"))
        elif tag != "graphic":
            text = " ".join("".join(element.itertext()).split())
            if text:
                out.append(("heading" if tag == "head" else "body", text))
    return out


def extract_html(data: bytes) -> HtmlExtraction:
    """The main text of a saved web page (see the module docstring)."""
    import trafilatura
    from lxml import etree

    raw, _ = decode_bytes(data)
    raw = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", raw, count=1)
    xml = trafilatura.extract(raw, output_format="xml", include_tables=True,
                              include_comments=False, include_links=False, include_images=False,
                              with_metadata=True)
    blocks: list[tuple[str, str]] = []
    title = ""
    if xml:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(xml.encode("utf-8"), parser)
        title = root.get("title") or ""
        main = root.find("main")
        blocks = _blocks(main) if main is not None else []
    if sum(len(text.split()) for _, text in blocks) < MIN_MAIN_WORDS:
        text, page_title = html_to_text(data)
        warning = ("no main text found: the whole visible text of the page was read "
                   "(it may include navigation)") if text else ""
        return HtmlExtraction(text, title or page_title, (), (warning,) if warning else ())
    parts: list[str] = []
    tables: list[tuple[int, int]] = []
    position = 0
    for kind, text in blocks:
        text = "\n".join(normalise_text(line) for line in text.split("\n")) if kind == "table" \
            else normalise_text(text)
        if not text:
            continue
        if parts:
            position += 2
        if kind == "table":
            tables.append((position, position + len(text)))
        parts.append(text)
        position += len(text)
    if not title:
        title = html_to_text(data)[1]
    return HtmlExtraction("\n\n".join(parts), title, tuple(tables))
