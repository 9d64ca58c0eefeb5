"""The local executor: parse workers prepare documents, the driver embeds across documents."""

from __future__ import annotations

from pathlib import Path

from scale_helpers import SpyEncoder, assert_same_results, make_run_context, run_into, store_rows

from pipeline.embed import CachedEncoder, EmbeddingCache, HashingEncoder
from pipeline.records import DocStatus
from pipeline.run.executors.local import LocalExecutor, PrepareInWorker, parse_ahead
from pipeline.run.process import process_document


def test_batched_run_equals_process_document(small_corpus: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MSI_EVIDENCE_CACHE", str(tmp_path / "empty-cache"))
    spy = SpyEncoder(HashingEncoder())
    summary = run_into(tmp_path / "batched.sqlite", small_corpus, spy,
                       executor=LocalExecutor(workers=2, embed_budget=100_000))
    assert summary.processed == 6
    # The framework-cache probe (one text), one call for the framework's evidence texts
    # (an empty cache), one for the texts of all 6 documents.
    assert sorted(spy.calls)[0] == 1 and len(spy.calls) == 3, spy.calls
    assert min(sorted(spy.calls)[1:]) > 100
    batched = store_rows(tmp_path / "batched.sqlite")
    assert len(batched["candidates"]) > 20

    # The same as process_document, the unit of work every executor shares, one file at a time.
    context = make_run_context(small_corpus, HashingEncoder())
    try:
        direct = {}
        for path in sorted(small_corpus.iterdir()):
            if path.name != "manifest.csv":
                result = process_document(str(path.resolve()), context)
                direct.update({c.candidate_id: c.score for c in result.candidates})
    finally:
        context.close()
    assert direct == batched["candidates"]


def test_a_bad_document_fails_alone_inside_a_batch(small_corpus: Path, tmp_path: Path):
    (small_corpus / "empty.txt").write_bytes(b"")
    (small_corpus / "poison.txt").write_text(
        "Poisoned report\n\nThe Fair Labor Association POISON-TEXT audited factories.\n",
        encoding="utf-8")
    spy = SpyEncoder(HashingEncoder(), poison="POISON-TEXT")
    run_into(tmp_path / "db.sqlite", small_corpus, spy,
             executor=LocalExecutor(workers=2, embed_budget=100_000))
    rows = store_rows(tmp_path / "db.sqlite")
    by_path = {Path(p).name: rows["documents"][d] for p, d in rows["paths"].items()}
    assert by_path.pop("empty.txt") == DocStatus.UNSUPPORTED
    assert by_path.pop("poison.txt") == DocStatus.CRASHED
    assert set(by_path.values()) == {DocStatus.OK}
    assert len(rows["candidates"]) > 20


def test_segmentation_runs_in_the_parse_workers(small_corpus: Path):
    context = make_run_context(small_corpus, HashingEncoder())
    try:
        files = sorted(str(p.resolve()) for p in small_corpus.iterdir() if p.suffix != ".csv")
        jobs = [(path, f"id-{i}") for i, path in enumerate(files)]
        prepare = PrepareInWorker(context.registry, context.segment, context.manifest)
        prepared = list(parse_ahead(jobs, context, 2, prepare))
    finally:
        context.close()
    assert [p.document.path for p in prepared] == files  # input order
    assert all(p.passages and p.texts for p in prepared)
    assert all("segment" in p.timings and "ingest" in p.timings for p in prepared)
    # The driver never built a spaCy attributor: attribution happened in the workers.
    assert "attributor" not in context.__dict__


def test_embedding_cache_survives_between_runs(small_corpus: Path, tmp_path: Path, monkeypatch):
    # Each run gets an empty per-user framework cache, so that the framework's texts go through
    # the embedding cache under test too (whatever ran before in this process).
    monkeypatch.setenv("MSI_EVIDENCE_CACHE", str(tmp_path / "user-cache-1"))
    cache_file = tmp_path / "embeddings.sqlite"
    first_spy = SpyEncoder(HashingEncoder())
    cache = EmbeddingCache(cache_file)
    first = run_into(tmp_path / "first.sqlite", small_corpus, CachedEncoder(first_spy, cache))
    cache.close()
    assert first.embedded_texts > 100 and sum(first_spy.calls) == first.embedded_texts

    # A new store (as after a framework change) with the same cache file: nothing is embedded.
    monkeypatch.setenv("MSI_EVIDENCE_CACHE", str(tmp_path / "user-cache-2"))
    second_spy = SpyEncoder(HashingEncoder())
    cache = EmbeddingCache(cache_file)
    second = run_into(tmp_path / "second.sqlite", small_corpus, CachedEncoder(second_spy, cache))
    cache.close()
    assert second_spy.calls == []
    assert second.embedded_texts == 0 and second.cached_texts >= first.embedded_texts
    assert_same_results(store_rows(tmp_path / "first.sqlite"),
                        store_rows(tmp_path / "second.sqlite"), tolerance=0.0)


def test_prepare_step_warms_up_spacy_before_the_first_document():
    from pipeline.rules.registry import load_registry
    from pipeline.run.executors import worker_cache
    from pipeline.segment import SegmentSettings

    worker_cache.clear()
    PrepareInWorker(load_registry(), SegmentSettings()).warm_up()
    assert worker_cache.builds().get("attributor") == 1


def test_the_model_loads_in_the_background_while_documents_are_parsed(small_corpus: Path,
                                                                       tmp_path: Path):
    import threading

    from pipeline.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder

    class RecordingEncoder(SentenceTransformerEncoder):
        """Loads nothing real: records which thread loaded it, embeds with hashing."""

        def __init__(self):
            super().__init__("hashing-stand-in")
            self.loaded_in: list[str] = []

        def load(self):
            with self._lock:
                if self._model is None:
                    self.loaded_in.append(threading.current_thread().name)
                    self._model = HashingEncoder()
            return self._model

        def encode(self, texts):
            return self.load().encode(texts)

    inner = RecordingEncoder()
    encoder = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    summary = run_into(tmp_path / "db.sqlite", small_corpus, encoder)
    assert summary.processed == 6
    assert inner.loaded_in == ["load-embedding-model"]  # once, and not on the main thread


def test_parse_workers_segment_without_torch(small_corpus: Path):
    """spaCy's thinc imports torch whenever it can; a parse worker never embeds, so it is kept
    out of the worker (memory and start-up), and segmentation still works there."""
    from scale_helpers import ModulesInWorker

    from pipeline.run.isolation import IsolatedParser

    with IsolatedParser(prepare=ModulesInWorker()) as parser:
        report = parser.parse(str(small_corpus / "short_0.txt"), "id-short")
    assert report == {"passages": report["passages"], "torch": False, "spacy": True}
    assert report["passages"] >= 1
