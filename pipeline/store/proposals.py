"""Reviewers' proposals ("more like this"): a passage pulled into the queue as a candidate.

The one writer is :func:`propose_passage`. The new candidate takes the card's MSI, reference point
and consideration, the passage's file and page, and as its verbatim quote (with its character
span) the passage's sentence nearest to the card's quote, or the whole passage;
``proposed_by`` says which reviewer proposed it (the matcher's candidates say ``'model'``). Its id is the one the matcher would give the same (passage, consideration, MSI),
so pulling twice, a retried request or a later run proposing the same thing never duplicates it.
A run keeps a reviewer's proposal live as long as its passage is (``Store.write_result``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import MsiEvidenceError, UnknownCandidateError
from pipeline.explanation import Explanation
from pipeline.records import candidate_id as make_candidate_id
from pipeline.store.store import Store, utc_now

MODEL = "model"
REVIEWER_PREFIX = "reviewer:"


class ProposalError(MsiEvidenceError):
    """A passage cannot be proposed (unknown or stale passage, no reviewer)."""


@dataclass(frozen=True)
class Proposal:
    candidate_id: str
    created: bool  # False: the passage already was a live candidate under this reference point
    proposed_by: str  # of the candidate as it stands ('model' when the matcher had it already)


def proposer(reviewer: str) -> str:
    """The ``proposed_by`` value for a reviewer's proposal."""
    return f"{REVIEWER_PREFIX}{reviewer}"


def reviewer_of(proposed_by: str | None) -> str | None:
    """The reviewer behind a ``proposed_by`` value (None for the matcher's candidates)."""
    if proposed_by and proposed_by.startswith(REVIEWER_PREFIX):
        return proposed_by[len(REVIEWER_PREFIX):]
    return None


def propose_passage(store: Store, passage_id: str, *, like: str, reviewer: str,
                    similarity: float | None = None, model: str | None = None,
                    quote_span: tuple[int, int] | None = None) -> Proposal:
    """Pull ``passage_id`` into the queue as a candidate under the MSI, reference point and
    consideration of candidate ``like``, proposed by ``reviewer``; idempotent.

    ``similarity`` (cosine of the two passages) becomes the candidate's score, ``model`` the
    embedding model that found it. ``quote_span`` (offsets into the passage's text, e.g. its
    sentence nearest to the card's quote) is the quote; the whole passage without it. When the
    passage already has a live candidate with the same MSI and reference point, that one is
    returned and nothing is written."""
    if not reviewer or not reviewer.strip():
        raise ProposalError("a proposal needs the reviewer's name")
    with store.write() as conn:
        card = conn.execute(
            "SELECT candidate_id, msi, reference_point_id, reference_point, consideration_id,"
            " consideration, framework_id, framework_version FROM candidates"
            " WHERE candidate_id = ?", (like,)).fetchone()
        if card is None:
            raise UnknownCandidateError(f"no candidate {like!r}")
        passage = conn.execute(
            "SELECT passage_id, doc_id, char_start, char_end, text, stale FROM passages"
            " WHERE passage_id = ?", (passage_id,)).fetchone()
        if passage is None:
            raise ProposalError(f"no passage {passage_id!r}")
        if passage["stale"]:
            raise ProposalError(f"passage {passage_id!r} is stale: a later run no longer has it")
        text = passage["text"]
        start, end = quote_span or (0, len(text))
        if not 0 <= start < end <= len(text):
            raise ProposalError(f"quote span {quote_span} lies outside passage {passage_id!r}")
        existing = conn.execute(
            "SELECT candidate_id, proposed_by FROM candidates WHERE passage_id = ? AND msi = ?"
            " AND reference_point_id = ? AND stale = 0 ORDER BY candidate_id LIMIT 1",
            (passage_id, card["msi"], card["reference_point_id"])).fetchone()
        if existing is not None:
            return Proposal(existing["candidate_id"], False, existing["proposed_by"])
        new_id = make_candidate_id(passage_id, card["framework_id"], card["consideration_id"],
                                   card["msi"])
        who = proposer(reviewer.strip())
        summary = (f"Proposed by {reviewer.strip()}: a passage like the one of candidate {like}"
                   + (f" (cosine {similarity:.3f})." if similarity is not None else "."))
        explanation = Explanation(quote=text[start:end], consideration_id=card["consideration_id"],
                                  summary=summary).to_json()
        score = min(1.0, max(0.0, float(similarity))) if similarity is not None else 0.0
        # A stale candidate with this id (the matcher once proposed it, a later run did not)
        # comes back as the reviewer's proposal; its decisions stay with it.
        conn.execute(
            "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
            " reference_point, consideration_id, consideration, framework_id, framework_version,"
            " score, quote, quote_start, quote_end, polarity, explanation, model, first_run_id,"
            " run_id, stale, proposed_by, proposed_from, proposed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, NULL, NULL, 0, ?, ?, ?)"
            " ON CONFLICT(candidate_id) DO UPDATE SET stale = 0,"
            " proposed_by = excluded.proposed_by, proposed_from = excluded.proposed_from,"
            " proposed_at = excluded.proposed_at",
            (new_id, passage_id, passage["doc_id"], card["msi"], card["reference_point_id"],
             card["reference_point"], card["consideration_id"], card["consideration"],
             card["framework_id"], card["framework_version"], score, text[start:end],
             passage["char_start"] + start, passage["char_start"] + end, explanation, model, who,
             like,
             utc_now()))
        return Proposal(new_id, True, who)


def proposal_counts(store: Store) -> list[dict]:
    """Live candidates by who proposed them, with the decisions that count on them: rows of
    proposed_by, candidates, accepted, rejected (the matcher's row first)."""
    rows = store.conn.execute(
        "SELECT c.proposed_by, COUNT(*) AS candidates,"
        " SUM(cd.decision = 'accept') AS accepted, SUM(cd.decision = 'reject') AS rejected"
        " FROM candidates c LEFT JOIN current_decisions cd ON cd.candidate_id = c.candidate_id"
        " WHERE c.stale = 0 GROUP BY c.proposed_by"
        " ORDER BY c.proposed_by <> 'model', c.proposed_by").fetchall()
    return [{"proposed_by": r[0], "candidates": int(r[1]), "accepted": int(r[2] or 0),
             "rejected": int(r[3] or 0)} for r in rows]
