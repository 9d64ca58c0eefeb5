"""HTML: visible text only. Scripts, styles and other non-content elements are dropped."""

from __future__ import annotations

from pipeline.ingest.clean import normalise_text
from pipeline.ingest.text import decode_bytes

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_BLOCKS = ("p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "tr", "table", "ul", "ol", "header", "footer", "br", "pre", "dd", "dt")


def html_to_text(data: bytes) -> tuple[str, str]:
    """Return (cleaned visible text, title). Uses Python's own HTML parser: no entity expansion
    beyond the standard HTML entities, no network, no DTD loading."""
    from bs4 import BeautifulSoup

    raw, _ = decode_bytes(data)
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
