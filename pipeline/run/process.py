"""The stage chain: ingest → segment → attribute (:func:`prepare_document`), then embed → match
for a batch of documents (:func:`finish_batch`, which is :func:`embed_batch` then
:func:`match_batch`; the local executor runs those two in different threads so that they overlap).

Every caller chains the stages through these functions: the local executor (prepare in
parse workers, embed and match in batches in the driver), the Dask executor (a batch of
documents per task) and ``process_document`` (one document: :func:`analyse_document`), and the
evaluation helpers
(``pipeline.evaluate.dataset.analyse_files``, ``pipeline.evaluate.attribution.attribute_corpus``,
which stop after ``prepare_document``). None of them raises for a bad file: a
DocumentResult carries the status.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from pipeline import PIPELINE_VERSION
from pipeline.attribution import MsiAttributor
from pipeline.embed import Encoder
from pipeline.ingest import ParseLimits, sha256_file
from pipeline.records import DocStatus, Document, DocumentResult, Passage
from pipeline.rules.framework import Framework
from pipeline.rules.registry import Registry
from pipeline.run.isolation import IsolatedParser
from pipeline.run.manifest import ManifestEntry
from pipeline.scoring.match import (
    EvidenceIndex,
    match_documents,
    match_passages,
    texts_to_embed,
)
from pipeline.segment import SegmentSettings, segment_document


def context_fingerprint(framework: Framework, registry: Registry, model: str,
                        segment: SegmentSettings, limits: ParseLimits) -> str:
    """The results' fingerprint for these settings (see ``ProcessingContext.fingerprint``)."""
    parts = [PIPELINE_VERSION, framework.fingerprint(), registry.fingerprint(), model,
             segment.fingerprint()]
    if limits.ocr:  # OCR reads pages that were empty without it
        parts.append("ocr")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


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
        return context_fingerprint(self.framework, self.registry, self.encoder.name,
                                   self.segment, self.limits)

    def document_fingerprint(self, path: str) -> str:
        entry = self.manifest.get(path)
        default = entry.fingerprint_text() if entry else ""
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


@dataclass(frozen=True)
class PreparedDocument:
    """A document after the CPU stages (ingest, segment, attribute), ready to embed.

    ``texts`` are the passage texts followed by their sentences (see ``texts_to_embed``); a
    document that failed, or has no text, carries a finished ``result`` instead.
    """

    document: Document
    passages: tuple[Passage, ...] = ()
    texts: tuple[str, ...] = ()
    sentence_rows: tuple[tuple[int, int, int], ...] = ()
    result: DocumentResult | None = None
    timings: dict[str, float] = field(default_factory=dict, compare=False, hash=False)


def _failed(document: Document, status: DocStatus, message: str, error_class: str,
            timings: dict[str, float], **extra) -> DocumentResult:
    return DocumentResult(path=document.path, doc_id=document.doc_id, status=status,
                          message=message, error_class=error_class, document=document,
                          timings=timings, **extra)


def prepare_document(document: Document, attributor: MsiAttributor | None,
                     segment: SegmentSettings, entry: ManifestEntry | None = None,
                     timings: dict[str, float] | None = None) -> PreparedDocument:
    """Segment and attribute an ingested document (no model needed; runs in parse workers).

    ``attributor`` may be None only for a document without text (nothing to attribute)."""
    timings = {} if timings is None else timings
    if entry and entry.title and document.status.has_text:
        document = replace(document, title=entry.title)
    if entry:
        document = replace(document, metadata=tuple(
            (k, json.dumps(v, ensure_ascii=False)) for k, v in entry.metadata().items()))
    if not document.status.has_text:
        return PreparedDocument(document, result=_failed(
            document, document.status, document.message, document.error_class, timings),
            timings=timings)
    try:
        t = time.perf_counter()
        passages = segment_document(document, segment)
        timings["segment"] = time.perf_counter() - t

        if attributor is None:
            raise ValueError("a document with text needs an attributor")
        t = time.perf_counter()
        passages = attributor.attribute(passages, entry.msi if entry else None)
        timings["attribute"] = time.perf_counter() - t
        texts, sentence_rows = texts_to_embed(passages)
    except Exception as exc:  # a bug must not stop the batch
        return PreparedDocument(document, result=_crashed(document, exc, timings), timings=timings)
    return PreparedDocument(document, tuple(passages), tuple(texts), tuple(sentence_rows),
                            timings=timings)


def _crashed(document: Document, exc: BaseException, timings: dict[str, float]) -> DocumentResult:
    return _failed(document, DocStatus.CRASHED,
                   f"analysis failed: {exc}\n{traceback.format_exc(limit=4)}",
                   type(exc).__name__, timings)


def finish_document(prepared: PreparedDocument, vectors, framework: Framework,
                    index: EvidenceIndex | None) -> DocumentResult:
    """Match an embedded PreparedDocument (``vectors`` aligned with ``prepared.texts``).

    ``index`` may be None only for a document without passages (nothing to match)."""
    if prepared.result is not None:
        return prepared.result
    document, timings = prepared.document, prepared.timings
    try:
        t = time.perf_counter()
        candidates = match_passages(list(prepared.passages), vectors, list(prepared.sentence_rows),
                                    framework, index)
        timings["match"] = time.perf_counter() - t
    except Exception as exc:
        return _crashed(document, exc, timings)
    return _matched(prepared, candidates)


