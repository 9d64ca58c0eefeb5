"""The review queue's reads: which live candidates match a reviewer's filters, in queue order.

The review app describes a filter as a :class:`QueueQuery` (plain values); the SQL that selects
the candidates lives here. Candidates are ordered by the first run's score (best first), by
the active model's priority (``candidate_priority``, which every refit writes for all live cards;
by score until the first refit), or by document and page.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipeline.store.sources import candidate_clause
from pipeline.store.store import Store

DECISION_OF_STATUS = {"skipped": "skip", "accepted": "accept", "rejected": "reject"}
ORDERS = ("score", "likely", "document")

# Per order: the joins it needs, its ORDER BY, and the sort key as a row value that grows along
# the queue (for "the card after this one"); the key's columns come from those joins.
_JOINS = {
    "score": "",
    "likely": " JOIN candidate_priority cp ON cp.candidate_id = c.candidate_id",  # page only
    "document": " JOIN passages p ON p.passage_id = c.passage_id",
}
_ORDER_BY = {
    "score": "c.score DESC, c.candidate_id",
    "likely": "cp.priority DESC, cp.candidate_id",
    "document": "c.doc_id, p.page_no, p.seq, c.candidate_id",
}
_KEY = {
    "likely": "-cp.priority, cp.candidate_id",
    "document": "c.doc_id, p.page_no, p.seq, c.candidate_id",
}


@dataclass(frozen=True)
class QueueQuery:
    """A reviewer's view of the queue. ``status`` is todo, skipped, accepted, rejected, all or
    stale; ``sources`` are (doc_id, MSIs, negate) terms from ``pipeline.review.sources``
    (None: no independence or kind filter)."""

    reviewer: str
    status: str = "todo"
    msi: str = ""
    reference_point_id: str = ""
    doc_id: str = ""
    min_score: float | None = None
    sources: tuple[tuple[str, tuple[str, ...], bool], ...] | None = None
    order: str = "score"  # one of ORDERS


def _where(query: QueueQuery) -> tuple[str, list]:
    clauses = ["c.stale = ?", "c.twin_of IS NULL"]  # a twin is decided on its lead's card
    args: list = [1 if query.status == "stale" else 0]
    if query.sources is not None:
        clause, more = candidate_clause(list(query.sources))
        clauses.append(clause)
        args.extend(more)
    if query.msi:
        clauses.append("c.msi = ?")
        args.append(query.msi)
    if query.reference_point_id:
        clauses.append("c.reference_point_id = ?")
        args.append(query.reference_point_id)
    if query.doc_id:
        clauses.append("c.doc_id = ?")
        args.append(query.doc_id)
    if query.min_score is not None:
        clauses.append("c.score >= ?")
        args.append(query.min_score)
    if query.status == "todo":
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM reviewer_state s"
            " WHERE s.candidate_id = c.candidate_id AND s.reviewer = ?)"
        )
        args.append(query.reviewer)
    elif query.status in DECISION_OF_STATUS:
        clauses.append(
            "EXISTS (SELECT 1 FROM reviewer_state s WHERE s.candidate_id ="
            " c.candidate_id AND s.reviewer = ? AND s.decision = ?)"
        )
        args += [query.reviewer, DECISION_OF_STATUS[query.status]]
    return " AND ".join(clauses), args


def next_candidate(store: Store, query: QueueQuery,
                   after: tuple[float, str] | None = None) -> str | None:
    """The id of the next candidate to show, in queue order after ``after`` = (score,
    candidate_id) when given. The ``todo`` queue wraps around: when nothing is left below
    ``after``, its first undecided candidate comes next. Starting below the card just
    decided spares the query from re-checking everything the reviewer decided above it."""
    query = _effective(store, query)
    if query.order in _KEY:
        return _next_in_order(store, query, after[1] if after else None)
    where, args = _where(query)
    sql = (
        "SELECT c.candidate_id FROM candidates c WHERE {}"
        " ORDER BY c.score DESC, c.candidate_id LIMIT 1"
    )
    if after is not None:
        # "c.score <= ?" lets SQLite start the index scan at the cursor
        below = where + " AND c.score <= ? AND (c.score < ? OR c.candidate_id > ?)"
        row = store.conn.execute(
            sql.format(below), [*args, after[0], after[0], after[1]]
        ).fetchone()
        if row or query.status != "todo":
            return row[0] if row else None
    row = store.conn.execute(sql.format(where), args).fetchone()
    return row[0] if row else None


def _effective(store: Store, query: QueueQuery) -> QueueQuery:
    """The priority order reads ``candidate_priority`` only once a refit has written it."""
    if query.order == "likely" and store.conn.execute(
            "SELECT 1 FROM priority_state WHERE id = 1").fetchone() is None:
        return dataclasses.replace(query, order="score")
    return query


def _next_in_order(store: Store, query: QueueQuery, after_id: str | None) -> str | None:
    """``next_candidate`` for the priority and document orders (a row-value cursor). The
    priority ``todo`` queue always starts from the top: refits move cards above the cursor."""
    where, args = _where(query)
    if query.order == "likely":
        if query.status == "todo":
            after_id = None
        # Walk the priority index and test each card (an EXISTS per row): a join would sort
        # every live card first.
        sql = ("SELECT cp.candidate_id FROM candidate_priority cp WHERE EXISTS (SELECT 1 FROM"
               f" candidates c WHERE c.candidate_id = cp.candidate_id AND {where}){{}}"
               f" ORDER BY {_ORDER_BY['likely']} LIMIT 1")
        cursor_sql = "SELECT -cp.priority, cp.candidate_id FROM candidate_priority cp" \
                     " WHERE cp.candidate_id = ?"
    else:
        joins = _JOINS[query.order]
        sql = (f"SELECT c.candidate_id FROM candidates c{joins} WHERE {where}{{}}"
               f" ORDER BY {_ORDER_BY[query.order]} LIMIT 1")
        cursor_sql = f"SELECT {_KEY[query.order]} FROM candidates c{joins} WHERE c.candidate_id = ?"
    if after_id is not None:
        cursor = store.conn.execute(cursor_sql, (after_id,)).fetchone()
        if cursor is not None:
            marks = ", ".join("?" * len(cursor))
            row = store.conn.execute(sql.format(f" AND ({_KEY[query.order]}) > ({marks})"),
                                     [*args, *cursor]).fetchone()
            if row or query.status != "todo":
                return row[0] if row else None
    row = store.conn.execute(sql.format(""), args).fetchone()
    return row[0] if row else None


def queue_page(store: Store, query: QueueQuery, *, offset: int = 0,
               limit: int = 50) -> tuple[list[dict], int]:
    """One page of the queue (plain rows) and the total number of matching candidates."""
    query = _effective(store, query)
    where, args = _where(query)
    total = store.conn.execute(f"SELECT COUNT(*) FROM candidates c WHERE {where}",
                               args).fetchone()[0]
    likely = query.order == "likely"
    rows = store.conn.execute(
        "SELECT c.candidate_id, c.msi, c.reference_point_id, c.reference_point,"
        " c.consideration_id, c.score, c.quote, c.doc_id, d.title, p.page_no, c.proposed_by,"
        " (SELECT s.decision FROM reviewer_state s WHERE s.candidate_id = c.candidate_id"
        "  AND s.reviewer = ?) AS mine"
        f" FROM candidates c JOIN documents d ON d.doc_id = c.doc_id"
        f" JOIN passages p ON p.passage_id = c.passage_id{_JOINS['likely'] if likely else ''}"
        f" WHERE {where} ORDER BY {_ORDER_BY[query.order if query.order in ORDERS else 'score']}"
        " LIMIT ? OFFSET ?",
        [query.reviewer, *args, limit, offset],
    ).fetchall()
    return [dict(r) for r in rows], int(total)


@dataclass(frozen=True)
class FilterValues:
    """Values present in the store that the queue's filter menus offer."""

    msis: list[str]
    reference_points: list[tuple[str, str]]  # (id, name)
    documents: list[tuple[str, str]]  # (doc_id, title or doc_id)


def filter_values(store: Store) -> FilterValues:
    conn = store.conn
    return FilterValues(
        msis=[r[0] for r in conn.execute("SELECT DISTINCT msi FROM candidates ORDER BY msi")],
        reference_points=[tuple(r) for r in conn.execute(
            "SELECT reference_point_id, MAX(COALESCE(reference_point, reference_point_id))"
            " FROM candidates GROUP BY reference_point_id ORDER BY reference_point_id")],
        documents=[tuple(r) for r in conn.execute(
            "SELECT doc_id, COALESCE(NULLIF(title, ''), doc_id) FROM documents"
            " WHERE doc_id IN (SELECT DISTINCT doc_id FROM candidates) ORDER BY 2")],
    )


def candidate_score(store: Store, candidate_id: str) -> float | None:
    """The candidate's score (its place in the queue), or None for an unknown id."""
    row = store.conn.execute("SELECT score FROM candidates WHERE candidate_id = ?",
                             (candidate_id,)).fetchone()
    return None if row is None else row[0]


def candidate_exists(store: Store, candidate_id: str) -> bool:
    return store.conn.execute("SELECT 1 FROM candidates WHERE candidate_id = ?",
                              (candidate_id,)).fetchone() is not None
