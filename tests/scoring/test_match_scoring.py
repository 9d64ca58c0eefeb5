"""Hybrid scoring in match (hashing encoder): calibrated scores, one candidate per reference
point, explanations with the quote, matched text, rules and component scores."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from pipeline.rules.framework import Framework
from pipeline.scoring.features import FEATURES
from pipeline.scoring.match import (
    EvidenceIndex,
    match_passages,
    reference_point_scores,
    score_passage,
)


def _loose(framework: Framework, **matching) -> Framework:
    data = framework.model_dump()
    data["matching"].update({"threshold": 0.0, "budget_per_1000_words": None, **matching})
    for rp in data["reference_points"]:
        rp["threshold"] = None
    return Framework.model_validate(data)


def test_candidates_carry_scores_polarity_and_explanations(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    candidates = match_passages(passages, vectors, rows, framework, index)
    assert candidates
    by_id = {p.passage_id: p for p in passages}
    for c in candidates:
        assert 0.0 <= c.score <= 1.0
        assert c.polarity in ("supports", "undermines", "neutral")
        e = c.explanation
        assert e["quote"] == c.quote and c.quote in by_id[c.passage_id].text
        assert set(e["components"]) == set(FEATURES)
        assert e["consideration_id"] == c.consideration_id
        assert e["matched_text"] in index.texts
        assert e["matched_kind"]
        assert c.consideration_id in e["consideration_scores"]
        assert isinstance(e["rules"], list) and isinstance(e["polarity_cues"], list)
    assert any(e.explanation["rules"] for e in candidates)


def test_one_candidate_per_reference_point_per_passage_and_msi(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    candidates = match_passages(passages, vectors, rows, _loose(framework, top_k=7), index)
    per = Counter((c.passage_id, c.msi, c.reference_point_id) for c in candidates)
    assert per and set(per.values()) == {1}
    assert max(Counter((c.passage_id, c.msi) for c in candidates).values()) == 7


def test_rule_hits_raise_the_score(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    passage = next(p for p in passages if "complaint hotline" in p.text)
    i = passages.index(passage)
    n = len(passages)
    mine = [r for r, (p, _, _) in enumerate(rows) if p == i]
    args = (passage, vectors[i], vectors[[n + r for r in mine]], [rows[r][1:] for r in mine])
    with_rules = score_passage(*args, framework, index)
    data = framework.model_dump()
    for rp in data["reference_points"]:
        rp["keywords"], rp["blind"]["keywords"] = [], []
        for c in rp["considerations"]:
            c["keywords"], c["blind"]["keywords"] = [], []
    bare = Framework.model_validate(data)
    without = score_passage(*args, bare, EvidenceIndex.build(bare, _Same(index)))
    tip = index.rp_ids.index("tip_risk_awareness")
    k = FEATURES.index("rule_score")
    assert with_rules.features[:, k].max() > 0 and without.features[:, k].max() == 0
    assert (reference_point_scores(with_rules, framework, index)[tip][0]
            > reference_point_scores(without, framework, index)[tip][0])


class _Same:
    """An encoder that returns the vectors of an existing index (texts unchanged)."""

    def __init__(self, index: EvidenceIndex):
        self.name = "same"
        self.lookup = dict(zip(index.texts, index.vectors, strict=True))
        self.lookup.update(zip(index.def_texts, index.def_vectors, strict=True))

    def encode(self, texts):
        # (any other text, such as the framework cache's probe, gets the first vector)
        first = next(iter(self.lookup.values()))
        return np.stack([self.lookup.get(t, first) for t in texts])


def test_quote_is_an_evidence_sentence_with_the_best_match(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    candidates = match_passages(passages, vectors, rows, framework, index)
    by_id = {p.passage_id: p for p in passages}
    for c in candidates:
        p = by_id[c.passage_id]
        spans = {p.text[s:e] for s, e in p.sentences} | {p.text}
        assert c.quote in spans


def test_alternatives_are_the_passages_next_reference_points_not_proposed(blog_analysed):
    """Each candidate offers the reviewer the passage's best-scoring reference points that are
    not candidates of that passage, best first, with their best consideration."""
    framework, passages, vectors, rows, index = blog_analysed
    candidates = match_passages(passages, vectors, rows, framework, index)
    proposed: dict[str, set[str]] = {}
    for c in candidates:
        proposed.setdefault(c.passage_id, set()).add(c.reference_point_id)
    by_id = {p.passage_id: p for p in passages}
    n = len(passages)
    offered = 0
    for c in candidates:
        alternatives = c.explanation["alternatives"]
        assert len(alternatives) <= 3
        ids = [a["reference_point_id"] for a in alternatives]
        assert not set(ids) & proposed[c.passage_id] and len(set(ids)) == len(ids)
        i = passages.index(by_id[c.passage_id])
        mine = [r for r, (p, _, _) in enumerate(rows) if p == i]
        scores = score_passage(by_id[c.passage_id], vectors[i], vectors[[n + r for r in mine]],
                               [rows[r][1:] for r in mine], framework, index)
        per_rp = reference_point_scores(scores, framework, index)
        expected = sorted(((s, index.rp_ids[r], index.consideration_ids[k])
                           for r, (s, k, _) in enumerate(per_rp)
                           if index.rp_ids[r] not in proposed[c.passage_id]),
                          key=lambda t: -t[0])[:3]
        assert [(a["reference_point_id"], a["consideration_id"]) for a in alternatives] == \
            [(rp, k) for _, rp, k in expected]
        assert [a["score"] for a in alternatives] == pytest.approx(
            [round(min(max(s, 0.0), 1.0), 4) for s, _, _ in expected], abs=1e-4)
        offered += bool(alternatives)
    assert offered == len(candidates)  # at most 3 of 7 reference points are proposed per passage
