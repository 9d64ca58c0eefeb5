"""The sentence view that the learned evidence model reads, the same in training and in a run.

Each sentence of a passage brings its text (for TF-IDF n-grams), its MiniLM vector, and a small
block of framework features: its best cosine to each consideration's and reference point's
texts, the evidence-text classifier's reference-point probabilities, the keyword rules that
fire inside it (per reference point), whether it is a non-evidence sentence, how sure the MSI
attribution is, whether it names an MSI, its length and position, and its polarity cue score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.records import Passage
from pipeline.rules.framework import Framework
from pipeline.scoring.nonevidence import nonevidence_kind, nonevidence_spans
from pipeline.scoring.polarity import cue_score
from pipeline.scoring.rules import rule_matcher_for, saturate, total_by_owner

SCALARS = ("nonevidence", "msi_confidence", "names_msi", "general_only", "words",
           "position", "cue_score")


@dataclass(frozen=True)
class PassageSentences:
    """The sentences of one passage: spans into ``passage.text``, vectors, non-evidence kinds."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    nonevidence: tuple[str, ...]  # "" for a sentence that is not flagged

    @property
    def flagged(self) -> np.ndarray:
        """(n,) bool: the sentences flagged as non-evidence (never quoted)."""
        return np.array([bool(kind) for kind in self.nonevidence], dtype=bool)


def eligible(passage: Passage, min_words: int) -> bool:
    """The passages ``match`` scores: body or table passages of enough words with an MSI."""
    return passage.kind != "heading" and passage.n_words >= min_words and bool(passage.msis)


def passage_sentences(passage: Passage, passage_vector: np.ndarray,
                      sentence_vectors: np.ndarray,
                      sentence_spans: list[tuple[int, int]]) -> PassageSentences:
    """A passage's sentences as ``match.texts_to_embed`` embedded them: a one-sentence passage
    is its own sentence."""
    if not sentence_spans:
        kind = nonevidence_kind(passage.text) or ""
        return PassageSentences(((0, len(passage.text)),), passage_vector[None, :], (kind,))
    flagged = nonevidence_spans(passage.text, tuple(sentence_spans))
    return PassageSentences(tuple(sentence_spans), sentence_vectors,
                            tuple(flagged.get(span, "") for span in sentence_spans))


def dense_names(framework: Framework) -> list[str]:
    rps = [rp.id for rp in framework.reference_points]
    return ([f"sim:{c.id}" for _, c in framework.considerations]
            + [f"rp_sim:{r}" for r in rps] + [f"definition_sim:{r}" for r in rps]
            + [f"rp_classifier:{r}" for r in rps] + [f"rules:{r}" for r in rps] + list(SCALARS))


def dense_features(passage: Passage, sentences: PassageSentences, framework: Framework,
                   index, position: float) -> np.ndarray:
    """(sentences × dense_names) framework features; ``index`` is a ``match.EvidenceIndex``."""
    vecs = sentences.vectors
    text_sims = vecs @ index.vectors.T
    per_consideration = index.per_consideration_max(text_sims)
    n_rp = len(index.rp_ids)
    per_rp = np.stack([per_consideration[:, members].max(axis=1)
                       for members in index.rp_members], axis=1)
    definition = index.per_reference_point_max(vecs @ index.def_vectors.T)
    classifier = index.rp_probabilities(vecs)
    hits = rule_matcher_for(framework).hits(passage.text)
    owner_rp = index.rp_of_owner
    rules = np.zeros((len(sentences.spans), n_rp), dtype=np.float32)
    scalars = np.zeros((len(sentences.spans), len(SCALARS)), dtype=np.float32)
    confidence = max((a.confidence for a in passage.msis), default=0.0)
    general_only = float(bool(passage.msis) and all(a.msi_id == "GENERAL" for a in passage.msis))
    for k, (start, end) in enumerate(sentences.spans):
        inside = [h for h in hits if start <= h.start < end]
        totals = total_by_owner(inside)
        per = {}
        for owner, weight in totals.items():
            rp = owner_rp.get(owner)
            if rp is not None:
                per[rp] = per.get(rp, 0.0) + weight
        rules[k] = [saturate(per.get(r, 0.0)) for r in index.rp_ids]
        text = passage.text[start:end]
        scalars[k] = (float(bool(sentences.nonevidence[k])), confidence,
                      float(any(start <= m.start < end for m in passage.mentions)),
                      general_only, min(len(text.split()), 80) / 80.0, position,
                      float(np.tanh(cue_score(text)[0] / 2)))
    return np.hstack([per_consideration, per_rp, definition, classifier, rules,
                      scalars]).astype(np.float32)
