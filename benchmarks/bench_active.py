"""The active model's refit ("most likely evidence first") at scale, with and without the
(reference point, word) features, side by side in one run.

Builds N synthetic cards (default 100,000; 7 reference points, 2,000 documents, quotes drawn
from a 5,000-word vocabulary) and times, per variant: building the model's features
(``ActiveRanker(cards)``: both TF-IDF vocabularies, once per refit in the review workspace)
and one refit on D decisions (``scores``: the context columns, one logistic regression, a
probability for every card). The review workspace's refitter builds the features again only
when the live cards change, so a refit after a decision costs the second figure alone.

    .venv/bin/python benchmarks/bench_active.py [--cards 100000] [--decisions 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.learn.active import ActiveRanker, Card  # noqa: E402

RPS = ("commodity_focus", "participation", "transformation", "vulnerable_people",
       "reporting_validation", "high_standards", "tip_risk_awareness")


def cards(n: int, seed: int = 0) -> tuple[list[Card], np.ndarray]:
    """Synthetic cards and whether each is evidence (words 0-99 lean to evidence)."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(5000)])
    out, evidence = [], []
    for k in range(n):
        words = rng.zipf(1.3, 20) % len(vocabulary)
        rp = RPS[k % len(RPS)]
        doc = f"d{k % 2000}"
        out.append(Card(f"c{k}", " ".join(vocabulary[words]), rp, float(rng.random()), doc,
                        f"{doc}-p{k // 6}"))
        evidence.append(bool((words < 100).mean() > 0.5))
    return out, np.array(evidence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    deck, evidence = cards(args.cards)
    ActiveRanker(deck[:200]).scores(np.arange(100), evidence[:100])  # imports, warm caches
    rng = np.random.default_rng(1)
    report = {"cards": args.cards}
    for name, rp_words in (("words only", False), ("+ reference point x word", True)):
        t = time.perf_counter()
        ranker = ActiveRanker(deck, reference_point_words=rp_words)
        row = {"features_s": round(time.perf_counter() - t, 2), "columns": ranker.X.shape[1]}
        for d in args.decisions:
            decided = rng.choice(len(deck), size=d, replace=False)
            t = time.perf_counter()
            ranker.scores(decided, evidence[decided])
            row[f"refit_{d}_decisions_s"] = round(time.perf_counter() - t, 2)
        report[name] = row
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
