"""How the candidates' scores rank and how well they are calibrated (for ``msi-evidence eval``
and ``msi-evidence train``).

- **Recall at a workload**: each document keeps only its best-scoring candidates, up to N per
  1,000 of its words (at least one), and recall is counted as in ``pipeline.evaluate.metrics``. It
  shows what a reviewer with a smaller budget would still find.
- **Reliability table**: candidates grouped by score; in each group the share that is correct
  (its passage holds a gold quote of its reference point). For a calibrated score the share is
  close to the group's scores.
"""

from __future__ import annotations

import numpy as np

from pipeline.evaluate.metrics import ALL, EvalCandidate, EvalPassage, GoldRow, evaluate, normalise

WORKLOADS = (5, 10, 25)


def recall_at_workloads(candidates: list[EvalCandidate], passages: list[EvalPassage],
                        gold: list[GoldRow], workloads=WORKLOADS) -> dict[int, float | None]:
    file_of = {p.key: p.file for p in passages}
    words: dict[str, int] = {}
    for p in passages:
        words[p.file] = words.get(p.file, 0) + p.n_words
    by_file: dict[str, list[EvalCandidate]] = {}
    for c in candidates:
        if c.passage_key in file_of:
            by_file.setdefault(file_of[c.passage_key], []).append(c)
    out = {}
    for per in workloads:
        kept = []
        for file, items in by_file.items():
            allowed = max(1, int(per * words.get(file, 0) / 1000))
            kept.extend(sorted(items, key=lambda c: -c.score)[:allowed])
        out[per] = evaluate(kept, passages, gold, draws=0).overall[ALL].recall
    return out


def reliability_table(candidates: list[EvalCandidate], passages: list[EvalPassage],
                      gold: list[GoldRow], bins: int = 5) -> list[tuple[float, float, int, float]]:
    """(score from, score to, candidates, share correct) per score bin."""
    text_of = {p.key: (p.file, normalise(p.text)) for p in passages}
    gold_of: dict[str, list[tuple[str, str]]] = {}
    for g in gold:
        gold_of.setdefault(g.file, []).append((g.reference_point, normalise(g.quote)))
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        inside = [c for c in candidates if c.passage_key in text_of
                  and (lo <= c.score < hi or (k == bins - 1 and c.score == hi))]
        correct = 0
        for c in inside:
            file, text = text_of[c.passage_key]
            correct += any(rp == c.reference_point and q in text for rp, q in gold_of.get(file, ()))
        rows.append((round(float(lo), 2), round(float(hi), 2), len(inside),
                     round(correct / len(inside), 3) if inside else float("nan")))
    return rows


def format_ranking(recall_at: dict[int, float | None],
                   reliability: list[tuple[float, float, int, float]]) -> str:
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    lines = ["recall at workload: " + ", ".join(f"{n}/1k words {fmt(v)}"
                                                for n, v in recall_at.items()),
             "reliability (score → share of candidates correct):"]
    lines += [f"  {lo:.1f}–{hi:.1f}: {n:5d} candidates, {share:.2f} correct"
              for lo, hi, n, share in reliability if n]
    return "\n".join(lines)
