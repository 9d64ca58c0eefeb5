"""Evaluate each split's passages as if they were documents of their own.

    python -m research.eval_regions --db /tmp/run.sqlite [--split heldout] [--budgets 15 22 25]

The gold set splits documents by region, so tune and held-out passages share documents; under a
per-document reviewer budget (``matching.budget_per_1000_words``) the tune regions, where the
rules written from them score high, take most of the allowance. Here every file is cut down to
the passages of one split before matching, so that split gets the budget an unseen document would
get. Nothing is fitted; ``--db`` names a store whose embedding cache already holds the corpus.
"""

from __future__ import annotations

import argparse
import sys

from research.devcorpus import add_dev_arguments


def split_only(analysed, keys: set[str]):
    """An AnalysedFile holding only the passages whose evaluation key is in ``keys``."""
    import numpy as np

    from pipeline.evaluate.dataset import AnalysedFile

    keep = [i for i, ep in enumerate(analysed.eval_passages()) if ep.key in keys]
    position = {old: new for new, old in enumerate(keep)}
    n = len(analysed.passages)
    rows = [(position[i], s, e) for i, s, e in analysed.sentence_rows if i in position]
    sentence_vectors = [n + r for r, (i, _, _) in enumerate(analysed.sentence_rows)
                        if i in position]
    vectors = np.vstack([analysed.vectors[keep], analysed.vectors[sentence_vectors]])
    return AnalysedFile(analysed.file, tuple(analysed.passages[i] for i in keep), vectors,
                        tuple(rows))



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser, framework=False)
    parser.add_argument("--split", default="heldout", help="split to evaluate (default heldout)")
    parser.add_argument("--budgets", type=float, nargs="+", default=[15.0, 20.0, 22.0, 25.0])
    args = parser.parse_args()

    from pipeline.evaluate.dataset import project_candidates
    from pipeline.evaluate.metrics import assign_splits, evaluate
    from pipeline.scoring.match import EvidenceIndex
    from research.calibration import trial_framework
    from research.devcorpus import load_dev

    framework, files, gold, encoder = load_dev(args.db, args.model)
    index = EvidenceIndex.build(framework, encoder)
    passages = [p for f in files for p in f.eval_passages()]
    split_of = assign_splits(passages, gold)
    keys = {k for k, s in split_of.items() if s == args.split}
    if not keys:
        parser.error(f"no passages in split {args.split!r}; splits: {sorted(set(split_of.values()))}")
    cut = [split_only(f, keys) for f in files]
    floor = framework.matching.threshold
    print(f"{args.split} passages as their own documents (floor {floor})")
    print(f"{'budget/1kw':>10} {'recall':>6} {'prec':>5} {'F1':>5} {'polar':>5} {'c/1kw':>6}")
    for budget in args.budgets:
        trial = trial_framework(framework, budget=budget)
        candidates = [c for c in project_candidates(cut, trial, index) if c.score >= floor]
        m = evaluate(candidates, passages, gold).overall[args.split]
        print(f"{budget:10.1f} {m.recall:6.2f} {m.precision or 0:5.2f} {m.f1 or 0:5.2f} "
              f"{m.polarity_accuracy or 0:5.2f} {m.per_1000_words:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
