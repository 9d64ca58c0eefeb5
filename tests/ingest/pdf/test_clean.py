"""Text cleaning: line-break hyphens, footnote markers, odd characters, (cid:NNN) noise."""

from __future__ import annotations

import pytest

from pipeline.ingest.clean import (
    cid_ratio,
    normalise_text,
    resolve_soft_hyphens,
    soft_hyphen_vocabulary,
    strip_footnote_markers,
)
from pipeline.ingest.furniture import PAGE_NUMBER
from pipeline.ingest.pdf import LOW_QUALITY_CID_RATIO

DOC = ["The multi-stakeholder initiative and its secretariat. Organisation of audits.",
       "Co-operation was weak; the cooperative did not reply."]


@pytest.mark.parametrize(("broken", "expected"), [
    ("organi\ufffesation", "organisation"),  # the document has the word: join
    ("multi\ufffestakeholder", "multi-stakeholder"),  # the document has the compound: keep
    ("co\ufffeoperation", "co-operation"),  # seen hyphenated more often than joined
    ("hyphen\ufffeated", "hyphenated"),  # no evidence: an ordinary word break
    ("COVID\ufffe19", "COVID-19"),
    ("non\ufffeEU", "non-EU"),
    ("self\ufffeassessment", "self-assessment"),  # a prefix that takes a hyphen
    ("secre\ufffetariat", "secretariat"),
])
def test_soft_hyphens(broken, expected):
    text = f"The {broken} again."
    vocabulary = soft_hyphen_vocabulary([*DOC, text])
    assert resolve_soft_hyphens(text, vocabulary) == f"The {expected} again."


def test_no_broken_word_no_vocabulary():
    assert soft_hyphen_vocabulary(DOC) == {}


def test_footnote_markers_are_removed_but_numbers_stay():
    text = ("It reports impacts.11 The board met in 2011.12 Section 3.2 applies, as in "
            "ISO 14001 and SA8000; see note,4 and \u201cquoted\u201d.5 End.")
    assert strip_footnote_markers(text) == (
        "It reports impacts. The board met in 2011.12 Section 3.2 applies, as in ISO 14001 and "
        "SA8000; see note, and \u201cquoted\u201d. End.")


def test_normalise_ligatures_spaces_bullets_controls():
    raw = "\ufb01nance\u00a0and\u2003e\ufb03cient \uf0b7 item \u25aa other\u202e \u200bx  y\r\nz"
    assert normalise_text(raw) == "finance and efficient \u2022 item \u2022 other x y\nz"


def test_cid_ratio_flags_unmapped_fonts():
    noisy = "(cid:72)(cid:101)(cid:108) some words " * 5
    assert cid_ratio(noisy) > LOW_QUALITY_CID_RATIO
    assert cid_ratio("A clean sentence about remedy (cid is a word here).") == 0.0


@pytest.mark.parametrize("line", ["12", "iv", "Page 3 of 20", "- 7 -", "p. 4", "xii"])
def test_page_number_lines(line):
    assert PAGE_NUMBER.match(line)


@pytest.mark.parametrize("line", ["2024 Annual Report", "Chapter 3", "civil", "mix 4"])
def test_not_page_number_lines(line):
    assert not PAGE_NUMBER.match(line)
