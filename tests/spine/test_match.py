"""Match (hashing encoder): verbatim quotes, top-k and threshold, stable candidate ids."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.attribution import MsiAttributor
from pipeline.embed import HashingEncoder
from pipeline.ingest import ingest_file
from pipeline.rules.framework import Framework, load_framework
from pipeline.rules.registry import load_registry
from pipeline.scoring.match import EvidenceIndex, match_passages, texts_to_embed
from pipeline.segment import segment_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def analysed():
    """The blog series (text) ingested, segmented, attributed and embedded once."""
    doc = ingest_file(str(CORPUS / "msi_integrity_rethinking_msis_blog_series.txt"))
    passages = MsiAttributor(load_registry()).attribute(segment_document(doc))
    texts, sentence_rows = texts_to_embed(passages)
    encoder = HashingEncoder()
    return doc, passages, encoder.encode(texts), sentence_rows, encoder


def _with_matching(framework: Framework, **matching) -> Framework:
    data = framework.model_dump()
    data["matching"].update({"budget_per_1000_words": None, **matching})
    for rp in data["reference_points"]:
        rp["threshold"] = None
    return Framework.model_validate(data)


def _match(analysed, framework: Framework):
    doc, passages, vectors, sentence_rows, encoder = analysed
    index = EvidenceIndex.build(framework, encoder)
    return match_passages(passages, vectors, sentence_rows, framework, index)


def test_quotes_are_verbatim_and_located(analysed):
    doc, passages, *_ = analysed
    by_id = {p.passage_id: p for p in passages}
    page_text = doc.pages[0].text
    candidates = _match(analysed, _with_matching(load_framework(), threshold=0.2))
    assert len(candidates) > 20
    for c in candidates:
        passage = by_id[c.passage_id]
        assert c.quote and c.quote in passage.text
        assert page_text[c.quote_start:c.quote_end] == c.quote
        assert passage.char_start <= c.quote_start < c.quote_end <= passage.char_end
        # The quote is one of the passage's sentences (or the whole one-sentence passage).
        spans = {passage.text[s:e] for s, e in passage.sentences} | {passage.text}
        assert c.quote in spans
        assert c.msi in {a.msi_id for a in passage.msis}
        assert passage.kind != "heading"


@pytest.mark.parametrize("top_k", [1, 3])
def test_top_k_per_passage_and_msi(analysed, top_k):
    framework = _with_matching(load_framework(), threshold=0.0, top_k=top_k)
    candidates = _match(analysed, framework)
    per_pair = Counter((c.passage_id, c.msi) for c in candidates)
    assert per_pair
    # With a zero threshold every consideration qualifies, so exactly top_k are kept.
    assert set(per_pair.values()) == {top_k}


def test_threshold_is_respected(analysed):
    loose = _match(analysed, _with_matching(load_framework(), threshold=0.0, top_k=50))
    scores = sorted(c.score for c in loose)
    cut = scores[len(scores) * 3 // 4]
    strict = _match(analysed, _with_matching(load_framework(), threshold=cut, top_k=50))
    assert strict and len(strict) < len(loose)
    assert all(c.score >= cut - 1e-6 for c in strict)
    assert {c.candidate_id for c in strict} <= {c.candidate_id for c in loose}
    assert _match(analysed, _with_matching(load_framework(), threshold=1.0)) == []


def test_reference_point_threshold_overrides_default(analysed):
    data = _with_matching(load_framework(), threshold=0.0, top_k=50).model_dump()
    data["reference_points"][0]["threshold"] = 1.0
    framework = Framework.model_validate(data)
    candidates = _match(analysed, framework)
    blocked = data["reference_points"][0]["id"]
    assert candidates
    assert blocked not in {c.reference_point_id for c in candidates}


def test_candidate_ids_are_stable_and_unique(analysed):
    framework = _with_matching(load_framework(), threshold=0.2)
    first = _match(analysed, framework)
    second = _match(analysed, framework)
    assert [c.candidate_id for c in first] == [c.candidate_id for c in second]
    assert len({c.candidate_id for c in first}) == len(first)


def test_pdf_quotes_lie_on_the_passage_page():
    """Also for passages that run on across a page break (quotes stop at the break)."""
    encoder = HashingEncoder()
    framework = _with_matching(load_framework(), threshold=0.0, top_k=50)
    index = EvidenceIndex.build(framework, encoder)
    for name in ("iom_crest_final_evaluation_brief.pdf",
                 "msi_integrity_rethinking_msis_blog_series.pdf"):
        doc = ingest_file(str(CORPUS / name))
        passages = MsiAttributor(load_registry()).attribute(segment_document(doc))
        texts, sentence_rows = texts_to_embed(passages)
        candidates = match_passages(passages, encoder.encode(texts), sentence_rows, framework,
                                    index)
        pages = {p.number: p.text for p in doc.pages}
        by_id = {p.passage_id: p for p in passages}
        assert len({by_id[c.passage_id].page for c in candidates}) > 2
        for c in candidates:
            passage = by_id[c.passage_id]
            assert c.quote and pages[passage.page][c.quote_start:c.quote_end] == c.quote
            assert passage.char_start <= c.quote_start < c.quote_end <= passage.char_end


def test_quote_of_a_sentence_across_a_page_break_stays_on_the_first_page():
    from pipeline.records import Document, Page

    first = ("In the three years of its work in the garment sector of the northern provinces "
             "the initiative has secured the")
    second = ("representation of organized and informal workers and representation of vulnerable "
              "groups such as women, migrants, children and informal workers in every decision.")
    doc = Document("b" * 64, "mem.pdf", "pdf", "t", (Page(1, first), Page(2, second)))
    passages = MsiAttributor(load_registry()).attribute(segment_document(doc))
    texts, sentence_rows = texts_to_embed(passages)
    encoder = HashingEncoder()
    framework = _with_matching(load_framework(), threshold=0.0, top_k=3)
    candidates = match_passages(passages, encoder.encode(texts), sentence_rows, framework,
                                EvidenceIndex.build(framework, encoder))
    assert candidates
    by_id = {p.passage_id: p for p in passages}
    pages = {p.number: p.text for p in doc.pages}
    for c in candidates:
        passage = by_id[c.passage_id]
        assert c.quote and pages[passage.page][c.quote_start:c.quote_end] == c.quote
