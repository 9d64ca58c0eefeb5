"""Twin grouping at scale: how long ``pipeline.store.twin_groups.twin_groups`` takes on a large store.

    python benchmarks/bench_twins.py [--candidates 100000] [--copies 0.3]

Builds synthetic candidates over a few MSIs and reference points: distinct sentences, exact
copies (another format of the same report) and near-copies with one word changed (another
version), then groups them, printing the time, the groups found against the planted ones, and
the time of a naive all-pairs comparison on a sample (extrapolated) for comparison.
"""

from __future__ import annotations

import argparse
import random
import time

from pipeline.store.twin_groups import TwinCandidate, jaccard, normalise, shingles, twin_groups

WORDS = ["audit", "certification", "workers", "standard", "members", "monitoring", "independent", "board", "report", "grievance", "remedy", "supply", "chain", "transparency", "payments", "governments", "companies", "civil", "society", "forced", "labour", "wages", "farmers", "premium", "assurance", "scheme", "review", "complaints"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 40))).capitalize() + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--copies", type=float, default=0.3, help="share that copies another")
    args = parser.parse_args()
    rng = random.Random(7)
    items: list[TwinCandidate] = []
    planted = 0
    while len(items) < args.candidates:
        msi, rp = rng.choice(["EITI", "FLA", "KPCS", "RSPO"]), rng.choice(["rv", "pa", "hs"])
        text = sentence(rng)
        items.append(TwinCandidate(f"c{len(items)}", msi, rp, text, rng.random()))
        if rng.random() < args.copies:
            planted += 1
            words = text.split()
            if rng.random() < 0.5:
                words[rng.randrange(len(words))] = "changed"
            items.append(TwinCandidate(f"c{len(items)}", msi, rp, " ".join(words), rng.random()))
    started = time.perf_counter()
    lead_of = twin_groups(items)
    grouped_s = time.perf_counter() - started
    merged = sum(1 for c, lead in lead_of.items() if c != lead)
    sample = items[:2000]
    started = time.perf_counter()
    sets = [shingles(normalise(c.quote)) for c in sample]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            jaccard(sets[i], sets[j])
    pairs_s = (time.perf_counter() - started) * (len(items) / len(sample)) ** 2
    print("| candidates | planted copies | merged | MinHash + LSH s | all pairs s (extrapolated) |")
    print("|---|---|---|---|---|")
    print(f"| {len(items):,} | {planted:,} | {merged:,} | {grouped_s:.1f} | {pairs_s:,.0f} |")


if __name__ == "__main__":
    main()
