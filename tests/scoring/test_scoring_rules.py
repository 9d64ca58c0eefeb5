"""Keyword/pattern rules fire from the YAML, and the schema keeps rejecting unknown keys."""

from __future__ import annotations

import pytest

from pipeline.errors import RulesError
from pipeline.rules.framework import Framework, load_framework
from pipeline.rules.schema import validate
from pipeline.scoring.rules import RuleMatcher, saturate, total_by_owner


def _framework(**rp_extra) -> Framework:
    data = {
        "framework": {"id": "t", "name": "T", "version": "1"},
        "reference_points": [{
            "id": "rp", "name": "RP", "definition": "A definition.",
            "keywords": [{"phrase": "ILO conventions", "weight": 2.0}],
            "considerations": [{
                "id": "rp.c", "text": "Consideration",
                "keywords": [
                    {"phrase": "complaint hotline", "weight": 1.5, "polarity": "supports"},
                    {"pattern": [{"LOWER": {"IN": ["not", "never"]}}, {"LOWER": "binding"}],
                     "weight": 1.0, "polarity": "undermines"},
                ]}],
            **rp_extra,
        }],
    }
    return validate(Framework, data, "test")


def test_phrase_and_pattern_rules_fire_case_insensitively():
    matcher = RuleMatcher(_framework())
    text = "Workers can use the Complaint Hotline, but the outcome is not binding under ILO Conventions."
    hits = matcher.hits(text)
    labels = {(h.owner, h.label) for h in hits}
    assert ("rp.c", "complaint hotline") in labels
    assert ("rp", "ILO conventions") in labels
    assert any(h.owner == "rp.c" and h.polarity == "undermines" for h in hits)
    for h in hits:
        assert text[h.start:h.end].lower() in ("complaint hotline", "not binding", "ilo conventions")


def test_no_rule_fires_on_unrelated_text():
    assert RuleMatcher(_framework()).hits("The weather was pleasant all week.") == []


def test_weights_count_each_rule_once_and_saturate():
    matcher = RuleMatcher(_framework())
    hits = matcher.hits("complaint hotline; another complaint hotline; ILO conventions")
    totals = total_by_owner(hits)
    assert totals == {"rp.c": 1.5, "rp": 2.0}
    assert saturate(0) == 0.0
    assert 0 < saturate(1.5) < saturate(3.0) < 1.0


def test_every_consideration_of_the_packaged_framework_has_evidence_rules():
    framework = load_framework()
    assert len(framework.considerations) == 27
    for _rp, c in framework.considerations:
        assert c.description, c.id
        assert c.examples.meets and c.examples.fails, c.id
        assert len(c.keywords) >= 3, c.id
    assert framework.matching.calibration is not None
    RuleMatcher(framework)  # every pattern compiles


def test_unknown_keys_are_still_rejected():
    with pytest.raises(RulesError) as err:
        _framework(keyword=[{"phrase": "x"}])
    assert "keyword" in str(err.value) and "unknown key" in str(err.value)


def test_calibration_rejects_unknown_features():
    data = load_framework().model_dump()
    data["matching"]["calibration"]["weights"]["bogus_feature"] = 1.0
    with pytest.raises(RulesError) as err:
        validate(Framework, data, "test")
    assert "bogus_feature" in str(err.value)
