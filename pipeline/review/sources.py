"""Source records in the review workspace: the badge on each card (independence from the
card's MSI and the year the claim refers to), the form that corrects a document's record, and
the queue filter by independence and source kind."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.sources.dates import evidence_period
from pipeline.sources.effective import effective_sources
from pipeline.sources.model import INDEPENDENCE, KINDS, SourceRecord
from pipeline.store import Store
from pipeline.store import sources as source_store


@dataclass(frozen=True)
class CardSource:
    record: SourceRecord
    independence: str  # from the card's MSI; "" when the document has no record
    year: int | None  # the year the quote refers to
    year_origin: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.record.kind, self.record.kind or "unknown kind")


def card_source(store: Store, doc_id: str, msi: str, quote: str) -> CardSource:
    record = effective_sources(store, {doc_id}).get(doc_id) or SourceRecord(doc_id=doc_id)
    found = evidence_period(quote, record.year)
    return CardSource(record, record.independence_for(msi), found.year, found.describe())


def candidate_filter(store: Store, independence: str = "", kind: str = ""
                     ) -> list[tuple[str, tuple[str, ...], bool]] | None:
    """Which candidates an independence / kind filter keeps, as (doc_id, MSIs, negate) terms
    for ``pipeline.store.sources.candidate_clause``; None when there is no such filter."""
    if not independence and not kind:
        return None
    records = effective_sources(store)
    terms: list[tuple[str, tuple[str, ...], bool]] = []
    for row in source_store.document_rows(store):
        record = records.get(row["doc_id"]) or SourceRecord(doc_id=row["doc_id"])
        if kind and record.kind != kind:
            continue
        if not independence:
            terms.append((record.doc_id, (), False))
        elif independence == "unknown":
            if not record.independence:
                terms.append((record.doc_id, (), False))
        elif record.independence == "independent" or not record.about_msis:
            if record.independence == independence:
                terms.append((record.doc_id, (), False))
        elif record.independence == independence:
            terms.append((record.doc_id, record.about_msis, False))
        elif independence == "independent":
            terms.append((record.doc_id, record.about_msis, True))
    return terms


INDEPENDENCE_CHOICES = (*INDEPENDENCE, "unknown")


def accepted_by_independence(store: Store) -> dict[tuple[str, str], dict[str, int]]:
    """(MSI, reference point) → accepted candidates per independence ("unknown" without a
    source record), for the overview."""
    records = effective_sources(store)
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in source_store.accepted_candidates(store):
        record = records.get(row["doc_id"]) or SourceRecord(doc_id=row["doc_id"])
        key = record.independence_for(row["msi"]) or "unknown"
        cell = cells.setdefault((row["msi"], row["reference_point_id"]),
                                dict.fromkeys(INDEPENDENCE_CHOICES, 0))
        cell[key] += 1
    return cells
