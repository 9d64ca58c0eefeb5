"""Export the evidence table (one row per candidate) with exact provenance.

CSV is written as UTF-8 with a BOM, in a deterministic row order. Text cells that a
spreadsheet program would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading apostrophe; numeric and boolean columns stay as they are.

Filters (status, MSI, reference point, document) are applied in SQL, so a filtered export of a
large store reads only the rows it writes. The XLSX writer is in ``pipeline.export.xlsx``, the
coverage matrix in ``pipeline.export.coverage`` and the HTML report in ``pipeline.export.report``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

import numpy as np
import pandas as pd

from pipeline.errors import MsiEvidenceError
from pipeline.explanation import Explanation
from pipeline.store import Store, frames, reports

STATUSES = ("accepted", "rejected", "pending", "stale", "all")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIX_SET = frozenset(FORMULA_PREFIXES)

COLUMNS = [
    "candidate_id", "file", "page", "page_label", "char_start", "char_end", "quote", "passage_text",
    "msi", "reference_point", "consideration_id", "consideration", "polarity", "score", "status",
    "reviewer", "note", "decided_at", "stale", "msi_proposed", "reference_point_id",
    "passage_char_start", "passage_char_end", "title", "path", "doc_id", "framework_id",
    "framework_version", "model", "run_id", "why", "evidence_model", "explanation", "language",
    "document_metadata", "twin_of",
    # Who proposed the candidate: 'model' (the matcher) or 'reviewer:<name>' (more like this).
    "proposed_by",
    # Who says so, and when (pipeline.sources): the document's source record as it counts now
    # (a reviewer's correction, else the proposal) and the year the claim refers to.
    "source_kind", "independence", "publisher", "published", "evidence_year",
    "evidence_year_origin",
]
INT_COLUMNS = ("page", "char_start", "char_end", "passage_char_start", "passage_char_end",
               "evidence_year")
FLOAT_COLUMNS = ("score",)
BOOL_COLUMNS = ("stale",)
DATETIME_COLUMNS = ("decided_at",)  # ISO 8601 text in UTC; typed as a date in XLSX

SORT_KEYS = ["file", "page", "char_start", "consideration_id", "msi", "candidate_id"]


class ExportError(MsiEvidenceError):
    """An export could not be written as asked (unknown filter value, unknown format, ...)."""


@dataclass(frozen=True)
class EvidenceFilter:
    """Which candidates an export includes. Empty tuples mean "all".

    ``msis`` match the effective MSI (a reviewer's correction, else the machine's proposal);
    ``reference_points`` match the effective reference point (that of a corrected consideration)
    by id or name; ``documents`` match a doc_id, a doc_id prefix of at least 8 characters, a path,
    or a file name.
    """

    status: str = "all"
    msis: tuple[str, ...] = ()
    reference_points: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ExportError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")

    def with_status(self, status: str) -> EvidenceFilter:
        return EvidenceFilter(status, self.msis, self.reference_points, self.documents)


def resolve_documents(store: Store, documents: Iterable[str]) -> list[str]:
    """doc_ids named by doc_id, doc_id prefix, path or file name; an unknown name is an error."""
    try:
        return reports.resolve_documents(store, documents)
    except reports.UnknownDocumentError as exc:
        raise ExportError(str(exc)) from None


def evidence_frame(store: Store, status: str = "all",
                   filters: EvidenceFilter | None = None) -> pd.DataFrame:
    """The evidence table as a DataFrame, in a deterministic order.

    ``status`` is a shorthand for ``filters.status`` (kept for callers that pass only it).
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    filters = filters or EvidenceFilter()
    if status != "all":
        filters = filters.with_status(status)
    doc_ids = resolve_documents(store, filters.documents) if filters.documents else None
    df = frames.evidence_rows(store, filters.status, filters.msis, filters.reference_points,
                              doc_ids)
    names = {p: PurePath(p).name for p in df["path"].dropna().unique()}  # few paths, many rows
    df["file"] = df["path"].map(names)
    df["stale"] = df["stale"].astype(bool)
    parsed = df["explanation"].map(
        lambda text: Explanation.from_json(text if isinstance(text, str) else None))
    df["why"] = parsed.map(lambda e: e.summary or None)
    df["evidence_model"] = parsed.map(lambda e: e.model_version or None)
    from pipeline.sources.effective import add_source_columns, effective_sources

    df = add_source_columns(df, effective_sources(store, set(df["doc_id"])))
    for column in INT_COLUMNS:
        if df[column].dtype == object:  # all-NULL or mixed: keep integers, nullable
            df[column] = df[column].astype("Int64")
    df = df.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return df[COLUMNS]


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that spreadsheets would evaluate; leave numeric and boolean columns."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        # A plain loop over the object values is faster here than the .str accessor.
        mask = np.fromiter((isinstance(v, str) and v[:1] in _PREFIX_SET
                            for v in series.to_numpy(dtype=object)), dtype=bool, count=len(series))
        if mask.any():
            out.loc[mask, column] = "'" + series[mask]
    return out


