"""Reads behind "similar passages" (``pipeline.review.similar``): the live passages with the
embedding model of their run and the hash of their text (the key of their vector in the
embedding cache), a card's own passages, and what the neighbours shown are already.
Every function here only reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.store.embedding_cache import text_hash
from pipeline.store.store import Store


@dataclass(frozen=True)
class LivePassage:
    passage_id: str
    doc_id: str
    text_hash: str  # key of the passage's vector in the embedding cache
    model: str  # the embedding model of the run that last wrote the document ('' if unknown)


def runs_key(store: Store) -> tuple:
    """Changes whenever a run starts or ends: the cached passage vectors are rebuilt then."""
    row = store.conn.execute(
        "SELECT COUNT(*), MAX(run_id), MAX(COALESCE(finished_at, started_at)) FROM runs"
    ).fetchone()
    return tuple(row)


def live_passages(store: Store) -> list[LivePassage]:
    """Every live passage, in (document, seq) order."""
    rows = store.conn.execute(
        "SELECT p.passage_id, p.doc_id, p.text, COALESCE(r.model, '') FROM passages p"
        " JOIN documents d ON d.doc_id = p.doc_id LEFT JOIN runs r ON r.run_id = d.run_id"
        " WHERE p.stale = 0 ORDER BY p.doc_id, p.seq")
    return [LivePassage(pid, doc, text_hash(text), model) for pid, doc, text, model in rows]


@dataclass(frozen=True)
class CardPassages:
    """The card's passage, the model its document was embedded with, and the passages of the
    card's twins (the same quote elsewhere), which are not "similar passages" but itself."""

    passage_id: str
    text_hash: str
    model: str
    twin_passage_ids: frozenset[str]
    msi: str
    reference_point_id: str
    quote: str


def card_passages(store: Store, candidate_id: str) -> CardPassages | None:
    conn = store.conn
    row = conn.execute(
        "SELECT c.passage_id, COALESCE(c.twin_of, c.candidate_id) AS lead, p.text, c.msi,"
        " c.reference_point_id, c.quote,"
        " COALESCE(r.model, '') AS model FROM candidates c"
        " JOIN passages p ON p.passage_id = c.passage_id"
        " JOIN documents d ON d.doc_id = c.doc_id LEFT JOIN runs r ON r.run_id = d.run_id"
        " WHERE c.candidate_id = ?", (candidate_id,)).fetchone()
    if row is None:
        return None
    twins = {r[0] for r in conn.execute(
        "SELECT passage_id FROM candidates WHERE candidate_id = ? OR twin_of = ?",
        (row["lead"], row["lead"]))}
    return CardPassages(row["passage_id"], text_hash(row["text"]), row["model"],
                        frozenset(twins), row["msi"], row["reference_point_id"], row["quote"])


def passage_rows(store: Store, passage_ids: list[str]) -> dict[str, dict]:
    """Document, file, page and text of each passage, by passage id."""
    if not passage_ids:
        return {}
    marks = ", ".join("?" * len(passage_ids))
    rows = store.conn.execute(
        "SELECT p.passage_id, p.doc_id, p.page_no, p.text, p.section, p.char_start, p.char_end,"
        " COALESCE(d.title, '') AS title, COALESCE(d.last_path, '') AS path, pg.label"
        " FROM passages p JOIN documents d ON d.doc_id = p.doc_id"
        " LEFT JOIN pages pg ON pg.doc_id = p.doc_id AND pg.page_no = p.page_no"
        f" WHERE p.passage_id IN ({marks})", passage_ids).fetchall()
    return {r["passage_id"]: dict(r) | {"file_name": Path(r["path"]).name} for r in rows}


def candidates_on(store: Store, passage_ids: list[str]) -> dict[str, list[dict]]:
    """The live candidates of each passage with the decision that counts (accepted, rejected or
    pending) and who proposed them, by passage id."""
    if not passage_ids:
        return {}
    marks = ", ".join("?" * len(passage_ids))
    out: dict[str, list[dict]] = {}
    for r in store.conn.execute(
        "SELECT c.passage_id, c.candidate_id, c.msi, c.reference_point_id, c.reference_point,"
        " c.consideration_id, c.proposed_by, c.twin_of,"
        " CASE cd.decision WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected'"
        " ELSE 'pending' END AS status"
        " FROM candidates c LEFT JOIN current_decisions cd ON cd.candidate_id = c.candidate_id"
        f" WHERE c.stale = 0 AND c.passage_id IN ({marks}) ORDER BY c.candidate_id",
        passage_ids,
    ):
        out.setdefault(r["passage_id"], []).append(dict(r))
    return out
