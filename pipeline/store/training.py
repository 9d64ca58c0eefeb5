"""Reviewers' decisions as training material: the decided quotes with where they are.

A decided quote is a candidate whose current decision (``current_decisions``: the latest accept
or reject that no undo cancelled, so an adjudicator deciding after two reviewers wins) is an
accept or a reject, with the document's path, the page, the quote's offsets into that page's
text, and the reviewer's corrections (MSI, consideration, polarity) where they made any.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.store.store import Store


@dataclass(frozen=True)
class DecidedQuote:
    candidate_id: str
    path: str  # the document's most recently seen path
    page: int
    start: int  # offsets into the page text
    end: int
    decision: str  # accept | reject
    msi: str
    consideration_id: str
    polarity: str
    reviewer: str


def decided_quotes(store: Store) -> list[DecidedQuote]:
    """Every candidate with a current accept or reject, corrections applied, in a stable order."""
    rows = store.conn.execute(
        "SELECT c.candidate_id,"
        " (SELECT dp.path FROM document_paths dp WHERE dp.doc_id = c.doc_id"
        "  ORDER BY dp.last_seen_run DESC, dp.path LIMIT 1),"
        " p.page_no, c.quote_start, c.quote_end, d.decision,"
        " COALESCE(NULLIF(d.msi, ''), c.msi),"
        " COALESCE(NULLIF(d.consideration_id, ''), c.consideration_id),"
        " COALESCE(NULLIF(d.polarity, ''), c.polarity), d.reviewer"
        " FROM current_decisions d JOIN candidates c ON c.candidate_id = d.candidate_id"
        " JOIN passages p ON p.passage_id = c.passage_id"
        " ORDER BY c.doc_id, p.page_no, c.quote_start, c.candidate_id").fetchall()
    return [DecidedQuote(r[0], r[1] or "", int(r[2]), int(r[3]), int(r[4]), r[5], r[6], r[7],
                         r[8] or "", r[9]) for r in rows if r[1]]
