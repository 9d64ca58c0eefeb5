"""Latency of "decide and load the next card" in the review workspace.

Builds a store with N candidates (default 100,000) directly with SQL, starts the real server
(`msi-evidence review`) in a subprocess, signs in over HTTP and times, per iteration, one
decision plus loading the next card:

* html: POST the card's form (303 redirect) and GET the next card page, as the browser does;
* api:  POST /api/candidates/{id}/decisions and GET /api/candidates/{next}.

Scenarios: a fresh reviewer; a reviewer who already decided 5,000 of the best-scored
candidates (the queue must skip them); a filtered queue (one MSI); loading the next card of a
filtered queue with nothing left (``get``: the query must prove that no candidate matches); the
active order ("most likely evidence first") while the server's background refits run on every
new decision; and two of these on a copy of the store without the review indexes of
migration 2.

    .venv/bin/python benchmarks/bench_review.py [--candidates 100000] [--iterations 300]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MSIS = [
    "EITI",
    "FLA",
    "KPCS",
    "FAIRTRADE",
    "RSPO",
    "SA8000",
    "BANGLADESH_ACCORD",
    "ETI",
    "FAIR_FOOD_PROGRAM",
    "GENERAL",
]
WORDS = [
    "workers",
    "representation",
    "government",
    "transparency",
    "audit",
    "grievance",
    "remedy",
    "supply",
    "chain",
    "certification",
    "community",
    "migrants",
    "women",
    "children",
    "forced",
    "labour",
    "evaluation",
]
FIELDS = re.compile(r'name="(csrf|version|idempotency_key)" value="([^"]*)"')
EMPTY = "/card/next?msi=NO_SUCH_MSI"  # a filter nothing matches: the queue is finished
REVIEW_INDEXES = [
    "candidates_queue",
    "candidates_queue_msi",
    "candidates_queue_rp",
    "candidates_queue_doc",
]


def build_store(path: Path, n_candidates: int, seed: int = 1) -> None:
    from pipeline.rules.framework import load_framework
    from pipeline.store import Store

    rng = random.Random(seed)
    considerations = load_framework().considerations
    n_docs, per_passage = 200, 4
    n_passages = n_candidates // per_passage
    with Store(path) as store, store.write() as conn:
        conn.executemany(
            "INSERT INTO documents (doc_id, kind, title, n_pages, status) VALUES (?, ?, ?, ?, ?)",
            [(f"d{d:04d}", "text", f"Report {d}", 1, "ok") for d in range(n_docs)],
        )
        conn.executemany(
            "INSERT INTO document_paths (path, doc_id) VALUES (?, ?)",
            [(f"/corpus/report{d}.txt", f"d{d:04d}") for d in range(n_docs)],
        )
        passages, pages = [], {}
        for i in range(n_passages):
            doc = f"d{i % n_docs:04d}"
            text = " ".join(rng.choice(WORDS) for _ in range(90)) + "."
            start = pages.get(doc, 0)
            pages[doc] = start + len(text) + 2
            passages.append(
                (
                    f"p{i:06d}",
                    doc,
                    i // n_docs,
                    1,
                    start,
                    start + len(text),
                    text,
                    "body",
                    "[]",
                    "[]",
                )
            )
        conn.executemany(
            "INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start, char_end, text,"
            " kind, mentions, msis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            passages,
        )
        page_text: dict[str, list[str]] = {}
        for p in passages:
            page_text.setdefault(p[1], []).append(p[6])
        conn.executemany(
            "INSERT INTO pages (doc_id, page_no, label, text) VALUES (?, 1, '1', ?)",
            [(doc, "\n\n".join(t)) for doc, t in page_text.items()],
        )
        rows = []
        for i in range(n_candidates):
            p = passages[i // per_passage]
            rp, c = considerations[rng.randrange(len(considerations))]
            qs = p[4] + 10
            rows.append(
                (
                    f"c{i:07d}",
                    p[0],
                    p[1],
                    rng.choice(MSIS),
                    rp.id,
                    rp.name,
                    c.id,
                    c.text,
                    "msi-tip",
                    "1.0",
                    round(rng.random(), 6),
                    p[6][10:130],
                    qs,
                    qs + 120,
                    rng.choice(["supports", "undermines", "neutral"]),
                    json.dumps({"passage_similarity": 0.5}),
                    "bench",
                )
            )
        conn.executemany(
            "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
            " reference_point, consideration_id, consideration, framework_id, framework_version,"
            " score, quote, quote_start, quote_end, polarity, explanation, model)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("ANALYZE")
    conn.close()


def predecide(path: Path, reviewer: str, n: int) -> None:
    """The reviewer has already decided the ``n`` best-scored candidates."""
    import sqlite3

    conn = sqlite3.connect(path)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT candidate_id FROM candidates WHERE stale = 0 ORDER BY score DESC LIMIT ?", (n,)
        )
    ]
    with conn:
        conn.executemany(
            "INSERT INTO decisions (candidate_id, decision, reviewer, decided_at)"
            " VALUES (?, 'reject', ?, '2026-01-01T00:00:00Z')",
            [(i, reviewer) for i in ids],
        )
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "review",
                "--db",
                str(db),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(self.base + "/login", timeout=1)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(self.proc.stderr.read().decode()) from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def client(base: str, reviewer: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, headers={"Origin": base}, timeout=30)
    r = c.post("/api/login", json={"name": reviewer})
    r.raise_for_status()
    return c, r.json()["csrf_token"]


def run_html(base: str, reviewer: str, iterations: int, query: str = "") -> list[float]:
    c, _ = client(base, reviewer)
    page = c.get(f"/card/next{query}", follow_redirects=True)
    timings = []
    for i in range(iterations):
        cid = re.search(r'data-candidate="([^"]+)"', page.text).group(1)
        fields = dict(FIELDS.findall(page.text))
        decision = ("accept", "reject", "skip")[i % 3]
        t0 = time.perf_counter()
        page = c.post(
            f"/card/{cid}/decide{query}",
            data={**fields, "decision": decision, "note": f"bench {i}"},
            follow_redirects=True,
        )
        timings.append(time.perf_counter() - t0)
        assert page.status_code == 200, page.text[:300]
    return timings


def run_api(base: str, reviewer: str, iterations: int) -> list[float]:
    c, csrf = client(base, reviewer)
    cid = c.get("/api/next").json()["candidate_id"]
    card = c.get(f"/api/candidates/{cid}").json()
    timings = []
    for i in range(iterations):
        t0 = time.perf_counter()
        r = c.post(
            f"/api/candidates/{cid}/decisions",
            headers={"X-CSRF-Token": csrf},
            json={
                "decision": ("accept", "reject")[i % 2],
                "expected_version": card["version"],
                "idempotency_key": f"{reviewer}{i}",
            },
        )
        cid = r.json()["next_candidate_id"]
        card = c.get(f"/api/candidates/{cid}").json()
        timings.append(time.perf_counter() - t0)
        assert r.status_code == 201, r.text
    return timings


def run_get(base: str, reviewer: str, iterations: int, url: str) -> list[float]:
    """Plain page loads, e.g. the next card of a filtered queue that is already empty."""
    c, _ = client(base, reviewer)
    timings = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        r = c.get(url, follow_redirects=True)
        timings.append(time.perf_counter() - t0)
        assert r.status_code == 200
    return timings


def stats(ms: list[float]) -> tuple[float, float, float, float]:
    xs = sorted(x * 1000 for x in ms)

    def q(p: float) -> float:
        return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]

    return q(0.5), q(0.95), q(0.99), xs[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_review_"))
    db = tmp / "bench.sqlite"
    t0 = time.perf_counter()
    build_store(db, args.candidates)
    print(f"built {args.candidates:,} candidates in {time.perf_counter() - t0:.1f} s ({db})")
    predecide(db, "veteran", 5000)
    bare = tmp / "bare.sqlite"
    shutil.copy2(db, bare)
    import sqlite3

    conn = sqlite3.connect(bare)
    for name in REVIEW_INDEXES:
        conn.execute(f"DROP INDEX {name}")
    conn.close()

    n = args.iterations
    plan = {
        db: [
            ("html", "fresh reviewer", lambda b: run_html(b, "fresh", n)),
            ("api", "fresh reviewer", lambda b: run_api(b, "apiuser", n)),
            ("html", "5,000 already decided", lambda b: run_html(b, "veteran", n)),
            ("html", "filter msi=RSPO", lambda b: run_html(b, "filtered", n, "?msi=RSPO")),
            ("get", "next card, queue empty", lambda b: run_get(b, "fresh", n, EMPTY)),
            ("html", "order=likely, refits running",
             lambda b: run_html(b, "active", n, "?order=likely")),
        ],
        bare: [
            ("html", "fresh, no review indexes", lambda b: run_html(b, "fresh", n)),
            ("get", "queue empty, no review indexes", lambda b: run_get(b, "fresh", n, EMPTY)),
        ],
    }
    results = []
    for store_path, scenarios in plan.items():
        server = Server(store_path)
        try:
            run_html(server.base, "warmup", args.warmup)
            for flow, scenario, run in scenarios:
                results.append((flow, scenario, run(server.base)))
        finally:
            server.stop()
    conn = sqlite3.connect(db)
    state = conn.execute("SELECT decisions, fitted_at FROM priority_state").fetchone()
    conn.close()
    print("active model after the run: " + (f"refitted on {state[0]:,} decisions, last at "
                                             f"{state[1]}" if state else "NEVER REFITTED"))

    print(
        f"\ndecide + load next card, {args.candidates:,} candidates, "
        f"{args.iterations} decisions per row (ms)\n"
    )
    print(
        f"{'flow':<5} {'scenario':<31} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  target p95<=50"
    )
    for flow, scenario, timings in results:
        p50, p95, p99, mx = stats(timings)
        ok = "ok" if p95 <= 50 else "MISSED"
        print(f"{flow:<5} {scenario:<31} {p50:7.1f} {p95:7.1f} {p99:7.1f} {mx:7.1f}  {ok}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
