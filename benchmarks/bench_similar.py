"""Similar passages ("more like this") at scale: reading the stored vectors and finding a card's
nearest passages.

Builds a store with N live passages (default 100,000) in 200 documents and one candidate per
document directly with SQL, and an embedding cache beside it with a random unit vector
(384 dimensions, as all-MiniLM-L6-v2) per passage text. Times, in one process:

* load: the first request, which reads every live passage and its vector into one matrix;
* query: ``SimilarPassages.similar`` for a card once the matrix is cached (cosine over all
  passages, exclusions, and the reads of the 9 neighbours' documents and candidates).

    .venv/bin/python benchmarks/bench_similar.py [--passages 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.review.similar import SimilarPassages, default_cache_path  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.store.embedding_cache import EmbeddingCache, text_hash  # noqa: E402

MODEL = "all-MiniLM-L6-v2"
DIM = 384
DOCS = 200


def build(db: Path, n: int, seed: int = 0) -> list[str]:
    """The store and its cache; returns the candidate ids."""
    rng = np.random.default_rng(seed)
    Store(db).close()  # schema
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO runs (run_id, started_at, finished_at, status, model)"
                 " VALUES ('r1', '2026-01-01', '2026-01-01', 'finished', ?)", (MODEL,))
    per_doc = n // DOCS
    texts = []
    for d in range(DOCS):
        conn.execute("INSERT INTO documents (doc_id, title, status, run_id, last_path)"
                     " VALUES (?, ?, 'ok', 'r1', ?)", (f"d{d}", f"Report {d}", f"/corpus/r{d}.pdf"))
        conn.execute("INSERT INTO pages (doc_id, page_no, text) VALUES (?, 1, '')", (f"d{d}",))
        rows = []
        for i in range(per_doc):
            text = f"Passage {i} of report {d}: the workers' representation on the board."
            texts.append(text)
            rows.append((f"p{d}_{i}", f"d{d}", i, 1, 0, len(text), text, "para"))
        conn.executemany("INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start,"
                         " char_end, text, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute(
            "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
            " consideration_id, framework_id, score, quote, quote_start, quote_end)"
            " VALUES (?, ?, ?, 'FLA', 'participation', 'participation.workers', 'fw', 0.5,"
            " 'q', 0, 1)", (f"c{d}", f"p{d}_0", f"d{d}"))
    conn.commit()
    conn.close()
    vectors = rng.standard_normal((len(texts), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = EmbeddingCache(default_cache_path(db))
    cache.put_many(MODEL, {text_hash(t): v for t, v in zip(texts, vectors, strict=True)})
    cache.close()
    return [f"c{d}" for d in range(DOCS)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "similar.sqlite"
        t = time.perf_counter()
        cards = build(db, args.passages)
        built = time.perf_counter() - t
        with Store(db, create=False) as store:
            similar = SimilarPassages(store)
            t = time.perf_counter()
            first = similar.similar(cards[0], k=9)
            load = time.perf_counter() - t
            assert first.problem is None and len(first.neighbours) == 9, first
            times = []
            for i in range(args.queries):
                t = time.perf_counter()
                result = similar.similar(cards[i % len(cards)], k=9)
                times.append((time.perf_counter() - t) * 1000)
                assert len(result.neighbours) == 9
            assert similar.loads == 1
            index = similar.index(MODEL)
            times.sort()
            report = {
                "passages": result.searched,
                "matrix_mb": round(index.matrix.nbytes / 2**20, 1),
                "build_store_s": round(built, 1),
                "first_request_with_load_s": round(load, 2),
                "query_ms_p50": round(statistics.median(times), 1),
                "query_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
                "query_ms_max": round(times[-1], 1),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
