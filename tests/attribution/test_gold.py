"""The attribution gold file is well formed, and dev accuracy stays at the issue's target."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.evaluate.attribution import (
    GoldRow,
    Outcome,
    Score,
    attribute_corpus,
    evaluate,
    load_gold,
)
from pipeline.records import GENERAL

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpus" / "gold" / "msi_attribution.csv"


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD)


def test_gold_rows_quote_the_corpus_verbatim(gold, registry):
    assert len(gold) >= 60
    files = Counter(r.file for r in gold)
    assert len(files) == 2 and min(files.values()) >= 15
    assert sum(r.msi == GENERAL for r in gold) >= 15
    for row in gold:
        text = (REPO / "corpus" / row.file).read_text(encoding="utf-8")
        assert row.quote in text, row.quote[:60]
        registry.check_msi(row.msi)
    assert len({(r.file, r.quote, r.msi) for r in gold}) == len(gold)


def test_holdout_is_about_a_third_and_stable(gold):
    held = [r for r in gold if r.split == "holdout"]
    assert 0.2 <= len(held) / len(gold) <= 0.45
    assert GoldRow("f.txt", "Same quote.", "X").split == GoldRow("f.txt", "Same quote.", "Y").split


def test_score_counts_single_multi_and_strict():
    rows = [GoldRow("f", "a", "A"), GoldRow("f", "b", "B"), GoldRow("f", "c", GENERAL)]
    score = Score([Outcome(rows[0], ("A",), ("mention",)),
                   Outcome(rows[1], ("A", "B"), ("mention", "carried")),
                   Outcome(rows[2], ("A",), ("carried",))])
    assert score.accuracy() == (2, 3)
    assert score.single() == (1, 2) and score.multi() == (1, 1)
    assert score.strict() == (1, 3)
    assert score.general_confusion() == {("specific", "specific"): 2, (GENERAL, "specific"): 1}
    assert score.confusions() == [((GENERAL, "A"), 1)]


def test_dev_accuracy_meets_the_target(gold):
    dev = [r for r in gold if r.split == "dev"]
    attributed = attribute_corpus(REPO / "corpus", {r.file for r in dev})
    score, problems = evaluate(dev, attributed)
    assert problems == []
    correct, total = score.accuracy()
    assert total == len(dev) and correct / total >= 0.9
