"""Golden files: the cleaned text of each generated PDF, and the page each paragraph starts on.

The score is difflib's ratio over the word lists of the whole document (golden paragraphs in
order vs. extracted pages in order); it must be at least 0.98. Every golden paragraph must be
found starting on its page. The scores are printed (``pytest -s``) for the closing note.
"""

from __future__ import annotations

import difflib

import pytest
from pdf_corpus import GOLDEN_NAMES

from pipeline.ingest.pdf import extract_pdf

MIN_SIMILARITY = 0.98


def word_similarity(expected: str, got: str) -> float:
    return difflib.SequenceMatcher(None, expected.split(), got.split(), autojunk=False).ratio()


def page_of(paragraph: str, pages) -> int | None:
    """The first page whose text holds the start of ``paragraph`` (its first 12 words)."""
    probe = " ".join(paragraph.split()[:12])
    for page in pages:
        if probe in " ".join(page.text.split()):
            return page.number
    return None


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_text_and_pages(name, pdf_corpus, golden):
    expected = golden(name)
    result = extract_pdf(str(pdf_corpus[name]), 100)
    assert result.status == "ok", result.message
    got = "\n\n".join(p.text for p in result.pages)
    score = word_similarity("\n\n".join(p["text"] for p in expected), got)
    print(f"\nfidelity {name}: {score:.4f} ({len(expected)} paragraphs)")
    assert score >= MIN_SIMILARITY
    # Paragraphs repeated verbatim in a file are checked in order, each from the page after
    # the previous match, so a repeat cannot hide a wrong page.
    wrong = []
    for para in expected:
        found = page_of(para["text"].split("\n")[0], [p for p in result.pages
                                                     if p.number >= para["page"]])
        if found != para["page"]:
            wrong.append((para["page"], found, para["text"][:60]))
    assert not wrong, f"paragraphs on the wrong page (expected, found, text): {wrong}"


def test_similarity_measure_fails_on_interleaved_columns(pdf_corpus, golden):
    """pdfplumber's default extract_text reads the interleaved two-column file line by line
    across both columns; the same measure must score it below the threshold."""
    import pdfplumber

    with pdfplumber.open(str(pdf_corpus["two_columns"])) as pdf:
        got = "\n".join(page.extract_text() or "" for page in pdf.pages)
    expected = "\n\n".join(p["text"] for p in golden("two_columns"))
    assert word_similarity(expected, got) < MIN_SIMILARITY
