"""The typed explanation reads what any store holds and writes back the same JSON."""

from __future__ import annotations

import json

from pipeline.explanation import Alternative, Explanation

LEARNED = {
    "summary": "Reads as evidence on Governance.", "quote": "The board met.",
    "consideration_id": "gov.board", "model_version": "m1", "matched_text": "Board meetings",
    "matched_kind": "example", "matched_similarity": 0.61, "evidence_probability": 0.7,
    "reference_point_probability": 0.8, "evidence_words": ["board"], "polarity_words": [],
    "polarity_probabilities": {"neutral": 0.5, "supports": 0.3, "undermines": 0.2},
    "alternatives": [{"reference_point_id": "rp2", "consideration_id": "rp2.a", "score": 0.3}],
    "msi_reason": "named", "msi_confidence": 1.0,
}
HAND_TUNED = {
    "quote": "The board met.", "consideration_id": "gov.board", "matched_text": "Board",
    "matched_kind": "consideration", "matched_similarity": 0.5, "rules": ["board"],
    "components": {"dense": 0.4, "rules": 1}, "contributions": {"dense": 1.2},
    "consideration_scores": {"gov.board": 0.6}, "polarity_score": 0.0, "polarity_cues": [],
    "nonevidence": [], "passage_similarity": 0.4, "sentence_similarity": 0.5,
    "alternatives": [], "msi_reason": "section", "msi_confidence": 0.5,
}


def test_both_scorers_explanations_round_trip_to_the_same_json():
    for stored in (LEARNED, HAND_TUNED):
        text = json.dumps(stored, sort_keys=True)
        parsed = Explanation.from_json(text)
        assert parsed.to_json() == text
        assert not parsed.extra
    assert Explanation.from_json(json.dumps(LEARNED)).offered() == (
        Alternative("rp2", "rp2.a", 0.3),)


def test_unknown_and_malformed_values_are_kept_not_used():
    stored = {"summary": 5, "why": "older key", "alternatives": [
        {"reference_point_id": "rp1"}, {"x": 1}, {"reference_point_id": "rp2",
                                                  "consideration_id": "rp2.a"}]}
    parsed = Explanation.from_json(json.dumps(stored))
    assert parsed.summary is None and parsed.extra == {"summary": 5, "why": "older key"}
    assert [a.reference_point_id for a in parsed.offered(with_consideration=False)] == [
        "rp1", "rp2"]
    assert [a.reference_point_id for a in parsed.offered()] == ["rp2"]
    for text in (None, ""):
        assert Explanation.from_json(text) == Explanation()
    for text in ("not json", "[1, 2]"):
        assert Explanation.from_json(text).to_dict() == {"raw": text}


def test_an_msi_copy_and_the_json_form_by_key():
    e = Explanation(quote="q", rules=("a",)).with_msi("named", 0.9)
    assert e["rules"] == ["a"] and e["msi_reason"] == "named"
    assert "summary" not in e.to_dict()
