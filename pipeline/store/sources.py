"""Source records in the store: proposals (one per document, replaced by each run) and
reviewers' corrections (append-only). The SQL for ``pipeline.sources`` lives here."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pipeline.errors import StoreError
from pipeline.store.store import Store, utc_now

FIELDS = ("publisher", "kind", "published", "independence", "about_msis")


def write_proposals(store: Store, records: Iterable) -> int:
    """Insert or replace the proposed source record of each document (``SourceRecord``s)."""
    rows = [(r.doc_id, r.publisher, r.kind, r.published, r.independence,
             json.dumps(list(r.about_msis)), r.origin, r.confidence, r.reason, utc_now())
            for r in records]
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO document_sources (doc_id, publisher, kind, published, independence,"
            " about_msis, origin, confidence, reason, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(doc_id) DO UPDATE SET publisher = excluded.publisher,"
            " kind = excluded.kind, published = excluded.published,"
            " independence = excluded.independence, about_msis = excluded.about_msis,"
            " origin = excluded.origin, confidence = excluded.confidence,"
            " reason = excluded.reason, proposed_at = excluded.proposed_at",
            rows)
    return len(rows)


def add_correction(store: Store, doc_id: str, reviewer: str, note: str | None = None,
                   **values) -> int:
    """Append a correction of some of ``FIELDS`` (None = unchanged); returns its id."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown source field(s) {sorted(unknown)}; use {FIELDS}")
    cells = {k: values.get(k) for k in FIELDS}
    if cells["about_msis"] is not None:
        cells["about_msis"] = json.dumps(list(cells["about_msis"]))
    with store.write() as conn:
        if not conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone():
            raise StoreError(f"no document {doc_id!r} in {store.path}")
        cur = conn.execute(
            "INSERT INTO source_corrections (doc_id, publisher, kind, published, independence,"
            " about_msis, reviewer, note, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, *(cells[k] for k in FIELDS), reviewer, note, utc_now()))
        return int(cur.lastrowid)


def proposal_rows(store: Store, doc_ids: Iterable[str] | None = None) -> list[dict]:
    rows = [dict(r) for r in store.conn.execute("SELECT * FROM document_sources ORDER BY doc_id")]
    return _only(rows, doc_ids)


def correction_rows(store: Store, doc_ids: Iterable[str] | None = None) -> list[dict]:
    """Every correction, oldest first."""
    rows = [dict(r) for r in store.conn.execute(
        "SELECT * FROM source_corrections ORDER BY correction_id")]
    return _only(rows, doc_ids)


def document_rows(store: Store) -> list[dict]:
    """Documents with text, with their title and latest path (what ``source list`` shows)."""
    return [dict(r) for r in store.conn.execute(
        "SELECT d.doc_id, d.title, d.kind AS file_kind, d.status,"
        " COALESCE((SELECT path FROM document_paths p WHERE p.doc_id = d.doc_id"
        "           ORDER BY last_seen_run DESC, path LIMIT 1), d.last_path) AS path"
        " FROM documents d WHERE d.status IN ('ok', 'partial') ORDER BY path")]


def front_matter(store: Store, doc_id: str, pages: int = 2) -> str:
    """The cleaned text of the first ``pages`` pages that have text, each preceded by its
    running headers/footers (which often carry the publisher and the date)."""
    parts = []
    for row in store.conn.execute(
            "SELECT text, furniture FROM pages WHERE doc_id = ? AND length(text) > 0"
            " ORDER BY page_no LIMIT ?", (doc_id, pages)):
        try:
            furniture = [f for f in json.loads(row["furniture"] or "[]") if isinstance(f, str)]
        except ValueError:
            furniture = []
        parts.append("\n".join([*furniture, row["text"]]))
    return "\n\n".join(parts)


def passage_msis(store: Store, doc_id: str) -> list[str]:
    """One MSI id per (live passage, MSI it is about) of the document."""
    return [r[0] for r in store.conn.execute(
        "SELECT json_extract(j.value, '$.msi_id') FROM passages p, json_each(p.msis) j"
        " WHERE p.doc_id = ? AND p.stale = 0", (doc_id,)) if r[0]]


def candidate_clause(terms: list[tuple[str, tuple[str, ...], bool]], alias: str = "c"
                     ) -> tuple[str, list]:
    """SQL keeping the candidates of the given documents: each term (doc_id, msis, negate)
    keeps a document's candidates whose MSI is (negate: is not) in ``msis`` (all when empty)."""
    if not terms:
        return "0", []
    parts, args = [], []
    whole = [doc for doc, msis, _ in terms if not msis]
    if whole:
        parts.append(f"{alias}.doc_id IN ({', '.join('?' * len(whole))})")
        args.extend(whole)
    for doc, msis, negate in terms:
        if msis:
            parts.append(f"({alias}.doc_id = ? AND {alias}.msi {'NOT ' if negate else ''}IN "
                         f"({', '.join('?' * len(msis))}))")
            args.extend([doc, *msis])
    return "(" + " OR ".join(parts) + ")", args


def accepted_candidates(store: Store) -> list[dict]:
    """Live candidates whose counting decision is an accept: doc_id, effective MSI, reference
    point (as proposed) and quote."""
    return [dict(r) for r in store.conn.execute(
        "SELECT c.doc_id, COALESCE(NULLIF(cd.msi, ''), c.msi) AS msi, c.reference_point_id,"
        " c.quote FROM current_decisions cd JOIN candidates c ON c.candidate_id = cd.candidate_id"
        " WHERE cd.decision = 'accept' AND c.stale = 0")]


def _only(rows: list[dict], doc_ids: Iterable[str] | None) -> list[dict]:
    if doc_ids is None:
        return rows
    wanted = set(doc_ids)
    return [r for r in rows if r["doc_id"] in wanted]
