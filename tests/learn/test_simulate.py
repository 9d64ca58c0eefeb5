"""Active ordering and ``msi-evidence simulate``: the metrics by hand, the ranker learning from
decisions, and the command on a real hashing store with a gold CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from pipeline.learn.active import ActiveRanker, Card
from pipeline.learn.simulate import Curve, active_order, replay
from tests.conftest import run_hashing_store
from tests.learn.conftest import EVIDENCE, write_tiny_corpus


def test_curve_figures_by_hand():
    # 10 cards, evidence at positions 0, 3, 4, 9 of the order
    relevant = np.array([1, 0, 0, 1, 1, 0, 0, 0, 0, 1], dtype=bool)
    curve = replay(np.arange(10), relevant, "given", None)
    assert curve.total == 4
    assert curve.recall_after(0.10) == 0.25  # first card
    assert curve.recall_after(0.50) == 0.75  # five cards: 0, 3, 4
    assert curve.cards_for(0.80) == 10  # ceil(3.2) = 4 evidence cards: all ten
    assert curve.cards_for(0.50) == 4
    assert abs(curve.wss(0.95) - ((10 - 10) / 10 - 0.05)) < 1e-12
    front = replay(np.array([0, 3, 4, 9, 1, 2, 5, 6, 7, 8]), relevant, "best", None)
    assert front.cards_for(0.95) == 4
    assert abs(front.wss() - (0.6 - 0.05)) < 1e-12
    assert Curve("empty", None, np.zeros(3)).wss() is None


def _cards(n: int = 200, seed: int = 0) -> tuple[list[Card], np.ndarray]:
    """Cards whose first-run score says nothing; evidence is the ones about audits."""
    rng = np.random.default_rng(seed)
    topics = ["the audit missed forced labour on certified farms",
              "the audit found unpaid wages at member factories",
              "the conference dinner was held in a large hall",
              "the weather was warm and the roads were busy",
              "a photo of the harbour at dawn", "subscribe to our newsletter today"]
    cards, relevant = [], []
    for i in range(n):
        k = int(rng.integers(len(topics)))
        cards.append(Card(f"c{i}", f"{topics[k]} ({i})", "reporting_validation",
                          float(rng.uniform(0.2, 0.8))))
        relevant.append(k < 2)
    return cards, np.array(relevant)


def test_active_ranker_falls_back_to_the_first_run_then_learns():
    cards, relevant = _cards()
    ranker = ActiveRanker(cards)
    first = ranker.order(np.array([], dtype=int), np.array([], dtype=bool))
    assert first.tolist() == sorted(range(len(cards)), key=lambda i: -cards[i].score)
    decided = np.arange(20)
    after = ranker.order(decided, relevant[decided])
    assert set(after.tolist()) == set(range(20, len(cards)))
    top = after[: int(relevant[20:].sum())]
    assert relevant[top].mean() > 0.9  # it learnt that audits are the evidence


def test_decisions_in_a_document_move_its_other_cards():
    """Same wording and first-run score everywhere: only what was decided in a card's document
    and passage can tell its cards apart."""
    cards = [Card(f"{doc}{i}", "the scheme reported its progress", "transformation", 0.5,
                  doc, f"{doc}-p{i // 2}") for doc in ("a", "b", "c") for i in range(8)]
    index = {c.key: k for k, c in enumerate(cards)}
    decided = np.array([index[k] for k in ("a0", "a1", "a2", "b0", "b1", "b2")])
    accepted = np.array([False, False, False, True, True, True])
    p = ActiveRanker(cards).scores(decided, accepted)
    # a passage-mate of an accepted card > rest of the accepting document > the undecided
    # document > rest of the rejecting document > a passage-mate of a rejected card
    assert p[index["b3"]] > p[index["b5"]] > p[index["c0"]] > p[index["a5"]] > p[index["a3"]]
    order = ActiveRanker(cards).order(decided, accepted)
    assert [cards[k].key[0] for k in order[:5]] == ["b"] * 5
    assert [cards[k].key[0] for k in order[-5:]] == ["a"] * 5


def test_a_documents_decisions_on_a_reference_point_move_its_cards_of_that_point():
    """Two documents with the opposite habit (a accepts reporting and rejects participation, b
    the reverse), every card in a passage of its own, with the same wording and score: the
    reference point alone, the document alone and the passage alone say nothing."""
    rps = ("reporting_validation", "participation")
    cards = [Card(f"{doc}{rp[0]}{i}", "the scheme reported its progress", rp, 0.5, doc,
                  f"{doc}{rp[0]}{i}") for doc in ("a", "b") for rp in rps for i in range(4)]
    index = {c.key: k for k, c in enumerate(cards)}
    decided = [index[f"{doc}{rp[0]}{i}"] for doc in ("a", "b") for rp in rps for i in range(3)]
    accepted = [(doc == "a") == (rp == rps[0]) for doc in ("a", "b") for rp in rps
                for _ in range(3)]
    p = ActiveRanker(cards).scores(np.array(decided), np.array(accepted))
    assert p[index["ar3"]] > p[index["ap3"]]
    assert p[index["bp3"]] > p[index["br3"]]


def test_words_count_for_the_reference_point_they_were_accepted_on():
    """Scope statements accepted on commodity focus and rejected on participation, audit
    statements the reverse; every card in a document of its own, all with one score: the words
    alone and the reference point alone say nothing, the pair does."""
    rps = ("commodity_focus", "participation")
    quotes = {"scope": "the scheme covers palm oil growers", "audit": "auditors visited the mills"}
    cards = [Card(f"{rp}-{kind}-{i}", quotes[kind], rp, 0.5, f"{rp}-{kind}-{i}",
                  f"{rp}-{kind}-{i}") for rp in rps for kind in quotes for i in range(5)]
    index = {c.key: k for k, c in enumerate(cards)}
    decided = [index[f"{rp}-{kind}-{i}"] for rp in rps for kind in quotes for i in range(4)]
    accepted = [(rp == rps[0]) == (kind == "scope") for rp in rps for kind in quotes
                for _ in range(4)]
    p = ActiveRanker(cards).scores(np.array(decided), np.array(accepted))
    assert p[index["commodity_focus-scope-4"]] > p[index["commodity_focus-audit-4"]] + 0.1
    assert p[index["participation-audit-4"]] > p[index["participation-scope-4"]] + 0.1


def test_active_order_finds_the_evidence_before_random_reading():
    cards, relevant = _cards()
    ranker = ActiveRanker(cards)
    shuffled = np.random.default_rng(1).permutation(len(cards))
    active = replay(active_order(ranker, relevant, 10, shuffled), relevant, "active", 1)
    random = replay(shuffled, relevant, "random", 1)
    assert sorted(active_order(ranker, relevant, 10, shuffled).tolist()) == list(range(200))
    assert active.cards_for(0.95) < random.cards_for(0.95)
    assert active.wss() > 0.3


def test_simulate_command_on_a_store(tmp_path: Path, cli, capsys):
    corpus = tmp_path / "reports"
    names = write_tiny_corpus(corpus)
    db = run_hashing_store(corpus, tmp_path / "store.sqlite")
    gold = tmp_path / "gold.csv"
    with gold.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "quote", "msi", "reference_point"])
        for name in names:
            text = (corpus / name).read_text(encoding="utf-8")
            for sentence in EVIDENCE:
                if sentence in text:
                    for rp in ("reporting_validation", "participation", "high_standards",
                               "tip_risk_awareness"):
                        writer.writerow([name, sentence, "GENERAL", rp])
    capsys.readouterr()
    code = cli("simulate", "--db", db, "--gold", gold, "--seeds", "3", "--batch", "2",
               "--plot", tmp_path / "curves.png", "--json", tmp_path / "sim.json")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| first-run score | 1 |" in out and "| random | 3 |" in out and "| active | 3 |" in out
    figures = json.loads((tmp_path / "sim.json").read_text())
    assert 0 < figures["evidence"] <= figures["cards"]
    for curve in figures["curves"]:
        assert curve["found"][-1] == figures["evidence"]
        assert len(curve["found"]) == figures["cards"]
    assert (tmp_path / "curves.png").stat().st_size > 1000
