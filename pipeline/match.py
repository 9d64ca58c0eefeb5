"""Match: score every (passage, consideration) pair and keep the best as candidates.

Each consideration is represented by several evidence texts: its own text, the text prefixed
with its reference point's name, its description and its example phrasings from the framework
YAML. A passage's score for a consideration is the best cosine similarity between any of those
texts and either the whole passage or its best sentence; that best sentence is the quote.
Candidates are kept above the reference point's threshold, at most ``top_k`` per passage, one per
MSI the passage is about.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from pipeline.embed import Encoder
from pipeline.framework import Framework
from pipeline.records import Candidate, Passage


@dataclass(frozen=True)
class EvidenceIndex:
    """The framework's evidence texts embedded once: row i belongs to consideration owner[i]."""

    consideration_ids: tuple[str, ...]
    reference_point_ids: tuple[str, ...]
    texts: tuple[str, ...]
    owner: np.ndarray  # int index into consideration_ids, one per text
    vectors: np.ndarray

    @classmethod
    def build(cls, framework: Framework, encoder: Encoder) -> EvidenceIndex:
        texts, owner, cids, rpids = [], [], [], []
        for index, (rp, c) in enumerate(framework.considerations):
            cids.append(c.id)
            rpids.append(rp.id)
            own = [c.text, f"{rp.name}: {c.text}", c.description, *c.examples.meets, *c.examples.fails]
            for text in dict.fromkeys(t.strip() for t in own if t and t.strip()):
                texts.append(text)
                owner.append(index)
        return cls(tuple(cids), tuple(rpids), tuple(texts), np.asarray(owner),
                   encoder.encode(texts))

    def per_consideration_max(self, sims: np.ndarray) -> np.ndarray:
        """Reduce (rows × texts) similarities to (rows × considerations) maxima."""
        out = np.full((sims.shape[0], len(self.consideration_ids)), -1.0, dtype=np.float32)
        for index in range(len(self.consideration_ids)):
            cols = self.owner == index
            if cols.any():
                out[:, index] = sims[:, cols].max(axis=1)
        return out


def candidate_id(passage_id: str, framework_id: str, consideration_id: str, msi: str) -> str:
    key = f"{passage_id}|{framework_id}|{consideration_id}|{msi}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


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


def match_passages(passages: list[Passage], vectors: np.ndarray,
                   sentence_rows: list[tuple[int, int, int]], framework: Framework,
                   index: EvidenceIndex) -> list[Candidate]:
    """``vectors`` holds one row per passage, then one per entry of ``sentence_rows``."""
    if not passages:
        return []
    n = len(passages)
    passage_scores = index.per_consideration_max(vectors[:n] @ index.vectors.T)
    sentence_scores = (index.per_consideration_max(vectors[n:] @ index.vectors.T)
                       if sentence_rows else np.zeros((0, passage_scores.shape[1])))
    by_passage: dict[int, list[int]] = {}
    for row, (p_index, _, _) in enumerate(sentence_rows):
        by_passage.setdefault(p_index, []).append(row)

    settings = framework.matching
    thresholds = np.array([framework.threshold_for(rp) for rp, _ in framework.considerations])
    candidates: list[Candidate] = []
    for i, passage in enumerate(passages):
        if passage.kind == "heading" or passage.n_words < settings.min_words:
            continue
        rows = by_passage.get(i, [])
        best_sentence = sentence_scores[rows].max(axis=0) if rows else passage_scores[i]
        combined = np.maximum(passage_scores[i], best_sentence)
        ranked = [c for c in np.argsort(-combined, kind="stable") if combined[c] >= thresholds[c]]
        for c in ranked[: settings.top_k]:
            if rows:
                best_row = rows[int(np.argmax(sentence_scores[rows, c]))]
                _, q_start, q_end = sentence_rows[best_row]
            else:
                q_start, q_end = 0, len(passage.text)
            score = float(np.clip(combined[c], 0.0, 1.0))
            for attribution in passage.msis:
                candidates.append(Candidate(
                    candidate_id=candidate_id(passage.passage_id, framework.id,
                                              index.consideration_ids[c], attribution.msi_id),
                    passage_id=passage.passage_id, doc_id=passage.doc_id,
                    msi=attribution.msi_id,
                    reference_point_id=index.reference_point_ids[c],
                    consideration_id=index.consideration_ids[c],
                    score=round(score, 6),
                    quote=passage.text[q_start:q_end],
                    quote_start=passage.char_start + q_start,
                    quote_end=passage.char_start + q_end,
                    explanation={
                        "passage_similarity": round(float(passage_scores[i, c]), 4),
                        "sentence_similarity": round(float(best_sentence[c]), 4),
                        "msi_reason": attribution.reason,
                        "msi_confidence": attribution.confidence,
                    },
                ))
    return candidates
