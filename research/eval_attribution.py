"""MSI attribution accuracy on the gold file, dev and held-out side by side.

    python -m research.eval_attribution [--gold corpus/gold/msi_attribution.csv]
                                                    [--corpus corpus] [--errors] [--twin .pdf]

Prints accuracy (gold MSI among the passage's MSIs), split into passages with one MSI (exact)
and passages with several, strict accuracy (the passage's strongest MSI is the gold one), the
GENERAL-vs-specific confusion and the most frequent confusions. See pipeline/evaluate/attribution.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.evaluate.attribution import attribute_corpus, evaluate, load_gold
from pipeline.records import GENERAL

REPO = Path(__file__).resolve().parent.parent


def _pct(pair: tuple[int, int]) -> str:
    n, d = pair
    return f"{n}/{d} = {n / d:.3f}" if d else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(REPO / "corpus/gold/msi_attribution.csv"))
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    parser.add_argument("--errors", action="store_true", help="list the wrong dev rows")
    parser.add_argument("--twin", metavar="SUFFIX",
                        help="score the twin files with this suffix instead (e.g. .pdf: the "
                             "generated PDFs of the same texts)")
    args = parser.parse_args()

    gold = load_gold(args.gold)
    names = {str(Path(r.file).with_suffix(args.twin)) if args.twin else r.file for r in gold}
    attributed = attribute_corpus(args.corpus, names)
    splits = {"dev": [r for r in gold if r.split == "dev"],
              "holdout": [r for r in gold if r.split == "holdout"], "all": gold}
    scores = {}
    for name, rows in splits.items():
        scores[name], problems = evaluate(rows, attributed, args.twin)
        for problem in problems:
            print(f"warning ({name}): {problem}")

    print(f"{'metric':<44}" + "".join(f"{name:>18}" for name in scores))
    lines = [("rows", lambda s: str(len(s))),
             ("accuracy (gold MSI in passage's MSIs)", lambda s: _pct(s.accuracy())),
             ("  passages with one MSI (exact)", lambda s: _pct(s.single())),
             ("  passages with several MSIs (gold among)", lambda s: _pct(s.multi())),
             ("strict (strongest MSI is the gold one)", lambda s: _pct(s.strict()))]
    for label, fn in lines:
        print(f"{label:<44}" + "".join(f"{fn(s):>18}" for s in scores.values()))

    print("\nGENERAL vs specific (rows: gold, columns: predicted)")
    for name, score in scores.items():
        matrix = score.general_confusion()
        print(f"  {name}: {'':<12}{'GENERAL':>10}{'specific':>10}")
        for gold_cls in (GENERAL, "specific"):
            print(f"  {'':<{len(name) + 2}}{gold_cls:<12}"
                  + "".join(f"{matrix.get((gold_cls, p), 0):>10}" for p in (GENERAL, "specific")))

    print("\nConfusions (gold -> predicted), all rows")
    for (gold_msi, predicted), n in scores["all"].confusions() or [(("-", "-"), 0)]:
        print(f"  {gold_msi} -> {predicted}: {n}")
    if args.errors:
        print("\nWrong dev rows")
        for o in scores["dev"].outcomes:
            if not o.correct:
                print(f"  gold {o.row.msi}, got {list(zip(o.predicted, o.reasons, strict=True))}: "
                      f"{o.row.quote[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
