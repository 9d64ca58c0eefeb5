"""Document-grouped cross-validation and the held-out check, with the baselines in one table.

Every system is scored by ``pipeline.evaluate.metrics`` (a candidate matches a gold row when it is from
that file, has that reference point and its passage holds the quote) on documents it never saw:

- **learned**: in each of ``k`` folds of whole documents the model is fitted (heads and
  calibration) on the other folds' documents and proposes candidates for the fold's documents
  through the same code a run uses (``pipeline.scoring.match``). The threshold is then chosen once on
  the pooled cross-validated candidates (best F1 within the workload ceiling) — the only choice
  made with test folds — and the held-out documents are scored by a model fitted on all the
  cross-validation documents with that threshold, never looked at before.
- **hand-tuned scorer** (v1.4 rules and calibration), **keyword** and **cosine top-1**
  baselines on the same passages; the baselines' thresholds are their best on the
  cross-validation documents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.evaluate.dataset import AnalysedFile, project_candidates
from pipeline.evaluate.metrics import ALL, EvalCandidate, GoldRow, Metrics, evaluate
from pipeline.evaluate.ranking import WORKLOADS
from pipeline.learn.baselines import best_threshold, cosine_scores, keyword_scores, top1_candidates
from pipeline.learn.dataset import SentenceTable, eval_passages
from pipeline.learn.fit import FrameworkTexts, document_folds, fit_model
from pipeline.learn.model import EvidenceModel, Selection, Settings
from pipeline.rules.framework import Framework


@dataclass
class SystemResult:
    name: str
    split: str  # "cv" or "heldout"
    metrics: Metrics
    msi_right: float | None  # share of found gold rows whose candidate names the gold MSI
    per_reference_point: dict[str, Metrics] = field(default_factory=dict)
    recall_at: dict[int, float | None] = field(default_factory=dict)
    reliability: list[tuple[float, float, int, float]] = field(default_factory=list)


def candidates_of(files: list[AnalysedFile], framework: Framework, index,
                  model: EvidenceModel | None) -> list[EvalCandidate]:
    """The candidates a run would produce for ``files`` (learned model or hand-tuned scorer)."""
    return project_candidates(files, framework, dataclasses.replace(index, learned=model))


def result(name: str, split: str, candidates: list[EvalCandidate], files: list[AnalysedFile],
           gold: list[GoldRow]) -> SystemResult:
    report = evaluate(candidates, eval_passages(files), _with_all_files(gold, files), draws=0)
    m = report.overall[ALL]
    msi_right = round(m.matched_msi / m.matched, 4) if m.matched else None
    return SystemResult(name, split, m, msi_right,
                        {rp: d[ALL] for rp, d in report.by_reference_point.items()})


def _with_all_files(gold: list[GoldRow], files: list[AnalysedFile]) -> list[GoldRow]:
    """``evaluate`` counts only files named in the gold; a labelled document without evidence
    still counts (its candidates are all wrong), so it is named by a row that nothing matches."""
    keep = {f.file for f in files}
    gold = [g for g in gold if g.file in keep]
    named = {g.file for g in gold}
    return gold + [GoldRow(f.file, "\x00no evidence in this document\x00", "GENERAL", "none")
                   for f in files if f.file not in named]


def cross_validated_candidates(table: SentenceTable, files: list[AnalysedFile], fw: FrameworkTexts,
                               fit_args: tuple, framework: Framework, index, settings: Settings,
                               ceiling: float, k: int = 5, seed: int = 0,
                               calibration_folds: int = 3, top_k: int = 3,
                               training: Callable[[list[str]], Sequence[str]] | None = None
                               ) -> list[EvalCandidate]:
    """Every document's candidates from a model fitted without it (threshold 0: all above the
    ceiling's cut, so that the threshold can be chosen afterwards). ``training``, if given,
    picks which of a fold's training documents (sorted names) the fold's model is fitted on."""
    out = []
    open_selection = Selection(threshold=0.0, ceiling_per_1000_words=ceiling, top_k=top_k)
    for test_files in document_folds(np.array([f.file for f in files], dtype=object), k, seed):
        test = np.isin(table.file, test_files)
        fitted_on = ~test
        if training is not None:
            fitted_on = np.isin(table.file, list(training(sorted(set(table.file[~test])))))
        model = fit_model(table.subset(fitted_on), fw, fit_args, settings, open_selection,
                          calibration_folds)
        out.extend(candidates_of([f for f in files if f.file in set(test_files)], framework,
                                 index, model))
    return out


def choose_threshold(candidates: list[EvalCandidate], files: list[AnalysedFile],
                     gold: list[GoldRow]) -> tuple[float, float]:
    """(threshold, F1) of best F1 on the pooled cross-validated candidates."""
    passages = eval_passages(files)
    full_gold = _with_all_files(gold, files)
    best = (-1.0, 0.0)
    for threshold in np.round(np.arange(0.05, 0.8, 0.025), 3):
        kept = [c for c in candidates if c.score >= threshold]
        f1 = evaluate(kept, passages, full_gold, draws=0).overall[ALL].f1 or 0.0
        best = max(best, (f1, float(threshold)))
    return best[1], best[0]


def baseline_results(cv_files, heldout_files, gold, framework, encoder) -> list[SystemResult]:
    out = []
    for name, scorer in (("keyword", lambda fs: keyword_scores(fs, framework)),
                         ("cosine top-1", lambda fs: cosine_scores(fs, framework, encoder))):
        cv_scored = scorer(cv_files)
        threshold = best_threshold(cv_scored, eval_passages(cv_files),
                                   _with_all_files(gold, cv_files))
        label = f"{name} (≥ {threshold:.2f})"
        out.append(result(label, "cv", top1_candidates(cv_scored, threshold), cv_files, gold))
        out.append(result(label, "heldout", top1_candidates(scorer(heldout_files), threshold),
                          heldout_files, gold))
    return out


def format_table(results: list[SystemResult]) -> str:
    head = ("| system | documents | recall | precision | F1 | MSI right on found | polarity "
            "| cand./1k words | R@5 | R@10 | R@25 |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    f = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for r in results:
        m = r.metrics
        lines.append(f"| {r.name} | {'grouped CV' if r.split == 'cv' else 'held out'} | "
                     f"{f(m.recall)} | {f(m.precision)} | {f(m.f1)} | {f(r.msi_right)} | "
                     f"{f(m.polarity_accuracy)} | {f(m.per_1000_words)} | "
                     + " | ".join(f(r.recall_at.get(w)) for w in WORKLOADS) + " |")
    return "\n".join(lines)


def format_per_reference_point(r: SystemResult) -> str:
    f = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [f"{r.name}, {'grouped CV' if r.split == 'cv' else 'held out'}:",
             "| reference point | gold | recall | precision | F1 |", "|---|---|---|---|---|"]
    for rp, m in sorted(r.per_reference_point.items()):
        if rp != "none":
            lines.append(f"| {rp} | {m.gold} | {f(m.recall)} | {f(m.precision)} | {f(m.f1)} |")
    return "\n".join(lines)


def format_reliability(rows: list[tuple[float, float, int, float]]) -> str:
    lines = ["| score | candidates | share correct |", "|---|---|---|"]
    lines += [f"| {lo:.1f}–{hi:.1f} | {n} | {share:.2f} |" for lo, hi, n, share in rows if n]
    return "\n".join(lines)


def ranking(pool: list[EvalCandidate], files: list[AnalysedFile], gold: list[GoldRow]
            ) -> tuple[dict[int, float | None], list]:
    """Recall at workloads and the reliability table of ``pool`` on ``files``."""
    from pipeline.evaluate.ranking import recall_at_workloads, reliability_table

    full = _with_all_files(gold, files)
    passages = eval_passages(files)
    return recall_at_workloads(pool, passages, full), reliability_table(pool, passages, full)

