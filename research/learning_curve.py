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
    from pipeline.learn.crossval import candidates_of, choose_threshold, result
    from pipeline.learn.fit import document_folds, fit_model
    from pipeline.learn.model import Selection, Settings

    table, files = cv["table"], cv["files"]
    rng = np.random.default_rng(seed)
    candidates, sizes = [], []
    for test_files in document_folds(np.array([f.file for f in files], dtype=object), 5):
        test = np.isin(table.file, test_files)
        training = sorted(set(table.file[~test].tolist()))
        keep = rng.choice(training, size=max(2, round(fraction * len(training))), replace=False)
        sizes.append(len(keep))
        model = fit_model(table.subset(np.isin(table.file, keep)), cv["texts"], cv["fit_args"],
                          Settings(), Selection(0.0, CEILING, 3), 3)
        scored = [f for f in files if f.file in set(test_files.tolist())]
        candidates += candidates_of(scored, cv["framework"], cv["index"], model)
    threshold, _ = choose_threshold(candidates, files, cv["gold"])
    kept = [c for c in candidates if c.score >= threshold]
    return threshold, result("", "cv", kept, files, cv["gold"]).metrics, round(np.mean(sizes))


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
