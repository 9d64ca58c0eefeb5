"""Match: score every (passage, consideration) pair and keep the best as candidates.

Each consideration is represented by several evidence texts: its own text, the text prefixed
with its reference point's name, its description and its example phrasings; each reference
point by its definition and definition examples. For every passage the component scores of
``pipeline.scoring.features`` are computed (dense similarity at sentence and passage level,
keyword-rule hits, definition-level similarity and rules, non-evidence share, the
evidence-text classifier's probability, the MSI attribution's confidence) and combined by a
logistic calibration into one score in [0, 1].

Candidates are chosen per reference point: a reference point's score for a passage is the
calibrated score of its considerations' best component scores, and the consideration named is
its best-scoring one. Reference points above their threshold (a floor) are kept, at most
``top_k`` per passage, one candidate per MSI the passage is about; with a reviewer budget
(``matching.budget_per_1000_words``) only the document's highest-scoring ones that fit it.
Non-evidence sentences (bylines, contact details, calls to action, recommendations, ...) are
never quoted, and a passage made only of them yields nothing. Each candidate carries a polarity and an explanation (quote, matched
example or rule, component scores).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pipeline.embed import Encoder, vector_space
from pipeline.explanation import Alternative, Explanation
from pipeline.learn import load_learned
from pipeline.learn.features import dense_names, passage_sentences
from pipeline.learn.model import EvidenceModel
from pipeline.records import Candidate, Passage, candidate_id
from pipeline.rules.framework import Framework
from pipeline.scoring import polarity as polarity_mod
from pipeline.scoring.combine import DEFAULT_CALIBRATION, calibrated, contributions
from pipeline.scoring.features import FEATURES
from pipeline.scoring.nonevidence import nonevidence_share
from pipeline.scoring.rules import RuleHit, rule_matcher_for, saturate, total_by_owner
from pipeline.scoring.vector_cache import CACHE_PROBE, cached_arrays, texts_digest

TEXT_KINDS = ("consideration", "named consideration", "description", "meets example",
              "fails example")


@dataclass(frozen=True)
class EvidenceIndex:
    """The framework's evidence texts embedded once: row i belongs to consideration owner[i];
    definition row j belongs to reference point def_owner[j]."""

    consideration_ids: tuple[str, ...]
    reference_point_ids: tuple[str, ...]  # one per consideration
    texts: tuple[str, ...]
    owner: np.ndarray  # int index into consideration_ids, one per text
    vectors: np.ndarray
    kinds: tuple[str, ...] = ()  # one of TEXT_KINDS per text
    rp_ids: tuple[str, ...] = ()  # the reference points, in framework order
    consideration_rp: np.ndarray | None = None  # int index into rp_ids, one per consideration
    def_texts: tuple[str, ...] = ()
    def_owner: np.ndarray | None = None  # int index into rp_ids, one per definition text
    def_vectors: np.ndarray | None = None
    # Multinomial logistic regression over the reference points, fitted on the embeddings of
    # all evidence texts above (each labelled with its reference point): (coef, intercept).
    rp_classifier: tuple[np.ndarray, np.ndarray] | None = None
    # The learned evidence model named by the framework (pipeline.learn), or None.
    learned: EvidenceModel | None = None

    @classmethod
    def build(cls, framework: Framework, encoder: Encoder) -> EvidenceIndex:
        texts, kinds, owner, cids, rpids, cons_rp = [], [], [], [], [], []
        def_texts, def_owner = [], []
        for r, rp in enumerate(framework.reference_points):
            for text in dict.fromkeys(t.strip() for t in (
                    rp.definition, f"{rp.name}: {rp.definition}",
                    *rp.all_definition_examples.meets, *rp.all_definition_examples.fails)
                    if t.strip()):
                def_texts.append(text)
                def_owner.append(r)
        for index, (rp, c) in enumerate(framework.considerations):
            cids.append(c.id)
            rpids.append(rp.id)
            cons_rp.append([x.id for x in framework.reference_points].index(rp.id))
            own = [(c.text, TEXT_KINDS[0]), (f"{rp.name}: {c.text}", TEXT_KINDS[1]),
                   (c.description, TEXT_KINDS[2]),
                   *((t, TEXT_KINDS[3]) for t in c.all_examples.meets),
                   *((t, TEXT_KINDS[4]) for t in c.all_examples.fails)]
            seen: set[str] = set()
            for text, kind in own:
                text = (text or "").strip()
                if text and text not in seen:
                    seen.add(text)
                    texts.append(text)
                    kinds.append(kind)
                    owner.append(index)
        labels = np.concatenate([np.asarray(cons_rp, dtype=int)[np.asarray(owner, dtype=int)],
                                 np.asarray(def_owner, dtype=int)])
        groups = len(framework.reference_points)

        def embed_and_fit() -> dict[str, np.ndarray]:
            vectors = np.asarray(encoder.encode(texts + def_texts), dtype=np.float32)
            fitted = fit_rp_classifier(vectors, labels, groups)
            return {"vectors": vectors} | (
                {"coef": fitted[0], "intercept": fitted[1]} if fitted else {})

        # The name alone does not identify a model (a path whose files were replaced, a test
        # double named like the default): the key includes its vector of a fixed probe text.
        probe = np.round(np.asarray(encoder.encode([CACHE_PROBE]), dtype=np.float64), 3)
        key = texts_digest(f"{encoder.name}|{probe.tobytes().hex()}",
                           [*texts, *def_texts, *map(str, labels)])
        cached = cached_arrays(key, embed_and_fit)
        vectors = cached["vectors"]
        rp_classifier = (cached["coef"], cached["intercept"]) if "coef" in cached else None
        learned = load_learned(framework.matching.model)
        if learned is not None and not learned.reads(vector_space(encoder), vectors.shape[1]):
            logging.getLogger(__name__).warning(
                "the learned evidence model was trained on %s embeddings (%d dimensions), not "
                "%s (%d): scoring with the hand-tuned scorer instead (pass --model-dir none to "
                "say so)", learned.encoder, learned.embedding_dim, encoder.name, vectors.shape[1])
            learned = None
        if learned is not None:
            learned.check_framework(tuple(rp.id for rp in framework.reference_points),
                                    tuple(cids), dense_names(framework))
        return cls(tuple(cids), tuple(rpids), tuple(texts), np.asarray(owner),
                   vectors[:len(texts)], tuple(kinds),
                   tuple(rp.id for rp in framework.reference_points), np.asarray(cons_rp),
                   tuple(def_texts), np.asarray(def_owner, dtype=int), vectors[len(texts):],
                   rp_classifier, learned)

    def rp_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(rows × reference points) probabilities of the evidence-text classifier; uniform
        when it could not be fitted."""
        groups = len(self.rp_ids)
        if self.rp_classifier is None or not vectors.shape[0]:
            return np.full((vectors.shape[0], groups), 1.0 / groups, dtype=np.float32)
        coef, intercept = self.rp_classifier
        z = vectors @ coef.T + intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def per_consideration_max(self, sims: np.ndarray) -> np.ndarray:
        """Reduce (rows × texts) similarities to (rows × considerations) maxima."""
        return self._text_groups.max(sims)

    def per_reference_point_max(self, sims: np.ndarray) -> np.ndarray:
        """Reduce (rows × definition texts) similarities to (rows × reference points) maxima."""
        return self._definition_groups.max(sims)

    # Constants of the framework that matching reads for every passage, computed once (the
    # dataclass is frozen: cached_property writes to the instance's __dict__ directly).
    @cached_property
    def _text_groups(self) -> _Groups:
        return _Groups.of(self.owner, len(self.consideration_ids))

    @cached_property
    def _definition_groups(self) -> _Groups:
        return _Groups.of(self.def_owner, len(self.rp_ids))

    @cached_property
    def rp_members(self) -> tuple[np.ndarray, ...]:
        """Per reference point (in ``rp_ids`` order): the indices of its considerations."""
        return tuple(np.flatnonzero(self.consideration_rp == r) for r in range(len(self.rp_ids)))

    @cached_property
    def texts_of(self) -> tuple[np.ndarray, ...]:
        """Per consideration: the indices of its evidence texts."""
        return tuple(np.flatnonzero(self.owner == c) for c in range(len(self.consideration_ids)))

    @cached_property
    def rp_of_owner(self) -> dict[str, str]:
        """The reference point id of each rule owner (a consideration or a reference point)."""
        owners = dict(zip(self.consideration_ids, self.reference_point_ids, strict=True))
        owners.update({r: r for r in self.rp_ids})
        return owners


