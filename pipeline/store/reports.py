"""Reads that summarise a store: a run's totals, the store's runs and models, documents by
path, the live passages and candidates of documents (for evaluation and MSI suggestions)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from pipeline.errors import MsiEvidenceError
from pipeline.store.store import Store


class UnknownDocumentError(MsiEvidenceError):
    """No document in the store matches a name."""


@dataclass(frozen=True)
class RunTotals:
    """What the documents of one run hold now (live rows only)."""

    pages: int = 0
    words: int = 0
    passages: int = 0
    candidates: int = 0
    candidates_by_reference_point: dict[str, int] = field(default_factory=dict)
    candidates_by_msi: dict[str, int] = field(default_factory=dict)  # most first
    msis_by_document: dict[str, list[str]] = field(default_factory=dict)  # by title
    languages: list[tuple[str, str]] = field(default_factory=list)  # (title, language) read
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, message)


def run_totals(store: Store, doc_ids: list[str]) -> RunTotals:
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS run_docs (doc_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM run_docs")
    conn.executemany("INSERT OR IGNORE INTO run_docs VALUES (?)", [(d,) for d in doc_ids])
    row = conn.execute("SELECT COALESCE(SUM(n_pages), 0), COALESCE(SUM(n_words), 0)"
                       " FROM documents JOIN run_docs USING (doc_id)").fetchone()
    passages = int(conn.execute(
        "SELECT COUNT(*) FROM passages JOIN run_docs USING (doc_id) WHERE stale = 0").fetchone()[0])
    live = "FROM candidates JOIN run_docs USING (doc_id) WHERE stale = 0"
    candidates = int(conn.execute(f"SELECT COUNT(*) {live}").fetchone()[0])
    by_rp = {r[0]: r[1] for r in conn.execute(
        f"SELECT reference_point, COUNT(*) {live} GROUP BY reference_point ORDER BY reference_point")}
    by_msi = {r[0]: r[1] for r in conn.execute(
        f"SELECT msi, COUNT(*) AS n {live} GROUP BY msi ORDER BY n DESC, msi")}
    msis_by_document: dict[str, list[str]] = {}
    for title, doc_id in conn.execute("SELECT title, doc_id FROM documents JOIN run_docs USING (doc_id)"
                                      " ORDER BY title").fetchall():
        msis_by_document[title or doc_id[:12]] = [r[0] for r in conn.execute(
            "SELECT DISTINCT json_extract(j.value, '$.msi_id') FROM passages p, json_each(p.msis) j"
            " WHERE p.doc_id = ? AND p.stale = 0 ORDER BY 1", (doc_id,))]
    languages = [tuple(r) for r in conn.execute(
        "SELECT title, COALESCE(language, '') FROM documents JOIN run_docs USING (doc_id)"
        " WHERE status IN ('ok', 'partial') ORDER BY title")]
    failures = [(r["path"], r["status"], r["message"] or "") for r in conn.execute(
        "SELECT (SELECT MIN(path) FROM document_paths dp WHERE dp.doc_id = d.doc_id) AS path,"
        " d.status, d.message FROM documents d JOIN run_docs USING (doc_id)"
        " WHERE d.status != 'ok' ORDER BY path")]
    return RunTotals(int(row[0]), int(row[1]), passages, candidates, by_rp, by_msi,
                     msis_by_document, languages, failures)


@dataclass(frozen=True)
class StoreFacts:
    """The store's runs (oldest first), the models and frameworks its candidates carry, and
    its documents by status."""

    runs: list[sqlite3.Row]
    candidate_models: list[str]
    candidate_frameworks: list[str]  # "id version"
    statuses: list[tuple[str, int]]


def store_facts(store: Store) -> StoreFacts:
    conn = store.conn
    runs = conn.execute("SELECT run_id, started_at, finished_at, status, framework_id,"
                        " framework_version, model, settings FROM runs ORDER BY started_at").fetchall()
    models = [r[0] for r in conn.execute(
        "SELECT DISTINCT model FROM candidates WHERE model IS NOT NULL ORDER BY model")]
    frameworks = [f"{r[0]} {r[1]}" for r in conn.execute(
        "SELECT DISTINCT framework_id, framework_version FROM candidates ORDER BY 1, 2")]
    statuses = [tuple(r) for r in conn.execute(
        "SELECT status, COUNT(*) FROM documents GROUP BY status ORDER BY status")]
    return StoreFacts(runs, models, frameworks, statuses)


def document_paths(store: Store) -> list[tuple[str, str]]:
    """Every (doc_id, path) the store has seen."""
    return [tuple(r) for r in store.conn.execute("SELECT doc_id, path FROM document_paths")]


def document_ids(store: Store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT doc_id FROM documents")}


def live_passages(store: Store, doc_id: str) -> list[sqlite3.Row]:
    """(passage_id, seq, text) of the document's live passages."""
    return store.conn.execute(
        "SELECT passage_id, seq, text FROM passages WHERE doc_id = ? AND stale = 0",
        (doc_id,)).fetchall()


def live_candidates(store: Store, doc_id: str) -> list[sqlite3.Row]:
    """The document's live candidates with what evaluation compares."""
    return store.conn.execute(
        "SELECT passage_id, reference_point_id, msi, polarity, score, quote,"
        " explanation FROM candidates WHERE doc_id = ? AND stale = 0", (doc_id,)).fetchall()


def passage_texts(conn: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of every live passage, in document order (``conn``: a store's
    connection, or any database with a ``passages`` table)."""
    yield from conn.execute(
        "SELECT doc_id, text FROM passages WHERE stale = 0 ORDER BY doc_id, seq")


def resolve_documents(store: Store, documents: Iterable[str]) -> list[str]:
    """doc_ids named by doc_id, doc_id prefix, path or file name; an unknown name is an error."""
    known = document_paths(store)
    doc_ids = document_ids(store)
    found: list[str] = []
    for name in documents:
        hits = {doc for doc, path in known
                if name in (path, PurePath(path).name)}
        if name in doc_ids:
            hits.add(name)
        elif len(name) >= 8:
            hits.update(doc for doc in doc_ids if doc.startswith(name))
        if not hits:
            files = sorted({PurePath(path).name for _, path in known})
            shown = ", ".join(files[:10]) + (" ..." if len(files) > 10 else "")
            raise UnknownDocumentError(f"no document matches {name!r}; give a doc_id (or its first 8+ "
                              f"characters), a path or a file name, e.g. {shown or '(store is empty)'}")
        found.extend(sorted(hits - set(found)))
    return found
