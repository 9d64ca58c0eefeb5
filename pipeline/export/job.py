"""One export as the CLI asks for it: the evidence table (CSV or XLSX) and/or the coverage CSV,
with the same filters applied to both. The CLI only parses arguments and calls ``run_export``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.export.coverage import LEVELS, coverage_frame, write_coverage_csv
from pipeline.export.evidence import EvidenceFilter, ExportError, evidence_frame, write_csv
from pipeline.rules.framework import Framework
from pipeline.store import Store

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportResult:
    rows: int = 0
    out: str | None = None
    fmt: str | None = None
    coverage_rows: int = 0
    coverage_out: str | None = None
    coverage_states: tuple[tuple[str, int], ...] = ()
    other_framework_rows: int = 0


def format_for(out: str | Path, fmt: str | None = None) -> str:
    """``fmt`` when given, else from the file extension (.csv or .xlsx)."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ExportError(f"cannot tell the format of {out!r} from its extension: name it .csv or "
                      ".xlsx, or pass --format csv|xlsx")


def check_reference_points(framework: Framework, wanted: tuple[str, ...]) -> None:
    known = {rp.id for rp in framework.reference_points} | {rp.name for rp in framework.reference_points}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        ids = ", ".join(rp.id for rp in framework.reference_points)
        raise ExportError(f"unknown reference point(s) {', '.join(map(repr, unknown))} in framework "
                          f"{framework.id}; use an id or a name: {ids}")


def run_export(store: Store, framework: Framework, *, out: str | Path | None = None,
               fmt: str | None = None, filters: EvidenceFilter | None = None,
               coverage_out: str | Path | None = None,
               coverage_by: str = "reference_point", since: int | None = None) -> ExportResult:
    """Write what was asked; the coverage always counts every status (filters.status applies
    to the evidence table only)."""
    filters = filters or EvidenceFilter()
    if out is None and coverage_out is None:
        raise ExportError("nothing to write: give --out FILE.csv|FILE.xlsx and/or --coverage FILE.csv")
    if coverage_by not in LEVELS:
        raise ExportError(f"--coverage-by must be one of {', '.join(LEVELS)}, not {coverage_by!r}")
    check_reference_points(framework, filters.reference_points)
    kind = format_for(out, fmt) if out is not None else None
    if coverage_out is not None and Path(coverage_out).suffix.lower() != ".csv":
        raise ExportError(f"--coverage writes CSV: name the file .csv, not {coverage_out!r} "
                          "(the XLSX export has coverage sheets of its own)")

    evidence = evidence_frame(store, filters=filters) if out is not None else None
    needs_coverage = coverage_out is not None or kind == "xlsx"
    every = None
    if needs_coverage:
        every = evidence if evidence is not None and filters.status == "all" \
            else evidence_frame(store, filters=filters.with_status("all"))

    def coverage(level: str):
        return coverage_frame(every, framework, by=level, msis=filters.msis,
                              reference_points=filters.reference_points, since=since)

    result: dict = {}
    if kind == "csv":
        result.update(rows=write_csv(evidence, out), out=str(out), fmt=kind)
    elif kind == "xlsx":
        from pipeline.export.run_info import store_metadata
        from pipeline.export.xlsx import write_xlsx

        metadata = store_metadata(store, framework)
        metadata["filters"] = _describe(filters)
        if since is not None:
            metadata["since"] = since
        by_rp = coverage("reference_point")
        from pipeline.export.documents import documents_frame

        doc_ids = sorted(set(evidence["doc_id"])) if filters.documents else None
        rows = write_xlsx(out, evidence, by_rp, coverage("consideration"), metadata,
                          documents_frame(store, doc_ids))
        result.update(rows=rows, out=str(out), fmt=kind,
                      other_framework_rows=by_rp.attrs["other_framework_rows"])
    if coverage_out is not None:
        cov = coverage(coverage_by)
        states = cov["state"].value_counts()
        result.update(coverage_rows=write_coverage_csv(cov, coverage_out),
                      coverage_out=str(coverage_out),
                      coverage_states=tuple((s, int(states.get(s, 0))) for s in
                                            ("evidence", "pending", "rejected_only", "none")),
                      other_framework_rows=cov.attrs["other_framework_rows"])
    return ExportResult(**result)


def _describe(filters: EvidenceFilter) -> str:
    parts = [f"status={filters.status}"]
    for name, values in (("msi", filters.msis), ("reference_point", filters.reference_points),
                         ("document", filters.documents)):
        if values:
            parts.append(f"{name}={','.join(values)}")
    return "; ".join(parts)
