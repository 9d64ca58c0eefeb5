"""Reviewer budget per document, the evidence-text classifier and the MSI-confidence feature
(hashing encoder)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from pipeline.errors import MsiEvidenceError
from pipeline.rules.framework import Framework, load_framework
from pipeline.scoring.features import FEATURES
from pipeline.scoring.match import EvidenceIndex, fit_rp_classifier, match_passages, score_passage


def _with(framework: Framework, **matching) -> Framework:
    data = framework.model_dump()
    data["matching"].update(matching)
    for rp in data["reference_points"]:
        rp["threshold"] = None
    return Framework.model_validate(data)


def _words(passages) -> int:
    return sum(p.n_words for p in passages)


@pytest.mark.parametrize("budget", [2.0, 10.0, 25.0])
def test_budget_keeps_the_best_scoring_candidates_within_the_allowance(blog_analysed, budget):
    framework, passages, vectors, rows, index = blog_analysed
    unlimited = match_passages(passages, vectors, rows,
                               _with(framework, threshold=0.0, budget_per_1000_words=None), index)
    limited = match_passages(passages, vectors, rows,
                             _with(framework, threshold=0.0, budget_per_1000_words=budget), index)
    allowed = math.ceil(budget * _words(passages) / 1000)
    assert 0 < len(limited) <= allowed < len(unlimited)
    # Nothing left out scores above the lowest kept (MSI cost aside, ties by document order).
    kept = {c.candidate_id for c in limited}
    lowest = min(c.score for c in limited)
    left_out = [c for c in unlimited if c.candidate_id not in kept]
    passage_msis = {p.passage_id: len(p.msis) for p in passages}
    assert all(c.score <= lowest or passage_msis[c.passage_id] > 1 for c in left_out)
    # A kept reference point keeps all of its passage's MSIs: candidates come in whole groups.
    groups = Counter((c.passage_id, c.reference_point_id) for c in limited)
    assert all(n == passage_msis[pid] for (pid, _), n in groups.items())
    # Candidates come out in document order.
    order = {p.passage_id: k for k, p in enumerate(passages)}
    seq = [order[c.passage_id] for c in limited]
    assert seq == sorted(seq)


def test_budget_counts_one_candidate_per_msi(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    several = next(p for p in passages if len(p.msis) > 1 and p.n_words >= 8
                   and p.kind != "heading")
    only = [several]
    i = passages.index(several)
    n = len(passages)
    mine = [r for r, (p, _, _) in enumerate(rows) if p == i]
    sub_vectors = np.vstack([vectors[i][None, :], vectors[[n + r for r in mine]]])
    sub_rows = [(0, s, e) for _, s, e in (rows[r] for r in mine)]
    # A budget of exactly one reference point's worth of candidates for this passage.
    budget = len(several.msis) * 1000 / several.n_words
    found = match_passages(only, sub_vectors, sub_rows,
                           _with(framework, threshold=0.0, budget_per_1000_words=budget), index)
    assert len(found) == len(several.msis)
    assert len({c.reference_point_id for c in found}) == 1
    assert {c.msi for c in found} == {a.msi_id for a in several.msis}


def test_the_floor_threshold_still_applies_under_a_budget(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    strict = match_passages(passages, vectors, rows,
                            _with(framework, threshold=0.99, budget_per_1000_words=100.0), index)
    assert all(c.score >= 0.99 for c in strict)


def test_packaged_framework_has_a_budget_within_the_workload_target():
    budget = load_framework().matching.budget_per_1000_words
    assert budget is not None and 0 < budget <= 25


def test_budget_must_be_positive():
    data = load_framework().model_dump()
    data["matching"]["budget_per_1000_words"] = 0
    with pytest.raises(Exception, match="budget_per_1000_words"):
        Framework.model_validate(data)


def test_rules_check_reports_a_bad_budget(tmp_path):
    import yaml

    data = load_framework().model_dump()
    data["matching"]["budget_per_1000_words"] = -5
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(MsiEvidenceError, match="budget_per_1000_words"):
        load_framework(path)


def test_rp_classifier_learns_the_evidence_texts(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    assert index.rp_classifier is not None
    probs = index.rp_probabilities(index.vectors)
    assert probs.shape == (len(index.texts), len(index.rp_ids))
    assert np.allclose(probs.sum(axis=1), 1.0)
    # On its own training texts the regularised classifier names the right reference point far
    # more often than chance (1 in 7), even with the hashing encoder's crude vectors.
    truth = index.consideration_rp[index.owner]
    assert (probs.argmax(axis=1) == truth).mean() > 0.5


def test_rp_classifier_needs_two_reference_points():
    vectors = np.eye(4, dtype=np.float32)
    assert fit_rp_classifier(vectors, np.zeros(4, dtype=int), 3) is None
    coef, intercept = fit_rp_classifier(vectors, np.array([0, 0, 2, 2]), 3)
    assert coef.shape == (3, 4) and intercept[1] < -100  # reference point 1 had no texts


def test_msi_confidence_feature_follows_the_attribution(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    k = FEATURES.index("msi_confidence")
    i, passage = next((i, p) for i, p in enumerate(passages)
                      if p.msis and p.kind != "heading" and len(p.sentences) > 1)
    n = len(passages)
    mine = [r for r, (p, _, _) in enumerate(rows) if p == i]
    args = ([rows[r][1:] for r in mine], framework, index)
    sure = replace(passage, msis=tuple(replace(a, confidence=0.9) for a in passage.msis))
    unsure = replace(passage, msis=tuple(replace(a, confidence=0.3) for a in passage.msis))
    high = score_passage(sure, vectors[i], vectors[[n + r for r in mine]], *args)
    low = score_passage(unsure, vectors[i], vectors[[n + r for r in mine]], *args)
    assert np.allclose(high.features[:, k], 0.9) and np.allclose(low.features[:, k], 0.3)


def test_index_build_is_deterministic(blog_analysed):
    from pipeline.embed import HashingEncoder

    framework = blog_analysed[0]
    a = EvidenceIndex.build(framework, HashingEncoder())
    b = EvidenceIndex.build(framework, HashingEncoder())
    assert np.array_equal(a.rp_classifier[0], b.rp_classifier[0])
