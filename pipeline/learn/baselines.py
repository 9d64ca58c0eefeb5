"""The two naive baselines every evaluation table shows beside the project.

- **keyword**: a passage is a candidate for the consideration whose content words (the
  framework's consideration text, stop words removed) it contains the largest share of, when
  that share reaches a threshold;
- **cosine top-1**: the consideration text with the highest cosine similarity to the passage,
  when it reaches a threshold.

Both give one candidate per MSI the passage is about. Their thresholds are chosen where they do
best (``best_threshold``), never on held-out documents.
"""

from __future__ import annotations

import re

import numpy as np

from pipeline.evaluate.metrics import EvalCandidate, evaluate

STOP = {"a", "an", "and", "are", "as", "at", "be", "both", "by", "for", "from", "in", "into",
        "is", "of", "on", "or", "other", "the", "their", "to", "with", "its", "it", "this", "that",
        "these", "those", "including", "such"}


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 2}


def keyword_scores(files, framework):
    """(passage key, msis, {rp: best share}) for every body passage."""
    considerations = [(rp.id, content_words(c.text)) for rp, c in framework.considerations]
    out = []
    for f in files:
        for p in f.passages:
            if p.kind == "heading":
                continue
            words = content_words(p.text)
            scored = [(len(ws & words) / len(ws), rp) for rp, ws in considerations if ws]
            out.append((f"{f.file}|{p.passage_id}", [a.msi_id for a in p.msis], max(scored)))
    return out


def cosine_scores(files, framework, encoder):
    texts = [c.text for _, c in framework.considerations]
    rps = [rp.id for rp, _ in framework.considerations]
    vectors = encoder.encode(texts)
    out = []
    for f in files:
        for i, p in enumerate(f.passages):
            if p.kind == "heading":
                continue
            sims = vectors @ f.vectors[i]
            best = int(np.argmax(sims))
            out.append((f"{f.file}|{p.passage_id}", [a.msi_id for a in p.msis],
                        (float(sims[best]), rps[best])))
    return out


def top1_candidates(scored, threshold):
    return [EvalCandidate(key, rp, msi, "", score)
            for key, msis, (score, rp) in scored if score >= threshold for msi in msis]


def best_threshold(scored, passages, gold, split: str = "all", steps: int = 60) -> float:
    """The threshold of best F1 on ``split`` among ``steps`` quantiles of the scores."""
    values = np.array([s for _, _, (s, _) in scored])
    if not len(values):
        return 0.0
    grid = sorted({round(float(v), 4) for v in np.quantile(values, np.linspace(0, 1, steps))})
    best = (-1.0, 0.0)
    for threshold in grid:
        f1 = evaluate(top1_candidates(scored, threshold), passages, gold,
                      draws=0).overall[split].f1 or 0
        best = max(best, (f1, threshold))
    return best[1]
