"""The source record that counts for each document: the proposal with reviewers' corrections
laid over it (per field, the latest correction that set it), and the per-candidate columns
(``source_kind``, ``independence``, ``publisher``, ``published``, ``evidence_year``,
``evidence_year_origin``) that exports, coverage, the report and the review workspace use."""

from __future__ import annotations

import json

import pandas as pd

from pipeline.sources.dates import evidence_period
from pipeline.sources.model import SourceRecord
from pipeline.store import Store
from pipeline.store import sources as source_store


def _about(text) -> tuple[str, ...]:
    try:
        value = json.loads(text) if isinstance(text, str) else []
    except ValueError:
        return ()
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def overlay(doc_id: str, proposal: dict | None, corrections: list[dict]) -> SourceRecord:
    """The record of one document from its stored proposal row and correction rows."""
    record = SourceRecord(doc_id=doc_id)
    if proposal:
        record = SourceRecord(
            doc_id=doc_id, publisher=proposal["publisher"] or "", kind=proposal["kind"] or "",
            published=proposal["published"] or "", independence=proposal["independence"] or "",
            about_msis=_about(proposal["about_msis"]), origin=proposal["origin"] or "proposed",
            confidence=float(proposal["confidence"] or 0.0), reason=proposal["reason"] or "")
    for row in corrections:
        changes = {k: row[k] for k in ("publisher", "kind", "published", "independence")
                   if row[k] is not None}
        if row["about_msis"] is not None:
            changes["about_msis"] = _about(row["about_msis"])
        if changes:
            record = record.with_changes(**changes, origin="corrected", confidence=1.0,
                                         corrected_by=row["reviewer"])
    return record


def effective_sources(store: Store, doc_ids=None) -> dict[str, SourceRecord]:
    """doc_id → the source record that counts, for every document with a proposal or a
    correction (restricted to ``doc_ids`` when given)."""
    proposals = {r["doc_id"]: r for r in source_store.proposal_rows(store, doc_ids)}
    corrections: dict[str, list[dict]] = {}
    for row in source_store.correction_rows(store, doc_ids):
        corrections.setdefault(row["doc_id"], []).append(row)
    return {doc_id: overlay(doc_id, proposals.get(doc_id), corrections.get(doc_id, []))
            for doc_id in sorted(set(proposals) | set(corrections))}


def add_source_columns(df: pd.DataFrame, sources: dict[str, SourceRecord]) -> pd.DataFrame:
    """The evidence frame with the source columns filled per row (``msi`` is the effective MSI,
    ``quote`` the claim whose period gives ``evidence_year``)."""
    out = df.copy()
    empty = SourceRecord(doc_id="")
    records = [sources.get(d, empty) for d in out["doc_id"]]
    out["source_kind"] = [r.kind or None for r in records]
    out["independence"] = [r.independence_for(m) or None
                           for r, m in zip(records, out["msi"], strict=True)]
    out["publisher"] = [r.publisher or None for r in records]
    out["published"] = [r.published or None for r in records]
    cache: dict[tuple[str, int | None], object] = {}
    years, origins = [], []
    for record, quote in zip(records, out["quote"], strict=True):
        key = (quote if isinstance(quote, str) else "", record.year)
        if key not in cache:
            cache[key] = evidence_period(key[0], key[1])
        found = cache[key]
        years.append(found.year)
        origins.append(found.describe() or None)
    out["evidence_year"] = pd.array(years, dtype="Int64")
    out["evidence_year_origin"] = origins
    return out
