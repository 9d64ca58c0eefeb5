"""Combine component scores into one calibrated score in [0, 1] (logistic regression).

The weights live in the framework YAML (``matching.calibration``), fitted on the tuning split of
the gold set by ``research/train_scorer.py``; without them a hand-set default is used.
"""

from __future__ import annotations

import numpy as np

from pipeline.rules.framework import Calibration
from pipeline.scoring.features import FEATURES

DEFAULT_CALIBRATION = Calibration(
    intercept=-6.0,
    weights={"sentence_similarity": 6.0, "passage_similarity": 2.0, "definition_similarity": 1.0,
             "rule_score": 2.5, "definition_rule_score": 1.0, "similarity_margin": 4.0,
             "nonevidence_share": -4.0},
    fitted_on="hand-set default (no calibration in the framework file)",
)


def weight_vector(calibration: Calibration) -> np.ndarray:
    return np.array([calibration.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)


def calibrated(features: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Probabilities for a (..., len(FEATURES)) feature array."""
    z = features @ weight_vector(calibration) + calibration.intercept
    return 1.0 / (1.0 + np.exp(-z))


def contributions(features: np.ndarray, calibration: Calibration) -> dict[str, float]:
    """Per-feature contribution to the logit of one feature row (for explanations)."""
    w = weight_vector(calibration)
    return {name: round(float(features[i] * w[i]), 4) for i, name in enumerate(FEATURES) if w[i]}
