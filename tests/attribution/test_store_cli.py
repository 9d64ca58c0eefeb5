"""Through the store and the CLI: one candidate per MSI, corrections, the summary, suggest."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The sample corpus (text files and manifest) run with the hashing encoder."""
    root = tmp_path_factory.mktemp("attr")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("msi_integrity_rethinking_msis_blog_series.txt",
                 "iom_crest_final_evaluation_brief.txt", "manifest.csv"):
        shutil.copy2(CORPUS / name, corpus / name)
    db = root / "store.sqlite"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress"])
    assert code == 0, out.getvalue()
    return db, out.getvalue()


def _rows(db, sql, *args):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_summary_lists_msis_found_per_document(store):
    _, output = store
    block = output.split("MSIs found per document:")[1]
    blog = next(line for line in block.splitlines() if "Rethinking MSIs" in line)
    for msi in ("KPCS", "EITI", "DUTCH_RBC", "BANGLADESH_ACCORD", "FAIR_FOOD_PROGRAM", "GENERAL"):
        assert msi in blog
    crest = next(line for line in block.splitlines() if "CREST" in line)
    assert crest.strip().endswith(": CREST")


def test_attributions_are_stored_with_reasons_and_mention_spans(store):
    db, _ = store
    rows = _rows(db, "SELECT text, mentions, msis FROM passages WHERE stale = 0")
    reasons = {a["reason"] for r in rows for a in json.loads(r["msis"])}
    assert {"mention", "anaphora", "carried", "manifest", "general"} <= reasons
    for r in rows:
        for m in json.loads(r["mentions"]):
            assert r["text"][m["start"]:m["end"]] == m["surface"]


def test_one_candidate_per_msi_of_a_passage(store):
    db, _ = store
    multi = 0
    for p in _rows(db, "SELECT passage_id, msis FROM passages WHERE stale = 0"):
        msis = {a["msi_id"] for a in json.loads(p["msis"])}
        cands = _rows(db, "SELECT msi, consideration_id FROM candidates WHERE passage_id = ?",
                      p["passage_id"])
        by_consideration: dict[str, set[str]] = {}
        for c in cands:
            by_consideration.setdefault(c["consideration_id"], set()).add(c["msi"])
        for got in by_consideration.values():
            assert got == msis
        if len(msis) > 1 and cands:
            multi += 1
    assert multi >= 3


def _export(db, tmp_path) -> dict[str, dict]:
    out = tmp_path / "evidence.csv"
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as handle:
        return {r["candidate_id"]: r for r in csv.DictReader(handle)}


def test_reviewer_corrects_the_msi_and_the_export_shows_it(store, tmp_path, capsys):
    db, _ = store
    [cand] = _rows(db, "SELECT candidate_id FROM candidates WHERE msi = 'KPCS' LIMIT 1")
    cid = cand["candidate_id"]
    assert main(["decide", "--db", str(db), cid, "accept", "--msi", "EITI",
                 "--reviewer", "ana"]) == 0
    [decision] = _rows(db, "SELECT msi, reviewer FROM decisions WHERE candidate_id = ?", cid)
    assert (decision["msi"], decision["reviewer"]) == ("EITI", "ana")
    row = _export(db, tmp_path)[cid]
    assert (row["msi"], row["msi_proposed"], row["status"]) == ("EITI", "KPCS", "accepted")
    # GENERAL is a valid correction too.
    assert main(["decide", "--db", str(db), cid, "accept", "--msi", "GENERAL"]) == 0
    assert _export(db, tmp_path)[cid]["msi"] == "GENERAL"


def test_unknown_msi_correction_is_refused_with_a_clear_message(store, capsys):
    db, _ = store
    [cand] = _rows(db, "SELECT candidate_id FROM candidates LIMIT 1")
    before = _rows(db, "SELECT COUNT(*) AS n FROM decisions")[0]["n"]
    capsys.readouterr()
    code = main(["decide", "--db", str(db), cand["candidate_id"], "accept", "--msi", "eiti"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'eiti' is not an MSI id in the registry" in err and "did you mean 'EITI'" in err
    assert _rows(db, "SELECT COUNT(*) AS n FROM decisions")[0]["n"] == before


def test_suggest_lists_unknown_initiatives_as_pasteable_yaml(store, tmp_path, capsys):
    db, _ = store
    capsys.readouterr()
    assert main(["msis", "suggest", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    entries = yaml.safe_load("msis:\n" + out)["msis"]
    names = {e["name"]: e for e in entries}
    assert "Transparency Pledge Coalition" in names
    assert names["Worker-driven Social Responsibility"]["guarded_acronyms"] == ["WSR"]
    assert "# Transparency Pledge Coalition: seen 1 time(s) in 1 document(s)" in out
    assert "published by the Transparency Pledge Coalition has shown" in out
    # Names the registry knows are never suggested.
    for known in ("Fair Food Program", "Kimberley Process Certification Scheme",
                  "Extractive Industries Transparency Initiative", "Fair Food Standards Council"):
        assert known not in names
    # Pasting an entry into the registry makes it disappear from the suggestions.
    registry = yaml.safe_load(Path(CORPUS.parent / "evidence_rules/msi_registry.yaml").read_text())
    registry["msis"].append({**names["Transparency Pledge Coalition"], "owner": "NGOs"})
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    assert main(["msis", "suggest", "--db", str(db), "--registry", str(path)]) == 0
    again = yaml.safe_load("msis:\n" + capsys.readouterr().out)["msis"]
    assert "Transparency Pledge Coalition" not in {e["name"] for e in again}
