"""One document through every stage: ingest → segment → attribute → embed → match.

``process_document(path, context)`` is the unit of work for every executor (local, worker
processes, Dask). It never raises for a bad file: the returned DocumentResult carries the status.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field, replace
from functools import cached_property

from pipeline import PIPELINE_VERSION
from pipeline.attribute import MsiAttributor
from pipeline.embed import Encoder
from pipeline.framework import Framework
from pipeline.ingest import ParseLimits, sha256_file
from pipeline.isolation import IsolatedParser
from pipeline.manifest import ManifestEntry
from pipeline.match import EvidenceIndex, match_passages, texts_to_embed
from pipeline.records import DocStatus, Document, DocumentResult
from pipeline.registry import Registry
from pipeline.segment import SegmentSettings, segment_document


@dataclass
class ProcessingContext:
    """Everything a worker needs to process documents; heavy parts are built on first use."""

    framework: Framework
    registry: Registry
    encoder: Encoder
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    limits: ParseLimits = field(default_factory=ParseLimits)
    manifest: dict[str, ManifestEntry] = field(default_factory=dict)  # by resolved path

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever re-processing an unchanged file could give different results."""
        parts = [PIPELINE_VERSION, self.framework.fingerprint(), self.registry.fingerprint(),
                 self.encoder.name, self.segment.fingerprint()]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def document_fingerprint(self, path: str) -> str:
        entry = self.manifest.get(path)
        default = f"{entry.msi}|{entry.title}" if entry else ""
        return hashlib.sha256(f"{self.fingerprint}|{default}".encode()).hexdigest()[:16]

    @cached_property
    def parser(self) -> IsolatedParser:
        return IsolatedParser(self.limits)

    @cached_property
    def attributor(self) -> MsiAttributor:
        return MsiAttributor(self.registry)

    @cached_property
    def evidence_index(self) -> EvidenceIndex:
        return EvidenceIndex.build(self.framework, self.encoder)

    def close(self) -> None:
        if "parser" in self.__dict__:
            self.parser.close()


def analyse_document(document: Document, context: ProcessingContext,
                     timings: dict[str, float] | None = None) -> DocumentResult:
    """Segment, attribute, embed and match an ingested document."""
    timings = {} if timings is None else timings
    entry = context.manifest.get(document.path)
    if entry and entry.title and document.status.has_text:
        document = replace(document, title=entry.title)
    base = dict(path=document.path, doc_id=document.doc_id, document=document)
    if not document.status.has_text:
        return DocumentResult(status=document.status, message=document.message,
                              error_class=document.error_class, timings=timings, **base)
    try:
        t = time.perf_counter()
        passages = segment_document(document, context.segment)
        timings["segment"] = time.perf_counter() - t

        t = time.perf_counter()
        passages = context.attributor.attribute(passages, entry.msi if entry else None)
        timings["attribute"] = time.perf_counter() - t

        t = time.perf_counter()
        texts, sentence_rows = texts_to_embed(passages)
        vectors = context.encoder.encode(texts)
        timings["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        candidates = match_passages(passages, vectors, sentence_rows, context.framework,
                                    context.evidence_index)
        timings["match"] = time.perf_counter() - t
    except Exception as exc:  # a bug or model failure must not stop the batch
        return DocumentResult(status=DocStatus.CRASHED, error_class=type(exc).__name__,
                              message=f"analysis failed: {exc}\n{traceback.format_exc(limit=4)}",
                              timings=timings, **base)
    return DocumentResult(status=document.status, message=document.message,
                          error_class=document.error_class, passages=tuple(passages),
                          candidates=tuple(candidates), timings=timings, **base)


def process_document(path: str, context: ProcessingContext, doc_id: str | None = None) -> DocumentResult:
    """Run every stage for one file; errors come back as the result's status and message."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    try:
        doc_id = doc_id or sha256_file(path)
    except OSError as exc:
        return DocumentResult(path=path, doc_id="", status=DocStatus.UNSUPPORTED,
                              error_class=type(exc).__name__, message=f"cannot read file: {exc}")
    document = context.parser.parse(path, doc_id)
    timings["ingest"] = time.perf_counter() - t
    return analyse_document(document, context, timings)
