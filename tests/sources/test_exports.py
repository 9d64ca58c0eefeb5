"""The source columns in CSV and XLSX (written and read back), the coverage split by
independence with its flags and --since, and the report's table and badges."""

from __future__ import annotations

import sqlite3

import pandas as pd
from openpyxl import load_workbook

from pipeline.export.evidence import COLUMNS, read_evidence_csv

NEW = ["source_kind", "independence", "publisher", "published", "evidence_year",
       "evidence_year_origin"]


def accept_all(db, cli, files: tuple[str, ...] = ()) -> None:
    """Accept every candidate (of ``files`` only, when given)."""
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute(
        "SELECT c.candidate_id, p.path FROM candidates c JOIN document_paths p USING (doc_id)"
        " ORDER BY c.candidate_id") if not files or r[1].rsplit("/", 1)[-1] in files]
    conn.close()
    for candidate_id in ids:
        assert cli("decide", "--db", db, candidate_id, "accept", "--reviewer", "ann")[0] == 0


def test_csv_round_trip_of_the_source_columns(sources_db, cli, tmp_path):
    from pipeline.export.evidence import evidence_frame
    from pipeline.store import Store

    assert set(NEW) <= set(COLUMNS)
    out = tmp_path / "evidence.csv"
    assert cli("export", "--db", sources_db, "--out", out)[0] == 0
    back = read_evidence_csv(out)
    assert list(back.columns) == COLUMNS
    assert pd.api.types.is_integer_dtype(back["evidence_year"])
    with Store(sources_db) as store:
        frame = evidence_frame(store)
    for column in NEW:
        expected = frame[column].astype(object).where(frame[column].notna(), None).tolist()
        got = back[column].astype(object).where(back[column].notna(), None).tolist()
        assert got == expected, column
    rows = back.set_index("file")
    news = back[back["file"] == "news.txt"].iloc[0]
    assert (news.source_kind, news.independence, news.publisher, news.published) == (
        "news", "independent", "The Daily Courier", "2017-12")
    by_file = {f: set(g["evidence_year_origin"]) for f, g in back.groupby("file")}
    assert any(o.startswith("text: ") for o in by_file["commissioned.txt"])
    assert set(rows.loc["own.txt", "independence"]) == {"self-reported"}
    # "in 2019" in the annual report's first claim; the document date (2020) otherwise.
    assert set(back.loc[back["file"] == "own.txt", "evidence_year"]) <= {2019, 2020}


def test_xlsx_has_the_source_columns_typed(sources_db, cli, tmp_path):
    out = tmp_path / "evidence.xlsx"
    assert cli("export", "--db", sources_db, "--out", out)[0] == 0
    sheet = load_workbook(out)["evidence"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == COLUMNS
    rows = [dict(zip(header, (c for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert rows and all(r["evidence_year"].data_type == "n" for r in rows)
    assert all(isinstance(r["evidence_year"].value, int) for r in rows)
    assert {r["independence"].value for r in rows} == {"self-reported", "independent",
                                                       "commissioned"}
    assert all(r["published"].data_type == "s" for r in rows)  # "2017-12" stays text
    csv_out = tmp_path / "evidence.csv"
    assert cli("export", "--db", sources_db, "--out", csv_out)[0] == 0
    csv_rows = read_evidence_csv(csv_out)
    assert sorted(int(r["evidence_year"].value) for r in rows) == \
        sorted(csv_rows["evidence_year"].astype(int))


def test_coverage_splits_accepted_evidence_by_independence(sources_db, cli, tmp_path):
    # The annual report and the news article share one reference point; the annual report's
    # other reference point has nothing else accepted, so only self-reported evidence.
    accept_all(sources_db, cli, ("own.txt", "news.txt"))
    out = tmp_path / "coverage.csv"
    assert cli("export", "--db", sources_db, "--coverage", out)[0] == 0
    cov = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    for column in ("accepted_self_reported", "accepted_commissioned", "accepted_independent",
                   "accepted_unknown_source", "latest_evidence_year", "flags"):
        assert column in cov.columns
    kpcs = cov[cov["msi"] == "KPCS"]
    assert kpcs["accepted"].sum() == (kpcs["accepted_self_reported"] + kpcs["accepted_commissioned"]
                                      + kpcs["accepted_independent"]).sum() > 0
    assert kpcs["accepted_unknown_source"].sum() == 0
    only_own = kpcs[(kpcs["accepted"] > 0) & (kpcs["accepted"] == kpcs["accepted_self_reported"])]
    assert len(only_own) and set(only_own["flags"]) == {"self_reported_only"}
    mixed = kpcs[(kpcs["accepted"] > 0) & (kpcs["accepted_self_reported"] < kpcs["accepted"])]
    assert len(mixed) and "self_reported_only" not in ";".join(mixed["flags"])

    since = tmp_path / "since.csv"
    assert cli("export", "--db", sources_db, "--coverage", since, "--since", "2018")[0] == 0
    flagged = pd.read_csv(since, encoding="utf-8-sig", keep_default_na=False)
    for row in flagged[flagged["accepted"] > 0].itertuples():
        old = int(row.latest_evidence_year) < 2018
        assert ("older_than_since" in row.flags) == old
    assert flagged["flags"].str.contains("older_than_since").any()


def test_correcting_a_source_moves_the_coverage(sources_db, cli, tmp_path):
    accept_all(sources_db, cli)
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    assert cli("export", "--db", sources_db, "--coverage", before)[0] == 0
    assert cli("source", "set", "--db", sources_db, "news.txt", "--independence",
               "self-reported", "--msi", "KPCS", "--reviewer", "ann")[0] == 0
    assert cli("export", "--db", sources_db, "--coverage", after)[0] == 0
    a = pd.read_csv(before, encoding="utf-8-sig")
    b = pd.read_csv(after, encoding="utf-8-sig")
    moved = int(a["accepted_independent"].sum() - b["accepted_independent"].sum())
    assert moved > 0
    assert int(b["accepted_self_reported"].sum() - a["accepted_self_reported"].sum()) == moved


def test_report_shows_the_split_and_badges(sources_db, cli, tmp_path):
    accept_all(sources_db, cli, ("own.txt", "commissioned.txt"))
    out = tmp_path / "report.html"
    assert cli("report", "--db", sources_db, "--out", out, "--since", "2018")[0] == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="independence-split"' in html
    assert 'class="badge source self-reported"' in html
    assert 'class="badge source commissioned"' in html
    assert "· 2016" in html  # the commissioned evaluation's year on its quotes
    assert "older than 2018" in html
    assert "all accepted evidence comes from the MSI" in html
