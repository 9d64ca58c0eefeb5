"""The evaluation harness on a hand-made store with known answers, and ``msi-evidence eval``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.evaluate.metrics import GoldError, evaluate_store, load_gold, normalise
from pipeline.records import Candidate, DocStatus, Document, DocumentResult, Page, Passage
from pipeline.rules.framework import load_framework
from pipeline.store import Store

P0 = "The KPCS sidelines civil society. Decisions are made by governments only."
P1 = "The EITI publishes reports every year. An inde-\npendent validator checks them."
P2 = "by Jane Doe, Coordinator"
PAGE = f"{P0}\n\n{P1}\n\n{P2}"


def _passage(seq: int, text: str) -> Passage:
    start = PAGE.index(text)
    return Passage(f"p{seq}", "doc", seq, 1, start, start + len(text), text)


def _candidate(name, passage, rp, cons, msi, polarity, score, quote=None) -> Candidate:
    """A candidate quoting ``quote`` (a sentence of the passage; default: the whole passage)."""
    quote = quote or passage.text
    start = passage.char_start + passage.text.index(quote)
    return Candidate(name, passage.passage_id, "doc", msi, rp, cons, score,
                     quote, start, start + len(quote), polarity)


@pytest.fixture
def tiny(tmp_path: Path):
    """A store holding one document 'a.txt' with three passages and three candidates, and a
    gold CSV with four rows (two tune, two held out)."""
    passages = [_passage(0, P0), _passage(1, P1), _passage(2, P2)]
    candidates = [
        _candidate("c1", passages[0], "participation", "participation.civil_society", "KPCS",
                   "undermines", 0.9, quote="Decisions are made by governments only."),
        _candidate("c2", passages[0], "transformation", "transformation.evolving_approach",
                   "KPCS", "supports", 0.4),
        _candidate("c3", passages[1], "reporting_validation",
                   "reporting_validation.validation_system", "GENERAL", "supports", 0.8),
    ]
    doc = Document("doc", str(tmp_path / "a.txt"), "text", "A", (Page(1, PAGE),))
    result = DocumentResult(doc.path, "doc", DocStatus.OK, document=doc,
                            passages=tuple(passages), candidates=tuple(candidates))
    db = tmp_path / "tiny.sqlite"
    framework = load_framework()
    with Store(db) as store:
        run = store.start_run(framework.id, framework.version, "m", "f", {})
        store.write_result(result, run_id=run, fingerprint="f", size_bytes=1,
                           framework=framework, model="m")
    gold = tmp_path / "gold.csv"
    rows = [
        ("a.txt", "Decisions are made by governments only.", "KPCS", "participation",
         "undermines", "tune"),
        ("a.txt", "The KPCS sidelines civil society.", "KPCS", "participation", "supports", "tune"),
        ("a.txt", "An independent validator checks them.", "EITI", "reporting_validation",
         "supports", "heldout"),
        ("a.txt", "by Jane Doe", "GENERAL", "high_standards", "", "heldout"),
        ("other.txt", "Not in the store.", "KPCS", "participation", "", "tune"),
    ]
    with gold.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "quote", "msi", "reference_point", "polarity", "split"])
        writer.writerows(rows)
    return db, gold


def test_normalise_joins_line_break_hyphens_and_whitespace():
    assert normalise("an inde-\n  pendent   validator\n") == "an independent validator"


def test_metrics_on_a_tiny_store_match_the_hand_computed_answers(tiny):
    db, gold = tiny
    report = evaluate_store(db, gold)
    overall = report.overall["all"]
    assert (overall.gold, overall.matched, overall.matched_msi) == (5, 3, 2)
    assert overall.recall == 0.6 and overall.msi_recall == 0.4
    # c1 quotes the first gold sentence but not the second of its passage; c3 quotes its
    # whole (one-passage) text, which holds the third.
    assert overall.matched_quote == 2 and overall.quote_recall == 0.4
    assert (overall.candidates, overall.correct_candidates) == (3, 2)
    assert overall.precision == pytest.approx(2 / 3, abs=1e-4)
    assert overall.f1 == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3), abs=1e-3)
    assert (overall.polarity_rows, overall.polarity_correct) == (3, 2)
    words = len(P0.split()) + len(P1.split()) + len(P2.split())
    assert overall.words == words
    assert overall.per_1000_words == pytest.approx(3000 / words, abs=0.01)

    tune, held = report.overall["tune"], report.overall["heldout"]
    assert (tune.gold, tune.matched, tune.candidates, tune.correct_candidates) == (3, 2, 2, 1)
    assert (held.gold, held.matched, held.candidates, held.correct_candidates) == (2, 1, 1, 1)
    assert tune.words == len(P0.split())
    assert held.words == len(P1.split()) + len(P2.split())

    rp = report.by_reference_point
    assert rp["participation"]["all"].recall == pytest.approx(2 / 3, abs=1e-4)
    assert rp["transformation"]["all"].precision == 0.0
    assert rp["high_standards"]["all"].recall == 0.0

    low, high = report.intervals["all"]["recall"]
    assert 0.0 <= low <= 0.6 <= high <= 1.0 and low < high
    low, high = report.intervals["all"]["precision"]
    assert low <= 2 / 3 <= high


def test_cli_eval_prints_a_table_and_writes_json(tiny, tmp_path, cli, capsys):
    db, gold = tiny
    out = tmp_path / "eval.json"
    assert cli("eval", "--db", db, "--gold", gold, "--json", out) == 0
    printed = capsys.readouterr().out
    assert "OVERALL" in printed and "[heldout]" in printed and "participation" in printed
    assert "95% interval (passage bootstrap): recall" in printed and "quo-R" in printed
    data = json.loads(out.read_text())
    assert data["overall"]["all"]["recall"] == 0.6
    assert data["overall"]["all"]["quote_recall"] == 0.4
    low, high = data["intervals"]["heldout"]["recall"]
    assert low <= data["overall"]["heldout"]["recall"] <= high
    assert set(data["by_reference_point"]) >= {"participation", "reporting_validation"}


def test_bad_gold_files_give_clear_errors(tmp_path, cli, capsys, tiny):
    db, _ = tiny
    bad = tmp_path / "bad.csv"
    bad.write_text("file,quote,msi\na.txt,x,KPCS\n", encoding="utf-8")
    with pytest.raises(GoldError, match="missing column"):
        load_gold(bad)
    bad.write_text("file,quote,msi,reference_point,polarity\na.txt,x,KPCS,participation,maybe\n",
                   encoding="utf-8")
    with pytest.raises(GoldError, match="polarity must be one of"):
        load_gold(bad)
    assert cli("eval", "--db", db, "--gold", tmp_path / "missing.csv") == 2
    assert "no gold file" in capsys.readouterr().err


def test_packaged_gold_set_is_valid_and_balanced():
    gold = load_gold(Path(__file__).resolve().parents[2] / "corpus" / "gold" / "evidence_gold.csv")
    assert len(gold) >= 100
    assert len({g.reference_point for g in gold}) == 7
    assert {g.polarity for g in gold} >= {"supports", "undermines"}
    held = sum(g.split == "heldout" for g in gold)
    assert 0.25 <= held / len(gold) <= 0.4
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    for g in gold:
        assert normalise(g.quote) in normalise((corpus / g.file).read_text(encoding="utf-8"))


def test_bootstrap_intervals_draw_whole_passages():
    from pipeline.evaluate.intervals import PassageTally, bootstrap_intervals

    def tally(gold, matched, cands, correct):
        return PassageTally(gold, matched, cands, correct)

    assert bootstrap_intervals([tally(2, 2, 3, 3)] * 10)["recall"] == (1.0, 1.0)
    assert bootstrap_intervals([]) == {"recall": None, "precision": None, "f1": None}
    assert bootstrap_intervals([tally(0, 0, 2, 1)])["recall"] is None
    # The same 20 matched / 20 missed gold rows: spread over 40 passages the interval is narrower
    # than when each passage holds ten rows that stand or fall together.
    spread = bootstrap_intervals([tally(1, k % 2, 1, k % 2) for k in range(40)])["recall"]
    lumped = bootstrap_intervals([tally(10, 10 * (k % 2), 1, k % 2) for k in range(4)])["recall"]
    assert spread[0] < 0.5 < spread[1] and lumped[0] <= spread[0] and lumped[1] >= spread[1]
    assert (spread[1] - spread[0]) < (lumped[1] - lumped[0])
    # Reproducible: a fixed seed.
    assert bootstrap_intervals([tally(1, k % 3 == 0, 1, 1) for k in range(30)]) == \
        bootstrap_intervals([tally(1, k % 3 == 0, 1, 1) for k in range(30)])


def test_second_annotation_covers_every_tune_quote_with_valid_labels():
    """corpus/gold/evidence_gold_second_annotation.csv (read by research/gold_agreement.py)
    re-labels each distinct tune quote once, with framework ids, and no held-out quote."""
    root = Path(__file__).resolve().parents[2]
    gold = load_gold(root / "corpus" / "gold" / "evidence_gold.csv")
    with (root / "corpus" / "gold" / "evidence_gold_second_annotation.csv").open(
            encoding="utf-8", newline="") as fh:
        second = list(csv.DictReader(fh))
    framework = load_framework()
    rps = {rp.id for rp in framework.reference_points}
    considerations = {c.id for _, c in framework.considerations}
    keys = [(r["file"], r["quote"]) for r in second]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(g.file, g.quote) for g in gold if g.split == "tune"}
    for r in second:
        assert r["primary"] in rps and r["secondary"] in rps | {""}
        assert r["secondary"] != r["primary"]
        assert r["consideration"] in considerations | {""}
        assert r["polarity"] in ("supports", "undermines", "neutral")


def test_agreement_measures_on_a_hand_made_example():
    from pipeline.evaluate.metrics import GoldRow
    from research.gold_agreement import agreement

    gold = [GoldRow("a", "q1", "X", "participation", polarity="supports"),
            GoldRow("a", "q1", "X", "transformation", polarity="neutral"),
            GoldRow("a", "q2", "X", "high_standards", polarity="undermines")]
    labels = {("a", "q1"): ["transformation", "participation"], ("a", "q2"): ["participation"]}
    polarity = {("a", "q1"): "neutral", ("a", "q2"): "undermines"}
    out = agreement(gold, labels, polarity)
    assert out["row recall"] == pytest.approx(2 / 3)
    assert out["label precision"] == pytest.approx(2 / 3)
    assert out["primary agreement"] == 0.5
    assert out["labels per quote"] == 1.5
    assert out["polarity agreement"] == 1.0  # only q1's transformation row has primary == gold
    assert out["  high_standards"] == 0.0 and out["  participation"] == 1.0


def test_interval_units_follow_each_rows_own_split():
    """A passage holding a tune and a held-out row (its split is the first one's): each row is
    bootstrapped in its own split, as it is counted, and its passage's candidates in the
    passage's split."""
    from pipeline.evaluate.metrics import EvalCandidate, EvalPassage, GoldRow, evaluate

    passages = [EvalPassage("a", "f", 0, "Tune sentence one. Held sentence two."),
                EvalPassage("b", "f", 1, "Held sentence three.")]
    gold = [GoldRow("f", "Tune sentence one.", "X", "participation", split="tune"),
            GoldRow("f", "Held sentence two.", "X", "participation", split="heldout"),
            GoldRow("f", "Held sentence three.", "X", "participation", split="heldout")]
    report = evaluate([EvalCandidate("a", "participation", "X")], passages, gold, draws=400)
    held, tune = report.overall["heldout"], report.overall["tune"]
    assert (held.gold, held.matched, held.recall) == (2, 1, 0.5)
    assert (tune.gold, tune.matched, tune.candidates) == (1, 1, 1)
    low, high = report.intervals["heldout"]["recall"]
    assert low == 0.0 and high == 1.0  # units: a (1 of 1 matched) and b (0 of 1)
    assert report.intervals["heldout"]["precision"] is None  # the candidate counts in tune
    assert report.intervals["tune"]["recall"] == (1.0, 1.0)
    assert report.intervals["all"]["recall"][0] < 2 / 3 < report.intervals["all"]["recall"][1]


def test_bootstrap_units_per_split():
    from pipeline.evaluate.intervals import BootstrapUnits, PassageTally

    units = BootstrapUnits()
    units.add_passage("p", {"all", "tune"})
    units.add_candidate("p", {"all", "tune"}, correct=True)
    units.add_gold("p", {"all", "heldout"}, matched=False)
    units.add_gold(None, {"all", "tune"}, matched=True)
    assert units.of("tune") == [PassageTally(0, 0, 1, 1), PassageTally(1, 1, 0, 0)]
    assert units.of("heldout") == [PassageTally(1, 0, 0, 0)]
    assert units.of("all") == [PassageTally(1, 0, 1, 1), PassageTally(1, 1, 0, 0)]


def test_offered_recall_counts_reference_points_a_candidate_offers_instead():
    from pipeline.evaluate.metrics import EvalCandidate, EvalPassage, GoldRow, evaluate

    passages = [EvalPassage("a", "f", 0, "One. Two."), EvalPassage("b", "f", 1, "Three.")]
    gold = [GoldRow("f", "One.", "X", "participation"),
            GoldRow("f", "Two.", "X", "high_standards"),
            GoldRow("f", "Three.", "X", "high_standards")]
    offering = EvalCandidate("a", "participation", "X", quote="One.",
                             alternatives=("transformation", "high_standards"))
    report = evaluate([offering], passages, gold, draws=0)
    overall = report.overall["all"]
    assert (overall.recall, overall.offered_recall) == (round(1 / 3, 4), round(2 / 3, 4))
    assert report.by_reference_point["high_standards"]["all"].offered_recall == 0.5
    plain = evaluate([EvalCandidate("a", "participation", "X", quote="One.")], passages, gold,
                     draws=0)
    assert plain.overall["all"].offered_recall is None  # candidates without alternatives


def test_offered_reference_points_read_from_stored_explanations():
    from pipeline.evaluate.metrics import offered_reference_points

    stored = '{"alternatives": [{"reference_point_id": "high_standards", "score": 0.3}, {"x": 1}]}'
    assert offered_reference_points(stored) == ("high_standards",)
    for broken in (None, "", "not json", "[1, 2]", '{"alternatives": "high_standards"}'):
        assert offered_reference_points(broken) == ()
