"""Explicit mentions: names, aliases, acronyms, exact-case names and the acronym guard."""

from __future__ import annotations


def about(passage) -> list[tuple[str, str]]:
    """(msi_id, reason) pairs of a passage, strongest first."""
    return [(a.msi_id, a.reason) for a in passage.msis]


def ids(passage) -> set[str]:
    return {a.msi_id for a in passage.msis}


def _mentions(passage):
    return [(m.msi_id, m.surface, m.kind) for m in passage.mentions]


def test_aliases_match_case_insensitively_and_the_longest_name_wins(attribute):
    [p] = attribute("Observers of the KIMBERLEY PROCESS CERTIFICATION SCHEME and of the "
                    "roundtable on sustainable palm oil were critical.")
    assert _mentions(p) == [
        ("KPCS", "KIMBERLEY PROCESS CERTIFICATION SCHEME", "name"),
        ("RSPO", "roundtable on sustainable palm oil", "name")]
    for m in p.mentions:
        assert p.text[m.start:m.end] == m.surface


def test_exact_case_names_do_not_match_ordinary_phrases(attribute):
    [plain] = attribute("Workers asked for better work and an accountability framework.")
    assert plain.mentions == ()
    [named] = attribute("Factories in Better Work reported on the Accountability Framework.")
    assert {m.msi_id for m in named.mentions} == {"BETTER_WORK", "AFI"}


def test_plain_acronyms_are_case_sensitive(attribute):
    [upper] = attribute("The RSPO suspended a grower.")
    [lower] = attribute("The rspo suspended a grower.")
    assert about(upper) == [("RSPO", "mention")]
    assert lower.mentions == ()


def test_guarded_acronym_needs_supporting_context(attribute):
    # "FSC" alone, with nothing about forests: not resolved.
    [bare] = attribute("The FSC said the new rules would apply from January.")
    assert bare.mentions == () and ids(bare) == {"GENERAL"}
    # A sector keyword in the passage supports it.
    [forest] = attribute("The FSC certified the timber concession despite the protests.")
    assert _mentions(forest) == [("FSC", "FSC", "guarded_acronym")]
    assert about(forest) == [("FSC", "mention")]


def test_guarded_acronym_resolves_after_the_full_name_in_the_same_document(attribute):
    first, second = attribute(
        "The Ethical Trading Initiative published a report on its members.",
        "Two years later the ETI said the new rules would apply from January.")
    assert about(second) == [("ETI", "mention")]
    # Without the full name first, the same sentence has no support for "ETI".
    [alone] = attribute("Two years later the ETI said the new rules would apply from January.")
    assert alone.mentions == ()


def test_guarded_acronym_context_may_come_from_the_section_heading(attribute):
    heading, body = attribute("Diamond governance in West Africa",
                              "Observers said the KP had not changed its rules in years.")
    assert heading.kind == "heading"
    assert [m.surface for m in body.mentions] == ["KP"]


def test_msis_listed_as_examples_of_msis_are_not_what_the_passage_is_about(attribute):
    [p] = attribute("Examples of MSIs include Fairtrade International and the Fair Labor "
                    "Association.")
    assert [m.kind for m in p.mentions] == ["example", "example"]
    assert about(p) == [("GENERAL", "general")]
