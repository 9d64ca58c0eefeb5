"""Excel (XLSX) export with openpyxl: typed columns, a frozen header, no runnable formulas.

Sheets: ``evidence`` (one row per candidate, the CSV's columns), ``coverage`` (MSI × reference
point), ``coverage_by_consideration`` (MSI × consideration), ``matrix`` (the MSI × reference
point states as a coloured grid), ``about`` (run metadata and what each state means) and
``documents`` (each document's language, the model that read it, its manifest metadata).

Types: counts and offsets are numbers, ``score`` a float, ``stale`` a boolean, ``decided_at`` a
date-time (UTC; Excel has no time zones). Every text cell is neutralised as in the CSV (a
leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR) and written as a string cell; a text
cell can never be stored as a formula. Characters that XML 1.0 forbids (NUL and other C0
controls found in broken PDFs) become U+FFFD, and cells are cut at Excel's 32,767 characters.
The workbook is written in openpyxl's streaming (write-only) mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as _ILLEGAL
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.export.coverage import STATE_MEANING, STATES, cell_label, matrix
from pipeline.export.evidence import (
    DATETIME_COLUMNS,
    FORMULA_PREFIXES,
    ExportError,
    neutralise_formulas,
)

EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576  # including the header row
TRUNCATED = " …[truncated]"
STATE_FILLS = {"evidence": "1A9850", "pending": "FDAE61", "rejected_only": "9E9AC8",
               "none": "F0F0F0"}
_WIDE_TEXT = {"quote": 60, "passage_text": 80, "consideration": 40, "reference_point": 28,
              "title": 30, "note": 30, "explanation": 30, "path": 30, "file": 28}


def write_xlsx(out: str | Path, evidence: pd.DataFrame, coverage: pd.DataFrame | None = None,
               coverage_by_consideration: pd.DataFrame | None = None,
               metadata: Mapping[str, object] | None = None,
               documents: pd.DataFrame | None = None) -> int:
    """Write the workbook; returns the number of evidence rows. Frames are not neutralised yet."""
    if len(evidence) >= EXCEL_MAX_ROWS:
        raise ExportError(f"{len(evidence):,} rows do not fit in an Excel sheet "
                          f"({EXCEL_MAX_ROWS:,} rows at most): export CSV, or filter with "
                          "--status, --msi, --reference-point or --document")
    wb = Workbook(write_only=True)
    _write_table(wb, "evidence", evidence)
    if coverage is not None:
        _write_table(wb, "coverage", coverage)
    if coverage_by_consideration is not None:
        _write_table(wb, "coverage_by_consideration", coverage_by_consideration)
    if coverage is not None and len(coverage):
        _write_matrix(wb, coverage)
    _write_about(wb, metadata or {})
    if documents is not None:
        _write_table(wb, "documents", documents)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(evidence)


def _write_table(wb, title: str, df: pd.DataFrame) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    columns = list(df.columns)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[_letter(index)].width = _WIDE_TEXT.get(column, max(10, len(column) + 2))
    if columns:
        ws.auto_filter.ref = f"A1:{_letter(len(columns))}{len(df) + 1}"
    ws.append([_text_cell(ws, c) for c in columns])
    for row in zip(*(_typed_column(ws, df[c]) for c in columns), strict=True):
        ws.append(row)


def _typed_column(ws, series: pd.Series) -> list:
    """Python values of the right type for openpyxl: int, float, bool, datetime or str cells."""
    name = str(series.name)
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        return [None if m else bool(v) for v, m in zip(series.to_numpy(object), missing, strict=True)]
    if pd.api.types.is_integer_dtype(series):
        return [None if m else int(v) for v, m in zip(series.to_numpy(object), missing, strict=True)]
    if pd.api.types.is_float_dtype(series):
        return [None if m else float(v) for v, m in zip(series.to_numpy(object), missing, strict=True)]
    if name in DATETIME_COLUMNS or pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
        naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in naive]
    text = neutralise_formulas(series.to_frame())[series.name].to_numpy(dtype=object)
    return [None if m else _text_cell(ws, v) for v, m in zip(text, missing, strict=True)]


def _text_cell(ws, value):
    """A string cell that can never become a formula (NA stays an empty cell)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("\ufffd", text)
    if len(text) > EXCEL_MAX_CHARS:
        text = text[:EXCEL_MAX_CHARS - len(TRUNCATED)] + TRUNCATED
    if not text.startswith("="):
        return text  # openpyxl stores every other str as a string cell (data_type 's')
    cell = WriteOnlyCell(ws, value=text)  # neutralised frames never get here; kept as a guard
    cell.data_type = "s"
    return cell


def _write_matrix(wb, coverage: pd.DataFrame) -> None:
    ws = wb.create_sheet("matrix")
    ws.freeze_panes = "B2"
    states = matrix(coverage, "state")
    names = dict(zip(coverage["reference_point_id"], coverage["reference_point"], strict=True))
    labels = {(r["msi"], r["reference_point_id"]): cell_label(r) for _, r in coverage.iterrows()}
    ws.column_dimensions["A"].width = 24
    for index in range(2, len(states.columns) + 2):
        ws.column_dimensions[_letter(index)].width = 24
    header = [_text_cell(ws, "MSI")] + [_text_cell(ws, _neutral(str(names.get(c, c))))
                                        for c in states.columns]
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for msi, row in states.iterrows():
        cells = [_text_cell(ws, _neutral(str(msi)))]
        for column, state in row.items():
            cell = WriteOnlyCell(ws, value=labels[(msi, column)])
            cell.data_type = "s"
            cell.fill = PatternFill("solid", fgColor=STATE_FILLS[state])
            cell.alignment = wrap
            if state == "evidence":
                cell.font = Font(color="FFFFFF", bold=True)
            cells.append(cell)
        ws.append(cells)
    ws.append([])
    for state in STATES:
        cell = WriteOnlyCell(ws, value=state)
        cell.data_type = "s"
        cell.fill = PatternFill("solid", fgColor=STATE_FILLS[state])
        ws.append([cell, _text_cell(ws, STATE_MEANING[state])])


def _write_about(wb, metadata: Mapping[str, object]) -> None:
    ws = wb.create_sheet("about")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"  # write-only sheets take view settings before the first row
    ws.append([_text_cell(ws, "key"), _text_cell(ws, "value")])
    for key, value in _about_rows(metadata):
        ws.append([_text_cell(ws, key), _text_cell(ws, _neutral(value))])


def _about_rows(metadata: Mapping[str, object]) -> Iterable[tuple[str, str]]:
    for key, value in metadata.items():
        yield key, "" if value is None else str(value)
    for state in STATES:
        yield f"state: {state}", STATE_MEANING[state]


def _neutral(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _letter(index: int) -> str:
    return get_column_letter(index)
