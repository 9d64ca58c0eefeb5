"""Frozen records that cross stage boundaries.

Stages are functions over these records; none of them touches the database. Offsets are
character offsets into the *cleaned* text of a page (``Page.text``), so that
``page.text[passage.char_start:passage.char_end] == passage.text`` always holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.explanation import Explanation


class DocStatus(StrEnum):
    """Every input file ends with exactly one of these (see shared QUALITY.md)."""

    OK = "ok"
    PARTIAL = "partial"  # some pages failed or a cap was hit
    EMPTY_TEXT_LAYER = "empty_text_layer"  # scanned: needs OCR
    ENCRYPTED = "encrypted"
    UNSUPPORTED = "unsupported"  # type not handled, empty file, over the size cap
    PARSE_ERROR = "parse_error"
    TIMEOUT = "timeout"
    RESOURCE_LIMIT = "resource_limit"
    CRASHED = "crashed"

    @property
    def has_text(self) -> bool:
        return self in (DocStatus.OK, DocStatus.PARTIAL)


GENERAL = "GENERAL"  # pseudo-MSI: passages about MSIs as a field, or about none in particular


@dataclass(frozen=True)
class Page:
    number: int  # physical page number, 1-based
    text: str  # cleaned text; all offsets point into it
    label: str | None = None  # printed page label ("iv", "12") when known
    # Running headers/footers and page-number lines removed from ``text`` (page metadata).
    furniture: tuple[str, ...] = ()
    # (start, end) spans of ``text`` holding ruled tables, one row per line ("Header: cell; ...").
    tables: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Document:
    doc_id: str  # sha256 of the file's bytes
    path: str
    kind: str  # "pdf", "text", "markdown", "html"
    title: str
    pages: tuple[Page, ...]
    status: DocStatus = DocStatus.OK
    message: str = ""
    warnings: tuple[str, ...] = ()
    error_class: str = ""  # exception class behind a failed status, if any
    language: str = ""  # ISO 639-1 code detected from the text ("und": undetermined)
    # Per-document metadata from the manifest (known fields and any extra columns), as
    # (name, JSON-encoded value) pairs; see ``pipeline.run.manifest.ManifestEntry.metadata``.
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def n_words(self) -> int:
        return sum(len(p.text.split()) for p in self.pages)


@dataclass(frozen=True)
class MsiMention:
    msi_id: str
    start: int  # offsets into the passage text
    end: int
    surface: str
    kind: str = "name"  # "name", "acronym", "guarded_acronym", "example" or "anaphora"


@dataclass(frozen=True)
class Attribution:
    """One MSI a passage is about, with how sure we are and why."""

    msi_id: str
    confidence: float
    reason: str  # "mention", "anaphora", "carried", "manifest", "document", "general"
    detail: str = ""  # e.g. "from the section heading", "from the previous passage", the cue


@dataclass(frozen=True)
class Passage:
    passage_id: str
    doc_id: str
    seq: int  # order within the document
    page: int  # physical page of the first character
    char_start: int  # into that page's text
    char_end: int
    text: str
    kind: str = "body"  # "body", "heading", "table"
    section: str | None = None  # nearest heading above
    sentences: tuple[tuple[int, int], ...] = ()  # sentence spans, offsets into ``text``
    mentions: tuple[MsiMention, ...] = ()
    msis: tuple[Attribution, ...] = ()
    # A passage that crosses a page break continues on ``page_end``: ``text`` is the part on
    # ``page`` (``char_start:char_end``), one space, then ``page_end``'s text
    # ``[page_end_char_start:page_end_char_end]``. All three are None within one page.
    page_end: int | None = None
    page_end_char_start: int | None = None
    page_end_char_end: int | None = None

    @property
    def n_words(self) -> int:
        return len(self.text.split())

    def page_spans(self, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
        """Map ``text[start:end]`` to ``(page, page_start, page_end)`` pieces of page text."""
        end = len(self.text) if end is None else end
        first_len = self.char_end - self.char_start
        spans = []
        if start < first_len:
            spans.append((self.page, self.char_start + start, self.char_start + min(end, first_len)))
        if self.page_end is not None and self.page_end_char_start is not None and end > first_len + 1:
            offset = self.page_end_char_start - (first_len + 1)
            spans.append((self.page_end, offset + max(start, first_len + 1), offset + end))
        return spans


@dataclass(frozen=True)
class Candidate:
    """A (passage, consideration, MSI) triple proposed to a reviewer as evidence."""

    candidate_id: str
    passage_id: str
    doc_id: str
    msi: str
    reference_point_id: str
    consideration_id: str
    score: float
    quote: str  # verbatim substring of the passage (and so of the page text)
    quote_start: int  # offsets into the page text
    quote_end: int
    polarity: str = ""  # "supports", "undermines", "neutral" (empty until scored)
    explanation: Explanation = field(default_factory=Explanation, compare=False, hash=False)


@dataclass(frozen=True)
class DocumentResult:
    """What ``process_document`` returns: errors are data (status + message), never raised."""

    path: str
    doc_id: str
    status: DocStatus
    message: str = ""
    error_class: str = ""
    document: Document | None = None
    passages: tuple[Passage, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False, hash=False)



def candidate_id(passage_id: str, framework_id: str, consideration_id: str, msi: str) -> str:
    """A candidate's stable id: the same passage, framework, consideration and MSI always give
    the same id, whether the matcher or a reviewer ("more like this") proposes it."""
    key = f"{passage_id}|{framework_id}|{consideration_id}|{msi}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]
