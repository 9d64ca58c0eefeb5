"""Blind evidence material: written without reading evaluated documents, matched like the rest,
and separable (``Framework.blind_only``) for an estimate on unseen writing."""

from __future__ import annotations

from pipeline.rules.framework import Framework, load_framework
from pipeline.scoring.rules import RuleMatcher


def _small(**blind) -> Framework:
    return Framework.model_validate({
        "framework": {"id": "t", "name": "t", "version": "1"},
        "reference_points": [{
            "id": "rp", "name": "Reporting", "definition": "reports publicly",
            "definition_examples": {"meets": ["seed definition example"]},
            "keywords": [{"phrase": "seed rp phrase"}],
            "blind": {"examples": {"meets": ["blind definition example"]},
                      "keywords": [{"phrase": "blind rp phrase", "weight": 0.5}]},
            "considerations": [{
                "id": "rp.c", "text": "publishes audits", "description": "seed description",
                "examples": {"meets": ["seed meets"], "fails": ["seed fails"]},
                "keywords": [{"phrase": "seed phrase"}],
                "blind": blind,
            }],
        }, {
            "id": "other", "name": "Other", "definition": "something else",
            "considerations": [{"id": "other.c", "text": "another consideration"}],
        }],
    })


def test_blind_material_is_matched_with_the_rest():
    framework = _small(examples={"meets": ["blind meets"], "fails": ["blind fails"]},
                       keywords=[{"phrase": "independent audit", "weight": 1.2,
                                  "polarity": "supports"}])
    rp, c = framework.by_consideration_id["rp.c"]
    assert c.all_examples.meets == ("seed meets", "blind meets")
    assert c.all_examples.fails == ("seed fails", "blind fails")
    assert [k.phrase for k in c.all_keywords] == ["seed phrase", "independent audit"]
    assert rp.all_definition_examples.meets == ("seed definition example",
                                                "blind definition example")
    hits = RuleMatcher(framework).hits("An independent audit and a seed phrase and blind rp phrase.")
    assert {(h.owner, h.label) for h in hits} == {
        ("rp.c", "independent audit"), ("rp.c", "seed phrase"), ("rp", "blind rp phrase")}
    assert next(h for h in hits if h.label == "independent audit").polarity == "supports"


def test_blind_only_keeps_the_framework_text_and_the_blind_blocks():
    framework = _small(examples={"meets": ["blind meets"]},
                       keywords=[{"phrase": "independent audit"}])
    blind = framework.blind_only()
    rp, c = blind.by_consideration_id["rp.c"]
    assert (c.text, rp.definition) == ("publishes audits", "reports publicly")
    assert c.description == "" and c.examples.meets == () and c.keywords == ()
    assert rp.definition_examples.meets == () and rp.keywords == ()
    assert c.all_examples.meets == ("blind meets",)
    assert [k.phrase for k in c.all_keywords] == ["independent audit"]
    assert rp.all_definition_examples.meets == ("blind definition example",)
    assert blind.fingerprint() != framework.fingerprint()


def test_unknown_keys_in_a_blind_block_are_rejected():
    import pytest

    with pytest.raises(ValueError, match="examplez"):
        _small(examplez={"meets": ["x"]})


def test_packaged_framework_has_blind_material_for_every_consideration():
    framework = load_framework()
    for _, c in framework.considerations:
        assert len(c.blind.examples.meets) >= 8 and len(c.blind.examples.fails) >= 6, c.id
    for rp in framework.reference_points:
        assert rp.blind.examples.meets and rp.blind.examples.fails, rp.id
    keywords = [k for _, c in framework.considerations for k in c.blind.keywords]
    assert len(keywords) >= 27 * 10 and any(k.polarity for k in keywords)
