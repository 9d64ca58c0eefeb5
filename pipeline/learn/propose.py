"""Candidates of one document from the learned evidence model (used by ``pipeline.scoring.match``).

For every eligible passage, each sentence gets ``P(evidence) × P(reference point | evidence)``;
the passage's score for a reference point is its best sentence's, calibrated to the probability
that a reviewer accepts the candidate. A (passage, reference point) is kept when that
probability clears the model's threshold, at most ``top_k`` per passage, and the document's
candidates stay under the workload ceiling (per 1,000 words, never less than one), best first.
The quote is the best sentence and the consideration the head's choice for it. The polarity
reads the passage's sentences, each weighted by how much it reads as evidence of the
reference point, blended with the document's evidence-weighted polarity
(``Settings.polarity_document_weight``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from pipeline.explanation import Alternative, Explanation
from pipeline.learn.features import (
    PassageSentences,
    dense_features,
    eligible,
    passage_sentences,
)
from pipeline.learn.model import POLARITY_LABELS, EvidenceModel, Predictions, SentenceInputs
from pipeline.records import Candidate, Passage
from pipeline.rules.framework import Framework
from pipeline.scoring.match import ALTERNATIVES, candidate_id, keep_within
from pipeline.scoring.polarity import cue_score


@dataclass(frozen=True)
class Proposal:
    passage: int  # index into the document's passages
    rp: int
    consideration: int
    sentence: int  # index into the passage's sentences
    probability: float
    polarity: int  # index into POLARITY_LABELS
    polarity_probabilities: tuple[float, ...]  # in POLARITY_LABELS order, as blended
    readings: tuple[tuple[float, int, int], ...]  # (probability, rp, consideration) of every
    # reference point of the passage, best first


@dataclass(frozen=True)
class ScoredPassage:
    index: int
    sentences: PassageSentences
    predictions: Predictions
    texts: list[str]


@dataclass(frozen=True)
class _Eligible:
    """An eligible passage before the model reads it: its sentences, their texts and dense
    features, and the passage's vector (each sentence's context)."""

    index: int
    sentences: PassageSentences
    texts: list[str]
    dense: np.ndarray
    context: np.ndarray


DocumentVectors = tuple[list[Passage], np.ndarray, list[tuple[int, int, int]]]
"""A document's passages, its vectors (one per passage, then one per sentence row) and its
sentence rows (passage, start, end), as ``match.match_passages`` takes them."""


def _eligible(passages: list[Passage], vectors: np.ndarray,
              sentence_rows: list[tuple[int, int, int]], framework: Framework,
              index) -> list[_Eligible]:
    n = len(passages)
    rows_of: dict[int, list[int]] = {}
    for row, (i, _, _) in enumerate(sentence_rows):
        rows_of.setdefault(i, []).append(row)
    out = []
    for i, passage in enumerate(passages):
        if not eligible(passage, framework.matching.min_words):
            continue
        rows = rows_of.get(i, [])
        sents = passage_sentences(passage, vectors[i], vectors[[n + r for r in rows]],
                                  [sentence_rows[r][1:] for r in rows])
        dense = dense_features(passage, sents, framework, index, i / max(1, n - 1))
        out.append(_Eligible(i, sents, [passage.text[s:e] for s, e in sents.spans], dense,
                             vectors[i]))
    return out


def score_documents(documents: list[DocumentVectors], framework: Framework, index,
                    model: EvidenceModel) -> list[list[ScoredPassage]]:
    """The model's predictions for every eligible passage of several documents, per document.

    The model reads the sentences of all the documents at once (one TF-IDF transform, one
    sparse product per head): each row of its design matrix, and so each prediction, is the
    same as when a document is scored alone."""
    found = [_eligible(*document, framework, index) for document in documents]
    flat = [e for doc in found for e in doc]
    if not flat:
        return [[] for _ in documents]
    inputs = SentenceInputs([t for e in flat for t in e.texts],
                            np.vstack([e.sentences.vectors for e in flat]),
                            np.vstack([e.dense for e in flat]),
                            np.vstack([np.repeat(e.context[None, :], len(e.texts), axis=0)
                                       for e in flat]))
    pred = model.predict(inputs)
    out, at = [], 0
    for doc in found:
        scored = []
        for e in doc:
            k = len(e.texts)
            part = Predictions(pred.evidence[at:at + k], pred.reference_point[at:at + k],
                               pred.consideration[at:at + k], pred.polarity[at:at + k])
            scored.append(ScoredPassage(e.index, e.sentences, part, e.texts))
            at += k
        out.append(scored)
    return out


def propose(scored: list[ScoredPassage], passages: list[Passage], model: EvidenceModel,
            consideration_rp: np.ndarray) -> list[Proposal]:
    """The kept (passage, reference point) proposals, in document order."""
    selection = model.selection
    found: list[Proposal] = []
    members_of = [np.flatnonzero(consideration_rp == r) for r in range(len(model.rp_ids))]
    tone = document_polarity(scored)
    blend = model.settings.polarity_document_weight
    for sp in scored:
        by_rp = sp.predictions.by_reference_point.copy()
        by_rp[sp.sentences.flagged] = 0.0
        best_sentence = by_rp.argmax(axis=0)
        probability = model.calibrated(model.passage_scores(by_rp))
        readings = []
        for r in range(by_rp.shape[1]):
            row = int(best_sentence[r])
            members = members_of[r]
            c = int(members[np.argmax(sp.predictions.consideration[row, members])])
            readings.append((float(probability[r]), r, c))
        readings.sort(key=lambda t: -t[0])
        kept = [t for t in readings if t[0] >= selection.threshold][: selection.top_k]
        for p, r, c in kept:
            polarity = blended_polarity(by_rp[:, r], sp.predictions.polarity, tone, blend)
            found.append(Proposal(sp.index, r, c, int(best_sentence[r]), p,
                                  int(np.argmax(polarity)), tuple(polarity.tolist()),
                                  tuple(readings)))
    return within_ceiling(found, passages, selection.ceiling_per_1000_words)


def document_polarity(scored: list[ScoredPassage]) -> np.ndarray:
    """(3,): the polarity of a document's eligible sentences, each weighted by its probability
    of being evidence (their plain mean when none reads as evidence)."""
    if not scored:
        return np.full(len(POLARITY_LABELS), 1.0 / len(POLARITY_LABELS))
    weights = np.concatenate([np.where(sp.sentences.flagged, 0.0, sp.predictions.evidence)
                              for sp in scored])
    polarity = np.vstack([sp.predictions.polarity for sp in scored])
    if weights.sum() <= 0:
        return polarity.mean(axis=0)
    return weights @ polarity / weights.sum()


def blended_polarity(weights: np.ndarray, sentence_polarity: np.ndarray, tone: np.ndarray,
                     document_weight: float) -> np.ndarray:
    """(3,): a candidate's polarity: its passage's sentences' (``sentence_polarity``, n × 3),
    each weighted by how much it reads as evidence of the candidate's reference point
    (``weights``), blended with the document's ``tone`` at ``document_weight``."""
    if weights.sum() > 0:
        passage = weights @ sentence_polarity / weights.sum()
    else:
        passage = sentence_polarity.mean(axis=0)
    return (1.0 - document_weight) * passage + document_weight * tone


