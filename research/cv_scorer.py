"""Grouped cross-validation of the scorer INSIDE the tune split of the gold set.

    python -m research.cv_scorer --db /tmp/run.sqlite [--select budget|threshold] [--polarity]

Estimates how the calibration generalises to text it was not fitted on, without touching the
held-out split: only tune passages and tune gold rows are read. Tune passages are cut into
contiguous regions (``--block`` passages in document order); GroupKFold puts whole regions on one
side. For each configuration and fold, the logistic calibration is fitted on the training
regions and the pipeline's own candidates are counted on the test regions, selected either by
the YAML's per-document reviewer budget (``--select budget``, the default) or by a threshold
chosen on the training regions (best F1 at no more than ``--budget`` candidates per 1,000
words). Counts are summed over folds. Polarity settings are cross-validated the same way
(chosen by accuracy on the training regions).

Caveat: the seed-derived evidence rules and example phrasings were written while reading the
tune text, so every fold sees features that already know its sentences; this estimate corrects
the fitting of weights and threshold, not that. ``--blind-only`` removes that material (see
``Framework.blind_only``): what is left was written without reading any document, so its CV
figures estimate performance on writing the rules never saw.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
from dataclasses import dataclass

from research.devcorpus import add_dev_arguments

THRESHOLDS = tuple(round(0.1 + 0.025 * k, 3) for k in range(25))


@dataclass
class Counts:
    gold: int = 0
    matched: int = 0
    quoted: int = 0  # matched by a candidate that quotes the gold sentence itself
    cands: int = 0
    correct: int = 0
    words: int = 0
    pol_rows: int = 0
    pol_ok: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def quote_recall(self) -> float:
        return self.quoted / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.cands if self.cands else 0.0

    @property
    def f1(self) -> float:
        r, p = self.recall, self.precision
        return 2 * r * p / (r + p) if r + p else 0.0

    @property
    def per_1k(self) -> float:
        return 1000 * self.cands / self.words if self.words else 0.0

    @property
    def polarity(self) -> float:
        return self.pol_ok / self.pol_rows if self.pol_rows else 0.0

    def row(self) -> str:
        return (f"R {self.recall:.2f} (quote {self.quote_recall:.2f})  P {self.precision:.2f}  "
                f"F1 {self.f1:.2f}  "
                f"{self.per_1k:5.1f}/1kw  pol {self.polarity:.2f} ({self.pol_rows})")


@functools.cache
def _norm(text: str) -> str:
    from pipeline.evaluate.metrics import normalise

    return normalise(text)


def counts(cands, passages, gold, threshold: float) -> Counts:
    """The evaluation's counting (pipeline.evaluate.metrics) restricted to ``passages``."""
    from pipeline.evaluate.metrics import same_sentence

    keys = {p.key: p for p in passages}
    text = {k: _norm(p.text) for k, p in keys.items()}
    kept = [c for c in cands if c.passage_key in keys and c.score >= threshold]
    golds = [(g, _norm(g.quote)) for g in gold]
    golds = [(g, q) for g, q in golds if any(q in text[k] for k in keys)]
    out = Counts(words=sum(p.n_words for p in passages))
    for c in kept:
        out.cands += 1
        out.correct += int(any(g.reference_point == c.reference_point and g.file ==
                               keys[c.passage_key].file and q in text[c.passage_key]
                               for g, q in golds))
    for g, q in golds:
        out.gold += 1
        hits = [c for c in kept if c.reference_point == g.reference_point
                and keys[c.passage_key].file == g.file and q in text[c.passage_key]]
        out.matched += int(bool(hits))
        out.quoted += int(any(same_sentence(q, _norm(c.quote)) for c in hits))
        if hits and g.polarity:
            same = [c for c in hits if c.msi == g.msi] or hits
            out.pol_rows += 1
            out.pol_ok += int(max(same, key=lambda c: c.score).polarity == g.polarity)
    return out


