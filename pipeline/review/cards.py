"""Everything the card view shows for one candidate, read in a handful of indexed queries.

Text is never turned into HTML here: the passage is split into plain-text segments (before the
quote, the quote, after it) and the template escapes each one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import UnknownCandidateError
from pipeline.records import offered_alternatives
from pipeline.review.vocabulary import Vocabulary
from pipeline.store import Store
from pipeline.store.decisions import version_of

BULLETS = frozenset("•◦▪▫‣⁃●○■□►▸➢➤✓✔")


@dataclass(frozen=True)
class Segment:
    text: str
    mark: str = ""  # "", "quote" or "passage"


def split_segments(text: str, start: int, end: int, mark: str = "quote") -> list[Segment]:
    """``text`` as up to three plain segments with ``text[start:end]`` marked. A list bullet
    or spaces at the start of the quote stay outside the mark."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    while start < end and (text[start] in BULLETS or text[start].isspace()):
        start += 1
    parts = [Segment(text[:start]), Segment(text[start:end], mark), Segment(text[end:])]
    return [p for p in parts if p.text]


@dataclass(frozen=True)
class Card:
    candidate: dict
    document: dict
    file_name: str
    page_no: int
    page_label: str | None
    segments: list[Segment]
    before: str | None
    after: str | None
    section: str | None
    explanation: dict
    history: list[dict]
    version: int
    mine: dict | None  # the reviewer's effective decision
    counting: dict | None  # the decision that counts now (current_decisions)
    reference_point: object | None  # framework ReferencePoint
    other_reviewers: list[dict] = field(default_factory=list)
    # Every source of this quote when the card stands for twins (pipeline.store.twin_groups): this
    # candidate first, then each twin, as dicts with candidate_id, file_name, title, page_no.
    sources: list[dict] = field(default_factory=list)

    @property
    def alternatives(self) -> list[dict]:
        """The passage's next-best reference points that the tool did not propose for it
        (``explanation["alternatives"]``, see ``pipeline.scoring.match``); empty for older candidates."""
        return offered_alternatives(self.explanation)


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


def twin_sources(store: Store, candidate_id: str) -> list[dict]:
    """The candidate and its twins with where each was found; empty when it has no twins."""
    rows = store.conn.execute(
        "SELECT c.candidate_id, c.doc_id, d.title, p.page_no,"
        " (SELECT dp.path FROM document_paths dp WHERE dp.doc_id = c.doc_id"
        "  ORDER BY dp.last_seen_run DESC, dp.path LIMIT 1) AS path"
        " FROM candidates c JOIN documents d ON d.doc_id = c.doc_id"
        " JOIN passages p ON p.passage_id = c.passage_id"
        " WHERE c.candidate_id = ? OR (c.twin_of = ? AND c.stale = 0)"
        " ORDER BY c.candidate_id <> ?, path, p.page_no",
        (candidate_id, candidate_id, candidate_id),
    ).fetchall()
    if len(rows) < 2:
        return []
    return [dict(r) | {"file_name": Path(r["path"] or "").name} for r in rows]


def load_card(store: Store, vocabulary: Vocabulary, candidate_id: str, reviewer: str) -> Card:
    conn = store.conn
    c = conn.execute("SELECT * FROM candidates WHERE candidate_id = ?", (candidate_id,)).fetchone()
    if c is None:
        raise UnknownCandidateError(f"no candidate {candidate_id!r}; go back to the queue")
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
    offset = p["char_start"]
    segments = split_segments(p["text"], c["quote_start"] - offset, c["quote_end"] - offset)
    try:
        explanation = json.loads(c["explanation"] or "{}")
    except ValueError:
        explanation = {"raw": c["explanation"]}
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
    counting = conn.execute(
        "SELECT decision_id, decision, reviewer FROM current_decisions WHERE candidate_id = ?",
        (candidate_id,),
    ).fetchone()
    return Card(
        candidate=dict(c),
        document=dict(d),
        file_name=Path(path[0]).name if path else "",
        page_no=p["page_no"],
        page_label=label[0] if label else None,
        segments=segments,
        before=neighbours.get(p["seq"] - 1),
        after=neighbours.get(p["seq"] + 1),
        section=p["section"],
        explanation=explanation,
        history=history(store, candidate_id),
        version=version_of(store, candidate_id),
        mine=dict(mine) if mine else None,
        counting=dict(counting) if counting else None,
        reference_point=vocabulary.reference_points.get(c["reference_point_id"]),
        other_reviewers=[dict(r) for r in others],
        sources=twin_sources(store, candidate_id),
    )
