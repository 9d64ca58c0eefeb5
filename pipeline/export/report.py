"""A self-contained HTML report: run metadata, the coverage heat map and, per MSI, the accepted
evidence grouped by reference point, each quote cited with file and page.

One file, no external assets: the heat map is a PNG in a ``data:`` URI, CSS is inline, and a
Content-Security-Policy in the page forbids loading anything else. Every string that comes from
a document, a reviewer or the registry is HTML-escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.export.coverage import FLAG_MEANING, STATE_MEANING, STATES, coverage_frame
from pipeline.export.evidence import EvidenceFilter, evidence_frame
from pipeline.export.plot import STATE_COLOURS, heatmap_png
from pipeline.export.run_info import store_metadata
from pipeline.rules.framework import Framework
from pipeline.store import Store

TEMPLATE_DIR = Path(__file__).resolve().parent / "report_templates"
GAP_HEADINGS = {"pending": "Awaiting review (pending candidates)",
                "rejected_only": "Reviewed, all candidates rejected",
                "none": "No candidates found"}


@dataclass(frozen=True)
class Quote:
    text: str
    cite: str  # "file.pdf, p. 3 (printed 12)"
    consideration: str
    polarity: str
    reviewer: str
    decided_at: str
    note: str
    stale: bool
    score: float
    candidate_id: str
    independence: str = ""  # from the MSI: self-reported, commissioned, independent
    year: int | None = None  # the year the claim refers to (evidence_year)
    source: str = ""  # "kind, publisher, published" for the badge's tooltip


@dataclass(frozen=True)
class ReferencePointEvidence:
    reference_point: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class MsiSection:
    msi: str
    name: str
    accepted: int
    pending: int
    rejected: int
    groups: tuple[ReferencePointEvidence, ...]
    gaps: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, reference points) without evidence


@dataclass(frozen=True)
class ReportResult:
    out: str
    msis: int
    accepted_quotes: int
    states: dict[str, int] = field(default_factory=dict)


def cite(file: str, page, page_label) -> str:
    """``file, p. N`` plus the printed page label when it differs from the physical page."""
    if isinstance(page_label, str) and page_label.startswith("§"):  # a section of a Word file
        return f"{file}, section {page_label[1:].strip()}"
    text = f"{file}, p. {page}"
    if isinstance(page_label, str) and page_label.strip() and page_label.strip() != str(page):
        text += f" (printed {page_label.strip()})"
    return text


def build_sections(evidence: pd.DataFrame, coverage: pd.DataFrame, framework: Framework,
                   msi_names: dict[str, str]) -> list[MsiSection]:
    """Per MSI in coverage order: accepted quotes under their (possibly corrected) reference
    point, in framework order, and the reference points that have no accepted evidence."""
    rp_of = {c.id: rp for rp, c in framework.considerations}
    rp_names = {rp.id: rp.name for rp in framework.reference_points}
    order = {rp.id: i for i, rp in enumerate(framework.reference_points)}
    accepted = evidence[(evidence["status"] == "accepted")
                        & (evidence["framework_id"] == framework.id)]
    sections = []
    for msi, cells in coverage.groupby("msi", sort=False):
        groups: dict[str, list[Quote]] = {}
        for row in accepted[accepted["msi"] == msi].itertuples(index=False):
            rp = rp_of.get(row.consideration_id)
            rp_id = rp.id if rp else row.reference_point_id
            text = (framework.by_consideration_id[row.consideration_id][1].text
                    if row.consideration_id in framework.by_consideration_id else row.consideration)
            groups.setdefault(rp_id, []).append(Quote(
                text=row.quote, cite=cite(row.file, row.page, row.page_label),
                consideration=_s(text), polarity=_s(row.polarity) or "not scored",
                reviewer=_s(row.reviewer), decided_at=_s(row.decided_at)[:16].replace("T", " "),
                note=_s(row.note), stale=bool(row.stale), score=float(row.score),
                candidate_id=row.candidate_id, independence=_s(row.independence),
                year=None if pd.isna(row.evidence_year) else int(row.evidence_year),
                source=", ".join(v for v in (_s(row.source_kind), _s(row.publisher),
                                             _s(row.published)) if v)))
        ordered = sorted(groups, key=lambda r: (order.get(r, len(order)), r))
        gaps = []
        for state, heading in GAP_HEADINGS.items():
            names = [(_s(c.reference_point) or c.reference_point_id)
                     + (f" ({c.pending})" if state == "pending" else "")
                     for c in cells.itertuples(index=False) if c.state == state]
            if names:
                gaps.append((heading, tuple(names)))
        sections.append(MsiSection(
            msi=msi, name=msi_names.get(msi, msi), accepted=int(cells["accepted"].sum()),
            pending=int(cells["pending"].sum()), rejected=int(cells["rejected"].sum()),
            groups=tuple(ReferencePointEvidence(rp_names.get(r, r), tuple(groups[r]))
                         for r in ordered),
            gaps=tuple(gaps)))
    return sections


def render_report(store: Store, framework: Framework, registry=None,
                  filters: EvidenceFilter | None = None,
                  since: int | None = None) -> tuple[str, ReportResult]:
    """The report as an HTML string, and what it contains."""
    from jinja2 import Environment, FileSystemLoader

    filters = (filters or EvidenceFilter()).with_status("all")
    evidence = evidence_frame(store, filters=filters)
    coverage = coverage_frame(evidence, framework, msis=filters.msis,
                              reference_points=filters.reference_points, since=since)
    msi_names = {m.id: m.name for m in registry.msis} if registry is not None else {}
    rp_names = {rp.id: rp.name for rp in framework.reference_points}
    sections = build_sections(evidence, coverage, framework, msi_names)
    image = None
    if len(coverage):
        png = heatmap_png(coverage, column_names=rp_names)  # rows by MSI id: short, unambiguous
        image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    states = {s: int((coverage["state"] == s).sum()) for s in STATES}
    status_counts = evidence["status"].value_counts()
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("report.html").render(
        metadata=store_metadata(store, framework), sections=sections, heatmap=image,
        coverage=coverage, rp_names=rp_names, states=states, state_meaning=STATE_MEANING,
        state_colours=STATE_COLOURS, state_order=STATES, since=since,
        independence_rows=independence_rows(coverage),
        flag_meaning=FLAG_MEANING,
        totals={s: int(status_counts.get(s, 0)) for s in ("accepted", "pending", "rejected")},
        other_framework_rows=coverage.attrs.get("other_framework_rows", 0),
        documents=_documents(store, evidence, filters))
    quotes = sum(len(g.quotes) for s in sections for g in s.groups)
    return html, ReportResult(out="", msis=len(sections), accepted_quotes=quotes, states=states)


def write_report(store: Store, out: str | Path, framework: Framework, registry=None,
                 filters: EvidenceFilter | None = None, since: int | None = None) -> ReportResult:
    html, result = render_report(store, framework, registry, filters, since)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(html, encoding="utf-8")
    return ReportResult(out=str(out), msis=result.msis, accepted_quotes=result.accepted_quotes,
                        states=result.states)


def _documents(store: Store, evidence, filters: EvidenceFilter) -> list[dict]:
    from pipeline.export.documents import documents_frame

    doc_ids = sorted(set(evidence["doc_id"])) if filters.documents else None
    return documents_frame(store, doc_ids).to_dict("records")


def independence_rows(coverage: pd.DataFrame) -> list[dict]:
    """Coverage cells with accepted evidence, as plain values: the independence split, the
    latest evidence year ("" when unknown) and the flags as a list."""
    rows = []
    for cell in coverage[coverage["accepted"] > 0].to_dict("records"):
        year = cell.get("latest_evidence_year")
        cell["latest_evidence_year"] = "" if year is None or pd.isna(year) else int(year)
        cell["flags"] = [f for f in _s(cell.get("flags")).split(";") if f]
        rows.append(cell)
    return rows


def _s(value) -> str:
    return value if isinstance(value, str) else ""

