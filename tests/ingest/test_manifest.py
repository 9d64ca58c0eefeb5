"""Manifests as people write them: names and acronyms, lists, extra columns, XLSX, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.rules.msi_names import MsiNameResolver
from pipeline.run.dates import parse_date
from pipeline.run.manifest import format_manifest_notes, read_manifest


@pytest.mark.parametrize(("given", "expected"), [
    ("Fair Labor Association (FLA)", ["FLA"]),
    ("fair labor association", ["FLA"]),
    ("FLA", ["FLA"]),
    ("Fairtrade", ["FAIRTRADE"]),
    ("Rainforest Alliance;UTZ", ["RAINFOREST_ALLIANCE", "RAINFOREST_ALLIANCE"]),
    ("Fairtrade, Rainforest Alliance", ["FAIRTRADE", "RAINFOREST_ALLIANCE"]),
    ("Kimberley Process (KPCS)", ["KPCS"]),
    ("the Kimberley  process", ["KPCS"]),
    ("KPCS", ["KPCS"]),
    ("Cocoa and Forests Initiative", ["COCOA_FORESTS_INITIATIVE"]),
    ("GENERAL", ["GENERAL"]),
    ("Pineapple Stewardship Initiative (PSI)", [None]),
])
def test_names_resolve_through_the_registry(registry, given, expected):
    assert [r.msi_id for r in MsiNameResolver(registry).resolve_list(given)] == expected


@pytest.mark.parametrize(("given", "iso"), [
    ("2011", "2011"), ("2011-03", "2011-03"), ("2011-03-05", "2011-03-05"), ("2011/3/5", "2011-03-05"),
    ("25/12/2019", "2019-12-25"), ("12/25/2019", "2019-12-25"), ("05.03.2011", "2011-03-05"),
    ("March 2011", "2011-03"), ("5 March 2011", "2011-03-05"), ("March 5, 2011", "2011-03-05"),
    ("Q2 2019", "2019-04"), (dt.datetime(2020, 1, 2, 0, 0), "2020-01-02"), (2018.0, "2018"),
])
def test_usual_date_formats(given, iso):
    assert parse_date(given).iso == iso


def test_ambiguous_and_unreadable_dates_are_warned_not_refused():
    assert parse_date("03/04/2020").iso == "2020-04-03" and "ambiguous" in parse_date("03/04/2020").note
    bad = parse_date("sometime in spring")
    assert bad.iso == "" and "not understood" in bad.note


def _corpus(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("The Fair Labor Association audits factories.\n")
    return tmp_path


def test_csv_manifest_keeps_what_people_write(tmp_path, registry):
    corpus = _corpus(tmp_path)
    (corpus / "manifest.csv").write_text(
        "File,Title,MSI,Date,words,Reviewer notes\n"
        "a.txt,Report A,Fair Labor Association (FLA),March 2011,273,check p. 4\n"
        "b.txt,Report B,Rainforest Alliance;Pineapple Stewardship Initiative (PSI),2019-04-01,140,\n"
        "missing.txt,Gone,FLA,2020,1,\n"
        "c.txt,Report C,,someday,9,\n", encoding="utf-8")
    manifest = read_manifest(corpus / "manifest.csv", registry)
    a = manifest.entries[str(corpus / "a.txt")]
    assert (a.msi, a.msis, a.date, a.title) == ("FLA", ("FLA",), "2011-03", "Report A")
    assert a.metadata()["words"] == "273" and a.metadata()["Reviewer notes"] == "check p. 4"
    b = manifest.entries[str(corpus / "b.txt")]
    assert (b.msi, b.unresolved) == ("RAINFOREST_ALLIANCE", ("Pineapple Stewardship Initiative (PSI)",))
    assert manifest.unknown_columns == ("words", "Reviewer notes")
    # Only the row whose file is missing is unusable; the others are kept.
    assert [(p.line, p.column) for p in manifest.errors] == [(4, "file")]
    assert str(corpus / "c.txt") in manifest.entries
    notes = format_manifest_notes(manifest)
    assert notes.count("'words'") == 1  # one notice for the extra columns
    assert "manifest.csv:3 [msi] warning: 'Pineapple Stewardship Initiative (PSI)'" in notes
    assert "manifest.csv:5 [date] warning" in notes
    assert "name: Pineapple Stewardship Initiative" in notes and "msi_registry.yaml" in notes  # the YAML to add it


def test_semicolon_delimited_csv_and_xlsx(tmp_path, registry):
    from openpyxl import Workbook

    corpus = _corpus(tmp_path)
    (corpus / "manifest.csv").write_text("file;msi;date\na.txt;Fairtrade, Rainforest Alliance;2020\n")
    entry = read_manifest(corpus / "manifest.csv", registry).entries[str(corpus / "a.txt")]
    assert entry.msis == ("FAIRTRADE", "RAINFOREST_ALLIANCE") and entry.date == "2020"
    book = Workbook()
    sheet = book.active
    sheet.append(["Filename", "MSIs", "Publication date", "Pages"])
    sheet.append(["b.txt", "Kimberley Process", dt.datetime(2019, 4, 1), 12])
    book.save(corpus / "manifest.xlsx")
    manifest = read_manifest(corpus / "manifest.xlsx", registry)
    entry = manifest.entries[str(corpus / "b.txt")]
    assert (entry.msi, entry.date, entry.extra) == ("KPCS", "2019-04-01", (("Pages", "12"),))


def test_manifest_without_file_column_is_reported_not_raised(tmp_path, registry):
    (tmp_path / "manifest.csv").write_text("title,msi\nA,FLA\n")
    manifest = read_manifest(tmp_path / "manifest.csv", registry)
    assert not manifest.entries and "no 'file' column" in manifest.errors[0].message
