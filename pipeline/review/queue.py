"""The review queue: candidates filtered by MSI, reference point, document, status and score,
highest score first. Status is from the signed-in reviewer's point of view."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from pipeline.review.sources import INDEPENDENCE_CHOICES, candidate_filter
from pipeline.sources.model import KINDS
from pipeline.store import Store
from pipeline.store.sources import candidate_clause

STATUSES = ("todo", "skipped", "accepted", "rejected", "all", "stale")
_STATE = {"skipped": "skip", "accepted": "accept", "rejected": "reject"}


@dataclass(frozen=True)
class Filters:
    msi: str = ""
    reference_point_id: str = ""
    doc_id: str = ""
    status: str = "todo"
    min_score: float | None = None
    independence: str = ""  # of the document from the candidate's MSI (pipeline.sources)
    source_kind: str = ""

    @classmethod
    def from_params(cls, params) -> Filters:
        """From query parameters (unknown values fall back to the defaults)."""
        status = params.get("status") or "todo"
        if status not in STATUSES:
            status = "todo"
        try:
            min_score = float(params["min_score"]) if params.get("min_score") else None
        except ValueError:
            min_score = None
        return cls(
            msi=params.get("msi") or "",
            reference_point_id=params.get("rp") or "",
            doc_id=params.get("doc") or "",
            status=status,
            min_score=min_score,
            independence=_choice(params.get("independence"), INDEPENDENCE_CHOICES),
            source_kind=_choice(params.get("kind"), tuple(KINDS)),
        )

    def query_string(self) -> str:
        params = {
            "msi": self.msi,
            "rp": self.reference_point_id,
            "doc": self.doc_id,
            "status": "" if self.status == "todo" else self.status,
            "min_score": "" if self.min_score is None else f"{self.min_score:g}",
            "independence": self.independence,
            "kind": self.source_kind,
        }
        return urlencode({k: v for k, v in params.items() if v})

    def as_dict(self) -> dict:
        return asdict(self)


def _choice(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _where(filters: Filters, reviewer: str, store: Store | None = None) -> tuple[str, list]:
    clauses = ["c.stale = ?", "c.twin_of IS NULL"]  # a twin is decided on its lead's card
    args: list = [1 if filters.status == "stale" else 0]
    terms = candidate_filter(store, filters.independence, filters.source_kind) \
        if store is not None else None
    if terms is not None:
        clause, more = candidate_clause(terms)
        clauses.append(clause)
        args.extend(more)
    if filters.msi:
        clauses.append("c.msi = ?")
        args.append(filters.msi)
    if filters.reference_point_id:
        clauses.append("c.reference_point_id = ?")
        args.append(filters.reference_point_id)
    if filters.doc_id:
        clauses.append("c.doc_id = ?")
        args.append(filters.doc_id)
    if filters.min_score is not None:
        clauses.append("c.score >= ?")
        args.append(filters.min_score)
    if filters.status == "todo":
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM reviewer_state s"
            " WHERE s.candidate_id = c.candidate_id AND s.reviewer = ?)"
        )
        args.append(reviewer)
    elif filters.status in _STATE:
        clauses.append(
            "EXISTS (SELECT 1 FROM reviewer_state s WHERE s.candidate_id ="
            " c.candidate_id AND s.reviewer = ? AND s.decision = ?)"
        )
        args += [reviewer, _STATE[filters.status]]
    return " AND ".join(clauses), args


def next_candidate(
    store: Store, filters: Filters, reviewer: str, after: tuple[float, str] | None = None
) -> str | None:
    """The id of the next candidate to show, in queue order after ``after`` = (score,
    candidate_id) when given. The ``todo`` queue wraps around: when nothing is left below
    ``after``, its best-scored undecided candidate comes next. Starting below the card just
    decided spares the query from re-checking everything the reviewer decided above it."""
    where, args = _where(filters, reviewer, store)
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
        if row or filters.status != "todo":
            return row[0] if row else None
    row = store.conn.execute(sql.format(where), args).fetchone()
    return row[0] if row else None


def list_candidates(
    store: Store, filters: Filters, reviewer: str, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict], int]:
    """One page of the queue and the total number of matching candidates."""
    where, args = _where(filters, reviewer, store)
    total = store.conn.execute(f"SELECT COUNT(*) FROM candidates c WHERE {where}", args).fetchone()[
        0
    ]
    rows = store.conn.execute(
        "SELECT c.candidate_id, c.msi, c.reference_point_id, c.reference_point,"
        " c.consideration_id, c.score, c.quote, c.doc_id, d.title, p.page_no,"
        " (SELECT s.decision FROM reviewer_state s WHERE s.candidate_id = c.candidate_id"
        "  AND s.reviewer = ?) AS mine"
        f" FROM candidates c JOIN documents d ON d.doc_id = c.doc_id"
        f" JOIN passages p ON p.passage_id = c.passage_id WHERE {where}"
        " ORDER BY c.score DESC, c.candidate_id LIMIT ? OFFSET ?",
        [reviewer, *args, limit, offset],
    ).fetchall()
    return [dict(r) for r in rows], int(total)


def filter_options(store: Store) -> dict[str, list]:
    """Values offered in the queue's filter menus."""
    conn = store.conn
    return {
        "msis": [r[0] for r in conn.execute("SELECT DISTINCT msi FROM candidates ORDER BY msi")],
        "reference_points": [
            tuple(r)
            for r in conn.execute(
                "SELECT reference_point_id, MAX(COALESCE(reference_point, reference_point_id))"
                " FROM candidates GROUP BY reference_point_id ORDER BY reference_point_id"
            )
        ],
        "documents": [
            tuple(r)
            for r in conn.execute(
                "SELECT doc_id, COALESCE(NULLIF(title, ''), doc_id) FROM documents"
                " WHERE doc_id IN (SELECT DISTINCT doc_id FROM candidates) ORDER BY 2"
            )
        ],
        "statuses": list(STATUSES),
        "independence": list(INDEPENDENCE_CHOICES),
        "kinds": list(KINDS.items()),
    }
