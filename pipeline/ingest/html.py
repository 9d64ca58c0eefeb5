"""HTML: visible text only. Scripts, styles and other non-content elements are dropped."""

from __future__ import annotations

import re

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
