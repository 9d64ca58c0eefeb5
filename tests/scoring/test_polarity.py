"""Polarity from failure/negation cues, contrast markers, rule polarity and the examples."""

from __future__ import annotations

import pytest

from pipeline.rules.framework import PolaritySettings
from pipeline.scoring.polarity import classify, clause_weights, cue_score
from pipeline.scoring.rules import RuleHit

PLAIN = PolaritySettings(margin=0.3, bias=0.0, example_weight=0.0)


@pytest.mark.parametrize("sentence, label", [
    ("Civil society and industry are sidelined and simply observers.", "undermines"),
    ("The initiative has never accepted reforms.", "undermines"),
    ("Workers lack effective means to report violations.", "undermines"),
    ("The project successfully integrated gender considerations and achieved its targets.",
     "supports"),
    ("The Accord has made factories safer and provides a credible avenue to remedy.", "supports"),
    ("The standard was adopted in 2010 by the members.", "neutral"),
    ("The scheme covers forced labour, trafficking and child labour in fishing.", "neutral"),
    ("The secretariat failed to ensure independent audits of member companies.", "undermines"),
    ("Board seats are token and the grievance channel is opaque.", "undermines"),
    ("Compliance is independently verified and members who breach the code are suspended.",
     "supports"),
])
def test_cues_decide_the_label(sentence, label):
    assert classify(sentence, [], None, None, PLAIN).label == label


def test_negated_success_cue_counts_as_failure():
    assert cue_score("The mechanism is effective.")[0] > 0
    assert cue_score("The mechanism is not effective.")[0] < 0
    # A failure word also negates the success cue after it.
    score, cues = cue_score("Workers lack effective means.")
    assert score < -1.0 and "-not effective" in cues and "+effective" not in cues


def test_clause_after_contrast_carries_the_weight():
    assert [w for _, w in clause_weights("Although the merits are real, there is no impact.")] == [
        0.4, 1.0]
    mixed_then_bad = "The programme achieved some results, but it failed the most vulnerable."
    mixed_then_good = "The programme failed at first, but it achieved strong results."
    assert classify(mixed_then_bad, [], None, None, PLAIN).label == "undermines"
    assert classify(mixed_then_good, [], None, None, PLAIN).label == "supports"


def test_rule_polarity_and_examples_move_the_score():
    hit = RuleHit("c", "not binding", 2.0, "undermines", 0, 11)
    base = classify("The outcome is final.", [], None, None, PLAIN)
    with_rule = classify("The outcome is final.", [hit], None, None, PLAIN)
    assert with_rule.score < base.score and with_rule.label == "undermines"
    leaning = PolaritySettings(margin=0.3, bias=0.0, example_weight=4.0)
    assert classify("The outcome is final.", [], 0.7, 0.3, leaning).label == "supports"
    assert classify("The outcome is final.", [], 0.3, 0.7, leaning).label == "undermines"


def test_passage_context_decides_a_quote_without_cues():
    quote = "Diamonds from these fields are certified for export."
    context = ("Instead, the scheme classifies the abuses as outside its scope.",
               "Monitors were never allowed into the fields.")
    assert classify(quote, [], None, None, PLAIN).label == "neutral"
    with_context = PolaritySettings(margin=0.3, bias=0.0, example_weight=0.0, context_weight=0.6)
    result = classify(quote, [], None, None, with_context, context)
    assert result.label == "undermines" and any(c.startswith("context -") for c in result.cues)
    # Without weight the context is ignored; with weight, supportive context lifts the score.
    assert classify(quote, [], None, None, PLAIN, context).label == "neutral"
    praise = ("The audits were independently verified and effective.",)
    assert classify(quote, [], None, None, with_context, praise).label == "supports"
    # The quote's own verdict still outweighs the mean of mild context.
    failing = "The certification failed and never checked the fields."
    assert classify(failing, [], None, None, with_context, praise).label == "undermines"
