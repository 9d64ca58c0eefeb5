"""Everything the card view shows for one candidate, read in a handful of indexed queries.

Text is never turned into HTML here: the passage is split into plain-text segments (before the
quote, the quote, after it) and the template escapes each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import UnknownCandidateError
from pipeline.explanation import Alternative, Explanation
from pipeline.review.vocabulary import Vocabulary
from pipeline.store import Store, review_reads
from pipeline.store.decisions import version_of
from pipeline.store.review_reads import history

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
    explanation: Explanation
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
    def alternatives(self) -> tuple[Alternative, ...]:
        """The passage's next-best reference points that the tool did not propose for it
        (see ``pipeline.scoring.match._alternatives``); empty for older candidates."""
        return self.explanation.offered()


def twin_sources(store: Store, candidate_id: str) -> list[dict]:
    """The candidate and its twins with where each was found; empty when it has no twins."""
    rows = review_reads.twin_source_rows(store, candidate_id)
    if len(rows) < 2:
        return []
    return [dict(r) | {"file_name": Path(r["path"] or "").name} for r in rows]


def load_card(store: Store, vocabulary: Vocabulary, candidate_id: str, reviewer: str) -> Card:
    rows = review_reads.card_rows(store, candidate_id, reviewer)
    if rows is None:
        raise UnknownCandidateError(f"no candidate {candidate_id!r}; go back to the queue")
    c, p, d, path, neighbours = rows.candidate, rows.passage, rows.document, rows.path, rows.neighbours
    mine, others, counting = rows.mine, rows.others, rows.counting
    label = (rows.page_label,) if rows.page_label is not None else None
    offset = p["char_start"]
    segments = split_segments(p["text"], c["quote_start"] - offset, c["quote_end"] - offset)
    return Card(
        candidate=dict(c),
        document=dict(d),
        file_name=Path(path).name if path else "",
        page_no=p["page_no"],
        page_label=label[0] if label else None,
        segments=segments,
        before=neighbours.get(p["seq"] - 1),
        after=neighbours.get(p["seq"] + 1),
        section=p["section"],
        explanation=Explanation.from_json(c["explanation"]),
        history=history(store, candidate_id),
        version=version_of(store, candidate_id),
        mine=dict(mine) if mine else None,
        counting=dict(counting) if counting else None,
        reference_point=vocabulary.reference_points.get(c["reference_point_id"]),
        other_reviewers=[dict(r) for r in others],
        sources=twin_sources(store, candidate_id),
    )