def pick_threshold(cands, passages, gold, budget: float) -> float:
    scored = [(counts(cands, passages, gold, t), t) for t in THRESHOLDS]
    ok = [(c.f1, t) for c, t in scored if c.per_1k <= budget]
    return max(ok)[1] if ok else THRESHOLDS[-1]



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser, blind=True)
    parser.add_argument("--budget", type=float, default=22.0,
                        help="with --select threshold: candidates per 1,000 words allowed when "
                             "choosing the threshold")
    parser.add_argument("--select", choices=("threshold", "budget"), default="budget",
                        help="threshold: a score threshold chosen per fold; budget: the "
                             "YAML's per-document budget (highest scores first) and no threshold")
    parser.add_argument("--block", type=int, default=8, help="passages per CV region")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--polarity", action="store_true",
                        help="cross-validate the polarity settings (with the YAML's calibration)")
    parser.add_argument("--no-grid", action="store_true",
                        help="skip the calibration grid (only the YAML's own configuration)")
    args = parser.parse_args()

    import numpy as np
    from sklearn.model_selection import GroupKFold

    from pipeline.evaluate.dataset import project_candidates
    from pipeline.evaluate.metrics import assign_splits
    from pipeline.scoring.match import EvidenceIndex
    from research.calibration import feature_rows, fit_calibration, trial_framework
    from research.devcorpus import load_dev_args

    framework, files, gold_all, encoder = load_dev_args(args)
    passages_all = [p for f in files for p in f.eval_passages()]
    split_of = assign_splits(passages_all, gold_all)
    # From here on only the tune split exists.
    gold = [g for g in gold_all if g.split == "tune"]
    passages = [p for p in passages_all if split_of[p.key] == "tune"]
    tune_keys = {p.key for p in passages}
    index = EvidenceIndex.build(framework, encoder)
    budget = framework.matching.budget_per_1000_words
    rows = feature_rows(files, framework, index, gold)
    keep = [i for i, k in enumerate(rows.keys) if k in tune_keys]
    rows = type(rows)([rows.keys[i] for i in keep], [rows.rp_ids[i] for i in keep],
                      [rows.splits[i] for i in keep], rows.X[keep], rows.y[keep])
    groups = np.array([n // args.block for n in range(len(passages))])
    folds = [([passages[i] for i in tr], [passages[i] for i in te]) for tr, te in
             GroupKFold(n_splits=args.folds).split(np.zeros(len(passages)), groups=groups)]
    print(f"tune: {len(passages)} passages, {len(gold)} gold rows, {len(rows.keys)} feature rows,"
          f" {int(rows.y.sum())} positive; {args.folds} folds of regions of {args.block} passages;"
          f" threshold chosen at <= {args.budget}/1kw")

    def cv(C, blend, drop, polarity=None) -> tuple[Counts, list[float]]:
        total, chosen = Counts(), []
        for train, test in folds:
            cal = fit_calibration(rows, {p.key for p in train}, C, blend, drop)
            if args.select == "budget":
                cands = project_candidates(files, trial_framework(framework, cal, polarity,
                                                                  budget), index)
                t = framework.matching.threshold
            else:
                cands = project_candidates(files, trial_framework(framework, cal, polarity), index)
                t = pick_threshold(cands, train, gold, args.budget)
            chosen.append(t)
            total.add(counts(cands, test, gold, t))
        return total, chosen

    configs = [] if args.no_grid else [(C, blend, drop) for C, blend, drop in itertools.product(
        (0.1, 0.3, 1.0, 3.0), (0.0, 0.5, 1.0),
        ((), ("passage_similarity", "definition_similarity"),
         ("passage_similarity", "definition_similarity", "definition_rule_score")))]
    results = []
    for C, blend, drop in configs:
        total, chosen = cv(C, blend, drop)
        results.append((total.f1, C, blend, drop, total))
        print(f"C={C:<4} blend={blend:<3} drop={','.join(d[:8] for d in drop) or '-':<26} "
              f"{total.row()}  thresholds {chosen}")
    if results:
        best = max(results, key=lambda r: r[0])
        print(f"\nbest by CV F1: C={best[1]} blend={best[2]} drop={best[3]}: {best[4].row()}")
    shipped = project_candidates(files, trial_framework(framework, budget=budget), index)
    total = Counts()
    for _, test in folds:
        total.add(counts(shipped, test, gold, framework.matching.threshold))
    print(f"shipped calibration and threshold {framework.matching.threshold} (fitted on all of "
          f"tune, so optimistic), summed over the same test regions: {total.row()}")

    if args.polarity:
        grid = [{"margin": m, "bias": b, "example_weight": w, "context_weight": c}
                for m, b, w, c in itertools.product((0.1, 0.3, 0.5), (0.0, 0.3, 0.6),
                                                    (0.0, 2.0, 4.0, 8.0), (0.0, 0.3, 0.6, 1.0, 1.5))]
        cal = framework.matching.calibration
        threshold = framework.matching.threshold
        per = []
        for setting in grid:
            cands = project_candidates(files, trial_framework(framework, cal, setting, budget),
                                       index)
            per.append([counts(cands, te, gold, threshold) for _, te in folds])
        total = Counts()
        for f in range(len(folds)):
            train_acc = [sum(c.pol_ok for k, c in enumerate(p) if k != f)
                         / max(1, sum(c.pol_rows for k, c in enumerate(p) if k != f)) for p in per]
            total.add(per[int(np.argmax(train_acc))][f])
        print(f"polarity CV accuracy (settings chosen on training folds): "
              f"{total.polarity:.3f} over {total.pol_rows} rows")
        for setting, p in zip(grid, per, strict=True):
            acc = sum(c.pol_ok for c in p) / max(1, sum(c.pol_rows for c in p))
            print(f"  {setting}: tune accuracy {acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
