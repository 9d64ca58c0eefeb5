"""How the learned model's grouped-CV figures grow with the number of labelled documents.

    python -m research.learning_curve [--fractions 0.25 0.5 0.75 1.0] [--seeds 0 1]

The folds of ``msi-evidence train`` over the 132 ``cv`` documents; in each fold the model
(heads and calibration) is fitted on a seeded random share of the other folds' documents and
proposes candidates for the fold's documents through the code a run uses. The threshold is the
best-F1 one on the pooled folds, per share and seed, as ``train`` chooses it. A curve still
rising at the full share says more labelled documents would pay; a flat one says the
representation, not the amount of labels, limits the model. The held-out documents are never
read.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR
from research.cv_pool import CEILING, cv_setup


def curve_point(cv: dict, fraction: float, seed: int) -> tuple[float, object, int]:
    """(threshold, metrics, mean training documents per fold) for one share and seed."""
    from pipeline.learn.crossval import choose_threshold, cross_validated_candidates, result
    from pipeline.learn.model import Settings

    rng = np.random.default_rng(seed)
    sizes = []

    def share(training: list[str]) -> list[str]:
        keep = rng.choice(training, size=max(2, round(fraction * len(training))), replace=False)
        sizes.append(len(keep))
        return keep.tolist()

    files, gold = cv["files"], cv["gold"]
    candidates = cross_validated_candidates(cv["table"], files, cv["texts"], cv["fit_args"],
                                            cv["framework"], cv["index"], Settings(), CEILING,
                                            training=share)
    threshold, _ = choose_threshold(candidates, files, gold)
    kept = [c for c in candidates if c.score >= threshold]
    return threshold, result("", "cv", kept, files, gold).metrics, round(np.mean(sizes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=LABELS_DIR)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    cv = cv_setup(args.corpus, args.labels)
    print("| share of training documents | documents per fold | seed | threshold | R | P | F1 "
          "| polarity |\n|---|---|---|---|---|---|---|---|")
    for fraction in args.fractions:
        for seed in args.seeds if fraction < 1.0 else args.seeds[:1]:
            start = time.time()
            threshold, m, size = curve_point(cv, fraction, seed)
            print(f"| {fraction:.2f} | {size} | {seed} | {threshold:.3f} | {m.recall:.3f} | "
                  f"{m.precision:.3f} | {m.f1:.3f} | {m.polarity_accuracy:.3f} |  "
                  f"({time.time() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
