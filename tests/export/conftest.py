"""Fixtures for the export, coverage and report tests (issue 7).

``make_store`` builds a hand-made store (see ``store_builder``); ``corpus_db`` is the sample
corpus processed with the hashing encoder, with a few decisions, shared by a module's tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.store import Store

from .store_builder import Cand, build_store


@pytest.fixture
def make_store(tmp_path):
    def make(cands: list[Cand], name: str = "hand.sqlite", docs: dict | None = None) -> Path:
        return build_store(tmp_path / name, cands, docs)

    return make


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> Path:
    """The sample corpus processed with ``--model hashing``, with some candidates decided:
    every third accepted (polarity cycling supports/undermines/unset), a few rejected."""
    from pipeline.cli import main

    tmp = tmp_path_factory.mktemp("corpus_db")
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    db = tmp / "corpus.sqlite"
    code = main(["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress"])
    assert code in (0, 1), code
    with Store(db) as store:
        ids = [r[0] for r in store.conn.execute(
            "SELECT candidate_id FROM candidates ORDER BY candidate_id")]
        assert len(ids) >= 6, "the sample corpus should give several candidates"
        for i, cid in enumerate(ids):
            if i % 3 == 0:
                store.add_decision(cid, "accept", "alice", "checked",
                                   polarity=("supports", "undermines", None)[(i // 3) % 3])
            elif i % 3 == 1 and i < 8:
                store.add_decision(cid, "reject", "bob")
    return db
