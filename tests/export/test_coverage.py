"""The coverage matrix on a hand-made store: the four states, polarity split, stale rules,
reviewer corrections, every reference point present, and the ``--coverage`` CSV."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.export.coverage import coverage_frame, matrix, state_of
from pipeline.export.evidence import evidence_frame
from pipeline.store import Store

from .store_builder import FRAMEWORK, Cand

A, R = "accept", "reject"


def _d(decision, reviewer="alice", **kwargs):
    return (decision, reviewer, kwargs)


CANDS = [
    # KPCS x participation: accepted both ways, one pending, one rejected -> evidence
    Cand("c01", "KPCS", "participation.workers", polarity="supports", decisions=[_d(A)]),
    Cand("c02", "KPCS", "participation.government", decisions=[_d(A, polarity="undermines")]),
    Cand("c03", "KPCS", "participation.business"),
    Cand("c04", "KPCS", "participation.workers", decisions=[_d(R)]),
    # KPCS x high_standards: all rejected -> rejected_only
    Cand("c05", "KPCS", "high_standards.sanctions", decisions=[_d(R)]),
    Cand("c06", "KPCS", "high_standards.member_due_diligence", decisions=[_d(R, "bob")]),
    # KPCS x transformation: one pending, one rejected -> pending
    Cand("c07", "KPCS", "transformation.theory_of_change"),
    Cand("c08", "KPCS", "transformation.measurable_goals", decisions=[_d(R)]),
    # KPCS x vulnerable_people: only a stale pending candidate -> none (stale pending ignored)
    Cand("c09", "KPCS", "vulnerable_people.due_diligence", stale=True),
    # KPCS x reporting_validation: accepted but stale, no polarity -> evidence (other)
    Cand("c10", "KPCS", "reporting_validation.validation_system", stale=True, decisions=[_d(A)]),
    # EITI x tip_risk_awareness: rejected, then accepted by a second reviewer -> evidence
    Cand("c12", "EITI", "tip_risk_awareness.research", polarity="undermines",
         decisions=[_d(R), _d(A, "bob")]),
    # EITI x participation -> moved by the reviewer to high_standards.sanctions
    Cand("c13", "EITI", "participation.workers", polarity="supports",
         decisions=[_d(A, consideration_id="high_standards.sanctions")]),
    # FLA proposed, corrected to GENERAL by the reviewer
    Cand("c14", "FLA", "commodity_focus.integrated_approach", polarity="supports",
         decisions=[_d(A, msi="GENERAL")]),
    # EITI x commodity_focus: accepted, then the accept was undone -> pending again
    Cand("c11", "EITI", "commodity_focus.variation_in_scope", decisions=[_d(A)]),
]


@pytest.fixture
def hand_db(make_store):
    db = make_store(CANDS)
    with Store(db) as store:
        (first,) = store.conn.execute(
            "SELECT decision_id FROM decisions WHERE candidate_id = 'c11'").fetchone()
        store.add_decision("c11", "undo", "alice", replaces_decision_id=first)
    return db


@pytest.fixture
def coverage(hand_db):
    with Store(hand_db) as store:
        return coverage_frame(evidence_frame(store), FRAMEWORK)


def _cell(cov: pd.DataFrame, msi: str, rp: str) -> dict:
    rows = cov[(cov["msi"] == msi) & (cov["reference_point_id"] == rp)]
    assert len(rows) == 1, (msi, rp, rows)
    return rows.iloc[0].to_dict()


def test_the_four_states(coverage):
    assert _cell(coverage, "KPCS", "participation")["state"] == "evidence"
    assert _cell(coverage, "KPCS", "high_standards")["state"] == "rejected_only"
    assert _cell(coverage, "KPCS", "transformation")["state"] == "pending"
    assert _cell(coverage, "KPCS", "commodity_focus")["state"] == "none"
    assert set(coverage["state"]) == {"evidence", "rejected_only", "pending", "none"}


def test_counts_split_by_polarity(coverage):
    cell = _cell(coverage, "KPCS", "participation")
    assert {k: cell[k] for k in ("accepted", "supports", "undermines", "other", "rejected",
                                 "pending")} == {"accepted": 2, "supports": 1, "undermines": 1,
                                                 "other": 0, "rejected": 1, "pending": 1}
    assert _cell(coverage, "KPCS", "high_standards")["rejected"] == 2
    transformation = _cell(coverage, "KPCS", "transformation")
    assert (transformation["pending"], transformation["rejected"]) == (1, 1)


def test_stale_accepted_counts_and_stale_pending_does_not(coverage):
    accepted_stale = _cell(coverage, "KPCS", "reporting_validation")
    assert accepted_stale["state"] == "evidence"
    assert (accepted_stale["accepted"], accepted_stale["other"],
            accepted_stale["accepted_stale"]) == (1, 1, 1)
    pending_stale = _cell(coverage, "KPCS", "vulnerable_people")
    assert pending_stale["state"] == "none"
    assert (pending_stale["pending"], pending_stale["stale_pending"]) == (0, 1)


def test_latest_decision_counts_and_undo_reopens(coverage):
    changed_mind = _cell(coverage, "EITI", "tip_risk_awareness")
    assert (changed_mind["state"], changed_mind["accepted"], changed_mind["rejected"],
            changed_mind["undermines"]) == ("evidence", 1, 0, 1)
    undone = _cell(coverage, "EITI", "commodity_focus")
    assert (undone["state"], undone["pending"], undone["accepted"]) == ("pending", 1, 0)


def test_reviewer_corrections_move_the_evidence(coverage):
    # consideration corrected into another reference point
    assert _cell(coverage, "EITI", "participation")["state"] == "none"
    moved = _cell(coverage, "EITI", "high_standards")
    assert (moved["state"], moved["supports"]) == ("evidence", 1)
    # MSI corrected to GENERAL: the proposed MSI no longer has a row
    assert _cell(coverage, "GENERAL", "commodity_focus")["state"] == "evidence"
    assert "FLA" not in set(coverage["msi"])


def test_every_msi_with_candidates_times_every_reference_point(coverage):
    rps = [rp.id for rp in FRAMEWORK.reference_points]
    assert list(dict.fromkeys(coverage["msi"])) == ["EITI", "KPCS", "GENERAL"]  # GENERAL last
    for _, rows in coverage.groupby("msi", sort=False):
        assert list(rows["reference_point_id"]) == rps
    assert len(coverage) == 3 * len(rps)
    wide = matrix(coverage)
    assert wide.shape == (3, len(rps)) and wide.loc["KPCS", "high_standards"] == "rejected_only"


def test_consideration_level(hand_db):
    with Store(hand_db) as store:
        cov = coverage_frame(evidence_frame(store), FRAMEWORK, by="consideration")
    assert len(cov) == 3 * len(FRAMEWORK.considerations)
    row = cov[(cov["msi"] == "KPCS") & (cov["consideration_id"] == "participation.workers")].iloc[0]
    assert (row["state"], row["supports"], row["rejected"]) == ("evidence", 1, 1)
    business = cov[(cov["msi"] == "KPCS") & (cov["consideration_id"] == "participation.business")]
    assert business.iloc[0]["state"] == "pending"
    sanctions = cov[(cov["msi"] == "KPCS") & (cov["consideration_id"] == "high_standards.sanctions")]
    assert sanctions.iloc[0]["state"] == "rejected_only"


def test_asked_msi_without_candidates_shows_none_and_filters(hand_db):
    with Store(hand_db) as store:
        cov = coverage_frame(evidence_frame(store), FRAMEWORK, msis=["RSPO", "KPCS"],
                             reference_points=["participation", "High Standards"])
    assert sorted(set(cov["msi"])) == ["KPCS", "RSPO"]
    assert list(dict.fromkeys(cov["reference_point_id"])) == ["participation", "high_standards"]
    assert set(cov[cov["msi"] == "RSPO"]["state"]) == {"none"}


def test_state_rule():
    assert state_of(1, 5, 5) == "evidence"
    assert state_of(0, 1, 5) == "pending"
    assert state_of(0, 0, 1) == "rejected_only"
    assert state_of(0, 0, 0) == "none"


def test_empty_store_gives_empty_coverage(make_store):
    with Store(make_store([], name="empty.sqlite")) as store:
        cov = coverage_frame(evidence_frame(store), FRAMEWORK)
    assert cov.empty and "state" in cov.columns


def test_cli_coverage_csv(cli, capsys, hand_db, tmp_path):
    out = tmp_path / "coverage.csv"
    assert cli("export", "--db", hand_db, "--coverage", out) == 0
    printed = capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    cov = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert len(cov) == 3 * len(FRAMEWORK.reference_points)
    for column in ("accepted", "supports", "undermines", "rejected", "pending"):
        assert pd.api.types.is_integer_dtype(cov[column]), column
    kpcs = cov[cov["msi"] == "KPCS"].set_index("reference_point_id")["state"]
    assert kpcs["participation"] == "evidence" and kpcs["transformation"] == "pending"
    assert "rejected_only" in printed and "none" in printed

    by_consideration = tmp_path / "by_consideration.csv"
    assert cli("export", "--db", hand_db, "--coverage", by_consideration,
               "--coverage-by", "consideration", "--msi", "KPCS") == 0
    cov2 = pd.read_csv(by_consideration, encoding="utf-8-sig", keep_default_na=False)
    assert set(cov2["msi"]) == {"KPCS"} and len(cov2) == len(FRAMEWORK.considerations)


def test_cli_errors_are_clear(cli, capsys, hand_db, tmp_path):
    assert cli("export", "--db", hand_db) == 2
    assert "nothing to write" in capsys.readouterr().err
    assert cli("export", "--db", hand_db, "--coverage", tmp_path / "c.xlsx") == 2
    assert "--coverage writes CSV" in capsys.readouterr().err
    assert cli("export", "--db", hand_db, "--out", tmp_path / "e.csv",
               "--reference-point", "nope") == 2
    assert "unknown reference point" in capsys.readouterr().err


def test_candidates_of_another_framework_are_left_out_and_counted(make_store):
    db = make_store([Cand("x1", "KPCS", "participation.workers", decisions=[_d(A)]),
                     Cand("x2", "KPCS", "participation.workers", decisions=[_d(A)])])
    with Store(db) as store:
        store.conn.execute("UPDATE candidates SET framework_id = 'other-fw' WHERE candidate_id = 'x2'")
        cov = coverage_frame(evidence_frame(store), FRAMEWORK)
    assert cov.attrs["other_framework_rows"] == 1
    assert _cell(cov, "KPCS", "participation")["accepted"] == 1


def test_export_rows_follow_a_corrected_consideration(hand_db):
    from pipeline.export.evidence import EvidenceFilter

    with Store(hand_db) as store:
        df = evidence_frame(store)
        moved = df.set_index("candidate_id").loc["c13"]
        # Moved by the reviewer from participation.workers to high_standards.sanctions.
        assert moved["consideration_id"] == "high_standards.sanctions"
        assert moved["reference_point_id"] == "high_standards"
        assert moved["reference_point"] == "High Standards"
        assert moved["consideration"] == df.set_index("candidate_id").loc["c05", "consideration"]
        untouched = df.set_index("candidate_id").loc["c01"]
        assert (untouched["reference_point_id"], untouched["consideration_id"]) == (
            "participation", "participation.workers")
        by_rp = evidence_frame(store, filters=EvidenceFilter(reference_points=("high_standards",)))
        assert "c13" in set(by_rp["candidate_id"])
        by_old = evidence_frame(store, filters=EvidenceFilter(reference_points=("participation",)))
        assert "c13" not in set(by_old["candidate_id"])
