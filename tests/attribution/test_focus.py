"""Carry-over, anaphora, GENERAL and passages about several MSIs."""

from __future__ import annotations


def about(passage) -> list[tuple[str, str]]:
    """(msi_id, reason) pairs of a passage, strongest first."""
    return [(a.msi_id, a.reason) for a in passage.msis]


def ids(passage) -> set[str]:
    return {a.msi_id for a in passage.msis}


def test_heading_msi_is_carried_until_a_new_section(attribute):
    passages = attribute(
        "The Extractive Industries Transparency Initiative: Sidelining local communities",
        "Most of the stakeholders are based in the capital city, far from the mines.",
        "Communities near the oil fields have rarely heard of it at all.",
        "Moving beyond lip service",
        "Communities near the oil fields have rarely heard of it at all.")
    heading, first, second, _, other = passages
    assert about(heading) == [("EITI", "mention")]
    assert about(first) == [("EITI", "carried")]
    assert first.msis[0].detail == "from the section heading"
    assert about(second) == [("EITI", "carried")]
    # A new section that names no MSI falls back to the MSI the document's title names.
    assert about(other) == [("EITI", "document")]
    assert other.msis[0].confidence < second.msis[0].confidence


def test_a_section_naming_no_msi_is_general_when_the_title_names_none(attribute):
    *_, other = attribute(
        "Voluntary initiatives in the extractive sector",
        "The Extractive Industries Transparency Initiative publishes country reports.",
        "Moving beyond lip service",
        "Communities near the oil fields have rarely heard of it at all.")
    assert about(other) == [("GENERAL", "general")]


def test_the_msi_named_in_most_mentions_is_the_document_default(attribute):
    *_, last = attribute(
        "Annual review",
        "The Marine Stewardship Council certifies fisheries. The MSC label is widely used.",
        "The MSC standard was revised in 2022 after the Marine Stewardship Council consulted.",
        "Next steps",
        "Observers will be trained on vessels before the next audit cycle starts.")
    assert about(last) == [("MSC", "document")]


def test_msi_named_in_a_passage_is_carried_to_the_next_one(attribute):
    first, second = attribute(
        "Civil society groups left the board of the Fair Labor Association in protest.",
        "Nobody received compensation after the complaints were filed.")
    assert about(second) == [("FLA", "carried")]
    assert second.msis[0].detail == "from the previous passage"
    assert second.msis[0].confidence < first.msis[0].confidence


def test_another_msi_takes_over_the_focus(attribute):
    _, second, third = attribute(
        "The Kimberley Process certifies rough diamonds.",
        "By contrast, the Roundtable on Sustainable Palm Oil relies on auditors.",
        "Nobody received compensation after the complaints were filed.")
    assert about(second) == [("RSPO", "mention")]
    assert about(third) == [("RSPO", "carried")]


def test_definite_descriptions_resolve_to_the_msi_in_focus(attribute):
    _, scheme, governments = attribute(
        "The Kimberley Process Certification Scheme was launched in 2003.",
        "Critics say the Scheme ignores abuses by soldiers.",
        "But this has never been accepted by its participating governments.")
    assert about(scheme) == [("KPCS", "anaphora")]
    assert [(m.surface, m.kind) for m in scheme.mentions] == [("the Scheme", "anaphora")]
    assert about(governments) == [("KPCS", "anaphora")]
    assert governments.mentions[0].surface == "its participating governments"


def test_capitalised_description_must_fit_the_msi(attribute):
    # Focus is on the FLA; "the Accord" fits only the Bangladesh Accord named before it.
    _, _, accord = attribute(
        "Brands signed the Bangladesh Accord after the Rana Plaza collapse.",
        "Other brands preferred the Fair Labor Association and its monitoring.",
        "Inspectors of the Accord found cracks in many buildings.")
    assert about(accord) == [("BANGLADESH_ACCORD", "anaphora")]


def test_talk_about_msis_as_a_field_is_general_not_the_last_msi(attribute):
    passages = attribute(
        "The Kimberley Process certifies rough diamonds from many countries.",
        "MSIs have been influential in shaping how companies talk about human rights.",
        "Almost 80% of the surveyed MSIs had no grievance mechanism at all.",
        "Voluntary initiatives fail to hold companies to account.",
        "Multi-stakeholder initiatives emerged in the 1990s.")
    for p in passages[1:]:
        assert about(p) == [("GENERAL", "general")], p.text
        assert p.msis[0].confidence >= 0.8


def test_general_is_carried_like_an_msi_and_these_msis_points_back(attribute):
    kp, plural, general, after = attribute(
        "The Kimberley Process and the Extractive Industries Transparency Initiative were "
        "created in the early 2000s.",
        "Reforms within these MSIs are very unlikely.",
        "Although MSIs cannot protect communities, they can be made more inclusive.",
        "Nobody received compensation after the complaints were filed.")
    assert about(plural) == [("KPCS", "anaphora"), ("EITI", "anaphora")]
    assert about(general) == [("GENERAL", "general")]
    assert about(after) == [("GENERAL", "carried")]


def test_msi_integrity_is_an_organisation_not_a_cue(attribute):
    [p] = attribute("Read the full article by the Executive Director of MSI Integrity here.",
                    default_msi="CREST")
    assert about(p) == [("CREST", "manifest")]


def test_passage_about_several_msis_lists_each(attribute):
    [p] = attribute(
        "Social Accountability International certified the factory as safe, and tea was "
        "certified by Fairtrade International and Rainforest Alliance.")
    assert about(p) == [("SA8000", "mention"), ("FAIRTRADE", "mention"),
                        ("RAINFOREST_ALLIANCE", "mention")]


def test_passage_with_general_and_specific_sentences_lists_both(attribute):
    [p] = attribute(
        "Unlike MSIs, worker-driven programmes are run by workers themselves. The Fair Food "
        "Program suspends purchases from farms that break its code.")
    assert ids(p) == {"GENERAL", "FAIR_FOOD_PROGRAM"}
    assert p.msis[0].msi_id == "FAIR_FOOD_PROGRAM"  # the explicit mention ranks first


def test_manifest_default_fills_in_and_lowercase_project_refers_to_it(attribute):
    heading, body = attribute("THE PROJECT AT A GLANCE",
                              "The evaluation assessed the project's relevance and coherence.",
                              default_msi="CREST")
    assert about(heading) == [("CREST", "manifest")]
    assert about(body) == [("CREST", "anaphora")]


def test_two_word_definite_descriptions(attribute):
    _, table, secretariat = attribute(
        "Growers left the Roundtable on Sustainable Palm Oil in 2019.",
        "Nobody at the Round Table answered the complaint.",
        "Critics of the Bangladesh Accord met. Later the Accord Secretariat closed the case.")
    assert about(table) == [("RSPO", "anaphora")]
    assert table.mentions[0].surface == "the Round Table"
    # "the Accord Secretariat": the two words fit no MSI, the first one does.
    assert ("the Accord", "anaphora") in [(m.surface, m.kind) for m in secretariat.mentions]
