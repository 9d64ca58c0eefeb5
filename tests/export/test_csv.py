"""The evidence CSV: read back with pandas it equals the store's view; provenance; filters;
formula payloads neutralised in text cells only."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from pipeline.export.evidence import (
    COLUMNS,
    FORMULA_PREFIXES,
    EvidenceFilter,
    ExportError,
    evidence_frame,
    export_csv,
    neutralise_formulas,
    read_evidence_csv,
)
from pipeline.store import Store

from .store_builder import Cand

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+2", "-3+4", "@SUM(A1:A3)",
            "\tTabbed start", "\rCarriage start"]
NUMERIC = ["page", "char_start", "char_end", "score", "passage_char_start", "passage_char_end"]


def _hostile_cands() -> list[Cand]:
    cands = [Cand(f"h{i}", "KPCS", "participation.workers", quote=p, doc="doc-b",
                  decisions=[("accept", "@mallory", {"note": "=1+2 cmd|' /C calc'!A0"})])
             for i, p in enumerate(PAYLOADS)]
    cands.append(Cand("plain", "EITI", "high_standards.sanctions", score=0.75, page=2,
                      quote="Members that break the rules are suspended.", polarity="undermines",
                      decisions=[("reject", "bob", {}), ("accept", "carol", {"note": "fine"})]))
    return cands


def test_csv_read_back_equals_the_store_view(corpus_db, tmp_path):
    out = tmp_path / "evidence.csv"
    with Store(corpus_db) as store:
        rows = export_csv(store, out)
        expected = neutralise_formulas(evidence_frame(store))
        n_candidates = store.count("candidates")
    back = read_evidence_csv(out)
    assert rows == len(back) == n_candidates > 0
    assert list(back.columns) == COLUMNS
    for column in COLUMNS:
        got, want = back[column], expected[column]
        if column in NUMERIC:
            assert pd.api.types.is_numeric_dtype(got), column
            assert got.astype(float).tolist() == pytest.approx(want.astype(float).tolist()), column
        else:
            assert [None if pd.isna(v) else v for v in got] == \
                   [None if pd.isna(v) else v for v in want], column
    # The view itself agrees with the raw tables: status from the latest decision.
    conn = sqlite3.connect(corpus_db)
    decided = dict(conn.execute("SELECT candidate_id, decision FROM current_decisions"))
    conn.close()
    status = {"accept": "accepted", "reject": "rejected"}
    assert dict(zip(back["candidate_id"], back["status"], strict=True)) == {
        c: status.get(decided.get(c), "pending") for c in back["candidate_id"]}
    assert (back["status"] == "accepted").any() and (back["status"] == "rejected").any()


def test_provenance_columns(make_store, tmp_path):
    db = make_store(_hostile_cands())
    out = tmp_path / "evidence.csv"
    with Store(db) as store:
        export_csv(store, out)
    df = read_evidence_csv(out).set_index("candidate_id")
    plain = df.loc["plain"]
    assert plain["file"] == "alpha report.pdf" and plain["path"] == "reports/alpha report.pdf"
    assert (plain["page"], plain["page_label"]) == (2, "1")  # physical page 2 is printed "1"
    assert plain["doc_id"] == "doc-a" and plain["run_id"] == "run-1"
    assert plain["framework_id"] == "msi-tip" and isinstance(plain["framework_version"], str)
    assert plain["model"] == "hashing-256"
    assert (plain["reviewer"], plain["note"], plain["status"]) == ("carol", "fine", "accepted")
    assert plain["decided_at"].startswith("20") and plain["score"] == 0.75
    text = "Context before. Members that break the rules are suspended. Context after."
    assert text[plain["char_start"]:plain["char_end"]] == plain["quote"]
    assert pd.isna(df.loc["h0"]["page_label"])  # unknown label stays empty


def test_formula_payloads_are_neutralised(make_store, tmp_path):
    db = make_store(_hostile_cands())
    out = tmp_path / "evidence.csv"
    with Store(db) as store:
        export_csv(store, out)
    df = read_evidence_csv(out).set_index("candidate_id")
    for i, payload in enumerate(PAYLOADS):
        row = df.loc[f"h{i}"]
        assert row["quote"] == "'" + payload
        assert row["note"] == "'=1+2 cmd|' /C calc'!A0"
        assert row["reviewer"] == "'@mallory"
        assert row["file"] == "'=beta.txt" and row["title"] == "'@Beta"
    for column in df.columns:
        if column in NUMERIC:
            assert pd.api.types.is_numeric_dtype(df[column]), column
            continue
        for value in df[column].dropna():
            assert not str(value).startswith(FORMULA_PREFIXES), (column, value)
    # text that merely contains a sign later on is left alone
    assert df.loc["plain", "quote"] == "Members that break the rules are suspended."
    # the raw bytes: a BOM, CRLF rows, and no cell (quoted or not) starts with a formula prefix
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") >= len(df) + 1
    body = raw.replace(b'""', b"")  # doubled quotes inside cells are not cell openings
    for prefix in FORMULA_PREFIXES:  # text cells are quoted: look at every opening quote
        for opening in (b',"', b'\n"', b'\xbf"'):
            assert opening + prefix.encode() not in body, (opening, prefix)
    for prefix in (b"=", b"@"):  # unquoted cells are numbers (which may start with - or +)
        assert b"," + prefix not in body and b"\n" + prefix not in body


def test_neutralise_leaves_numbers_and_booleans():
    df = pd.DataFrame({"n": [-1, 2], "f": [-0.5, 1.5], "b": [True, False],
                       "s": ["-1", "ok"], "o": pd.Series(["=x", None], dtype=object)})
    out = neutralise_formulas(df)
    assert out["n"].tolist() == [-1, 2] and out["f"].tolist() == [-0.5, 1.5]
    assert out["b"].tolist() == [True, False]
    assert out["s"].tolist() == ["'-1", "ok"]
    assert out["o"].tolist()[0] == "'=x" and out["o"].tolist()[1] is None


def test_filters(make_store, tmp_path):
    db = make_store(_hostile_cands() + [
        Cand("k2", "KPCS", "high_standards.sanctions", decisions=[("reject", "bob", {})])])
    with Store(db) as store:
        def ids(**kwargs):
            return sorted(evidence_frame(store, filters=EvidenceFilter(**kwargs))["candidate_id"])

        assert ids(msis=("EITI",)) == ["plain"]
        assert ids(reference_points=("high_standards",)) == ["k2", "plain"]
        assert ids(reference_points=("High Standards",)) == ["k2", "plain"]
        assert ids(documents=("alpha report.pdf",)) == ["k2", "plain"]
        assert ids(documents=("reports/=beta.txt",)) == [f"h{i}" for i in range(len(PAYLOADS))]
        assert ids(documents=("doc-a",)) == ["k2", "plain"]
        assert ids(status="rejected", msis=("KPCS",)) == ["k2"]
        assert ids(status="accepted", reference_points=("high_standards",)) == ["plain"]
        with pytest.raises(ExportError, match="no document matches"):
            ids(documents=("missing.pdf",))
        with pytest.raises(ExportError):
            EvidenceFilter(status="maybe")


def test_cli_export_with_filters(cli, capsys, make_store, tmp_path):
    db = make_store(_hostile_cands())
    out = tmp_path / "kpcs.csv"
    assert cli("export", "--db", db, "--out", out, "--msi", "KPCS", "--status", "accepted",
               "--document", "=beta.txt") == 0
    assert f"Wrote {len(PAYLOADS)} rows (accepted)" in capsys.readouterr().out
    assert set(read_evidence_csv(out)["msi"]) == {"KPCS"}
    assert cli("export", "--db", db, "--out", tmp_path / "x.txt") == 2
    assert "--format csv|xlsx" in capsys.readouterr().err
    assert cli("export", "--db", db, "--out", tmp_path / "x.txt", "--format", "csv") == 0
    assert len(read_evidence_csv(tmp_path / "x.txt")) == len(PAYLOADS) + 1
