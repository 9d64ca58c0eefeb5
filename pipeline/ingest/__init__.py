"""Ingest: a file on disk becomes a :class:`~pipeline.records.Document` with cleaned pages.

Dispatch is on content first (magic bytes), then on the extension: a PDF named ``.txt`` is read
as a PDF, and text named ``.pdf`` as text. Kinds: PDF, Word (.docx), saved web pages (.html,
.htm, .mhtml), plain text and Markdown. ``with_language`` adds a document's language, detected
from its text (:mod:`pipeline.ingest.language`). File-level problems are returned as a document status and
message, never raised. Run this inside :mod:`pipeline.run.isolation` for untrusted files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.records import DocStatus, Document, Page

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MHTML_SUFFIXES = {".mhtml", ".mht"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx", ".docm"}
# Formats people have that are not read: what to do instead.
CONVERT_HINTS = {".doc": "open it in Word or LibreOffice and save it as .docx",
                 ".odt": "save it as .docx (or PDF)", ".rtf": "save it as .docx (or PDF)",
                 ".pages": "export it as .docx or PDF", ".webarchive": "save the page as .html"}


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
    """Return "pdf", "docx", "mhtml", "html", "text" or None (unsupported) from the first bytes
    and the suffix."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):  # a ZIP: a Word file when it says so
        return "docx" if suffix in DOCX_SUFFIXES or b"word/" in head else None
    if suffix in MHTML_SUFFIXES or (b"multipart/related" in head[:2048].lower()
                                    and b"mime-version:" in head[:2048].lower()):
        return "mhtml"
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
        hint = CONVERT_HINTS.get(p.suffix.lower(), "convert it to PDF, .docx, HTML or text first")
        return failed(DocStatus.UNSUPPORTED, f"not a PDF, Word (.docx), web page or text file "
                                             f"(suffix {p.suffix or 'none'!r}): {hint}")
    return _read(p, kind, stem, doc_id, limits, failed)


def with_language(document: Document) -> Document:
    """The document with its language detected from its text (unchanged if it has none).

    Called after parsing, outside the parse sandbox (by the run's driver, see
    ``pipeline.ingest.language.with_language_warning``): the detector's model would count against the
    sandbox's address-space limit."""
    if not document.pages:
        return document
    from pipeline.ingest.language import detect_language

    sample, size = [], 0
    for page in document.pages:
        sample.append(page.text)
        size += len(page.text)
        if size > 20_000:
            break
    language, _ = detect_language("\n".join(sample))
    return replace(document, language=language)


def _read(p: Path, kind: str, stem: str, doc_id: str, limits: ParseLimits, failed) -> Document:
    if kind == "pdf":
        from pipeline.ingest.pdf import extract_pdf

        extraction = extract_pdf(str(p), limits.max_pages, ocr=limits.ocr)
        pages = tuple(extraction.pages)
        title = extraction.title or (_title_from_text(pages[0].text, stem) if pages else stem)
        return Document(doc_id, str(p), "pdf", title, pages, extraction.status,
                        extraction.message, tuple(extraction.warnings))
    if kind == "docx":
        from pipeline.ingest.docx import extract_docx

        try:
            docx = extract_docx(str(p))
        except Exception as exc:  # a damaged or mislabelled file: python-docx raises many kinds
            return failed(DocStatus.PARSE_ERROR, f"not a readable Word file ({type(exc).__name__}: "
                                                 f"{exc}); open and re-save it in Word", "docx")
        if not docx.pages:
            return failed(DocStatus.UNSUPPORTED, "no readable text in the Word file", "docx")
        title = docx.title or _title_from_text(docx.pages[0].text, stem)
        return Document(doc_id, str(p), "docx", title, docx.pages, warnings=docx.warnings)
    data = p.read_bytes()
    warnings: tuple[str, ...] = ()
    tables: tuple[tuple[int, int], ...] = ()
    if kind in ("html", "mhtml"):
        from pipeline.ingest.html import extract_html, mhtml_to_html

        html = mhtml_to_html(data) if kind == "mhtml" else data
        extraction = extract_html(html)
        text, title, tables, warnings = (extraction.text, extraction.title, extraction.tables,
                                         extraction.warnings)
        kind_name = kind
    else:
        from pipeline.ingest.text import text_to_pages

        text, kind_name, _encoding = text_to_pages(data)
        title = ""
    if not text.strip():
        return failed(DocStatus.UNSUPPORTED, "no readable text in the file", kind_name)
    title = title or _title_from_text(text, stem)
    return Document(doc_id, str(p), kind_name, title, (Page(1, text, tables=tables),),
                    warnings=warnings)
