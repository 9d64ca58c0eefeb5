"""What the calibration experiments share: labelled feature rows of the development corpus, the
logistic calibration fitted on them, and the framework with a trial calibration, polarity or
budget. ``research.train_scorer``, ``research.cv_scorer`` and ``research.eval_regions`` use it.

A feature row is one (passage, reference point) pair with the reference point's feature row
(the element-wise best over its considerations, as ``match.reference_point_scores`` uses); it is
positive when the passage contains a gold quote of that reference point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.evaluate.dataset import AnalysedFile
from pipeline.evaluate.metrics import GoldRow, assign_splits, normalise
from pipeline.rules.framework import Framework
from pipeline.scoring.match import EvidenceIndex

# the features that come from the evidence rules (left out of the dense-only model)
RULE_FEATURES = ("rule_score", "definition_rule_score")


@dataclass(frozen=True)
class FeatureRows:
    keys: list[str]  # passage keys
    rp_ids: list[str]
    splits: list[str]
    X: np.ndarray
    y: np.ndarray


def feature_rows(files: list[AnalysedFile], framework: Framework, index: EvidenceIndex,
                 gold: list[GoldRow]) -> FeatureRows:
    passages = [p for f in files for p in f.eval_passages()]
    split_of = assign_splits(passages, gold)
    keys, rps, splits, xs, ys = [], [], [], [], []
    for f in files:
        for i, passage in enumerate(f.passages):
            if passage.kind == "heading" or passage.n_words < framework.matching.min_words:
                continue
            scores = f.score(i, framework, index)
            if scores is None:
                continue
            key = f"{f.file}|{passage.passage_id}"
            text = normalise(passage.text)
            for r, rp_id in enumerate(index.rp_ids):
                members = np.flatnonzero(index.consideration_rp == r)
                keys.append(key)
                rps.append(rp_id)
                splits.append(split_of[key])
                xs.append(scores.features[members].max(axis=0))
                ys.append(int(any(g.file == f.file and g.reference_point == rp_id
                                  and normalise(g.quote) in text for g in gold)))
    return FeatureRows(keys, rps, splits, np.array(xs), np.array(ys))


def fit_calibration(rows, train_keys: set[str], C: float, blend: float, drop: tuple[str, ...]):
    """Logistic calibration on the rows of ``train_keys`` (see ``research.train_scorer``); features in
    ``drop`` get weight 0."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from pipeline.rules.framework import Calibration
    from pipeline.scoring.features import FEATURES

    idx = [i for i, k in enumerate(rows.keys) if k in train_keys]
    X, y = rows.X[idx], rows.y[idx]
    cols = [k for k, n in enumerate(FEATURES) if n not in drop]
    dense = [k for k in cols if FEATURES[k] not in RULE_FEATURES]
    coef = np.zeros(len(FEATURES))
    full = LogisticRegression(C=C, max_iter=2000).fit(X[:, cols], y)
    coef[cols] += (1 - blend) * full.coef_[0]
    intercept = (1 - blend) * full.intercept_[0]
    if blend:
        d = LogisticRegression(C=C, max_iter=2000).fit(X[:, dense], y)
        coef[dense] += blend * d.coef_[0]
        intercept += blend * d.intercept_[0]
    return Calibration(intercept=float(intercept),
                       weights={n: float(w) for n, w in zip(FEATURES, coef, strict=True)})


def trial_framework(framework, calibration=None, polarity=None, budget=None):
    """The framework with another calibration or polarity; no threshold, so that the threshold
    can be applied afterwards, and the given per-document budget (None: none)."""
    data = framework.model_dump()
    if calibration is not None:
        data["matching"]["calibration"] = calibration.model_dump()
    if polarity is not None:
        data["matching"]["polarity"] = polarity
    data["matching"]["threshold"] = 0.0
    data["matching"]["budget_per_1000_words"] = budget
    for rp in data["reference_points"]:
        rp["threshold"] = None
    return type(framework).model_validate(data)
