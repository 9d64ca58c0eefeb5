"""Finding initiative-like names in text (the library under `msis suggest`)."""

from __future__ import annotations

import sqlite3

from pipeline.attribution.suggest import _Known, find_candidates, format_suggestions, suggest_msis


def test_names_ending_in_initiative_words_and_acronym_definitions(registry):
    text = ("Brands joined the Cotton Campaign Pledge in 2019. The Global Platform for "
            "Widget Safety (GPWS) audits factories. The Forest Stewardship Council and the "
            "United Nations (UN) were also present.")
    found = {(name, acronym, how) for name, acronym, _, _, how in
             find_candidates(text, _Known(registry))}
    assert ("Cotton Campaign Pledge", None, "name") in found
    assert ("Global Platform for Widget Safety", "GPWS", "acronym definition") in found
    assert ("United Nations", "UN", "acronym definition") in found
    assert not any("Forest Stewardship" in name for name, *_ in found)


def test_generic_phrases_and_msi_integrity_are_not_names(registry):
    text = ("Rethinking MSIs: Are Multi-Stakeholder Initiatives Mere Lip Service? The Institute "
            "for Multi-Stakeholder Initiative Integrity (MSI Integrity) published it. A New "
            "Initiative was announced.")
    assert list(find_candidates(text, _Known(registry))) == []


def test_suggestions_count_documents_and_keep_examples(registry):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE passages (doc_id TEXT, seq INT, text TEXT, stale INT)")
    conn.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)", [
        ("d1", 0, "The Cotton Campaign Pledge failed. Nobody cared.", 0),
        ("d2", 0, "Critics of the Cotton Campaign Pledge spoke up.", 0),
        ("d2", 1, "The Cotton Campaign Pledge again.", 1),  # stale: not counted
    ])
    [s] = suggest_msis(conn, registry)
    assert (s.name, s.count, len(s.documents)) == ("Cotton Campaign Pledge", 2, 2)
    assert s.examples == ["The Cotton Campaign Pledge failed.",
                          "Critics of the Cotton Campaign Pledge spoke up."]
    assert s.suggested_id == "COTTON_CAMPAIGN_PLEDGE"
    assert suggest_msis(conn, registry, min_count=3) == []
    assert format_suggestions([]).startswith("# No initiative-like names")
