"""Fit the score calibration (logistic regression over the component scores) on the TUNE split
of the gold set, and show how recall, precision and workload move with the budget.

    python -m research.train_scorer --db /tmp/run.sqlite

``--db`` names a store whose embedding cache (<db>.embeddings.sqlite) already holds the corpus's
embeddings (run ``msi-evidence run corpus --db ...`` once); the real model is used unless
``--model`` says otherwise. The fitted calibration is printed as a YAML block to paste under
``matching`` in the framework YAML by hand; the script never writes the framework.
The held-out split is never used for fitting or for choosing anything, and its numbers are
printed only with ``--show-heldout``. The table shows tune recall, precision and workload for a
range of per-document budgets (no score floor).
"""

from __future__ import annotations

import argparse
import sys

from research.devcorpus import add_dev_arguments


def choose_C(rows, grid=(0.03, 0.1, 0.3, 1.0, 3.0, 10.0)) -> float:
    """Regularisation by 5-fold cross-validation on the tune split only, grouped by runs of
    neighbouring passages (so one paragraph's rows never sit on both sides)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import GroupKFold

    tune = np.array([i for i, s in enumerate(rows.splits) if s == "tune"])
    order = {k: n for n, k in enumerate(dict.fromkeys(rows.keys[i] for i in tune))}
    groups = np.array([order[rows.keys[i]] // 4 for i in tune])
    X, y = rows.X[tune], rows.y[tune]
    losses = {}
    for C in grid:
        total = 0.0
        for train, test in GroupKFold(n_splits=5).split(X, y, groups):
            model = LogisticRegression(C=C, max_iter=2000).fit(X[train], y[train])
            total += log_loss(y[test], model.predict_proba(X[test])[:, 1], labels=[0, 1])
        losses[C] = total / 5
    print("cross-validated log-loss on tune:", {c: round(v, 4) for c, v in losses.items()})
    return min(losses, key=losses.get)


def calibration_yaml(calibration, n_rows: int, n_pos: int, C: float, blend: float,
                     drop: tuple[str, ...]) -> str:
    weights = "\n".join(f"      {name}: {w:.4f}" for name, w in calibration.weights.items())
    dropped = f", without {', '.join(drop)}" if drop else ""
    return (f"  calibration:\n    intercept: {calibration.intercept:.4f}\n    weights:\n{weights}\n"
            f"    fitted_on: >-\n      logistic regression (C={C}, dense-only share {blend}"
            f"{dropped}) on "
            f"the tune split of corpus/gold/evidence_gold.csv: {n_rows} (passage, reference "
            f"point) rows, {n_pos} positive; python -m research.train_scorer --db DB\n")



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser)
    parser.add_argument("--C", type=float, help="inverse regularisation (default: chosen by "
                                                  "cross-validation on the tune split)")
    parser.add_argument("--blend", type=float, default=0.5,
                        help="share of the dense-only model in the averaged logit (default 0.5)")
    parser.add_argument("--drop", nargs="*", default=[], metavar="FEATURE",
                        help="features to leave out (weight 0)")
    parser.add_argument("--show-heldout", action="store_true",
                        help="also print the held-out split (off by default, so that choices "
                             "made while reading this output cannot be tuned on it)")
    args = parser.parse_args()

    from pipeline.evaluate.dataset import project_candidates
    from pipeline.evaluate.metrics import evaluate
    from pipeline.scoring.features import FEATURES
    from pipeline.scoring.match import EvidenceIndex
    from research.calibration import feature_rows, fit_calibration, trial_framework
    from research.devcorpus import load_dev

    unknown = sorted(set(args.drop) - set(FEATURES))
    if unknown:
        parser.error(f"unknown feature(s) {unknown}; known: {list(FEATURES)}")
    framework, files, gold, encoder = load_dev(args.db, args.model, args.framework)
    index = EvidenceIndex.build(framework, encoder)
    rows = feature_rows(files, framework, index, gold)
    C = args.C or choose_C(rows)
    tune_keys = {k for k, s in zip(rows.keys, rows.splits, strict=True) if s == "tune"}
    calibration = fit_calibration(rows, tune_keys, C, args.blend, tuple(args.drop))
    n_rows = sum(s == "tune" for s in rows.splits)
    n_pos = int(sum(y for y, s in zip(rows.y, rows.splits, strict=True) if s == "tune"))
    block = calibration_yaml(calibration, n_rows, n_pos, C, args.blend, tuple(args.drop))
    print(block)
    passages = [p for f in files for p in f.eval_passages()]
    splits = ("tune", "heldout") if args.show_heldout else ("tune",)
    print(f"{'budget/1kw':>10} | " + " | ".join(f"{s + ' R':>10} {'P':>5} {'c/1kw':>6} {'pol':>5}"
                                               for s in splits))
    for budget in (10.0, 15.0, 18.0, 20.0, 22.0, 25.0):
        trial = trial_framework(framework, calibration, budget=budget)
        report = evaluate(project_candidates(files, trial, index), passages, gold)
        cells = []
        for s in splits:
            m = report.overall[s]
            cells.append(f"{m.recall:10.2f} {m.precision:5.2f} {m.per_1000_words:6.1f} "
                         f"{m.polarity_accuracy or 0:5.2f}")
        print(f"{budget:10.1f} | " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
