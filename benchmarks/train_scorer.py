"""Fit the score calibration (logistic regression over the component scores) on the TUNE split
of the gold set, and show how recall, precision and workload move with the threshold.

    python benchmarks/train_scorer.py --db /tmp/run.sqlite [--write]

``--db`` names a store whose embedding cache (<db>.embeddings.sqlite) already holds the corpus's
embeddings (run ``msi-evidence run corpus --db ...`` once); the real model is used unless
``--model`` says otherwise. ``--write`` replaces ``matching.calibration`` in the framework YAML.
The held-out split is never used for fitting or for choosing anything; its numbers are printed
only so that over-fitting shows.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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


RULE_FEATURES = ("rule_score", "definition_rule_score")


def fit(rows, C: float, blend: float):
    """Logistic regression on the tune split, its logit averaged with that of a model without
    the rule features: ``blend`` is the dense-only model's share.

    The keyword rules were written while reading the tune documents, so a fit on the tune split
    trusts them more than unseen text will justify; the dense-only model hedges against that.
    Averaging logits keeps the score a logistic function of the features."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from pipeline.scoring.features import FEATURES

    tune = [i for i, s in enumerate(rows.splits) if s == "tune"]
    X, y = rows.X[tune], rows.y[tune]
    full = LogisticRegression(C=C, max_iter=2000).fit(X, y)
    dense_cols = [k for k, name in enumerate(FEATURES) if name not in RULE_FEATURES]
    dense = LogisticRegression(C=C, max_iter=2000).fit(X[:, dense_cols], y)
    coef = (1 - blend) * full.coef_[0]
    coef[dense_cols] += blend * dense.coef_[0]
    intercept = (1 - blend) * full.intercept_[0] + blend * dense.intercept_[0]
    return np.asarray(coef), float(intercept), len(tune), int(y.sum())


def calibration_yaml(coef, intercept: float, n_rows: int, n_pos: int, C: float,
                     blend: float) -> str:
    from pipeline.scoring.features import FEATURES

    weights = "\n".join(f"      {name}: {w:.4f}" for name, w in zip(FEATURES, coef, strict=True))
    return (f"  calibration:\n    intercept: {intercept:.4f}\n    weights:\n{weights}\n"
            f"    fitted_on: >-\n      logistic regression (C={C}, dense-only share {blend}) on "
            f"the tune split of corpus/gold/evidence_gold.csv: {n_rows} (passage, reference "
            f"point) rows, {n_pos} positive; python benchmarks/train_scorer.py --db DB --write\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="store whose embedding cache to use")
    parser.add_argument("--model", help="embedding model (default: the packaged one)")
    parser.add_argument("--framework", help="framework YAML (default: evidence_rules/framework.yaml)")
    parser.add_argument("--C", type=float, help="inverse regularisation (default: chosen by "
                                                  "cross-validation on the tune split)")
    parser.add_argument("--blend", type=float, default=0.5,
                        help="share of the dense-only model in the averaged logit (default 0.5)")
    parser.add_argument("--write", action="store_true", help="write the calibration into the YAML")
    args = parser.parse_args()

    from _corpus import load_dev

    from pipeline.evaluate import evaluate
    from pipeline.framework import DEFAULT_FRAMEWORK, Calibration
    from pipeline.match import EvidenceIndex
    from pipeline.scoring.dataset import feature_rows, project_candidates
    from pipeline.scoring.features import FEATURES

    framework, files, gold, encoder = load_dev(args.db, args.model, args.framework)
    index = EvidenceIndex.build(framework, encoder)
    rows = feature_rows(files, framework, index, gold)
    C = args.C or choose_C(rows)
    coef, intercept, n_rows, n_pos = fit(rows, C, args.blend)
    block = calibration_yaml(coef, intercept, n_rows, n_pos, C, args.blend)
    print(block)
    calibration = Calibration(intercept=intercept, weights={
        name: float(w) for name, w in zip(FEATURES, coef, strict=True)})
    passages = [p for f in files for p in f.eval_passages()]
    print(f"{'threshold':>9} | {'tune R':>6} {'P':>5} {'c/1kw':>6} {'pol':>5} | "
          f"{'held R':>6} {'P':>5} {'c/1kw':>6} {'pol':>5}")
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        data = framework.model_dump()
        data["matching"]["calibration"] = calibration.model_dump()
        data["matching"]["threshold"] = threshold
        for rp in data["reference_points"]:
            rp["threshold"] = None
        trial = type(framework).model_validate(data)
        report = evaluate(project_candidates(files, trial, index), passages, gold)
        t, h = report.overall["tune"], report.overall["heldout"]
        print(f"{threshold:9.2f} | {t.recall:6.2f} {t.precision:5.2f} {t.per_1000_words:6.1f} "
              f"{t.polarity_accuracy or 0:5.2f} | {h.recall:6.2f} {h.precision:5.2f} "
              f"{h.per_1000_words:6.1f} {h.polarity_accuracy or 0:5.2f}")
    if args.write:
        path = Path(args.framework) if args.framework else DEFAULT_FRAMEWORK
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(r"^  calibration:\n(?:^    .*\n|^      .*\n)*", re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _: block, text, count=1)
        else:
            text = text.replace("\nreference_points:", "\n" + block + "\nreference_points:", 1)
        path.write_text(text, encoding="utf-8")
        print(f"wrote the calibration into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
