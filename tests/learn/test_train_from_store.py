"""``msi-evidence train --from-db``: reviewers' decisions in a real store become a model that a
run then uses (hashing encoder, the tiny corpus of six documents, no development corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.store.decisions import decide, undo_last
from pipeline.store.store import Store
from pipeline.store.training import decided_quotes
from tests.conftest import run_hashing_store
from tests.learn.conftest import EVIDENCE, write_tiny_corpus


@pytest.fixture
def reviewed_store(tmp_path: Path) -> Path:
    """A hashing store of the tiny corpus where a reviewer accepted every candidate quoting an
    evidence sentence and rejected the others."""
    corpus = tmp_path / "reports"
    write_tiny_corpus(corpus)
    db = run_hashing_store(corpus, tmp_path / "store.sqlite")
    with Store(db) as store:
        rows = store.conn.execute("SELECT candidate_id, quote FROM candidates"
                                  " WHERE twin_of IS NULL ORDER BY candidate_id").fetchall()
        for cid, quote in rows:
            verdict = "accept" if any(quote.strip() in e or e in quote for e in EVIDENCE) \
                else "reject"
            decide(store, cid, verdict, "ana", expected_version=None)
    return db


def test_decided_quotes_follow_corrections_the_latest_reviewer_and_undo(reviewed_store: Path):
    with Store(reviewed_store) as store:
        before = {q.candidate_id: q for q in decided_quotes(store)}
        first, second = sorted(before)[:2]
        decide(store, first, "accept", "ana", expected_version=None,
               consideration_id="high_standards.sanctions", polarity="undermines")
        overruled = "reject" if before[second].decision == "accept" else "accept"
        decide(store, second, overruled, "adjudicator", expected_version=None)
        during = {q.candidate_id: q for q in decided_quotes(store)}
        undo_last(store, "adjudicator")
        after = {q.candidate_id: q for q in decided_quotes(store)}
    assert during[first].decision == "accept"
    assert during[first].consideration_id == "high_standards.sanctions"
    assert during[first].polarity == "undermines"
    assert (during[second].decision, during[second].reviewer) == (overruled, "adjudicator")
    assert (after[second].decision, after[second].reviewer) == (before[second].decision, "ana")
    assert set(after) == set(before)
    assert all(Path(q.path).is_file() for q in after.values())


def test_train_from_db_writes_a_model_that_a_run_uses(reviewed_store: Path, tmp_path: Path,
                                                      cli, capsys):
    out = tmp_path / "team-model"
    code = cli("train", "--from-db", reviewed_store, "--corpus", "none", "--model", "hashing",
               "--folds", "3", "--out", out, "--json", tmp_path / "figures.json")
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "| retrained, grouped CV over 3 folds" in printed
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert figures["documents"] == 6 and figures["accepted"] > 0
    assert figures["decided"] > figures["accepted"]
    retrained = figures["results"][-1]
    assert retrained["items"] == figures["decided"]
    card = json.loads((out / "model.json").read_text())["card"]
    assert f"{figures['decided']} reviewer decisions on 6 documents" in card["trained_on"]

    corpus = reviewed_store.parent / "reports"
    db = tmp_path / "rerun.sqlite"
    assert cli("run", corpus, "--db", db, "--model", "hashing", "--model-dir", out,
               "--no-progress") == 0
    with Store(db) as store:
        versions = {json.loads(e)["model_version"] for (e,) in
                    store.conn.execute("SELECT explanation FROM candidates")}
    assert versions == {figures["version"]}


def test_train_from_db_without_rejects_says_what_to_do(tmp_path: Path, cli, capsys):
    corpus = tmp_path / "reports"
    write_tiny_corpus(corpus)
    db = run_hashing_store(corpus, tmp_path / "store.sqlite")
    code = cli("train", "--from-db", db, "--corpus", "none", "--model", "hashing")
    err = capsys.readouterr().err
    assert code != 0
    assert "0 accepted and 0 rejected" in err and "review more cards first" in err
