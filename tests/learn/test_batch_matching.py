"""Matching the documents of a batch together gives what matching each alone gives.

The learned model reads the sentences of every document of an embedded batch at once (one
TF-IDF transform, one sparse product per head) and explains only the candidates it keeps. These
tests run the sample corpus (``corpus/``) with a learned model fitted on the hashing encoder
(``tiny_model_dir``) and compare every candidate, score, explanation and their order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.embed import HashingEncoder
from pipeline.learn.model import EvidenceModel, SentenceInputs
from pipeline.records import DocStatus
from pipeline.run.process import (
    EmbeddedBatch,
    PreparedDocument,
    finish_document,
    match_batch,
    prepare_document,
)
from pipeline.scoring.match import EvidenceIndex, match_documents, match_passages

SAMPLE = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def setting(tiny_model_dir):
    """(framework with the tiny learned model, its index, the sample corpus prepared and
    embedded with the hashing encoder)."""
    from pipeline.attribution import MsiAttributor
    from pipeline.ingest import ingest_file
    from pipeline.rules.framework import load_framework, with_model_dir
    from pipeline.rules.registry import load_registry
    from pipeline.segment import SegmentSettings

    framework = with_model_dir(load_framework(), str(tiny_model_dir))
    encoder = HashingEncoder()
    index = EvidenceIndex.build(framework, encoder)
    assert index.learned is not None, "the tiny model reads the hashing encoder's vectors"
    attributor = MsiAttributor(load_registry())
    files = sorted(p for p in SAMPLE.iterdir() if p.suffix in {".pdf", ".txt"})
    prepared = [prepare_document(ingest_file(str(path)), attributor, SegmentSettings())
                for path in files]
    assert len(prepared) == 4 and all(p.result is None and p.texts for p in prepared)
    vectors = [encoder.encode(list(p.texts)) for p in prepared]
    return framework, index, prepared, vectors


def _rows(candidates) -> list[tuple]:
    """Everything a candidate carries, its explanation included (not part of its equality)."""
    return [(c, c.explanation.to_json()) for c in candidates]


def test_documents_matched_together_equal_each_matched_alone(setting):
    framework, index, prepared, vectors = setting
    documents = [(list(p.passages), v, list(p.sentence_rows)) for p, v in zip(prepared, vectors,
                                                                             strict=True)]
    together = match_documents(documents, framework, index)
    alone = [match_passages(*document, framework, index) for document in documents]
    assert sum(len(found) for found in together) > 50
    assert [_rows(found) for found in together] == [_rows(found) for found in alone]
    # The same again with the documents in another order and a document without passages.
    shuffled = match_documents([documents[2], ([], np.zeros((0, 0)), []), documents[0]],
                               framework, index)
    assert [_rows(found) for found in shuffled] == [_rows(alone[2]), [], _rows(alone[0])]


def test_predictions_of_rows_read_together_equal_rows_read_alone(setting):
    """The model's design matrix and heads work row by row: bit-for-bit the same numbers."""
    _, index, prepared, vectors = setting
    model: EvidenceModel = index.learned
    texts = [t for p in prepared for t in p.texts][:40]
    rng = np.random.default_rng(3)
    inputs = SentenceInputs(texts, np.vstack(vectors)[:40],
                            rng.normal(size=(40, len(model.dense_names))).astype(np.float32),
                            np.vstack(vectors)[40:80])
    together = model.predict(inputs)
    for k in (0, 7, 39):
        one = model.predict(SentenceInputs(texts[k:k + 1], inputs.vectors[k:k + 1],
                                           inputs.dense[k:k + 1], inputs.context[k:k + 1]))
        for head in ("evidence", "reference_point", "consideration", "polarity"):
            assert np.array_equal(getattr(together, head)[k], getattr(one, head)[0]), head


def test_word_contributions_equal_the_sparse_matrix_reading(setting):
    """The explanation's words, read from the TF-IDF row directly, as the element-by-element
    reading of a one-row sparse matrix gave them."""
    _, index, prepared, _ = setting
    model: EvidenceModel = index.learned
    texts = [t for p in prepared for t in p.texts[:30]] + ["", "Café façade, naïve rôle."]

    def reference(text: str, head: str, row: int, top: int = 4) -> list[str]:
        words = model._vectorizer.transform([text])
        coef = model.coefs[head][0][row][: len(model.vocabulary)]
        terms = {i: t for t, i in model.vocabulary.items()}
        pushed = [(float(words[0, j] * coef[j]), terms[j]) for j in words.indices]
        return [t for v, t in sorted(pushed, reverse=True)[:top] if v > 0]

    classes = (("evidence", 0), ("polarity", 0), ("polarity", 1), ("reference_point", 2))
    for text in texts:
        expected = [reference(text, head, row) for head, row in classes]
        assert model.word_contributions_of(text, classes) == expected
        assert model.word_contributions(text, "polarity", 1) == expected[2]


def test_match_batch_equals_finish_document_and_a_bad_document_fails_alone(setting, monkeypatch):
    framework, index, prepared, vectors = setting
    batch = EmbeddedBatch(tuple(prepared), tuple(vectors), index)
    together = list(match_batch(batch, framework))
    alone = [finish_document(p, v, framework, index) for p, v in zip(prepared, vectors,
                                                                      strict=True)]
    assert [r.status for r in together] == [DocStatus.OK] * 4
    assert [_rows(r.candidates) for r in together] == [_rows(r.candidates) for r in alone]
    assert all(r.timings["match"] >= 0 for r in together)

    # A document whose matching raises fails alone; the batch's others keep their candidates.
    import pipeline.learn.propose as propose

    real = propose.dense_features

    def poisoned(passage, *args, **kwargs):
        if passage.doc_id == prepared[1].document.doc_id:
            raise RuntimeError("poisoned passage")
        return real(passage, *args, **kwargs)

    monkeypatch.setattr(propose, "dense_features", poisoned)
    fresh = tuple(PreparedDocument(p.document, p.passages, p.texts, p.sentence_rows)
                  for p in prepared)
    results = list(match_batch(EmbeddedBatch(fresh, tuple(vectors), index), framework))
    assert [r.status for r in results] == [DocStatus.OK, DocStatus.CRASHED, DocStatus.OK,
                                           DocStatus.OK]
    assert "poisoned passage" in results[1].message
    assert [_rows(results[k].candidates) for k in (0, 2, 3)] == \
        [_rows(alone[k].candidates) for k in (0, 2, 3)]
