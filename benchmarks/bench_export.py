"""Export benchmark: evidence CSV, XLSX and coverage on a synthetic store.

Rows are generated directly in SQLite (documents, paths, pages, passages, candidates and an
append-only decision history with re-decisions and undos), so that the timing is the export's
alone. Target from the issue: 100,000 candidates to CSV in <= 5 s on the 2-core dev machine.

    .venv/bin/python benchmarks/bench_export.py [--candidates 100000] [--xlsx-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from pipeline.export.coverage import coverage_frame
from pipeline.export.evidence import evidence_frame, export_csv
from pipeline.export.job import run_export
from pipeline.export.xlsx import write_xlsx
from pipeline.rules.framework import load_framework
from pipeline.store import Store

WORDS = ["the", "initiative", "reported", "that", "workers", "were", "consulted", "on",
         "grievance", "mechanisms", "while", "auditors", "found", "recruitment", "fees", "forced",
         "labour", "risks", "remain", "in", "supply", "chains", "=SUM(A1)", "+tab", "-minus", "@at",
         "civil", "society", "participation", "governance"]


def build_store(path: Path, n_candidates: int, seed: int = 7) -> None:
    """A store with ``n_candidates`` candidates, 5 per passage, and decisions on ~40% of them."""
    rng = random.Random(seed)
    framework = load_framework()
    considerations = framework.considerations
    msis = ["KPCS", "EITI", "FLA", "BANGLADESH_ACCORD", "FAIRTRADE", "SA8000", "RSPO", "GENERAL"]
    Store(path).close()  # creates the schema
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    n_passages = max(1, n_candidates // 5)
    n_docs = max(1, n_passages // 100)
    with conn:
        conn.execute("INSERT INTO runs (run_id, started_at, finished_at, status, framework_id,"
                     " framework_version, model, settings) VALUES ('bench', '2026-01-01T00:00:00',"
                     " '2026-01-01T00:01:00', 'ok', ?, ?, 'hashing-256', '{\"paths\": [\"bench\"]}')",
                     (framework.id, framework.version))
        conn.executemany(
            "INSERT INTO documents (doc_id, kind, title, n_pages, status, run_id)"
            " VALUES (?, 'pdf', ?, 10, 'ok', 'bench')",
            [(f"{d:064x}", f"Report {d}") for d in range(n_docs)])
        conn.executemany(
            "INSERT INTO document_paths (path, doc_id, first_seen_run, last_seen_run)"
            " VALUES (?, ?, 'bench', 'bench')",
            [(f"corpus/report_{d}.pdf", f"{d:064x}") for d in range(n_docs)])
        conn.executemany(
            "INSERT INTO pages (doc_id, page_no, label, text) VALUES (?, ?, ?, '')",
            [(f"{d:064x}", p, str(p + 2)) for d in range(n_docs) for p in range(1, 11)])
        passages = []
        for i in range(n_passages):
            text = " ".join(rng.choice(WORDS) for _ in range(90))
            passages.append((f"p{i:09d}", f"{i % n_docs:064x}", i, 1 + i % 10, 0, len(text), text))
        conn.executemany(
            "INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start, char_end, text,"
            " kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'body')", passages)
        candidates = []
        for i in range(n_candidates):
            pid, doc = passages[i // 5][0], passages[i // 5][1]
            rp, c = considerations[i % len(considerations)]
            quote = passages[i // 5][6][:200]
            candidates.append((
                f"c{i:09d}", pid, doc, msis[rng.randrange(len(msis))], rp.id, rp.name, c.id, c.text,
                framework.id, framework.version, round(rng.random(), 4), quote, 0, len(quote),
                rng.choice(["supports", "undermines", "neutral", ""]), "{}", "hashing-256",
                "bench", "bench", int(rng.random() < 0.05)))
        conn.executemany(
            "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
            " reference_point, consideration_id, consideration, framework_id, framework_version,"
            " score, quote, quote_start, quote_end, polarity, explanation, model, first_run_id,"
            " run_id, stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            candidates)
        decisions = []
        for i in range(n_candidates):
            if rng.random() < 0.4:
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    decisions.append((f"c{i:09d}", rng.choice(["accept", "reject"]),
                                      f"reviewer{rng.randrange(5)}", "note",
                                      f"2026-02-{1 + rng.randrange(28):02d}T10:00:00.000+00:00"))
        conn.executemany(
            "INSERT INTO decisions (candidate_id, decision, reviewer, note, decided_at)"
            " VALUES (?, ?, ?, ?, ?)", decisions)
        # undo a few latest decisions so that the view has to look further back
        last = conn.execute(
            "SELECT d.decision_id, d.candidate_id, d.reviewer FROM decisions d"
            " JOIN (SELECT MAX(decision_id) AS decision_id FROM decisions GROUP BY candidate_id"
            " LIMIT ?) m USING (decision_id)", (n_candidates // 50,)).fetchall()
        conn.executemany(
            "INSERT INTO decisions (candidate_id, decision, reviewer, decided_at,"
            " replaces_decision_id) VALUES (?, 'undo', ?, '2026-03-01T00:00:00.000+00:00', ?)",
            [(cand, reviewer, did) for did, cand, reviewer in last])
    conn.close()


def timed(fn):
    """(wall seconds, CPU seconds of this process, value). The dev machine's 2 cores are shared:
    when other work runs, wall time grows while CPU time stays close to the idle figure."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return (time.perf_counter() - start, time.process_time() - cpu), value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the full CSV export; the fastest is shown (default: 3)")
    parser.add_argument("--xlsx-rows", type=int, default=20_000,
                        help="candidates for the XLSX run (default: 20,000; openpyxl writes "
                             "~2,000 rows of 31 columns per second here)")
    args = parser.parse_args()
    xlsx_rows = args.xlsx_rows
    framework = load_framework()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "bench.sqlite"
        (t_build, _), _ = timed(lambda: build_store(db, args.candidates))
        print(f"built a store with {args.candidates:,} candidates in {t_build:.1f} s", flush=True)
        load_before = f"{os.getloadavg()[0]:.2f}"
        with Store(db) as store:
            t, df = timed(lambda: evidence_frame(store))
            rows.append(("evidence_frame (SQL + pandas)", len(df), t))
            runs = [timed(lambda: export_csv(store, tmp / "evidence.csv"))
                    for _ in range(args.repeat)]
            (t, n) = min(runs, key=lambda r: r[0][0])
            rows.append((f"CSV export, all columns (best of {args.repeat})", n, t))
            t, n = timed(lambda: export_csv(store, tmp / "accepted.csv", "accepted"))
            rows.append(("CSV export, --status accepted", n, t))
            t, cov = timed(lambda: coverage_frame(df, framework))
            rows.append(("coverage MSI x reference point (from frame)", len(cov), t))
            t, cov2 = timed(lambda: coverage_frame(df, framework, by="consideration"))
            rows.append(("coverage MSI x consideration (from frame)", len(cov2), t))
            t, result = timed(lambda: run_export(store, framework, coverage_out=tmp / "cov.csv"))
            rows.append(("coverage CSV end to end (export --coverage)", result.coverage_rows, t))
        if xlsx_rows != args.candidates:
            db2 = tmp / "bench_xlsx.sqlite"
            build_store(db2, xlsx_rows)
        else:
            db2 = db
        with Store(db2) as store:
            def xlsx():
                frame = evidence_frame(store)
                return write_xlsx(tmp / "evidence.xlsx", frame, coverage_frame(frame, framework),
                                  coverage_frame(frame, framework, by="consideration"))
            t, n = timed(xlsx)
            rows.append(("XLSX export, evidence + coverage sheets", n, t))
        size_csv = (tmp / "evidence.csv").stat().st_size / 1e6
        size_xlsx = (tmp / "evidence.xlsx").stat().st_size / 1e6
    print(f"\nload average before/after: {load_before} / {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"\n{'step':<46} {'rows':>9} {'wall s':>7} {'cpu s':>6} {'rows/s':>9}")
    for name, n, (wall, cpu) in rows:
        print(f"{name:<46} {n:>9,} {wall:>7.2f} {cpu:>6.2f} {n / wall if wall else 0:>9,.0f}")
    print(f"\nCSV {size_csv:.1f} MB, XLSX {size_xlsx:.1f} MB. Target: 100,000 candidates to CSV <= 5 s.")

    return 0


if __name__ == "__main__":
    sys.exit(main())