def export_csv(store: Store, out: str | Path, status: str = "all",
               filters: EvidenceFilter | None = None) -> int:
    """Write the evidence CSV; returns the number of rows (``write_csv`` neutralises)."""
    return write_csv(evidence_frame(store, status, filters), out)


def read_evidence_csv(path: str | Path) -> pd.DataFrame:
    """Read an evidence CSV back with its types: text stays text (a page label "12" is not a
    number), counts are integers, ``stale`` is boolean, empty cells are missing values."""
    dtypes = {c: "str" for c in COLUMNS
              if c not in INT_COLUMNS + FLOAT_COLUMNS + BOOL_COLUMNS}
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=dtypes, keep_default_na=False,
                     na_values=[""])
    for column in INT_COLUMNS:
        if column in df and not pd.api.types.is_integer_dtype(df[column]):
            df[column] = df[column].astype("Int64")
    return df


def write_csv(df: pd.DataFrame, out: str | Path) -> int:
    """Write ``df`` as UTF-8 CSV with a BOM; returns the number of rows.

    Text cells are neutralised on the way (as ``neutralise_formulas`` does; neutralising twice
    changes nothing, since ``'`` is not a formula prefix). RFC 4180: rows end with CRLF, every
    text cell is quoted (inner quotes doubled), numbers and booleans are not, missing values are
    empty. Quoting each cell with ``str.replace`` is about twice as fast as ``DataFrame.to_csv``
    here, whose csv writer inspects every character (the 100,000-row benchmark writes ~120 MB);
    the file reads back identically with pandas.
    """
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    columns = [_csv_cells(df[c]) for c in df.columns]
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(",".join(_quote(str(c)) for c in df.columns) + "\r\n")
        handle.writelines(",".join(row) + "\r\n" for row in zip(*columns, strict=True))
    return len(df)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _csv_cells(series: pd.Series) -> list[str]:
    """One column as CSV cell strings. Each distinct value is formatted once (most columns
    repeat a few values: MSI, reference point, file, model, ...); missing values are empty."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else uniques
    if pd.api.types.is_bool_dtype(series):
        cells = ["True" if v else "False" for v in values]
    elif pd.api.types.is_integer_dtype(series):
        cells = [str(int(v)) for v in values]
    elif pd.api.types.is_float_dtype(series):
        cells = [repr(float(v)) for v in values]
    else:
        prefixes = _PREFIX_SET
        cells = []
        for value in values:
            text = value if isinstance(value, str) else str(value)
            if text[:1] in prefixes:
                text = "'" + text
            cells.append(_quote(text))
    cells.append("")  # code -1 (missing) picks this last entry
    return np.asarray(cells, dtype=object)[codes].tolist()
