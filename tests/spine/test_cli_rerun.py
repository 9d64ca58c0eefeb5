"""Integration through ``msi-evidence`` (hashing encoder): stable ids on re-runs, and decisions
that survive re-runs, framework changes and changed files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd

from pipeline.records import DocStatus
from tests.conftest import WITHOUT_TWINS


def _candidates(query, db) -> list[tuple]:
    return query(db, "SELECT * FROM candidates ORDER BY candidate_id")


def _decide(cli, db, candidate_id, decision="accept", note="checked against the report"):
    assert cli("decide", "--db", db, candidate_id, decision, "--note", note,
               "--reviewer", "alice") == 0


def test_first_run_processes_the_sample_corpus(processed_copy, query):
    corpus, db = processed_copy
    (summary_json,), = query(db, "SELECT summary FROM runs WHERE status = 'ok'")
    summary = json.loads(summary_json)
    assert (summary["processed"], summary["unchanged"], summary["by_status"]) == (4, 0, {"ok": 4})
    rows = query(db, "SELECT path, status, kind, n_pages FROM documents JOIN document_paths"
                     " USING (doc_id)")
    assert sorted(Path(p).name for p, *_ in rows) == sorted(
        p.name for p in corpus.iterdir() if p.suffix in (".txt", ".pdf"))
    for path, status, kind, n_pages in rows:
        assert status == DocStatus.OK.value
        if path.endswith(".pdf"):
            assert kind == "pdf" and n_pages > 1
        else:
            assert kind in ("text", "markdown") and n_pages == 1
    assert query(db, "SELECT COUNT(*) FROM candidates")[0][0] > 0
    # Titles come from the manifest.
    titles = {t for (t,) in query(db, "SELECT title FROM documents")}
    assert "Final Evaluation of the CREST Project: Evaluation Brief (PDF)" in titles
    # The manifest's MSI is the default for the IOM brief's passages that name none.
    reasons = query(db, "SELECT DISTINCT json_extract(j.value, '$.reason') FROM passages p,"
                        " json_each(p.msis) j WHERE json_extract(j.value, '$.msi_id') = 'CREST'")
    assert ("manifest",) in reasons


def test_unchanged_rerun_adds_nothing(run_hashing, capsys, processed_copy, query, table_counts):
    sample_corpus, db = processed_copy
    before, rows_before = table_counts(db), _candidates(query, db)
    passages_before = query(db, "SELECT * FROM passages ORDER BY passage_id")
    capsys.readouterr()

    assert run_hashing(sample_corpus, db) == 0
    out = capsys.readouterr().out
    assert "0 processed, 4 unchanged" in out
    assert "embedded texts: 0" in out
    after = table_counts(db)
    assert after.pop("runs") == before.pop("runs") + 1
    assert after == before
    assert _candidates(query, db) == rows_before
    assert query(db, "SELECT * FROM passages ORDER BY passage_id") == passages_before


def test_decision_survives_rerun_and_framework_change(run_hashing, cli, capsys, processed_copy,
                                                      tmp_path, query, write_yaml,
                                                      packaged_framework_data):
    sample_corpus, db = processed_copy
    (decided, consideration), = query(  # one without twins: its decision is a single row
        db, f"SELECT candidate_id, consideration_id FROM candidates WHERE {WITHOUT_TWINS}"
            " ORDER BY score DESC LIMIT 1")
    first_ids = query(db, "SELECT candidate_id FROM candidates ORDER BY 1")
    first_passages = query(db, "SELECT passage_id FROM passages ORDER BY 1")
    _decide(cli, db, decided)
    assert run_hashing(sample_corpus, db) == 0  # unchanged re-run
    capsys.readouterr()

    # 1. Another wording of the decided candidate's consideration: everything is re-processed.
    data = copy.deepcopy(packaged_framework_data)
    for rp in data["reference_points"]:
        for c in rp["considerations"]:
            if c["id"] == consideration:
                c["text"] = c["text"] + " (reworded by the framework's authors)"
    reworded = write_yaml("reworded.yaml", data)
    assert run_hashing(sample_corpus, db, "--framework", reworded) == 0
    assert "4 processed, 0 unchanged" in capsys.readouterr().out
    last_run = query(db, "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")[0][0]
    # Live candidates are exactly those this run produced; every other one is stale.
    assert query(db, "SELECT COUNT(*) FROM candidates WHERE stale = 0 AND run_id != ?",
                 (last_run,))[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM candidates WHERE stale = 1 AND run_id = ?",
                 (last_run,))[0][0] == 0
    assert query(db, "SELECT decision, note FROM current_decisions WHERE candidate_id = ?",
                 (decided,)) == [("accept", "checked against the report")]

    # 2. Back to the packaged framework: re-processing gives exactly the first run's ids again.
    assert run_hashing(sample_corpus, db) == 0
    assert "4 processed, 0 unchanged" in capsys.readouterr().out
    assert query(db, "SELECT candidate_id FROM candidates WHERE stale = 0 ORDER BY 1") == first_ids
    assert query(db, "SELECT passage_id FROM passages WHERE stale = 0 ORDER BY 1") == first_passages

    # 3. A threshold no passage reaches: no candidate is produced, all are stale, none deleted.
    total = query(db, "SELECT COUNT(*) FROM candidates")[0][0]
    data["matching"]["threshold"] = 0.99
    for rp in data["reference_points"]:
        rp.pop("threshold", None)
    strict = write_yaml("strict.yaml", data)
    assert run_hashing(sample_corpus, db, "--framework", strict) == 0
    assert query(db, "SELECT COUNT(*) FROM candidates")[0][0] == total
    assert query(db, "SELECT COUNT(*) FROM candidates WHERE stale = 0")[0][0] == 0
    assert query(db, "SELECT stale FROM candidates WHERE candidate_id = ?", (decided,)) == [(1,)]
    assert query(db, "SELECT COUNT(*) FROM decisions")[0][0] == 1
    assert query(db, "SELECT decision FROM current_decisions WHERE candidate_id = ?",
                 (decided,)) == [("accept",)]

    out = tmp_path / "stale.csv"
    assert cli("export", "--db", db, "--out", out, "--status", "stale") == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == total
    assert df["stale"].all()
    row = df[df["candidate_id"] == decided].iloc[0]
    assert (row["status"], row["reviewer"], row["note"]) == ("accepted", "alice",
                                                             "checked against the report")


def test_changed_file_gets_new_id_and_old_candidates_go_stale(run_hashing, cli, text_corpus,
                                                              tmp_path, query):
    sample_corpus = text_corpus
    db = tmp_path / "e.sqlite"
    assert run_hashing(sample_corpus, db) == 0
    changed = sample_corpus / "msi_integrity_rethinking_msis_blog_series.txt"
    (old_doc,), = query(db, "SELECT doc_id FROM document_paths WHERE path = ?", (str(changed),))
    old_candidates = query(db, "SELECT candidate_id FROM candidates WHERE doc_id = ?", (old_doc,))
    assert old_candidates
    decided = old_candidates[0][0]
    _decide(cli, db, decided, "reject", "not about this MSI")

    with open(changed, "a", encoding="utf-8") as handle:
        handle.write("\n\nAddendum: the Kimberley Process published a new review of its "
                     "peer-review mechanism and its treatment of artisanal miners.\n")
    assert run_hashing(sample_corpus, db) == 0

    (new_doc,), = query(db, "SELECT doc_id FROM document_paths WHERE path = ?", (str(changed),))
    assert new_doc != old_doc
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 3  # the old version is kept
    assert query(db, "SELECT DISTINCT stale FROM candidates WHERE doc_id = ?", (old_doc,)) == [(1,)]
    assert query(db, "SELECT DISTINCT stale FROM passages WHERE doc_id = ?", (old_doc,)) == [(1,)]
    assert query(db, "SELECT COUNT(*) FROM candidates WHERE doc_id = ? AND stale = 0",
                 (new_doc,))[0][0] > 0
    assert query(db, "SELECT decision, note FROM current_decisions WHERE candidate_id = ?",
                 (decided,)) == [("reject", "not about this MSI")]
    # The other documents were not touched.
    assert query(db, "SELECT COUNT(*) FROM candidates WHERE doc_id NOT IN (?, ?) AND stale = 1",
                 (old_doc, new_doc))[0][0] == 0

    out = tmp_path / "rejected.csv"
    assert cli("export", "--db", db, "--out", out, "--status", "rejected") == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert list(df["candidate_id"]) == [decided]
    assert bool(df["stale"].iloc[0]) is True
    assert df["file"].iloc[0] == changed.name
