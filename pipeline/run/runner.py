"""The batch runner: discover files, skip unchanged ones, process the rest, store results.

An executor (:mod:`pipeline.run.executors`) turns the files that need work into DocumentResults:
by default parse workers plus batched embedding in this process (the model is loaded once,
and only if something needs embedding), or the same stage on a Dask cluster. Only this
process writes to the store, one transaction per document, so a killed run loses at most the
documents in flight and a re-run resumes where it stopped.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.ingest import sha256_file
from pipeline.ingest.language import reads_language, with_language_warning
from pipeline.records import DocStatus, DocumentResult
from pipeline.run.discover import Skipped, discover
from pipeline.run.executors import Executor
from pipeline.run.executors.local import LocalExecutor
from pipeline.run.process import ProcessingContext
from pipeline.run.progress import Progress
from pipeline.store import Store
from pipeline.store.reports import run_totals
from pipeline.store.twins import mark_twins, twin_report

# Statuses worth another try on a re-run even when the bytes did not change.
RETRY_STATUSES = {DocStatus.TIMEOUT, DocStatus.RESOURCE_LIMIT, DocStatus.CRASHED}


@dataclass
class RunSummary:
    run_id: str
    wall_s: float = 0.0
    files: int = 0
    processed: int = 0
    unchanged: int = 0
    duplicate_paths: int = 0
    by_status: Counter = field(default_factory=Counter)
    pages: int = 0
    words: int = 0
    passages: int = 0
    candidates: int = 0
    candidates_by_reference_point: dict[str, int] = field(default_factory=dict)
    candidates_by_msi: dict[str, int] = field(default_factory=dict)
    msis_by_document: dict[str, list[str]] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    embedded_texts: int = 0
    cached_texts: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed over documents
    twin_groups: int = 0  # cards that stand for several candidates with the same quote
    twins_merged: int = 0  # candidates shown on another candidate's card (pipeline.store.twin_groups)
    model: str = ""
    languages: dict[str, int] = field(default_factory=dict)  # documents per language code
    # (title, language) of documents in a language the model does not read
    unread_languages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.failures and set(self.by_status) <= {DocStatus.OK.value}

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "skipped"}
        out["by_status"] = dict(self.by_status)
        out["skipped"] = [s.__dict__ for s in self.skipped]
        return out


def run_corpus(paths: list[str], store: Store, context: ProcessingContext, *, workers: int = 1,
               progress: bool = True, on_result: Callable[[DocumentResult], None] | None = None,
               executor: Executor | None = None) -> RunSummary:
    """Process every new or changed file under ``paths`` and write each result to ``store``.

    ``executor`` produces the results (default: a LocalExecutor with ``workers`` parse
    processes); this function alone writes to the store, one transaction per document.
    """
    started = time.perf_counter()
    executor = executor or LocalExecutor(workers=workers)
    files, skipped = discover(paths)
    encoder_name = context.encoder.name
    run_id = store.start_run(context.framework.id, context.framework.version, encoder_name,
                             context.fingerprint,
                             {"paths": paths, "workers": workers, "limits": context.limits.__dict__,
                              **executor.describe(),
                              "segment": context.segment.__dict__, "pid": os.getpid()})
    summary = RunSummary(run_id=run_id, files=len(files), skipped=skipped, model=encoder_name)
    jobs: list[tuple[str, str]] = []
    sizes: dict[str, int] = {}
    seen_ids: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    doc_ids: list[str] = []
    for path in files:
        try:
            doc_id = sha256_file(path)
            sizes[path] = os.path.getsize(path)
        except OSError as exc:
            summary.by_status[DocStatus.UNSUPPORTED.value] += 1
            summary.failures.append((path, DocStatus.UNSUPPORTED.value, f"cannot read file: {exc}"))
            continue
        if doc_id in seen_ids:  # the same bytes under another path: one document, two paths
            duplicates.append((path, doc_id))
            continue
        seen_ids[doc_id] = path
        doc_ids.append(doc_id)
        state = store.document_state(doc_id)
        if state and state[1] == context.document_fingerprint(path) and state[0] not in RETRY_STATUSES:
            store.record_path(path, doc_id, run_id)
            summary.unchanged += 1
            summary.by_status[state[0]] += 1
            continue
        jobs.append((path, doc_id))

    report = Progress(len(jobs), enabled=progress)
    hits_before, misses_before = _cache_counts(context)
    for result in executor.results(jobs, context):
        result = with_language_warning(result, encoder_name)
        for stage, seconds in result.timings.items():
            summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + seconds
        store.write_result(result, run_id=run_id, fingerprint=context.document_fingerprint(result.path),
                           size_bytes=sizes.get(result.path, 0), framework=context.framework,
                           model=encoder_name)
        summary.processed += 1
        summary.by_status[result.status.value] += 1
        if on_result:
            on_result(result)
        report.finished(result)
    report.close()
    hits, misses = _cache_counts(context)
    summary.cached_texts, summary.embedded_texts = hits - hits_before, misses - misses_before
    for path, doc_id in duplicates:
        if store.document_state(doc_id):
            store.record_path(path, doc_id, run_id)
    summary.duplicate_paths = len(duplicates)
    # Only a run that wrote documents can change which candidates repeat each other.
    twins = mark_twins(store) if summary.processed else twin_report(store)
    summary.twin_groups, summary.twins_merged = twins.groups, twins.merged
    _propose_sources(summary, store, context, doc_ids)
    _fill_from_store(summary, store, doc_ids)
    summary.wall_s = round(time.perf_counter() - started, 2)
    store.finish_run(run_id, "ok" if summary.all_ok else "with_failures", summary.as_dict())
    return summary


def _propose_sources(summary: RunSummary, store: Store, context: ProcessingContext,
                     doc_ids: list[str]) -> None:
    """Source records for this run's documents (and any stored document still without one).
    A failure here is reported but never fails the run: candidates are already stored."""
    from pipeline.sources.refresh import refresh_sources

    try:
        refresh_sources(store, context.registry, context.manifest, doc_ids)
        refresh_sources(store, context.registry, missing_only=True)
    except Exception as exc:  # noqa: BLE001 - a proposer bug must not lose the run's summary
        summary.failures.append(("(source records)", "crashed", f"{type(exc).__name__}: {exc}"))


def _cache_counts(context: ProcessingContext) -> tuple[int, int]:
    encoder = context.encoder
    return getattr(encoder, "hits", 0), getattr(encoder, "misses", 0)


def _fill_from_store(summary: RunSummary, store: Store, doc_ids: list[str]) -> None:
    if not doc_ids:
        return
    totals = run_totals(store, doc_ids)
    summary.pages, summary.words = totals.pages, totals.words
    summary.passages, summary.candidates = totals.passages, totals.candidates
    summary.candidates_by_reference_point = dict(totals.candidates_by_reference_point)
    summary.candidates_by_msi = dict(totals.candidates_by_msi)
    summary.msis_by_document.update(totals.msis_by_document)
    for title, language in totals.languages:
        summary.languages[language or "?"] = summary.languages.get(language or "?", 0) + 1
        if language and not reads_language(summary.model, language):
            summary.unread_languages.append((title, language))
    summary.languages = dict(sorted(summary.languages.items(), key=lambda kv: (-kv[1], kv[0])))
    summary.failures.extend(totals.failures)
