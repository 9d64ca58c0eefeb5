"""Attribute: mentions, case rules, guarded acronyms, carry-over, manifest default, GENERAL."""

from __future__ import annotations

import pytest

from pipeline.attribution import MsiAttributor
from pipeline.records import GENERAL, Document, Page, Passage
from pipeline.rules.registry import load_registry
from pipeline.segment import segment_document


@pytest.fixture(scope="module")
def attributor() -> MsiAttributor:
    return MsiAttributor(load_registry())


def _passages(*blocks: str) -> list[Passage]:
    doc = Document("a" * 64, "mem.txt", "text", "t", (Page(1, "\n\n".join(blocks)),))
    return segment_document(doc)


def _msis(passage: Passage) -> list[tuple[str, str]]:
    return [(a.msi_id, a.reason) for a in passage.msis]


def test_full_name_and_alias_are_mentions(attributor):
    [p] = attributor.attribute(_passages(
        "The Extractive Industries Transparency Initiative and the bangladesh accord both publish "
        "reports on their members."))
    assert _msis(p) == [("EITI", "mention"), ("BANGLADESH_ACCORD", "mention")]
    surfaces = [(m.msi_id, m.surface) for m in p.mentions]
    assert surfaces == [("EITI", "Extractive Industries Transparency Initiative"),
                        ("BANGLADESH_ACCORD", "bangladesh accord")]
    for m in p.mentions:
        assert p.text[m.start:m.end] == m.surface


def test_acronyms_are_case_sensitive(attributor):
    upper, lower = attributor.attribute(_passages(
        "Civil society groups left the EITI board in protest last year.",
        "The eiti of this sentence is only a word and the fla is another one."))
    assert _msis(upper) == [("EITI", "mention")]
    assert lower.mentions == ()
    # The second passage has no mention of its own: it carries the first one's MSI.
    assert _msis(lower) == [("EITI", "carried")]


def test_guarded_acronym_counts_only_after_the_full_name(attributor):
    before = attributor.attribute(_passages(
        "The KP was criticised by observers for a narrow definition of its scope."))
    assert before[0].mentions == ()
    assert _msis(before[0]) == [(GENERAL, "general")]

    after = attributor.attribute(_passages(
        "The Kimberley Process was founded in 2003 to stop the trade in conflict diamonds.",
        "Fifteen years later the KP was criticised by observers for its narrow definition."))
    assert [(m.msi_id, m.surface) for m in after[1].mentions] == [("KPCS", "KP")]
    assert _msis(after[1]) == [("KPCS", "mention")]


def test_msi_named_in_heading_is_carried_to_its_section(attributor):
    passages = attributor.attribute(_passages(
        "The Fair Labor Association",
        "Its audits were announced in advance, so factories could prepare for the visit.",
        "Evaluation of remedy",
        "Nobody received compensation after complaints were filed by the workers."))
    heading, body, other_heading, other_body = passages
    assert heading.kind == "heading" and _msis(heading) == [("FLA", "mention")]
    assert body.mentions == ()
    assert _msis(body) == [("FLA", "carried")]
    assert body.msis[0].confidence < heading.msis[0].confidence
    # A new section without an MSI in its heading does not inherit the old section's focus: it
    # falls back, less sure, to the document's main MSI (the title names the FLA).
    assert _msis(other_body) == [("FLA", "document")]
    assert other_body.msis[0].confidence < body.msis[0].confidence


def test_manifest_default_then_general(attributor):
    passages = _passages("Recruitment agencies in three provinces were trained on ethical recruitment.")
    [with_default] = attributor.attribute(passages, default_msi="CREST")
    [without] = attributor.attribute(passages)
    assert _msis(with_default) == [("CREST", "manifest")]
    assert _msis(without) == [(GENERAL, "general")]
    # A mention wins over the manifest default.
    [named] = attributor.attribute(_passages("Suppliers joined the Fair Food Program in 2011."),
                                   default_msi="CREST")
    assert _msis(named) == [("FAIR_FOOD_PROGRAM", "mention")]
