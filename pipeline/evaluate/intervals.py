"""Bootstrap intervals for the evaluation's recall, precision and F1.

The unit drawn is the passage, with every candidate and gold row it holds: candidates of one
passage (several reference points, several MSIs) and gold rows of one paragraph are not
independent, so drawing rows one by one would give intervals that are too narrow. A gold row
whose quote lies in no passage is a unit of its own. The draws use a fixed seed, so a report is
reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
SEED = 20261122


@dataclass
class PassageTally:
    """What one passage contributes to recall and precision within one split."""

    gold: int = 0
    matched: int = 0
    candidates: int = 0
    correct: int = 0


class BootstrapUnits:
    """The units of each split's bootstrap: per passage, the candidates and gold rows counted
    in that split. A candidate counts in its passage's split, a gold row in its own (a passage
    can hold rows of two splits), both also in "all"; a gold row in no passage is a unit alone."""

    def __init__(self) -> None:
        self._units: dict[tuple[str, str], PassageTally] = {}
        self._unplaced = 0

    def _unit(self, key: str, split: str) -> PassageTally:
        return self._units.setdefault((key, split), PassageTally())

    def add_passage(self, key: str, splits: Iterable[str]) -> None:
        for split in splits:
            self._unit(key, split)

    def add_candidate(self, key: str, splits: Iterable[str], correct: bool) -> None:
        for split in splits:
            unit = self._unit(key, split)
            unit.candidates += 1
            unit.correct += int(correct)

    def add_gold(self, key: str | None, splits: Iterable[str], matched: bool) -> None:
        if key is None:
            self._unplaced += 1
            key = f"\0unplaced-{self._unplaced}"
        for split in splits:
            unit = self._unit(key, split)
            unit.gold += 1
            unit.matched += int(matched)

    def of(self, split: str) -> list[PassageTally]:
        return [unit for (_, name), unit in self._units.items() if name == split]


def bootstrap_intervals(units: list[PassageTally], draws: int = 1000
                        ) -> dict[str, tuple[float, float] | None]:
    """95 % percentile intervals of recall, precision and F1 over ``draws`` resamples of the
    units; a metric's interval is None when the units hold nothing to compute it from. A draw
    without gold rows (or without candidates) has no recall (precision) and is left out of that
    metric's percentiles."""
    if not units or draws < 1:
        return {"recall": None, "precision": None, "f1": None}
    counts = np.array([[u.gold, u.matched, u.candidates, u.correct] for u in units], dtype=float)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(units), size=(draws, len(units)))
    gold, matched, cands, correct = (counts[picks, k].sum(axis=1) for k in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(gold > 0, matched / gold, np.nan)
        precision = np.where(cands > 0, correct / cands, np.nan)
        f1 = np.where(recall + precision > 0,
                      2 * recall * precision / (recall + precision), 0.0)
        f1 = np.where(np.isnan(recall) | np.isnan(precision), np.nan, f1)
    tail = 100 * (1 - LEVEL) / 2

    def interval(values: np.ndarray) -> tuple[float, float] | None:
        values = values[~np.isnan(values)]
        if not len(values):
            return None
        low, high = np.percentile(values, [tail, 100 - tail])
        return round(float(low), 4), round(float(high), 4)

    return {"recall": interval(recall), "precision": interval(precision), "f1": interval(f1)}
