"""The run's TF-IDF transform gives scikit-learn's numbers (the model was fitted with it)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.learn import DEFAULT_MODEL_DIR, load_learned
from pipeline.learn.model import Settings, tfidf_params
from pipeline.learn.tfidf import TfidfTransform

TEXTS = [
    "The audit missed forced labour and debt bondage of migrant workers.",
    "Café owners' co-operatives — Naïve «rôle» of the Scheme's São Paulo office; ÉCOLE",
    "Unions sit on the board. Unions sit on the board again, and again, and again.",
    "a b c 1 2 3 x-ray don't -- '' ''quoted'' e.g. U.S.",
    "",
    "   ",
    "ﬁnance ﬂows (ligatures), ２０２３ full-width digits, Straße, ΑΘΗΝΑ, Ωmega",
    "RSPO RSPO rspo Rspo certification certification",
]


def _fitted(corpus: list[str]) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(**tfidf_params(Settings()), min_df=1)
    return vectorizer.fit(corpus)


@pytest.mark.parametrize("texts", [TEXTS, TEXTS[:1]])
def test_transform_matches_scikit_learn(texts):
    vectorizer = _fitted(TEXTS + ["other words about the board and workers"])
    ours = TfidfTransform(vectorizer.vocabulary_, vectorizer.idf_,
                          tfidf_params(Settings())["token_pattern"])
    expected = vectorizer.transform(texts).toarray()
    got = ours.transform(texts)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.toarray(), expected, rtol=1e-12, atol=1e-12)


def test_no_texts_give_an_empty_matrix():
    ours = TfidfTransform({"audit": 0, "board": 1}, np.ones(2), tfidf_params(Settings())["token_pattern"])
    assert ours.transform([]).shape == (0, 2)


def test_shipped_model_features_match_scikit_learn():
    """With the shipped model's own vocabulary and idf (about 20,000 n-grams)."""
    model = load_learned(DEFAULT_MODEL_DIR)
    reference = TfidfVectorizer(**tfidf_params(model.settings), vocabulary=model.vocabulary)
    reference.idf_ = model.idf
    got = model._vectorizer.transform(TEXTS)
    assert got.nnz > 20  # the texts do hit the vocabulary
    np.testing.assert_allclose(got.toarray(), reference.transform(TEXTS).toarray(),
                               rtol=1e-12, atol=1e-12)


def test_runs_do_not_import_scikit_learn():
    """Scoring with the learned model leaves scikit-learn unimported (seconds per process)."""
    import subprocess
    import sys

    code = ("import sys\nfrom pipeline.learn import DEFAULT_MODEL_DIR, load_learned\n"
            "m = load_learned(DEFAULT_MODEL_DIR)\nm._vectorizer.transform(['The audit missed forced labour.'])\n"
            "print('sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
