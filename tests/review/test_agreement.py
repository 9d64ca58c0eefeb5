"""Agreement statistics against values computed by hand, and the `agreement` command."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.review.agreement import (
    Rating,
    agreement_table,
    cohen_kappa,
    format_agreement,
    percent_agreement,
)

A, R = "accept", "reject"


def test_kappa_textbook_case():
    # 10 items: 4 both accept, 3 both reject, 2 accept/reject, 1 reject/accept.
    # p_o = 7/10; rater 1: 6 A, 4 R; rater 2: 5 A, 5 R; p_e = (6*5 + 4*5)/100 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    pairs = [(A, A)] * 4 + [(R, R)] * 3 + [(A, R)] * 2 + [(R, A)]
    assert percent_agreement(pairs) == pytest.approx(0.7)
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_kappa_extremes_and_undefined():
    assert cohen_kappa([(A, A), (A, A), (R, R), (R, R)]) == pytest.approx(1.0)
    # total disagreement with balanced marginals: p_o = 0, p_e = 0.5 -> -1
    assert cohen_kappa([(A, R), (A, R), (R, A), (R, A)]) == pytest.approx(-1.0)
    # one label throughout: p_e = 1, kappa undefined
    assert cohen_kappa([(A, A), (A, A)]) is None
    assert cohen_kappa([]) is None and percent_agreement([]) is None
    # p_o = 2/3; rater 1: 3 A; rater 2: 2 A, 1 R; p_e = (3*2)/9 = 2/3 -> kappa 0
    assert cohen_kappa([(A, A), (A, A), (A, R)]) == pytest.approx(0.0)


def test_kappa_matches_scikit_learn_on_random_ratings():
    import random

    cohen_kappa_score = pytest.importorskip("sklearn.metrics").cohen_kappa_score

    rng = random.Random(7)
    for _ in range(20):
        pairs = [(rng.choice([A, R]), rng.choice([A, A, R])) for _ in range(rng.randint(5, 40))]
        ours = cohen_kappa(pairs)
        theirs = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
        if ours is None:
            assert theirs != theirs or theirs == 0  # nan (undefined) in scikit-learn
        else:
            assert ours == pytest.approx(theirs)


def test_table_per_reference_point_and_pair():
    ratings = [Rating(f"c{i}", "rp1", "One", "al", a) for i, a in enumerate([A, A, R, R])]
    ratings += [Rating(f"c{i}", "rp1", "One", "bo", b) for i, b in enumerate([A, R, R, R])]
    ratings += [Rating("c9", "rp2", "Two", "al", A), Rating("c9", "rp2", "Two", "bo", A)]
    ratings += [Rating("c8", "rp2", "Two", "cy", R)]  # a single rating: no pair
    rows = {(r.reference_point_id, r.reviewer_a, r.reviewer_b): r for r in agreement_table(ratings)}
    assert set(rows) == {("rp1", "al", "bo"), ("rp2", "al", "bo"), ("(all)", "al", "bo")}
    rp1 = rows[("rp1", "al", "bo")]
    # p_o = 3/4; al 2A 2R; bo 1A 3R; p_e = (2*1 + 2*3)/16 = 0.5; kappa = 0.5
    assert (rp1.n, rp1.agreed, rp1.percent, rp1.kappa) == (4, 3, 75.0, pytest.approx(0.5))
    assert rows[("rp2", "al", "bo")].kappa is None
    everything = rows[("(all)", "al", "bo")]
    # 5 items: p_o = 4/5; al 3A 2R; bo 2A 3R; p_e = (3*2 + 2*3)/25 = 12/25; kappa = 8/13
    assert everything.n == 5 and everything.percent == pytest.approx(80.0)
    assert everything.kappa == pytest.approx((0.8 - 12 / 25) / (1 - 12 / 25))


def decide_all(reviewer, ids_and_votes):
    people = {}
    for name, candidate_id, decision in ids_and_votes:
        people.setdefault(name, reviewer(name))
        assert people[name].decide(candidate_id, decision).status_code == 201
    return people


def test_agreement_from_the_store_via_api_and_cli(reviewer, db_path, cli, capsys):
    conn = sqlite3.connect(db_path)
    by_rp = {}
    for cid, rp in conn.execute(
        "SELECT candidate_id, reference_point_id FROM candidates"
        " WHERE stale = 0 ORDER BY score DESC, candidate_id"
    ):
        by_rp.setdefault(rp, []).append(cid)
    conn.close()
    part, other_rps = by_rp["participation"], [rp for rp in by_rp if rp != "participation"]
    assert len(part) >= 4 and other_rps
    other = by_rp[other_rps[0]][0]
    votes = [
        ("al", part[0], A),
        ("al", part[1], A),
        ("al", part[2], R),
        ("al", part[3], R),
        ("bo", part[0], A),
        ("bo", part[1], R),
        ("bo", part[2], R),
        ("bo", part[3], R),
        ("al", other, A),
        ("bo", other, R),
        ("bo", part[4] if len(part) > 4 else other, "skip"),
    ]
    people = decide_all(reviewer, votes)
    # al takes back the vote on `other`: it no longer counts
    assert people["al"].post("/api/undo", json={}).json()["candidate_id"] == other
    rows = people["al"].get("/api/agreement").json()["rows"]
    got = {r["reference_point_id"]: r for r in rows}
    assert set(got) == {"participation", "(all)"}
    assert (got["participation"]["n"], got["participation"]["agreed"]) == (4, 3)
    assert got["participation"]["percent"] == pytest.approx(75.0)
    assert got["participation"]["kappa"] == pytest.approx(0.5)
    disagreements = people["al"].get("/api/disagreements").json()["rows"]
    assert [d["candidate_id"] for d in disagreements] == [part[1]]
    assert disagreements[0]["votes"] == [["al", "accept"], ["bo", "reject"]]
    assert cli("agreement", "--db", db_path) == 0
    out = capsys.readouterr().out
    assert "participation" in out and "75.0%" in out and "0.500" in out


def test_agreement_command_without_pairs(db_path, cli, capsys):
    assert cli("agreement", "--db", db_path) == 0
    assert "no agreement to report" in capsys.readouterr().out
    assert "No candidate" in format_agreement([])
