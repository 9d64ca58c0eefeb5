"""A hand-made store, built through SQL on the real schema: documents, paths, pages, passages,
candidates and decisions, so that each test states exactly which candidates exist and how they
were decided (decisions go through ``Store.add_decision``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.rules.framework import load_framework
from pipeline.store import Store

FRAMEWORK = load_framework()
RP = {rp.id: rp for rp in FRAMEWORK.reference_points}
CONSIDERATION = {c.id: (rp, c) for rp, c in FRAMEWORK.considerations}


@dataclass
class Cand:
    """One candidate of a hand-made store and the decisions made on it, oldest first."""

    cid: str
    msi: str
    consideration: str
    quote: str = "The initiative consulted workers on its grievance mechanism."
    polarity: str = ""
    stale: bool = False
    doc: str = "doc-a"
    page: int = 1
    score: float = 0.5
    decisions: list[tuple] = field(default_factory=list)  # (decision, reviewer, kwargs)
    passage_text: str | None = None


DOCS = {
    "doc-a": ("reports/alpha report.pdf", "Alpha report", ["i", "1", "2"]),
    "doc-b": ("reports/=beta.txt", "@Beta", [None]),
}


def build_store(path: Path, cands: list[Cand], docs: dict | None = None) -> Path:
    docs = docs or DOCS
    Store(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO runs (run_id, started_at, finished_at, status, framework_id,"
                     " framework_version, model, settings) VALUES ('run-1', '2026-01-01T00:00:00',"
                     " '2026-01-01T00:01:00', 'ok', ?, ?, 'hashing-256', '{\"paths\": [\"reports\"]}')",
                     (FRAMEWORK.id, FRAMEWORK.version))
        for doc_id, (doc_path, title, labels) in docs.items():
            conn.execute("INSERT INTO documents (doc_id, kind, title, n_pages, status, run_id)"
                         " VALUES (?, 'pdf', ?, ?, 'ok', 'run-1')", (doc_id, title, len(labels)))
            conn.execute("INSERT INTO document_paths (path, doc_id, first_seen_run, last_seen_run)"
                         " VALUES (?, ?, 'run-1', 'run-1')", (doc_path, doc_id))
            for number, label in enumerate(labels, start=1):
                conn.execute("INSERT INTO pages (doc_id, page_no, label, text) VALUES (?, ?, ?, '')",
                             (doc_id, number, label))
        for seq, c in enumerate(cands):
            rp, cons = CONSIDERATION[c.consideration]
            text = c.passage_text or f"Context before. {c.quote} Context after."
            start = text.index(c.quote) if c.quote in text else 0
            conn.execute("INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start,"
                         " char_end, text, kind) VALUES (?, ?, ?, ?, 0, ?, ?, 'body')",
                         (f"p-{c.cid}", c.doc, seq, c.page, len(text), text))
            conn.execute(
                "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
                " reference_point, consideration_id, consideration, framework_id,"
                " framework_version, score, quote, quote_start, quote_end, polarity, explanation,"
                " model, first_run_id, run_id, stale)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 'hashing-256',"
                " 'run-1', 'run-1', ?)",
                (c.cid, f"p-{c.cid}", c.doc, c.msi, rp.id, rp.name, cons.id, cons.text,
                 FRAMEWORK.id, FRAMEWORK.version, c.score, c.quote, start, start + len(c.quote),
                 c.polarity, int(c.stale)))
    conn.close()
    with Store(path) as store:
        for c in cands:
            for decision, reviewer, kwargs in c.decisions:
                store.add_decision(c.cid, decision, reviewer, **kwargs)
    return path
