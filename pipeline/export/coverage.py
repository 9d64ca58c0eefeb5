"""The coverage matrix: what the reviewed evidence says about each MSI against each part of the
framework, and, just as important, where nothing has been reviewed yet.

One row per (MSI, reference point), or per (MSI, consideration), with counts and a ``state``:

``evidence``       at least one accepted candidate (split by polarity: supports, undermines, other)
``pending``        no accepted candidate, but candidates still await review
``rejected_only``  every candidate was reviewed and rejected
``none``           the pipeline found no candidate at all

A researcher must never read "not reviewed yet" (``pending``) as "no evidence" (``none``).

Stale candidates (ones a later run no longer produced, e.g. because the document changed):
an accepted or rejected stale candidate still counts, because a reviewer judged that verbatim
quote; a pending stale candidate does not count (nobody will be asked about it, and the current
run did not find it), but is reported in ``stale_pending`` so that nothing disappears silently.

Rows cover every MSI that has candidates (plus any asked for explicitly) and every reference
point (or consideration) of the framework, in framework order, so empty cells show ``none``.
A reviewer's corrected consideration moves the evidence to that consideration's reference point.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline.records import GENERAL
from pipeline.rules.framework import Framework

STATES = ("evidence", "pending", "rejected_only", "none")
STATE_MEANING = {
    "evidence": "accepted evidence exists",
    "pending": "candidates await review; none accepted yet (NOT the same as no evidence)",
    "rejected_only": "all candidates were reviewed and rejected",
    "none": "the pipeline found no candidate",
}
COUNT_COLUMNS = ["accepted", "supports", "undermines", "other", "rejected", "pending",
                 "accepted_stale", "stale_pending"]
# Accepted evidence split by who says so (pipeline.sources; "unknown" = no source record), the
# latest year that accepted evidence refers to, and the cell's warnings.
INDEPENDENCE_COLUMNS = ["accepted_self_reported", "accepted_commissioned", "accepted_independent",
                        "accepted_unknown_source"]
FLAG_MEANING = {
    "self_reported_only": "all accepted evidence comes from the MSI's own publications",
    "older_than_since": "all accepted evidence refers to years before --since",
}
LEVELS = ("reference_point", "consideration")


def coverage_frame(evidence: pd.DataFrame, framework: Framework, by: str = "reference_point",
                   msis: Iterable[str] = (), reference_points: Iterable[str] = (),
                   since: int | None = None) -> pd.DataFrame:
    """Coverage counts and state per (MSI, reference point) or (MSI, consideration).

    ``evidence`` is ``pipeline.export.evidence.evidence_frame(store)`` with every status (the counts
    need rejected and pending rows too). Rows from another framework id are left out and
    counted in ``frame.attrs["other_framework_rows"]``. ``msis`` adds MSIs (shown as ``none``
    when they have no candidates) and, when given, restricts the rows to them;
    ``reference_points`` (ids or names) restricts the columns.

    Accepted evidence is split by independence (``accepted_self_reported``, ...);
    ``latest_evidence_year`` is the latest ``evidence_year`` of the accepted candidates, and
    ``flags`` lists ``self_reported_only`` (every accepted candidate is self-reported) and, with
    ``since``, ``older_than_since`` (no accepted candidate refers to ``since`` or later).
    """
    if by not in LEVELS:
        raise ValueError(f"by must be one of {LEVELS}, not {by!r}")
    ev = _assign_units(evidence, framework)
    other = int((ev["framework_id"] != framework.id).sum()) if len(ev) else 0
    ev = ev[ev["framework_id"] == framework.id]

    units = _units(framework, by, ev)
    wanted_rps = set(reference_points)
    if wanted_rps:
        units = units[units["reference_point_id"].isin(wanted_rps)
                      | units["reference_point"].isin(wanted_rps)]
        ev = ev[ev["reference_point_id"].isin(set(units["reference_point_id"]))]
    asked = list(dict.fromkeys(msis))
    if asked:
        ev = ev[ev["msi"].isin(asked)]
    msi_list = sorted(set(ev["msi"]) | set(asked), key=lambda m: (m == GENERAL, m))

    key = "reference_point_id" if by == "reference_point" else "consideration_id"
    counts = _count(ev, key)
    grid = pd.MultiIndex.from_product([msi_list, list(units[key])], names=["msi", key])
    counts = counts.reindex(grid, fill_value=0).reset_index()
    out = counts.merge(units, on=key, how="left")
    out["state"] = _states(out)
    years = _latest_years(ev, key)
    out["latest_evidence_year"] = pd.array(
        [years.get((m, k)) for m, k in zip(out["msi"], out[key], strict=True)], dtype="Int64")
    out["flags"] = _flags(out, since)
    leading = ["msi", "reference_point_id", "reference_point"]
    if by == "consideration":
        leading += ["consideration_id", "consideration"]
    out = out[leading + COUNT_COLUMNS + ["state"] + INDEPENDENCE_COLUMNS
              + ["latest_evidence_year", "flags"]]
    for column in COUNT_COLUMNS + INDEPENDENCE_COLUMNS:
        out[column] = out[column].astype("int64")
    out.attrs["other_framework_rows"] = other
    out.attrs["level"] = by
    out.attrs["since"] = since
    return out.reset_index(drop=True)


def _assign_units(evidence: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Put each row under the reference point of its (possibly corrected) consideration. A
    twin (the same quote from another copy, ``pipeline.store.twin_groups``) counts once, on its lead."""
    if "twin_of" in evidence:
        evidence = evidence[evidence["twin_of"].isna() | (evidence["twin_of"] == "")]
    columns = ["msi", "reference_point_id", "reference_point", "consideration_id",
               "consideration", "polarity", "status", "stale", "framework_id"]
    ev = evidence[columns].copy()
    # Frames built before sources existed (or by hand) count as "unknown source", no year.
    ev["independence"] = evidence.get("independence")
    ev["evidence_year"] = evidence["evidence_year"] if "evidence_year" in evidence \
        else pd.array([None] * len(evidence), dtype="Int64")
    rp_of = {c.id: rp.id for rp, c in framework.considerations}
    ev["reference_point_id"] = [rp_of.get(c, rp) for c, rp in
                                zip(ev["consideration_id"], ev["reference_point_id"], strict=True)]
    return ev


