"""Where does recall go? Rank of the gold reference point within its passage, on the TUNE split.

    python -m research.rank_analysis --db /tmp/run.sqlite [--blind-only]

For every tune gold row, the passage holding its quote is scored against all reference points
(as ``match`` does); the table shows how often the gold reference point ranks first, second, ...
among them, per reference point, and how far each component score of a gold reference point that
ranks third or lower lies below the top-ranked reference point's (mean gap). A candidate is
only made for the top ``matching.top_k`` reference points of a passage, and then only if the
document's budget reaches its score. Held-out rows are never read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict

from research.devcorpus import add_dev_arguments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser, blind=True)
    args = parser.parse_args()

    import numpy as np

    from pipeline.scoring.features import FEATURES
    from pipeline.scoring.match import EvidenceIndex, reference_point_scores
    from research.devcorpus import load_dev_args

    framework, files, gold, encoder = load_dev_args(args)
    index = EvidenceIndex.build(framework, encoder)
    tune = [g for g in gold if g.split == "tune"]
    ranks: dict[str, Counter] = defaultdict(Counter)
    gaps: list[np.ndarray] = []
    unscored = 0
    for f in files:
        for g in (g for g in tune if g.file == f.file):
            found = f.passage_holding(g.quote)
            passage = f.passages[found] if found is not None else None
            if passage is None or passage.kind == "heading" or not passage.msis:
                unscored += 1
                continue
            scores = f.score(found, framework, index)
            if scores is None:
                unscored += 1
                continue
            per_rp = reference_point_scores(scores, framework, index)
            order = sorted(range(len(per_rp)), key=lambda r: -per_rp[r][0])
            gold_rp = index.rp_ids.index(g.reference_point)
            rank = order.index(gold_rp)
            ranks[g.reference_point][rank] += 1
            if rank >= 2:
                gaps.append(per_rp[gold_rp][2] - per_rp[order[0]][2])
    width = len(index.rp_ids)
    print(f"tune gold rows: {sum(sum(c.values()) for c in ranks.values())} scored, {unscored} in "
          f"passages without a score (headings, no MSI, only non-evidence)"
          f"{'; blind material only' if args.blind_only else ''}")
    print(f"{'reference point':<22} " + " ".join(f"#{k + 1:<3}" for k in range(width))
          + "  top-2 share")
    total = Counter()
    for rp_id in index.rp_ids:
        counts = ranks.get(rp_id, Counter())
        total.update(counts)
        rows = sum(counts.values())
        share = (counts[0] + counts[1]) / rows if rows else 0.0
        print(f"{rp_id:<22} " + " ".join(f"{counts[k]:<4}" for k in range(width))
              + f"  {share:.2f}")
    rows = sum(total.values())
    print(f"{'ALL':<22} " + " ".join(f"{total[k]:<4}" for k in range(width))
          + f"  {(total[0] + total[1]) / max(1, rows):.2f}")
    if gaps:
        mean = np.mean(gaps, axis=0)
        print(f"\ngold reference point ranked 3rd or lower ({len(gaps)} rows): mean component gap "
              "to the top-ranked one")
        for name, gap in zip(FEATURES, mean, strict=True):
            print(f"  {name:<22} {gap:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