def within_ceiling(found: list[Proposal], passages: list[Passage],
                   per_1000_words: float | None) -> list[Proposal]:
    """The most probable proposals whose candidates (one per MSI of the passage) fit the
    document's workload ceiling, in document order; at least one when any is found."""
    if per_1000_words is None:
        return found
    words = sum(p.n_words for p in passages)
    return keep_within(found, passages, max(1, math.floor(per_1000_words * words / 1000)),
                       lambda prop: prop.probability, at_least_one=True)


def learned_candidates(passages: list[Passage], vectors: np.ndarray,
                       sentence_rows: list[tuple[int, int, int]], framework: Framework,
                       index) -> list[Candidate]:
    """``match.match_passages`` with the learned model of ``index`` (a ``match.EvidenceIndex``)."""
    return learned_candidates_of([(passages, vectors, sentence_rows)], framework, index)[0]


def learned_candidates_of(documents: list[DocumentVectors], framework: Framework,
                          index) -> list[list[Candidate]]:
    """:func:`learned_candidates` of several documents, the model reading them all at once;
    each document's candidates are the same as when it is matched alone."""
    model: EvidenceModel = index.learned
    consideration_rp = np.asarray(index.consideration_rp)
    out = []
    for (passages, _, _), scored in zip(documents, score_documents(documents, framework, index,
                                                                   model), strict=True):
        proposals = propose(scored, passages, model, consideration_rp)
        by_index = {sp.index: sp for sp in scored}
        proposed: dict[int, set[int]] = {}
        for prop in proposals:
            proposed.setdefault(prop.passage, set()).add(prop.rp)
        out.append([c for prop in proposals
                    for c in _candidates(passages[prop.passage], by_index[prop.passage], prop,
                                         proposed[prop.passage], framework, index, model)])
    return out


