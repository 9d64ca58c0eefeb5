"""Ingest: a file on disk becomes a :class:`~pipeline.records.Document` with cleaned pages.

Dispatch is on content first (magic bytes), then on the extension: a PDF named ``.txt`` is read
as a PDF, and text named ``.pdf`` as text. File-level problems are returned as a document
status and message, never raised. Run this inside :mod:`pipeline.isolation` for untrusted files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import DocStatus, Document, Page

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


@dataclass(frozen=True)
class ParseLimits:
    """Limits applied to one document. Defaults suit reports of up to a few hundred pages."""

    timeout_s: float = 120.0
    memory_mb: int = 3072
    max_pages: int = 2000
    max_file_mb: int = 200
    ocr: bool = False  # OCR pages without a text layer with tesseract, when it is installed


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff_kind(head: bytes, suffix: str) -> str | None:
    """Return "pdf", "html", "text" or None (unsupported) from the first bytes and the suffix."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or (
        suffix in HTML_SUFFIXES and stripped.startswith(b"<")
    ):
        return "html"
    if suffix in TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM
            return "text"
        sample = head[:4096]
        if sample.count(b"\x00") > len(sample) // 4:
            return None  # binary
        return "text"
    return None


def _title_from_text(text: str, fallback: str) -> str:
    for block in text.split("\n\n"):
        line = block.strip().split("\n")[0].strip()
        if 3 <= len(line) <= 200:
            return line
    return fallback


def ingest_file(path: str, limits: ParseLimits = ParseLimits(), doc_id: str | None = None) -> Document:
    """Read one file into a Document. Never raises for problems with the file itself."""
    p = Path(path)
    stem = p.stem or p.name
    doc_id = doc_id or sha256_file(p)

    def failed(status: DocStatus, message: str, kind: str = "unknown") -> Document:
        return Document(doc_id, str(p), kind, stem, (), status=status, message=message)

    size = p.stat().st_size
    if size == 0:
        return failed(DocStatus.UNSUPPORTED, "the file is empty")
    if size > limits.max_file_mb * 1024 * 1024:
        return failed(DocStatus.UNSUPPORTED,
                      f"file is {size / 2**20:.0f} MB, over the {limits.max_file_mb} MB cap (--max-file-mb)")
    with open(p, "rb") as handle:
        head = handle.read(8192)
    kind = sniff_kind(head, p.suffix.lower())
    if kind is None:
        return failed(DocStatus.UNSUPPORTED,
                      f"not a PDF, HTML or text file (suffix {p.suffix or 'none'!r}); convert it first")
    if kind == "pdf":
        from pipeline.ingest.pdf import extract_pdf

        extraction = extract_pdf(str(p), limits.max_pages, ocr=limits.ocr)
        pages = tuple(extraction.pages)
        title = extraction.title or (_title_from_text(pages[0].text, stem) if pages else stem)
        return Document(doc_id, str(p), "pdf", title, pages, extraction.status,
                        extraction.message, tuple(extraction.warnings))
    data = p.read_bytes()
    if kind == "html":
        from pipeline.ingest.html import html_to_text

        text, title = html_to_text(data)
        kind_name = "html"
    else:
        from pipeline.ingest.text import text_to_pages

        text, kind_name, _encoding = text_to_pages(data)
        title = ""
    if not text.strip():
        return failed(DocStatus.UNSUPPORTED, "no readable text in the file", kind_name)
    title = title or _title_from_text(text, stem)
    return Document(doc_id, str(p), kind_name, title, (Page(1, text),))