def fit_rp_classifier(vectors: np.ndarray, labels: np.ndarray,
                      groups: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Which reference point is a text about? A logistic regression over the evidence texts'
    embeddings: it learns what separates the reference points' phrasings from each other,
    which a best-cosine match to single examples does not. None with fewer than two labels."""
    if len(set(labels.tolist())) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    # Fitted in float64 to a tight tolerance: the optimum is unique, so embeddings that differ
    # in the last float32 bits (another batch, thread count or machine) give the same scores.
    model = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(
        np.asarray(vectors, dtype=np.float64), labels)
    coef = np.zeros((groups, vectors.shape[1]), dtype=np.float64)
    intercept = np.full(groups, -1e3)  # a reference point without texts is never predicted
    coef[model.classes_] = model.coef_
    intercept[model.classes_] = model.intercept_
    return coef, intercept


@dataclass(frozen=True)
class _Groups:
    """Columns grouped by owner: ``order`` sorts them by owner, ``starts`` is where each
    non-empty group begins in that order, ``present`` which groups those are."""

    groups: int
    order: np.ndarray
    starts: np.ndarray
    present: np.ndarray

    @classmethod
    def of(cls, owner: np.ndarray, groups: int) -> _Groups:
        owner = np.asarray(owner, dtype=int)
        order = np.argsort(owner, kind="stable")
        present = np.unique(owner)
        return cls(groups, order, np.searchsorted(owner[order], present), present)

    def max(self, sims: np.ndarray) -> np.ndarray:
        """(rows × groups) maxima of each group's columns; -1 for a group without columns.
        (A maximum is exact, so this equals a column-by-column loop to the bit.)"""
        out = np.full((sims.shape[0], self.groups), -1.0, dtype=np.float32)
        if sims.shape[0] and len(self.present):
            out[:, self.present] = np.maximum.reduceat(sims[:, self.order], self.starts, axis=1)
        return out


def texts_to_embed(passages: list[Passage]) -> tuple[list[str], list[tuple[int, int, int]]]:
    """The passage texts followed by their sentences; for sentences, (passage, start, end)."""
    texts = [p.text for p in passages]
    sentence_rows = []
    for i, p in enumerate(passages):
        if len(p.sentences) > 1:
            for start, end in p.sentences:
                texts.append(p.text[start:end])
                sentence_rows.append((i, start, end))
    return texts, sentence_rows


@dataclass(frozen=True)
class PassageScores:
    """Component scores of one passage against every consideration of the framework."""

    features: np.ndarray  # (considerations × FEATURES), each in [0, 1]
    spans: tuple[tuple[int, int], ...]  # evidence-bearing sentences (offsets into the passage)
    sentence_sims: np.ndarray  # (spans × considerations): best cosine per sentence
    text_sims: np.ndarray  # (spans × evidence texts)
    hits: tuple[RuleHit, ...]  # rule hits outside non-evidence sentences
    nonevidence: tuple[str, ...]  # kinds of the flagged sentences


def score_passage(passage: Passage, passage_vector: np.ndarray, sentence_vectors: np.ndarray,
                  sentence_spans: list[tuple[int, int]], framework: Framework,
                  index: EvidenceIndex) -> PassageScores | None:
    """Component scores of a passage, or None when it holds no evidence-bearing sentence."""
    sentences = passage_sentences(passage, passage_vector, sentence_vectors, sentence_spans)
    flagged = {span: kind for span, kind in zip(sentences.spans, sentences.nonevidence,
                                                strict=True) if kind}
    keep = [k for k, kind in enumerate(sentences.nonevidence) if not kind]
    if not keep:
        return None
    spans = tuple(sentences.spans[k] for k in keep)
    vecs = sentences.vectors[keep]
    text_sims = vecs @ index.vectors.T
    sentence_sims = index.per_consideration_max(text_sims)
    passage_sims = index.per_consideration_max((passage_vector @ index.vectors.T)[None, :])[0]
    def_sims = np.maximum(
        index.per_reference_point_max((passage_vector @ index.def_vectors.T)[None, :])[0],
        index.per_reference_point_max(vecs @ index.def_vectors.T).max(axis=0))
    hits = tuple(h for h in rule_matcher_for(framework).hits(passage.text)
                 if not any(s <= h.start < e for s, e in flagged))
    totals = total_by_owner(list(hits))
    best_sentence = sentence_sims.max(axis=0)
    margin = best_sentence - float(np.median(best_sentence))
    rule = np.array([saturate(totals.get(cid, 0.0)) for cid in index.consideration_ids])
    rp_probability = index.rp_probabilities(vecs).max(axis=0)
    def_rule_rp = np.array([saturate(totals.get(rid, 0.0)) for rid in index.rp_ids])
    columns = {
        "sentence_similarity": best_sentence,
        "passage_similarity": passage_sims,
        "definition_similarity": def_sims[index.consideration_rp],
        "rule_score": rule,
        "definition_rule_score": def_rule_rp[index.consideration_rp],
        "similarity_margin": margin,
        "nonevidence_share": np.full(len(rule), nonevidence_share(passage.text, flagged)),
        "rp_probability": rp_probability[index.consideration_rp],
        "msi_confidence": np.full(len(rule), max((a.confidence for a in passage.msis),
                                                 default=0.0)),
    }
    features = np.clip(np.stack([columns[name] for name in FEATURES], axis=1), 0.0, 1.0)
    return PassageScores(features, spans, sentence_sims, text_sims, hits,
                         tuple(sorted(set(flagged.values()))))


def reference_point_scores(scores: PassageScores, framework: Framework,
                           index: EvidenceIndex) -> list[tuple[float, int, np.ndarray]]:
    """Per reference point: (calibrated score, best consideration index, feature row)."""
    calibration = framework.matching.calibration or DEFAULT_CALIBRATION
    per_consideration = calibrated(scores.features, calibration)
    out = []
    for r in range(len(index.rp_ids)):
        members = np.flatnonzero(index.consideration_rp == r)
        row = scores.features[members].max(axis=0)
        best = int(members[np.argmax(per_consideration[members])])
        out.append((float(calibrated(row[None, :], calibration)[0]), best, row))
    return out


def _quote_row(scores: PassageScores, c: int, owners: set[str]) -> int:
    """The sentence to quote for consideration ``c``: best similarity, nudged by rule hits."""
    bonus = np.array([sum(0.05 for h in scores.hits if h.owner in owners and s <= h.start < e)
                      for s, e in scores.spans])
    return int(np.argmax(scores.sentence_sims[:, c] + bonus))


def _example_sims(scores: PassageScores, row: int, c: int,
                  index: EvidenceIndex) -> tuple[float | None, float | None]:
    own = index.owner == c
    kinds = np.array(index.kinds)
    sims = []
    for kind in ("meets example", "fails example"):
        cols = own & (kinds == kind)
        sims.append(float(scores.text_sims[row, cols].max()) if cols.any() else None)
    return sims[0], sims[1]


def match_passages(passages: list[Passage], vectors: np.ndarray,
                   sentence_rows: list[tuple[int, int, int]], framework: Framework,
                   index: EvidenceIndex) -> list[Candidate]:
    """Candidates of one document's passages.

    ``vectors`` holds one row per passage, then one per entry of ``sentence_rows``."""
    if not passages:
        return []
    if index.learned is not None:
        from pipeline.learn.propose import learned_candidates

        return learned_candidates(passages, vectors, sentence_rows, framework, index)
    n = len(passages)
    by_passage: dict[int, list[int]] = {}
    for row, (p_index, _, _) in enumerate(sentence_rows):
        by_passage.setdefault(p_index, []).append(row)
    settings = framework.matching
    rps = {rp.id: rp for rp in framework.reference_points}
    chosen: list[_Choice] = []
    for i, passage in enumerate(passages):
        if passage.kind == "heading" or passage.n_words < settings.min_words or not passage.msis:
            continue
        rows = by_passage.get(i, [])
        scores = score_passage(passage, vectors[i], vectors[[n + r for r in rows]],
                               [sentence_rows[r][1:] for r in rows], framework, index)
        if scores is None:
            continue
        ranked = sorted(((s, r, c, row) for r, (s, c, row) in
                         enumerate(reference_point_scores(scores, framework, index))),
                        key=lambda t: -t[0])
        kept = [t for t in ranked if t[0] >= framework.threshold_for(rps[index.rp_ids[t[1]]])]
        readings = tuple((score, r, c) for score, r, c, _ in ranked)
        chosen.extend(_Choice(score, i, r, c, row, scores, readings)
                      for score, r, c, row in kept[: settings.top_k])
    chosen = within_budget(chosen, passages, settings.budget_per_1000_words)
    proposed: dict[int, set[int]] = {}
    for choice in chosen:
        proposed.setdefault(choice.passage, set()).add(choice.rp)
    return [candidate for choice in chosen
            for candidate in _candidates(passages[choice.passage], choice, framework, index,
                                         _alternatives(choice, proposed[choice.passage], index))]


def match_documents(documents: list[tuple[list[Passage], np.ndarray, list[tuple[int, int, int]]]],
                    framework: Framework, index: EvidenceIndex) -> list[list[Candidate]]:
    """:func:`match_passages` of several documents: ``(passages, vectors, sentence_rows)``
    each. The learned model reads all their sentences at once; each document's candidates
    are the same as when it is matched alone."""
    if index.learned is None:
        return [match_passages(*document, framework, index) for document in documents]
    from pipeline.learn.propose import learned_candidates_of

    return learned_candidates_of(documents, framework, index)


@dataclass(frozen=True)
class _Choice:
    """A reference point kept for a passage: its score, best consideration and features."""

    score: float
    passage: int  # index into the document's passages
    rp: int  # index into index.rp_ids
    consideration: int  # index into index.consideration_ids
    row: np.ndarray  # the reference point's feature row
    scores: PassageScores
    readings: tuple[tuple[float, int, int], ...]  # (score, rp, best consideration) of all the
    # passage's reference points, best first


ALTERNATIVES = 3  # the passage's next-best reference points offered to the reviewer


def _alternatives(choice: _Choice, proposed: set[int],
                  index: EvidenceIndex) -> list[Alternative]:
    """The passage's best-scoring reference points that are not proposed as candidates of it:
    when the tool picks the wrong reference point for real evidence, the reviewer can accept the
    passage under the right one instead of rejecting it (choosing the reference point is where
    the tool is weakest; see docs/scoring.md)."""
    return [Alternative(index.rp_ids[r], index.consideration_ids[c],
                        round(float(np.clip(score, 0.0, 1.0)), 4))
            for score, r, c in choice.readings if r not in proposed][:ALTERNATIVES]


def within_budget(chosen: list[_Choice], passages: list[Passage],
                  budget_per_1000_words: float | None) -> list[_Choice]:
    """The highest-scoring choices whose candidates (one per MSI of the passage) fit the
    document's reviewer budget, in document order; all of them when there is no budget.

    A score threshold alone lets the workload drift with the document: unseen writing scores
    lower than the text the rules were written from, so recall falls while the budget is unused,
    and a verbose document floods the queue. The budget ranks within the document instead."""
    if budget_per_1000_words is None:
        return chosen
    words = sum(p.n_words for p in passages)
    return keep_within(chosen, passages, math.ceil(budget_per_1000_words * words / 1000),
                       lambda choice: choice.score)


def keep_within(items: list, passages: list[Passage], allowed: int, score,
                at_least_one: bool = False) -> list:
    """The best items by ``score`` (each has ``passage`` and ``rp``, and costs one candidate
    per MSI of its passage) that fit ``allowed`` candidates, in document order; with
    ``at_least_one`` the best item is kept even when it alone costs more."""
    used, kept = 0, []
    for item in sorted(items, key=lambda it: (-score(it), it.passage, it.rp)):
        cost = len(passages[item.passage].msis)
        if used + cost <= allowed or (at_least_one and not kept):
            used += cost
            kept.append(item)
    return sorted(kept, key=lambda it: (it.passage, -score(it), it.rp))


def _candidates(passage: Passage, choice: _Choice, framework: Framework,
                index: EvidenceIndex, alternatives: list[Alternative]) -> list[Candidate]:
    """One candidate per MSI of the passage for a chosen reference point."""
    settings = framework.matching
    calibration = settings.calibration or DEFAULT_CALIBRATION
    scores, r, c, row = choice.scores, choice.rp, choice.consideration, choice.row
    cid, rid = index.consideration_ids[c], index.rp_ids[r]
    q = _quote_row(scores, c, {cid, rid})
    q_start, q_end = scores.spans[q]
    # Quote offsets point into the text of the passage's first page, so a quote of a
    # passage that crosses a page break stops at the break.
    first_len = passage.char_end - passage.char_start
    if q_start >= first_len:
        q_start, q_end = 0, first_len
    q_end = min(q_end, first_len)
    quote = passage.text[q_start:q_end]
    quote_hits = [h for h in scores.hits if h.owner in (cid, rid) and q_start <= h.start < q_end]
    meets, fails = _example_sims(scores, q, c, index)
    context = tuple(passage.text[s:e] for k, (s, e) in enumerate(scores.spans) if k != q)
    pol = polarity_mod.classify(quote, quote_hits, meets, fails, settings.polarity, context)
    own_texts = np.flatnonzero(index.owner == c)
    t_best = int(own_texts[np.argmax(scores.text_sims[q, own_texts])])
    members = np.flatnonzero(index.consideration_rp == r)
    per_c = calibrated(scores.features[members], calibration)
    explanation = Explanation(
        quote=quote,
        consideration_id=cid,
        matched_text=index.texts[t_best],
        matched_kind=index.kinds[t_best] if index.kinds else "",
        matched_similarity=round(float(scores.text_sims[q, t_best]), 4),
        rules=tuple(sorted({h.label for h in scores.hits if h.owner in (cid, rid)})),
        components={name: round(float(row[k]), 4) for k, name in enumerate(FEATURES)},
        contributions=contributions(row, calibration),
        consideration_scores={index.consideration_ids[m]: round(float(s), 4)
                              for m, s in zip(members, per_c, strict=True)},
        polarity_score=pol.score,
        polarity_cues=tuple(pol.cues),
        nonevidence=tuple(scores.nonevidence),
        passage_similarity=round(float(scores.features[c, 1]), 4),
        sentence_similarity=round(float(scores.features[c, 0]), 4),
        alternatives=tuple(alternatives),
    )
    return [Candidate(
        candidate_id=candidate_id(passage.passage_id, framework.id, cid, attribution.msi_id),
        passage_id=passage.passage_id, doc_id=passage.doc_id,
        msi=attribution.msi_id, reference_point_id=rid, consideration_id=cid,
        score=round(float(np.clip(choice.score, 0.0, 1.0)), 6),
        quote=quote,
        quote_start=passage.char_start + q_start,
        quote_end=passage.char_start + q_end,
        polarity=pol.label,
        explanation=explanation.with_msi(attribution.reason, attribution.confidence),
    ) for attribution in passage.msis]
