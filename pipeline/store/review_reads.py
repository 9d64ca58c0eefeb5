"""Reads for the review workspace's cards, agreement and source views (plain rows or records).

A card's rows are gathered by :func:`card_rows`; the review app turns them into what the page
shows. Every function here only reads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pipeline.store.store import Store


def history(store: Store, candidate_id: str) -> list[dict]:
    """Every decision row on the candidate, oldest first, with whether it was undone."""
    rows = store.conn.execute(
        "SELECT d.decision_id, d.decision, d.reviewer, d.note, d.decided_at,"
        " d.replaces_decision_id, d.msi, d.consideration_id, d.polarity,"
        " EXISTS (SELECT 1 FROM decisions u WHERE u.decision = 'undo'"
        "         AND u.replaces_decision_id = d.decision_id) AS undone"
        " FROM decisions d WHERE d.candidate_id = ? ORDER BY d.decision_id",
        (candidate_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def twin_source_rows(store: Store, candidate_id: str) -> list[sqlite3.Row]:
    """The candidate and its live twins with their document, page and latest path."""
    return store.conn.execute(
        "SELECT c.candidate_id, c.doc_id, d.title, p.page_no,"
        " (SELECT dp.path FROM document_paths dp WHERE dp.doc_id = c.doc_id"
        "  ORDER BY dp.last_seen_run DESC, dp.path LIMIT 1) AS path"
        " FROM candidates c JOIN documents d ON d.doc_id = c.doc_id"
        " JOIN passages p ON p.passage_id = c.passage_id"
        " WHERE c.candidate_id = ? OR (c.twin_of = ? AND c.stale = 0)"
        " ORDER BY c.candidate_id <> ?, path, p.page_no",
        (candidate_id, candidate_id, candidate_id),
    ).fetchall()


@dataclass(frozen=True)
class CardRows:
    """What a card shows, as stored: the candidate, its passage and document, the latest path,
    the page label, the neighbouring passages by seq, and the decisions around it."""

    candidate: sqlite3.Row
    passage: sqlite3.Row
    document: sqlite3.Row
    path: str | None
    page_label: str | None
    neighbours: dict[int, str]
    mine: sqlite3.Row | None  # the reviewer's effective decision with its corrections
    others: list[sqlite3.Row]  # (reviewer, decision) of everyone else
    counting: sqlite3.Row | None  # the decision that counts now


def card_rows(store: Store, candidate_id: str, reviewer: str) -> CardRows | None:
    """The rows behind a candidate's card, or None for an unknown id."""
    conn = store.conn
    c = conn.execute("SELECT * FROM candidates WHERE candidate_id = ?", (candidate_id,)).fetchone()
    if c is None:
        return None
    p = conn.execute("SELECT * FROM passages WHERE passage_id = ?", (c["passage_id"],)).fetchone()
    d = conn.execute(
        "SELECT doc_id, kind, title, n_pages, status FROM documents WHERE doc_id = ?",
        (c["doc_id"],),
    ).fetchone()
    path = conn.execute(
        "SELECT path FROM document_paths WHERE doc_id = ?"
        " ORDER BY last_seen_run DESC, path LIMIT 1",
        (c["doc_id"],),
    ).fetchone()
    label = conn.execute(
        "SELECT label FROM pages WHERE doc_id = ? AND page_no = ?", (c["doc_id"], p["page_no"])
    ).fetchone()
    neighbours = {
        r["seq"]: r["text"]
        for r in conn.execute(
            "SELECT seq, text FROM passages WHERE doc_id = ? AND seq IN (?, ?) AND stale = ?",
            (c["doc_id"], p["seq"] - 1, p["seq"] + 1, p["stale"]),
        )
    }
    mine = conn.execute(
        "SELECT s.decision_id, s.decision, d.note, d.msi, d.consideration_id,"
        " d.polarity, d.decided_at FROM reviewer_state s"
        " JOIN decisions d ON d.decision_id = s.decision_id"
        " WHERE s.candidate_id = ? AND s.reviewer = ?",
        (candidate_id, reviewer),
    ).fetchone()
    others = conn.execute(
        "SELECT reviewer, decision FROM reviewer_state WHERE candidate_id = ?"
        " AND reviewer <> ? ORDER BY reviewer",
        (candidate_id, reviewer),
    ).fetchall()
    return CardRows(c, p, d, path[0] if path else None, label[0] if label else None,
                    neighbours, mine, others, current_decision(store, candidate_id))


def current_decision(store: Store, candidate_id: str) -> sqlite3.Row | None:
    """The decision that counts for the candidate now (``current_decisions``), if any."""
    return store.conn.execute(
        "SELECT decision_id, decision, reviewer FROM current_decisions WHERE candidate_id = ?",
        (candidate_id,),
    ).fetchone()


def effective_rating_rows(store: Store) -> list[tuple]:
    """(candidate_id, reference_point_id, reference point, reviewer, decision, proposed_by)
    for every reviewer's effective accept or reject."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT s.candidate_id, c.reference_point_id, COALESCE(c.reference_point, ''),"
        " s.reviewer, s.decision, c.proposed_by FROM reviewer_state s"
        " JOIN candidates c ON c.candidate_id = s.candidate_id"
        " WHERE s.decision IN ('accept', 'reject')"
        " ORDER BY c.reference_point_id, s.candidate_id, s.reviewer"
    ).fetchall()]


def disagreement_rows(store: Store, limit: int = 500) -> list[sqlite3.Row]:
    """Candidates whose reviewers' effective decisions differ (accept vs reject), with their
    votes as ``reviewer=decision`` joined by U+001F."""
    return store.conn.execute(
        "SELECT c.candidate_id, c.reference_point_id, c.msi, c.consideration_id, c.score, c.quote,"
        " group_concat(s.reviewer || '=' || s.decision, char(31)) AS votes"
        " FROM reviewer_state s JOIN candidates c ON c.candidate_id = s.candidate_id"
        " WHERE s.decision IN ('accept', 'reject')"
        " GROUP BY s.candidate_id HAVING COUNT(DISTINCT s.decision) > 1"
        " ORDER BY c.score DESC, c.candidate_id LIMIT ?",
        (limit,),
    ).fetchall()


def source_row(store: Store, candidate_id: str) -> sqlite3.Row | None:
    """The candidate's quote, passage span, page text and document, for the source view."""
    return store.conn.execute(
        "SELECT c.candidate_id, c.doc_id, c.quote, c.quote_start, c.quote_end, p.page_no,"
        " p.char_start, p.char_end, d.kind, d.title, d.n_pages, d.size_bytes, pg.text"
        " FROM candidates c JOIN passages p ON p.passage_id = c.passage_id"
        " JOIN documents d ON d.doc_id = c.doc_id"
        " LEFT JOIN pages pg ON pg.doc_id = c.doc_id AND pg.page_no = p.page_no"
        " WHERE c.candidate_id = ?",
        (candidate_id,),
    ).fetchone()


def document_paths(store: Store, doc_id: str) -> list[str]:
    """Every path recorded for the document, latest run first."""
    return [r[0] for r in store.conn.execute(
        "SELECT path FROM document_paths WHERE doc_id = ? ORDER BY last_seen_run DESC, path",
        (doc_id,))]
