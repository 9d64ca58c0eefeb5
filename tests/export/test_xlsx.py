"""The XLSX export: sheets, frozen header, typed columns, and no cell that could run."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from pipeline.export.evidence import FORMULA_PREFIXES, read_evidence_csv
from pipeline.export.xlsx import EXCEL_MAX_CHARS

from .store_builder import FRAMEWORK, Cand

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+2", "-3+4", "@SUM(A1:A3)",
            "\tTabbed start", "\rCarriage start"]


@pytest.fixture
def hostile_db(make_store):
    cands = [Cand(f"h{i}", "=KPCS" if i == 0 else "KPCS", "participation.workers", quote=p,
                  doc="doc-b", polarity="supports",
                  decisions=[("accept", "@mallory", {"note": "=1+2 cmd|' /C calc'!A0"})])
             for i, p in enumerate(PAYLOADS)]
    cands += [
        Cand("ctrl", "EITI", "high_standards.sanctions", quote="Bad\x00bytes\x07here.", page=2,
             score=0.625, decisions=[("reject", "bob", {})]),
        Cand("long", "EITI", "transformation.theory_of_change", quote="A long passage.",
             passage_text="A long passage. " + "x" * 40_000, stale=True),
    ]
    return make_store(cands)


@pytest.fixture
def workbook(cli, hostile_db, tmp_path):
    out = tmp_path / "evidence.xlsx"
    assert cli("export", "--db", hostile_db, "--out", out) == 0
    return out, load_workbook(out)


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_sheets_and_frozen_header(workbook):
    _, wb = workbook
    assert wb.sheetnames == ["evidence", "coverage", "coverage_by_consideration", "matrix", "about",
                             "documents"]
    for name in ("evidence", "coverage", "coverage_by_consideration", "about"):
        assert wb[name].freeze_panes == "A2", name
    assert wb["evidence"]["A1"].value == "candidate_id"


def test_no_cell_is_a_formula(workbook):
    path, wb = workbook
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), (ws.title, cell.value)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_payloads_are_neutralised_text(workbook):
    _, wb = workbook
    rows = {r["candidate_id"]: r for r in _rows(wb["evidence"])}
    for i, payload in enumerate(PAYLOADS):
        row = rows[f"h{i}"]
        assert row["quote"] == "'" + payload
        assert row["note"] == "'=1+2 cmd|' /C calc'!A0" and row["reviewer"] == "'@mallory"
        assert row["file"] == "'=beta.txt" and row["title"] == "'@Beta"
    assert rows["h0"]["msi"] == "'=KPCS"
    matrix = list(wb["matrix"].iter_rows(values_only=True))
    assert "'=KPCS" in [r[0] for r in matrix]


def test_typed_columns(workbook):
    _, wb = workbook
    ws = wb["evidence"]
    header = [c.value for c in ws[1]]
    rows = {r["candidate_id"]: r for r in _rows(ws)}
    ctrl = rows["ctrl"]
    assert isinstance(ctrl["page"], int) and ctrl["page"] == 2
    assert isinstance(ctrl["char_start"], int) and isinstance(ctrl["score"], float)
    assert ctrl["score"] == 0.625
    assert ctrl["stale"] is False and rows["long"]["stale"] is True
    assert isinstance(ctrl["decided_at"], datetime) and ctrl["decided_at"].tzinfo is None
    assert rows["long"]["decided_at"] is None  # pending: no decision, an empty cell
    assert ctrl["page_label"] == "1"  # a printed label stays text
    for cell in ws[2]:
        column = header[cell.column - 1]
        if column in ("page", "char_start", "char_end", "score"):
            assert cell.data_type == "n", column
        if column == "stale":
            assert cell.data_type == "b"
    coverage = _rows(wb["coverage"])
    assert all(isinstance(r["accepted"], int) and isinstance(r["pending"], int) for r in coverage)


def test_illegal_characters_and_long_cells(workbook):
    _, wb = workbook
    rows = {r["candidate_id"]: r for r in _rows(wb["evidence"])}
    assert rows["ctrl"]["quote"] == "Bad\ufffdbytes\ufffdhere."
    long_text = rows["long"]["passage_text"]
    assert len(long_text) == EXCEL_MAX_CHARS and long_text.endswith("[truncated]")


def test_coverage_sheets_match_the_matrix(workbook):
    _, wb = workbook
    coverage = {(r["msi"], r["reference_point_id"]): r for r in _rows(wb["coverage"])}
    assert len(coverage) == 3 * len(FRAMEWORK.reference_points)  # =KPCS, EITI, KPCS
    kpcs = coverage[("KPCS", "participation")]
    assert (kpcs["state"], kpcs["accepted"], kpcs["supports"]) == ("evidence", 5, 5)
    assert coverage[("EITI", "high_standards")]["state"] == "rejected_only"
    assert coverage[("EITI", "transformation")]["state"] == "none"  # stale pending only
    assert coverage[("EITI", "transformation")]["stale_pending"] == 1
    by_consideration = _rows(wb["coverage_by_consideration"])
    assert len(by_consideration) == 3 * len(FRAMEWORK.considerations)
    about = dict(r for r in wb["about"].iter_rows(min_row=2, values_only=True))
    assert about["framework"].startswith(FRAMEWORK.framework.name)
    assert about["model"] == "hashing-256" and "state: pending" in about


def test_same_rows_as_csv_and_format_option(cli, hostile_db, tmp_path):
    csv_out, xlsx_out = tmp_path / "e.csv", tmp_path / "e.data"
    assert cli("export", "--db", hostile_db, "--out", csv_out, "--status", "accepted") == 0
    assert cli("export", "--db", hostile_db, "--out", xlsx_out, "--format", "xlsx",
               "--status", "accepted") == 0
    with xlsx_out.open("rb") as handle:  # openpyxl judges a file name by its extension
        wb = load_workbook(handle)
    from_xlsx = [r["candidate_id"] for r in _rows(wb["evidence"])]
    assert from_xlsx == list(read_evidence_csv(csv_out)["candidate_id"])
    assert len(from_xlsx) == len(PAYLOADS)
