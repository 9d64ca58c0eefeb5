"""TF-IDF of word uni- and bigrams over a fixed vocabulary, without importing scikit-learn.

Training fits scikit-learn's ``TfidfVectorizer`` (:func:`pipeline.learn.model.tfidf_params`);
a run only needs its ``transform`` with the stored vocabulary and idf weights. Importing
scikit-learn (which pulls in scipy.stats) costs seconds of CPU in every new process, so runs use
this re-implementation of the same steps instead: lower-case, strip accents (NFKD, combining
marks dropped, only for non-ASCII text), find tokens with the model's pattern, add the bigrams of
adjacent tokens, count the vocabulary's n-grams, take 1 + log(count), multiply by idf and scale
each row to unit length. ``tests/learn/test_tfidf.py`` checks it against scikit-learn.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
from scipy import sparse


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class TfidfTransform:
    """``transform(texts)`` as scikit-learn's ``TfidfVectorizer`` with ``ngram_range=(1, 2)``,
    ``lowercase=True``, ``strip_accents="unicode"``, ``sublinear_tf=True``, ``norm="l2"``."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, token_pattern: str):
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)
        self._idf = self.idf.tolist()  # Python floats: the same doubles, read faster one by one
        self.tokens = re.compile(token_pattern)

    def ngrams(self, text: str) -> list[str]:
        tokens = self.tokens.findall(strip_accents(text.lower()))
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]

    def row(self, text: str) -> tuple[list[int], list[float]]:
        """One text's non-zero columns, ascending, and their weights (a row of ``transform``)."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.ngrams(text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = sorted(counts)
        weights = [(1.0 + math.log(counts[j])) * self._idf[j] for j in columns]
        norm = math.sqrt(sum(w * w for w in weights))
        return columns, ([w / norm for w in weights] if norm else weights)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        indptr, indices, values = [0], [], []
        for text in texts:
            columns, weights = self.row(text)
            indices.extend(columns)
            values.extend(weights)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(values, dtype=np.float64),
                                  np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
                                 shape=(len(texts), len(self.vocabulary)))