def _matched(prepared: PreparedDocument, candidates) -> DocumentResult:
    """The result of a document matched without error."""
    document = prepared.document
    return DocumentResult(path=document.path, doc_id=document.doc_id, status=document.status,
                          message=document.message, error_class=document.error_class,
                          document=document, passages=prepared.passages,
                          candidates=tuple(candidates), timings=prepared.timings)


@dataclass(frozen=True)
class EmbeddedBatch:
    """Prepared documents with their vectors, ready to match (:func:`embed_batch`).

    ``outcomes[i]`` belongs to ``documents[i]``: its vectors (aligned with its ``texts``), a
    finished ``DocumentResult`` when embedding it failed, or None when it has nothing to embed.
    """

    documents: tuple[PreparedDocument, ...]
    outcomes: tuple[np.ndarray | DocumentResult | None, ...]
    index: EvidenceIndex | None


def embed_batch(pending: list[PreparedDocument], context: ProcessingContext) -> EmbeddedBatch:
    """Embed the texts of several prepared documents in one encoder call. When that call
    fails, each document is embedded on its own so that only a bad one fails."""
    todo = [p for p in pending if p.result is None and p.texts]
    texts = [t for p in todo for t in p.texts]
    outcome: dict[int, np.ndarray | DocumentResult] = {}
    index = None
    if texts:
        try:
            started = time.perf_counter()
            vectors = context.encoder.encode(texts)
            index = context.evidence_index
            elapsed = time.perf_counter() - started
        except Exception:  # embed one document at a time so that only a bad one fails
            for p in todo:
                outcome[id(p)] = _embed_alone(p, context)
            with contextlib.suppress(Exception):  # the documents that embedded need the index
                index = context.evidence_index
        else:
            offset = 0
            for p in todo:
                p.timings["embed"] = elapsed * len(p.texts) / len(texts)
                outcome[id(p)] = vectors[offset:offset + len(p.texts)]
                offset += len(p.texts)
    return EmbeddedBatch(tuple(pending), tuple(outcome.get(id(p)) for p in pending), index)


def _embed_alone(prepared: PreparedDocument, context: ProcessingContext) -> np.ndarray | DocumentResult:
    try:
        t = time.perf_counter()
        vectors = context.encoder.encode(list(prepared.texts))
        context.evidence_index  # noqa: B018 - a model that cannot embed the framework fails here
        prepared.timings["embed"] = time.perf_counter() - t
    except Exception as exc:  # a model failure must not stop the batch
        return _crashed(prepared.document, exc, prepared.timings)
    return vectors


def match_batch(batch: EmbeddedBatch, framework: Framework) -> Iterator[DocumentResult]:
    """Match the documents of an embedded batch together (the learned model reads all their
    sentences at once, :func:`pipeline.scoring.match.match_documents`); results in input order.
    When matching them together fails, each is matched on its own so that only a bad one fails."""
    together = _match_together(batch, framework)
    for k, (prepared, outcome) in enumerate(zip(batch.documents, batch.outcomes, strict=True)):
        if isinstance(outcome, DocumentResult):
            yield outcome
        elif outcome is None:
            yield finish_document(prepared, np.zeros((0, 0), dtype=np.float32), framework, None)
        elif k in together:
            yield together[k]
        else:
            yield finish_document(prepared, outcome, framework, batch.index)


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """numpy's BLAS on one thread while matching. Matching multiplies a few sentence vectors by
    the framework's ~1,000 text vectors per passage: products too small to gain from a second
    thread, whose hand-over costs more than the product when the encoder holds the other
    cores (measured: 3× less matching CPU on 2 busy cores). It changes the last float32 bits of
    some similarities, as another core count does (Dask workers already run BLAS on one
    thread); torch's own thread pool is not touched."""
    from threadpoolctl import threadpool_limits  # a declared dependency

    return threadpool_limits(1, user_api="blas")


def _match_together(batch: EmbeddedBatch, framework: Framework) -> dict[int, DocumentResult]:
    """The results of the batch's embedded documents, by position; empty when that fails."""
    todo = [(k, prepared, outcome) for k, (prepared, outcome)
            in enumerate(zip(batch.documents, batch.outcomes, strict=True))
            if isinstance(outcome, np.ndarray) and prepared.result is None]
    if not todo or batch.index is None:
        return {}
    try:
        t = time.perf_counter()
        with single_threaded_blas():
            found = match_documents([(list(p.passages), vectors, list(p.sentence_rows))
                                     for _, p, vectors in todo], framework, batch.index)
        elapsed = time.perf_counter() - t
    except Exception:  # noqa: BLE001 - each document is matched again on its own
        return {}
    texts = sum(len(p.texts) for _, p, _ in todo) or 1
    out = {}
    for (k, prepared, _), candidates in zip(todo, found, strict=True):
        prepared.timings["match"] = elapsed * len(prepared.texts) / texts
        out[k] = _matched(prepared, candidates)
    return out


def finish_batch(pending: list[PreparedDocument],
                 context: ProcessingContext) -> Iterator[DocumentResult]:
    """Embed the texts of several prepared documents in one encoder call, then match each;
    results in input order (:func:`embed_batch`, then :func:`match_batch`)."""
    yield from match_batch(embed_batch(pending, context), context.framework)


def analyse_document(document: Document, context: ProcessingContext,
                     timings: dict[str, float] | None = None) -> DocumentResult:
    """Segment, attribute, embed and match an ingested document (the chain for one)."""
    prepared = prepare_document(document, context.attributor, context.segment,
                                context.manifest.get(document.path), timings)
    [result] = finish_batch([prepared], context)
    return result


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
