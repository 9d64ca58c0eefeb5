"""Re-runs after reviewers decided: a changed framework, segmenter settings or model never
deletes or detaches a decision; candidates no longer produced are stale, keep their decisions
and are still exported."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from rel_helpers import cli_in_process, query

from pipeline.embed import make_encoder
from pipeline.rules.framework import load_framework
from pipeline.rules.registry import load_registry
from pipeline.run.process import ProcessingContext
from pipeline.run.runner import run_corpus
from pipeline.segment import SegmentSettings
from pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]


def _decide_everything(db: Path) -> dict[str, tuple[str, str]]:
    """Accept or reject every live candidate, with a note; returns {candidate_id: (decision, note)}."""
    made = {}
    with Store(db) as store:
        ids = [r[0] for r in store.conn.execute(
            "SELECT candidate_id FROM candidates WHERE stale = 0 ORDER BY candidate_id")]
        for i, cid in enumerate(ids):
            decision = "accept" if i % 3 else "reject"
            note = f"=HYPERLINK(\"http://x\") reviewer note {i}"  # also a formula payload
            store.add_decision(cid, decision, f"reviewer{i % 2}", note)
            made[cid] = (decision, note)
    assert len(made) >= 5
    return made


def _check_nothing_lost(db: Path, made: dict[str, tuple[str, str]], tmp_path: Path) -> int:
    # A candidate that a re-run finds as a twin of a decided one inherits the decision in a row
    # of its own that names the decision it mirrors (pipeline.store.twin_groups); those are not the
    # reviewers' own rows, which must all be there, once each.
    rows = query(db, "SELECT d.candidate_id, d.decision, d.note, c.stale FROM decisions d"
                     " JOIN candidates c USING (candidate_id) WHERE d.twin_of_decision IS NULL")
    assert len(rows) == len(made) == query(
        db, "SELECT COUNT(*) FROM decisions WHERE twin_of_decision IS NULL")[0][0]
    assert query(db, "SELECT COUNT(*) FROM decisions c LEFT JOIN decisions o"
                     " ON o.decision_id = c.twin_of_decision WHERE c.twin_of_decision IS NOT NULL"
                     " AND (o.decision_id IS NULL OR o.decision <> c.decision"
                     " OR o.note IS NOT c.note)")[0][0] == 0
    assert {r["candidate_id"]: (r["decision"], r["note"]) for r in rows} == made
    out = tmp_path / "evidence.csv"
    code, stdout, err = cli_in_process("export", "--db", db, "--out", out)
    assert code == 0, err
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    exported = df.set_index("candidate_id")
    for cid, (decision, note) in made.items():
        assert cid in exported.index, f"decided candidate {cid} missing from the export"
        row = exported.loc[cid]
        assert row["status"] == {"accept": "accepted", "reject": "rejected"}[decision]
        assert row["note"] == "'" + note  # neutralised formula, text otherwise intact
    stale_decided = sum(r["stale"] for r in rows)
    stale_in_export = exported.loc[list(made)]["stale"].map({"True": 1, "False": 0}).sum()
    assert stale_in_export == stale_decided
    return stale_decided


@pytest.fixture
def decided(store_copy, evidence_db):
    made = _decide_everything(store_copy)
    return store_copy, evidence_db.parent / "corpus", made


def test_changed_framework_keeps_decisions(decided, tmp_path, forked_parse_workers):
    db, corpus, made = decided
    data = yaml.safe_load((REPO / "evidence_rules" / "framework.yaml").read_text())
    data["framework"]["version"] = "reliability-test"
    data["matching"]["threshold"] = 0.45  # fewer candidates: some decided ones disappear
    changed = tmp_path / "framework.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    code, out, err = cli_in_process("run", corpus, "--db", db, "--model", "hashing",
                                    "--no-progress", "--framework", changed)
    assert code == 0, out + err
    assert _check_nothing_lost(db, made, tmp_path) > 0


def test_changed_segmenter_keeps_decisions(decided, tmp_path, forked_parse_workers):
    db, corpus, made = decided
    context = ProcessingContext(framework=load_framework(), registry=load_registry(),
                                encoder=make_encoder("hashing"),
                                segment=SegmentSettings(min_words=10, target_words=30,
                                                        max_words=45))
    with Store(db) as store:
        try:
            summary = run_corpus([str(corpus)], store, context, progress=False)
        finally:
            context.close()
    assert summary.processed > 0 and summary.all_ok
    assert _check_nothing_lost(db, made, tmp_path) > 0  # new passage ids: old ones went stale


def test_changed_model_keeps_decisions(decided, tmp_path, forked_parse_workers):
    db, corpus, made = decided
    code, out, err = cli_in_process("run", corpus, "--db", db, "--model", "hashing-64",
                                    "--no-progress")
    assert code == 0, out + err
    assert "0 unchanged" in out  # the model is part of the fingerprint: everything re-ran
    _check_nothing_lost(db, made, tmp_path)
