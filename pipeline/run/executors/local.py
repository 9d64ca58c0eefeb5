"""The local executor: parse workers for the CPU stages, one model in the driver for the rest.

``workers`` isolated processes (:mod:`pipeline.run.isolation`) ingest, segment and attribute
documents, fed by threads with a bounded look-ahead so that memory stays flat. The driver
collects prepared documents until it holds ``embed_budget`` texts, embeds them in one call (the
encoder sorts them by length, so batches carry little padding, and the cache skips texts it
has seen), then matches each document and hands it back in input order. The caller writes
each result in its own transaction. Preparing, embedding and matching overlap (each stage in
its own thread, :mod:`pipeline.run.executors.overlap`), a batch or two apart at most.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Queue

from pipeline.embed import start_loading, uses_torch
from pipeline.ingest.language import language_identifier
from pipeline.learn import load_learned
from pipeline.records import Document, DocumentResult
from pipeline.rules.registry import Registry
from pipeline.run.executors import worker_cache
from pipeline.run.executors.overlap import Overlap
from pipeline.run.isolation import IsolatedParser
from pipeline.run.manifest import ManifestEntry
from pipeline.run.process import (
    PreparedDocument,
    ProcessingContext,
    embed_batch,
    match_batch,
    prepare_document,
)
from pipeline.scoring.rules import rule_matcher_for
from pipeline.segment import SegmentSettings, import_spacy_without_torch

DEFAULT_EMBED_BUDGET = 1024  # texts (passages + sentences) embedded per call, across documents

Job = tuple[str, str]  # (path, doc_id)


@dataclass(frozen=True)
class PrepareInWorker:
    """Segment and attribute inside the parse worker (picklable; spaCy is cached per process)."""

    registry: Registry
    segment: SegmentSettings
    manifest: dict[str, ManifestEntry] = field(default_factory=dict)

    def warm_up(self) -> None:
        """Load spaCy and the attributor once, before the worker takes its first document (the
        worker keeps torch out, see :mod:`pipeline.run.isolation`)."""
        from pipeline.segment import sentencizer

        sentencizer()
        worker_cache.attributor_for(self.registry)

    def __call__(self, document: Document) -> PreparedDocument:
        attributor = worker_cache.attributor_for(self.registry)
        return prepare_document(document, attributor, self.segment,
                                self.manifest.get(document.path))


def prepare_in_driver(item: Document | PreparedDocument,
                      context: ProcessingContext) -> PreparedDocument:
    """A parse failure comes back as a bare Document: wrap it (the attributor is not needed)."""
    if isinstance(item, PreparedDocument):
        return item
    if item.status.has_text:  # a parser without the prepare step
        return prepare_document(item, context.attributor, context.segment,
                                context.manifest.get(item.path))
    return prepare_document(item, None, context.segment, context.manifest.get(item.path))


def start_warming(context: ProcessingContext) -> threading.Thread:
    """Build the driver's own once-per-process parts in a background thread while the parse
    workers start: spaCy and the framework's rule matcher, the language detector and the
    learned model. Otherwise the driver waits for the workers' first documents and only then
    builds them, one after the other. A failure is left for the first real use to raise."""
    def warm() -> None:
        try:
            if not uses_torch(context.encoder):
                import_spacy_without_torch()
            rule_matcher_for(context.framework)
            language_identifier()
            load_learned(context.framework.matching.model)
        except Exception as exc:  # noqa: BLE001
            logging.getLogger(__name__).debug("warming the driver failed: %s", exc)

    thread = threading.Thread(target=warm, name="warm-driver", daemon=True)
    thread.start()
    return thread


def parse_ahead(jobs: list[Job], context: ProcessingContext, workers: int,
                prepare: PrepareInWorker | None = None) -> Iterator[PreparedDocument]:
    """Prepare documents in ``workers`` isolated processes; yield them in input order."""
    workers = max(1, workers)
    parsers: Queue[IsolatedParser] = Queue()
    owned = [IsolatedParser(context.limits, prepare=prepare) for _ in range(workers)]
    for parser in owned:
        parsers.put(parser)

    def parse(job: Job) -> PreparedDocument:
        parser = parsers.get()
        try:
            started = time.perf_counter()
            item = parser.parse(*job)
            elapsed = time.perf_counter() - started
        finally:
            parsers.put(parser)
        prepared = prepare_in_driver(item, context)
        done = prepared.timings.get("segment", 0.0) + prepared.timings.get("attribute", 0.0)
        prepared.timings["ingest"] = max(0.0, elapsed - done)
        return prepared

    try:
        with ThreadPoolExecutor(workers) as pool:
            window = 2 * workers  # bounded look-ahead keeps memory flat on big corpora
            futures = [pool.submit(parse, job) for job in jobs[:window]]
            for i in range(len(jobs)):
                prepared = futures[i].result()
                futures[i] = None  # type: ignore[call-overload]
                if i + window < len(jobs):
                    futures.append(pool.submit(parse, jobs[i + window]))
                yield prepared
    finally:
        for parser in owned:
            parser.close()


def batches_of(prepared: Iterable[PreparedDocument],
               budget: int = DEFAULT_EMBED_BUDGET) -> Iterator[list[PreparedDocument]]:
    """Group prepared documents, in input order, into batches of at least ``budget`` texts."""
    pending: list[PreparedDocument] = []
    count = 0
    try:
        for item in prepared:
            pending.append(item)
            count += len(item.texts)
            if count >= budget:
                yield pending
                pending, count = [], 0
        if pending:
            yield pending
    finally:  # stops the parse workers now, not when the generator is collected
        close = getattr(prepared, "close", None)
        if callable(close):
            close()


def embed_in_batches(prepared: Iterable[PreparedDocument], context: ProcessingContext,
                     budget: int = DEFAULT_EMBED_BUDGET) -> Iterator[DocumentResult]:
    """Embed the texts of several documents per encoder call; yield results in input order.

    Three stages overlap, each in its own thread with a bounded hand-over (see
    :mod:`pipeline.run.executors.overlap`): preparing documents (the parse workers) and grouping
    them into batches, embedding a batch, and matching a batch here while the caller writes its
    results. So parsing runs ahead while a batch embeds, and matching and writing a batch do not
    hold up the next encoder call; at most a few batches are held at any time."""
    with Overlap() as overlap:
        batches = overlap.stage(batches_of(prepared, budget), "prepare-documents")
        embedded = overlap.stage((embed_batch(batch, context) for batch in batches),
                                 "embed-batches")
        for batch in embedded:
            yield from match_batch(batch, context.framework)


class LocalExecutor:
    """Parse workers + batched embedding in this process (the default ``--executor local``)."""

    name = "local"

    def __init__(self, workers: int = 1, embed_budget: int = DEFAULT_EMBED_BUDGET):
        self.workers = max(1, workers)
        self.embed_budget = max(1, embed_budget)

    def describe(self) -> dict:
        return {"executor": self.name, "workers": self.workers, "embed_budget": self.embed_budget}

    def results(self, jobs: list[Job], context: ProcessingContext) -> Iterator[DocumentResult]:
        if jobs:  # the model loads while the parse workers start and read the first files
            start_warming(context)
            start_loading(context.encoder)
        prepare = PrepareInWorker(context.registry, context.segment, context.manifest)
        yield from embed_in_batches(parse_ahead(jobs, context, self.workers, prepare), context,
                                    self.embed_budget)

    def close(self) -> None:
        pass
