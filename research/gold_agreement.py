"""How far do two annotators agree on the reference point of a tune gold quote, and the tool?

    python -m research.gold_agreement [--db /tmp/run.sqlite [--blind-only]]

``corpus/gold/evidence_gold_second_annotation.csv`` re-labels every distinct TUNE gold quote
(71 quotes, 80 gold rows) without the first annotator's labels: one ``primary`` reference point,
an optional ``secondary`` one, the primary consideration and polarity (see corpus/gold/README.md
for who labelled it and how). The first annotator's rows are the gold set. Measures:

- **row recall**: share of gold rows whose reference point the other side gave for that quote;
- **label precision**: share of the other side's (quote, reference point) labels that are gold;
- **primary agreement**: share of quotes whose primary (top-ranked) reference point is gold;
- **polarity agreement**: over gold rows whose reference point is the primary, same polarity.

With ``--db``, the tool is put in the second annotator's place on the same quotes: the passage
that holds a quote is scored against every reference point (as ``match`` does) and the tool's
labels are its top-ranked reference points, as many as the second annotator gave for that
quote. That isolates the choice of reference point from finding the evidence, which the
evaluation's recall and precision also count. Held-out rows are read with the gold file but
never used.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

from research.devcorpus import GOLD, add_dev_arguments

SECOND = GOLD.parent / "evidence_gold_second_annotation.csv"


def load_second(path: Path = SECOND) -> dict[tuple[str, str], dict[str, str]]:
    """(file, quote) -> the second annotator's row."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["file"], r["quote"]): r for r in csv.DictReader(fh)}


def agreement(gold_rows, labels: dict[tuple[str, str], list[str]],
              polarity: dict[tuple[str, str], str] | None = None) -> dict[str, float]:
    """The module docstring's measures for ``labels`` ((file, quote) -> reference points, most
    likely first) against the gold rows."""
    by_quote = defaultdict(list)
    for g in gold_rows:
        by_quote[(g.file, g.quote)].append(g)
    rows = hit = given = right = primary = pol_rows = pol_ok = 0
    per_rp: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, golds in by_quote.items():
        mine = labels[key]
        wanted = {g.reference_point for g in golds}
        given += len(mine)
        right += sum(m in wanted for m in mine)
        primary += mine[0] in wanted
        for g in golds:
            rows += 1
            hit += g.reference_point in mine
            per_rp[g.reference_point][0] += 1
            per_rp[g.reference_point][1] += g.reference_point in mine
            if polarity is not None and g.polarity and g.reference_point == mine[0]:
                pol_rows += 1
                pol_ok += polarity[key] == g.polarity
    out = {"row recall": hit / rows, "label precision": right / given,
           "primary agreement": primary / len(by_quote), "labels per quote": given / len(by_quote)}
    if polarity is not None:
        out["polarity agreement"] = pol_ok / pol_rows if pol_rows else 0.0
    out.update({f"  {rp}": (n_hit / n) for rp, (n, n_hit) in sorted(per_rp.items())})
    return out


def tool_labels(args, second, tune) -> dict[tuple[str, str], list[str]]:
    """The tool's top-ranked reference points for each quote's passage (see the docstring)."""
    from pipeline.scoring.match import EvidenceIndex, reference_point_scores
    from research.devcorpus import load_dev_args

    framework, files, _gold, encoder = load_dev_args(args)
    index = EvidenceIndex.build(framework, encoder)
    out = {}
    for f in files:
        for key in {(g.file, g.quote) for g in tune if g.file == f.file}:
            want = 2 if second[key]["secondary"] else 1
            found = f.passage_holding(key[1])
            scores = f.score(found, framework, index) if found is not None else None
            if scores is None:
                out[key] = ["(none)"]
                continue
            per_rp = reference_point_scores(scores, framework, index)
            order = sorted(range(len(per_rp)), key=lambda r: -per_rp[r][0])
            out[key] = [index.rp_ids[r] for r in order[:want]]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser, blind=True, db_required=False)
    args = parser.parse_args()
    if args.blind_only and not args.db:
        parser.error("--blind-only scores the tool: give --db too")

    from pipeline.evaluate.metrics import load_gold

    tune = [g for g in load_gold(GOLD) if g.split == "tune"]
    second = load_second()
    missing = {(g.file, g.quote) for g in tune} - set(second)
    if missing:
        print(f"{len(missing)} tune quotes have no second annotation, e.g. {sorted(missing)[0]}")
        return 1
    labels = {k: [r["primary"], *([r["secondary"]] if r["secondary"] else [])]
              for k, r in second.items()}
    columns = {"second annotator": agreement(tune, labels,
                                             {k: r["polarity"] for k, r in second.items()})}
    if args.db:
        name = "tool, blind material" if args.blind_only else "tool"
        columns[name] = agreement(tune, tool_labels(args, second, tune))
    print(f"tune gold: {len(tune)} rows, {len({(g.file, g.quote) for g in tune})} quotes; "
          "the gold set (first annotator) is the reference")
    print(f"{'':24}" + "".join(f"{name:>22}" for name in columns))
    for measure in next(iter(columns.values())):
        print(f"{measure:24}" + "".join(
            f"{c[measure]:>22.2f}" if measure in c else f"{'-':>22}" for c in columns.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