def _units(framework: Framework, by: str, ev: pd.DataFrame) -> pd.DataFrame:
    """Framework reference points or considerations in order; unknown ids from the store last."""
    if by == "reference_point":
        rows = [(rp.id, rp.name) for rp in framework.reference_points]
        known = {r[0] for r in rows}
        extra = ev.loc[~ev["reference_point_id"].isin(known),
                       ["reference_point_id", "reference_point"]].drop_duplicates("reference_point_id")
        rows += sorted((r, n if isinstance(n, str) else r) for r, n in extra.itertuples(index=False))
        return pd.DataFrame(rows, columns=["reference_point_id", "reference_point"])
    rows = [(rp.id, rp.name, c.id, c.text) for rp, c in framework.considerations]
    known = {r[2] for r in rows}
    extra = ev.loc[~ev["consideration_id"].isin(known),
                   ["reference_point_id", "reference_point", "consideration_id", "consideration"]]
    extra = extra.drop_duplicates("consideration_id")
    rows += sorted(tuple(x if isinstance(x, str) else "" for x in r)
                   for r in extra.itertuples(index=False))
    return pd.DataFrame(rows, columns=["reference_point_id", "reference_point",
                                       "consideration_id", "consideration"])


def _count(ev: pd.DataFrame, key: str) -> pd.DataFrame:
    stale = ev["stale"].astype(bool)
    status = ev["status"]
    polarity = ev["polarity"].fillna("")
    accepted = status == "accepted"
    flags = pd.DataFrame({
        "msi": ev["msi"], key: ev[key],
        "accepted": accepted,
        "supports": accepted & (polarity == "supports"),
        "undermines": accepted & (polarity == "undermines"),
        "other": accepted & ~polarity.isin(["supports", "undermines"]),
        "rejected": status == "rejected",
        "pending": (status == "pending") & ~stale,
        "accepted_stale": accepted & stale,
        "stale_pending": (status == "pending") & stale,
    })
    independence = ev["independence"].fillna("")
    for column, value in zip(INDEPENDENCE_COLUMNS[:3],
                             ("self-reported", "commissioned", "independent"), strict=True):
        flags[column] = accepted & (independence == value)
    flags["accepted_unknown_source"] = accepted & ~independence.isin(
        ["self-reported", "commissioned", "independent"])
    return flags.groupby(["msi", key]).sum().astype("int64")


