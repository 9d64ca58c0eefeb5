"""The project's scorer against two naive baselines on the same dev data, in one table.

    python -m research.baselines --db /tmp/run.sqlite [--model NAME] [--json OUT.json]

All three run on the same passages and embeddings (the sample corpus's text files, analysed
in-process with the pipeline's stages; the embedding cache of ``--db`` makes this cheap), produce
candidates one per MSI the passage is about, and are scored by ``pipeline.evaluate.metrics`` against
corpus/gold/evidence_gold.csv on the tune and held-out splits:

- **keyword**: a passage is a candidate for the consideration whose content words (the
  framework's consideration text, stop words removed) it contains the largest share of, when
  that share reaches a threshold;
- **cosine top-1**: the consideration text with the highest cosine similarity to the passage,
  when it reaches a threshold;
- **project**: ``pipeline.scoring.match`` with the framework YAML as it is.

The baselines' thresholds are chosen to maximise F1 on the tune split (their best case);
the held-out split is never used to choose anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.learn.baselines import (
    best_threshold,
    cosine_scores,
    keyword_scores,
    top1_candidates,
)
from research.devcorpus import add_dev_arguments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dev_arguments(parser, framework=False)
    parser.add_argument("--json", help="write all metrics as JSON")
    args = parser.parse_args()

    from pipeline.evaluate.dataset import project_candidates
    from pipeline.evaluate.metrics import evaluate
    from pipeline.scoring.match import EvidenceIndex
    from research.devcorpus import load_dev

    framework, files, gold, encoder = load_dev(args.db, args.model)
    passages = [p for f in files for p in f.eval_passages()]
    keyword = keyword_scores(files, framework)
    cosine = cosine_scores(files, framework, encoder)
    systems = {
        "keyword": (top1_candidates(keyword, kt := best_threshold(keyword, passages, gold)),
                    f"share >= {kt:.2f}"),
        "cosine top-1": (top1_candidates(cosine, ct := best_threshold(cosine, passages, gold)),
                         f"cosine >= {ct:.2f}"),
        "project": (project_candidates(files, framework, EvidenceIndex.build(framework, encoder)),
                    f"framework v{framework.version}: budget "
                    f"{framework.matching.budget_per_1000_words}/1kw per document, floor "
                    f"{framework.matching.threshold}"),
    }
    results = {}
    print(f"model: {encoder.name}; gold: {len(gold)} rows; files: {[f.file for f in files]}\n")
    print(f"{'system':13} {'split':8} {'recall':>6} {'prec':>5} {'F1':>5} {'F1 95%':>11} "
          f"{'msi-R':>5} {'polar':>5} {'c/1kw':>6}  setting")
    for name, (candidates, setting) in systems.items():
        report = evaluate(candidates, passages, gold)
        results[name] = {"setting": setting, **report.to_dict()}
        for split in ("tune", "heldout"):
            m = report.overall[split]
            fmt = lambda v: "    -" if v is None else f"{v:5.2f}"  # noqa: E731
            f1_ci = report.intervals[split]["f1"]
            f1_ci = f"{f1_ci[0]:.2f}–{f1_ci[1]:.2f}" if f1_ci else "-"
            print(f"{name:13} {split:8} {fmt(m.recall):>6} {fmt(m.precision)} {fmt(m.f1)} "
                  f"{f1_ci:>11} {fmt(m.msi_recall)} {fmt(m.polarity_accuracy)} {m.per_1000_words:6.1f}  "
                  f"{setting if split == 'tune' else ''}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
