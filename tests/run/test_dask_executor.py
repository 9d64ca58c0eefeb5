"""The Dask executor on a LocalCluster gives the same results as a local run."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale_helpers import (
    ONE_STORED_UNIT,
    SpyEncoder,
    assert_same_results,
    run_into,
    store_rows,
    write_small_corpus,
)

from pipeline.embed import HashingEncoder
from pipeline.records import DocStatus
from pipeline.run.executors import worker_cache
from pipeline.run.executors.dask import DaskExecutor, WorkerSpec, process_batch_on_worker
from pipeline.run.executors.local import LocalExecutor

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_executor():
    """Two single-threaded worker processes, shared by the tests of this module; three files
    per task, so that the 8 files of the corpus make tasks of several documents."""
    executor = DaskExecutor(n_workers=2, docs_per_task=3)
    executor.client()
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = write_small_corpus(tmp_path_factory.mktemp("scale") / "corpus")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    return folder


def test_dask_run_equals_local_run(dask_executor, corpus: Path, tmp_path: Path):
    spy = SpyEncoder(HashingEncoder())
    local = run_into(tmp_path / "local.sqlite", corpus, HashingEncoder(),
                     executor=LocalExecutor(workers=2))
    remote = run_into(tmp_path / "dask.sqlite", corpus, spy, executor=dask_executor)
    assert remote.processed == local.processed == 8
    assert remote.by_status == local.by_status
    assert spy.calls == []  # the driver embedded nothing: the workers did
    a, b = store_rows(tmp_path / "local.sqlite"), store_rows(tmp_path / "dask.sqlite")
    assert len(a["candidates"]) > 20
    assert_same_results(a, b, tolerance=ONE_STORED_UNIT)

    # Each worker built its processing context (and encoder) once, however many tasks it ran.
    builds = dask_executor.client().run(_builds)
    assert sum(b.get("context", 0) for b in builds.values()) <= len(builds)
    assert all(b.get("context", 0) <= 1 and b.get("encoder", 0) <= 1 for b in builds.values())
    assert sum(b.get("context", 0) for b in builds.values()) >= 1


def test_dask_run_with_shipped_bytes(dask_executor, corpus: Path, tmp_path: Path):
    """Workers that do not share the driver's file system get the bytes with the task."""
    local = store_rows(_ensure_local(corpus, tmp_path))
    dask_executor.ship_bytes = True
    try:
        run_into(tmp_path / "shipped.sqlite", corpus, HashingEncoder(), executor=dask_executor)
    finally:
        dask_executor.ship_bytes = False
    assert_same_results(local, store_rows(tmp_path / "shipped.sqlite"), tolerance=ONE_STORED_UNIT)


def test_a_task_embeds_its_documents_in_one_call_and_a_bad_one_fails_alone(corpus: Path,
                                                                            tmp_path: Path):
    """process_batch_on_worker, run in this process as a worker would: one encoder call for
    the texts of all files of the task, results in job order, broken files fail alone."""
    from scale_helpers import make_run_context

    poison = tmp_path / "poison.txt"
    poison.write_text("Poisoned report\n\nThe Fair Labor Association POISON-TEXT audited "
                      "factories.\n", encoding="utf-8")
    files = sorted(str(p.resolve()) for p in corpus.iterdir() if p.suffix != ".csv")
    files.insert(2, str(poison))
    jobs = [(path, f"id-{i}") for i, path in enumerate(files)]
    context = make_run_context(corpus, HashingEncoder())
    spec = WorkerSpec.from_context(context, torch_threads=1)
    context.close()
    worker_cache.clear()
    spy = SpyEncoder(HashingEncoder(), poison="POISON-TEXT")
    worker_cache.cached(("encoder", spec.model, spec.batch_size, spec.torch_threads), lambda: spy)
    try:
        assert worker_cache.context_for(spec).evidence_index  # the framework's texts, not counted
        spy.calls.clear()
        results = process_batch_on_worker(spec, jobs)
    finally:
        worker_cache.clear()
    assert [(r.path, r.doc_id) for r in results] == jobs
    status = {Path(r.path).name: r.status for r in results}
    assert status.pop("poison.txt") == DocStatus.CRASHED
    assert status.pop("broken.pdf") in (DocStatus.PARSE_ERROR, DocStatus.CRASHED)
    assert status.pop("empty.txt") == DocStatus.UNSUPPORTED
    assert set(status.values()) == {DocStatus.OK}
    # One call for the whole batch (refused: it holds the poison), then one per document
    # with texts, so that only the poisoned one fails.
    with_texts = sum(1 for r in results if r.passages) + 1
    assert spy.calls[0] == max(spy.calls) and len(spy.calls) == 1 + with_texts
    assert all(r.candidates for r in results if r.status == DocStatus.OK)


def _ensure_local(corpus: Path, tmp_path: Path) -> Path:
    db = tmp_path / "local.sqlite"
    run_into(db, corpus, HashingEncoder(), executor=LocalExecutor(workers=1))
    return db


def _builds():
    from pipeline.run.executors import worker_cache

    return worker_cache.builds()


@pytest.mark.real_model
def test_dask_real_model_scores_match_local(tmp_path: Path):
    """One short document with the packaged model: same candidates, scores within 1e-6."""
    from pipeline.embed import SentenceTransformerEncoder

    folder = tmp_path / "one"
    folder.mkdir()
    source = write_small_corpus(tmp_path / "all", copies=1)
    (folder / "short_0.txt").write_bytes((source / "short_0.txt").read_bytes())
    local = run_into(tmp_path / "local.sqlite", folder, SentenceTransformerEncoder(torch_threads=1))
    executor = DaskExecutor(n_workers=1, torch_threads=1)
    try:
        run_into(tmp_path / "dask.sqlite", folder, SentenceTransformerEncoder(), executor=executor)
    finally:
        executor.close()
    assert local.processed == 1
    a, b = store_rows(tmp_path / "local.sqlite"), store_rows(tmp_path / "dask.sqlite")
    assert a["passages"] and a["passages"] == b["passages"]
    assert a["candidates"] and set(a["candidates"]) == set(b["candidates"])
    assert_same_results(a, b, tolerance=ONE_STORED_UNIT)