def _latest_years(ev: pd.DataFrame, key: str) -> dict[tuple[str, str], int]:
    accepted = ev[(ev["status"] == "accepted") & ev["evidence_year"].notna()]
    if accepted.empty:
        return {}
    latest = accepted.groupby(["msi", key])["evidence_year"].max()
    return {k: int(v) for k, v in latest.items()}


def _flags(out: pd.DataFrame, since: int | None) -> list[str]:
    flags = []
    for row in out.itertuples(index=False):
        cell = []
        if row.accepted and row.accepted_self_reported == row.accepted:
            cell.append("self_reported_only")
        year = row.latest_evidence_year
        if since is not None and row.accepted and (pd.isna(year) or int(year) < since):
            cell.append("older_than_since")
        flags.append(";".join(cell))
    return flags


def _states(df: pd.DataFrame) -> list[str]:
    return [state_of(a, p, r) for a, p, r in
            zip(df["accepted"], df["pending"], df["rejected"], strict=True)]


def state_of(accepted: int, pending: int, rejected: int) -> str:
    """The state of one cell from its counts (pending excludes stale pending candidates)."""
    if accepted:
        return "evidence"
    if pending:
        return "pending"
    if rejected:
        return "rejected_only"
    return "none"


def cell_label(row) -> str:
    """Short text for a heat-map or matrix cell: counts that match the cell's state.

    Evidence cells split the accepted count by polarity: ``sup`` supports, ``und`` undermines,
    ``oth`` neutral or not scored."""
    state = row["state"]
    if state == "evidence":
        polarity = f"{row['supports']} sup · {row['undermines']} und"
        if row["other"]:
            polarity += f" · {row['other']} oth"
        lines = [f"{row['accepted']} accepted", polarity]
        if row["pending"]:
            lines.append(f"+ {row['pending']} pending")
        return "\n".join(lines)
    if state == "pending":
        return f"{row['pending']} pending"
    if state == "rejected_only":
        return f"{row['rejected']} rejected"
    return "none"


def matrix(coverage: pd.DataFrame, value: str = "state") -> pd.DataFrame:
    """Wide MSI × reference point (or consideration) table of one column, in coverage order."""
    column = "consideration_id" if coverage.attrs.get("level") == "consideration" \
        else "reference_point_id"
    if value == "label":
        coverage = coverage.assign(label=[cell_label(r) for _, r in coverage.iterrows()])
    wide = coverage.pivot(index="msi", columns=column, values=value)
    return wide.reindex(index=list(dict.fromkeys(coverage["msi"])),
                        columns=list(dict.fromkeys(coverage[column])))


def summary_by_msi(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per MSI: candidate counts and how many cells are in each state (one row per MSI)."""
    counts = coverage.groupby("msi", sort=False)[["accepted", "supports", "undermines", "other",
                                                  "rejected", "pending"]].sum()
    states = pd.crosstab(coverage["msi"], coverage["state"]).reindex(columns=list(STATES),
                                                                      fill_value=0)
    states.columns = [f"cells_{s}" for s in STATES]
    return counts.join(states).reset_index()


def write_coverage_csv(coverage: pd.DataFrame, out: str | Path) -> int:
    """Write the coverage table as CSV (UTF-8 with BOM, text cells neutralised)."""
    from pipeline.export.evidence import write_csv

    return write_csv(coverage, out)
