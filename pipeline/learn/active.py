"""Active ordering: which undecided card is most likely evidence a reviewer accepts, given the
decisions made so far.

A small model refitted on the decisions alone (it never needs the labelled corpus): a logistic
regression over the quote's TF-IDF word uni- and bigrams, its words paired with its reference
point (what reviewers accept differs by reference point), its reference point, the first run's
calibrated score (as a logit), and what the reviewers decided around the card: the smoothed
share of accepts among the decided cards of its document, of its passage and of its document
with its reference point (leaving the card itself out), and how many there are. Evidence
clusters: a document whose first cards were rejected (a toolkit page, a hard negative) rarely
holds evidence further down, a passage with one accepted reference point often holds another,
and a document's evidence keeps to a few reference points (an audit report's to reporting and
validation). Until the decisions hold both an accept and a reject it orders by the first run's
score. The vocabularies are built once over all cards, so a refit is one sparse logistic
regression: 1.5 s on 1,000 decisions and 3.3 s on 10,000 among 100,000 cards
(``benchmarks/bench_active.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from pipeline.learn.model import tfidf_params

PRIOR_WEIGHT = 8.0  # scale of the first-run score logit beside the word features (simulation)
RP_WORD_WEIGHT = 0.7  # scale of the (reference point, word) features beside the words alone


@dataclass(frozen=True)
class Card:
    key: str  # candidate id (or any unique key)
    quote: str
    reference_point: str
    score: float  # the first run's calibrated score
    document: str = ""  # the card's document (cards of one document share a context)
    passage: str = ""  # the card's passage


class ActiveRanker:
    """Scores every card from the decisions made so far; ``order`` lists undecided cards best
    first."""

    def __init__(self, cards: Sequence[Card], C: float = 0.3,
                 reference_point_words: bool = True):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.cards = list(cards)
        self.C = C
        rps = sorted({c.reference_point for c in self.cards})
        rp_col = {r: k for k, r in enumerate(rps)}
        self.prior = np.array([c.score for c in self.cards], dtype=float)
        logit = np.log(np.clip(self.prior, 1e-4, 1 - 1e-4) / (1 - np.clip(self.prior, 1e-4,
                                                                          1 - 1e-4)))
        texts = [c.quote for c in self.cards]
        words = (TfidfVectorizer(**tfidf_params(None), min_df=1).fit_transform(texts)
                 if any(t.strip() for t in texts) else sparse.csr_matrix((len(texts), 0)))
        rp_words = (_reference_point_words(self.cards) if reference_point_words
                    else sparse.csr_matrix((len(self.cards), 0)))
        onehot = sparse.csr_matrix((np.ones(len(self.cards)),
                                    ([i for i in range(len(self.cards))],
                                     [rp_col[c.reference_point] for c in self.cards])),
                                   shape=(len(self.cards), len(rps)))
        self.X = sparse.hstack([words, RP_WORD_WEIGHT * rp_words, onehot,
                                sparse.csr_matrix(PRIOR_WEIGHT * logit[:, None] / 4.0)],
                               format="csr")
        self.groups = [np.unique(keys, return_inverse=True)[1] for keys in (
            [c.document for c in self.cards], [c.passage for c in self.cards],
            [f"{c.document}\x00{c.reference_point}" for c in self.cards])]

    def context(self, decided: np.ndarray, accepted: np.ndarray) -> np.ndarray:
        """(cards × 6): per document, per passage and per (document, reference point), the
        logit of the smoothed share of accepts among the other decided cards there, and
        log(1 + their number)."""
        own = np.zeros(len(self.cards))
        own_accepted = np.zeros(len(self.cards))
        own[decided] = 1.0
        own_accepted[decided] = accepted
        columns = []
        for group in self.groups:
            size = int(group.max()) + 1 if len(group) else 0
            accepts = np.bincount(group[decided], weights=accepted.astype(float),
                                  minlength=size)[group] - own_accepted
            total = np.bincount(group[decided], minlength=size)[group] - own
            share = (accepts + 0.5) / (total + 1.0)
            columns += [np.log(share / (1.0 - share)), 0.3 * np.log1p(total)]
        return np.column_stack(columns)

    def scores(self, decided: np.ndarray, accepted: np.ndarray) -> np.ndarray:
        """P(accept) of every card, from the decided cards' indices and their outcomes; the
        first run's scores while the decisions hold only one kind."""
        from sklearn.linear_model import LogisticRegression

        decided = np.asarray(decided, dtype=int)
        accepted = np.asarray(accepted, dtype=bool)
        if len(decided) == 0 or accepted.all() or not accepted.any():
            return self.prior.copy()
        X = sparse.hstack([self.X, sparse.csr_matrix(self.context(decided, accepted))],
                          format="csr")
        clf = LogisticRegression(C=self.C, max_iter=1000, class_weight="balanced")
        clf.fit(X[decided], accepted.astype(int))
        return clf.predict_proba(X)[:, 1]

    def order(self, decided: np.ndarray, accepted: np.ndarray) -> np.ndarray:
        """Indices of the undecided cards, most likely accepted first (ties: first-run score,
        then card order)."""
        p = self.scores(decided, accepted)
        undecided = np.setdiff1d(np.arange(len(self.cards)), decided)
        return undecided[np.lexsort((undecided, -self.prior[undecided], -p[undecided]))]


def _reference_point_words(cards: list[Card]) -> sparse.csr_matrix:
    """(cards × n): the quote's words, each paired with the card's reference point (TF-IDF,
    L2-normed): what reviewers accept differs by reference point (a plain statement of scope
    is evidence of commodity focus, "audit" is evidence of reporting and validation)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    pattern = re.compile(tfidf_params(None)["token_pattern"])

    def tokens(card: Card) -> list[str]:
        return [f"{card.reference_point}\x00{w}" for w in pattern.findall(card.quote.lower())]

    if not any(c.quote.strip() for c in cards):
        return sparse.csr_matrix((len(cards), 0))
    return TfidfVectorizer(analyzer=tokens, sublinear_tf=True).fit_transform(cards)
