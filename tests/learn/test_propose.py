"""How proposals become candidates: threshold, top_k and the workload ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.learn.propose import Proposal, blended_polarity, within_ceiling
from pipeline.records import Attribution, Passage


def _passage(seq: int, words: int, msis: int = 1) -> Passage:
    text = " ".join(["word"] * words)
    return Passage(f"p{seq}", "d", seq, 1, 0, len(text), text,
                   msis=tuple(Attribution(f"M{k}", 0.9, "mention") for k in range(msis)))


def _proposal(passage: int, rp: int, probability: float) -> Proposal:
    return Proposal(passage, rp, 0, 0, probability, 0, (1.0, 0.0, 0.0), ())


def test_ceiling_keeps_the_most_probable_in_document_order():
    passages = [_passage(0, 100), _passage(1, 100)]  # 200 words: 25/1k words allows 5
    found = [_proposal(p, r, 0.1 * (p * 7 + r + 1)) for p in range(2) for r in range(7)]
    kept = within_ceiling(found, passages, 25.0)
    assert len(kept) == 5
    assert sorted(p.probability for p in kept) == sorted(
        sorted((p.probability for p in found), reverse=True)[:5])
    assert [p.passage for p in kept] == sorted(p.passage for p in kept)
    assert within_ceiling(found, passages, None) == found


def test_a_short_document_keeps_its_one_strong_proposal():
    passages = [_passage(0, 18)]  # 18 words: 25/1k words would allow 0.45 of a candidate
    kept = within_ceiling([_proposal(0, 4, 0.9), _proposal(0, 2, 0.3)], passages, 25.0)
    assert [p.rp for p in kept] == [4]


def test_each_msi_of_a_passage_costs_one_candidate():
    passages = [_passage(0, 160, msis=2)]  # 4 allowed, each proposal costs 2
    kept = within_ceiling([_proposal(0, r, 0.9 - r / 10) for r in range(4)], passages, 25.0)
    assert [p.rp for p in kept] == [0, 1]


def test_polarity_reads_the_passage_and_the_document():
    # The quoted sentence leans "supports"; the passage's other evidence sentence of the same
    # reference point and the document's evidence read "undermines".
    sentences = np.array([[0.55, 0.40, 0.05], [0.10, 0.85, 0.05], [0.90, 0.05, 0.05]])
    weights = np.array([0.8, 0.6, 0.0])  # the third sentence is not evidence of this point
    tone = np.array([0.2, 0.75, 0.05])
    alone = blended_polarity(np.array([1.0, 0.0, 0.0]), sentences, tone, 0.0)
    assert alone.argmax() == 0
    passage = blended_polarity(weights, sentences, tone, 0.0)
    assert passage == pytest.approx((0.8 * sentences[0] + 0.6 * sentences[1]) / 1.4)
    assert blended_polarity(weights, sentences, tone, 0.45).argmax() == 1
    assert blended_polarity(weights, sentences, tone, 1.0) == pytest.approx(tone)
    assert blended_polarity(np.zeros(3), sentences, tone, 0.0) == pytest.approx(
        sentences.mean(axis=0))


@pytest.mark.real_model
def test_shipped_model_proposes_the_one_strong_sentence_of_a_tiny_file(tmp_path, cli):
    """The issue's example: 18 words, one sentence of evidence about a named MSI."""
    import json

    from pipeline.store import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cafe.txt").write_text(
        "Café report. The Roundtable on Sustainable Palm Oil audit missed forced labour and "
        "debt bondage of migrant workers.\n", encoding="utf-8")
    db = tmp_path / "store.sqlite"
    assert cli("run", corpus, "--db", db, "--no-progress") == 0
    rows = Store(str(db)).conn.execute(
        "SELECT msi, reference_point_id, polarity, explanation FROM candidates").fetchall()
    assert rows, "no candidate for a file with one strong sentence"
    assert {r[0] for r in rows} == {"RSPO"}
    explanation = json.loads(rows[0][3])
    assert explanation["model_version"]
    # "missed" forced labour: undermining, and the card says so in words and in numbers
    assert rows[0][2] == "undermines"
    assert "reads as undermining" in explanation["summary"]
    probabilities = explanation["polarity_probabilities"]
    assert max(probabilities, key=probabilities.get) == "undermines"