def _candidates(passage: Passage, sp: ScoredPassage, prop: Proposal, proposed: set[int],
                framework: Framework, index, model: EvidenceModel) -> list[Candidate]:
    start, end = sp.sentences.spans[prop.sentence]
    first_len = passage.char_end - passage.char_start  # quotes stop at a page break
    if start >= first_len:
        start, end = 0, first_len
    end = min(end, first_len)
    quote = passage.text[start:end]
    rid, cid = index.rp_ids[prop.rp], index.consideration_ids[prop.consideration]
    explanation = replace(explain(sp, prop, quote, framework, index, model), alternatives=tuple(
        Alternative(index.rp_ids[r], index.consideration_ids[c], round(p, 4))
        for p, r, c in prop.readings if r not in proposed)[:ALTERNATIVES])
    return [Candidate(
        candidate_id=candidate_id(passage.passage_id, framework.id, cid, a.msi_id),
        passage_id=passage.passage_id, doc_id=passage.doc_id, msi=a.msi_id,
        reference_point_id=rid, consideration_id=cid,
        score=round(float(np.clip(prop.probability, 0.0, 1.0)), 6), quote=quote,
        quote_start=passage.char_start + start, quote_end=passage.char_start + end,
        polarity=POLARITY_LABELS[prop.polarity],
        explanation=explanation.with_msi(a.reason, a.confidence),
    ) for a in passage.msis]


def explain(sp: ScoredPassage, prop: Proposal, quote: str, framework: Framework, index,
            model: EvidenceModel) -> Explanation:
    """The card's explanation: one or two plain sentences first (``summary``), then the
    numbers behind them."""
    row = prop.sentence
    rp, consideration = framework.by_consideration_id[index.consideration_ids[prop.consideration]]
    own = index.texts_of[prop.consideration]
    sims = index.vectors[own] @ sp.sentences.vectors[row]
    best = int(own[int(np.argmax(sims))])
    polarity = POLARITY_LABELS[prop.polarity]
    evidence_words, head_words = model.word_contributions_of(
        quote, (("evidence", 0), ("polarity", prop.polarity)))
    sign = {"supports": "+", "undermines": "-"}.get(polarity)
    cue_words = [cue[1:] for cue in cue_score(quote)[1] if sign and cue.startswith(sign)]
    polarity_words = list(dict.fromkeys(cue_words + head_words))[:4]
    summary = (f"Reads as evidence on {rp.name} ({consideration.text.split(' - ')[0].strip()}): "
               f"{prop.probability:.0%} of such proposals are accepted. It resembles the "
               f"framework's example \u201c{index.texts[best]}\u201d.")
    reading = "supporting" if polarity == "supports" else "undermining"
    if polarity != "neutral" and int(np.argmax(sp.predictions.polarity[row])) != prop.polarity:
        summary += f" It reads as {reading} from the passage and the document around it."
    elif polarity != "neutral" and polarity_words:
        summary += (f" It reads as {reading} because of "
                    + ", ".join(f"\u201c{w}\u201d" for w in polarity_words) + ".")
    return Explanation(
        summary=summary,
        quote=quote,
        consideration_id=consideration.id,
        model_version=model.version,
        matched_text=index.texts[best],
        matched_kind=index.kinds[best] if index.kinds else "",
        matched_similarity=round(float(sims.max()), 4),
        evidence_probability=round(float(sp.predictions.evidence[row]), 4),
        reference_point_probability=round(float(sp.predictions.reference_point[row, prop.rp]), 4),
        evidence_words=tuple(evidence_words),
        polarity_words=tuple(polarity_words),
        polarity_probabilities={label: round(float(p), 4) for label, p in
                                zip(POLARITY_LABELS, prop.polarity_probabilities, strict=True)},
    )
