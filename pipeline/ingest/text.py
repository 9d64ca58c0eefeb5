"""Plain text and Markdown: encoding detection, then light Markdown clean-up."""

from __future__ import annotations

import codecs
import re

from pipeline.ingest.clean import normalise_text

_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.MULTILINE)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding). Undecodable bytes are replaced, never fatal."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:200_000])
    best = matches.best()
    encoding = best.encoding if best is not None else "cp1252"
    # Single-byte code pages often tie (cp1250 reads "São" as "Săo"); on a tie prefer cp1252,
    # the Western default that is a superset of latin-1's printable range.
    if best is not None and any(m.encoding == "cp1252" and m.chaos <= best.chaos
                                and m.coherence >= best.coherence for m in matches):
        encoding = "cp1252"
    try:
        return data.decode(encoding, errors="replace"), encoding
    except LookupError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def looks_like_markdown(text: str) -> bool:
    return bool(_MD_HEADING.search(text) or _MD_EMPHASIS.search(text))


def strip_markdown(text: str) -> str:
    """Drop Markdown markers a reader would not see: heading hashes, bold markers, list dashes."""
    text = _MD_HEADING.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return _MD_BULLET.sub("\u2022 ", text)


def text_to_pages(data: bytes, markdown: bool | None = None) -> tuple[str, str, str]:
    """Return (cleaned text, kind, encoding). The whole text is one page."""
    raw, encoding = decode_bytes(data)
    is_md = looks_like_markdown(raw) if markdown is None else markdown
    if is_md:
        raw = strip_markdown(raw)
    return normalise_text(raw), ("markdown" if is_md else "text"), encoding
