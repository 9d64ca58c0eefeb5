"""``msi-evidence train``: fit the learned evidence model and show how it does on unseen documents.

1. Read the labelled documents (``corpus/gold/dev``) from the development corpus and check
   every label against the text (offsets + hash).
2. Analyse them with the pipeline's stages (embeddings through the per-user cache).
3. Document-grouped cross-validation over the ``cv`` documents; the threshold is chosen on it.
4. Fit on all ``cv`` documents; score the ``heldout`` documents once.
5. Print one table with the baselines and the hand-tuned scorer; write the model (and its card)
   only when ``--out`` is given.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR
from pipeline.learn.crossval import (
    SystemResult,
    baseline_results,
    candidates_of,
    choose_threshold,
    cross_validated_candidates,
    format_per_reference_point,
    format_reliability,
    format_table,
    ranking,
    result,
)
from pipeline.learn.dataset import analyse_labelled, checked_gold, sentence_table
from pipeline.learn.fit import fit_arguments, fit_model, framework_texts
from pipeline.learn.labels import read_documents, read_labels
from pipeline.learn.model import Selection, Settings
from pipeline.rules.framework import with_model_dir


@dataclass(frozen=True)
class TrainOptions:
    corpus: Path = DEFAULT_CORPUS
    labels_dir: Path = LABELS_DIR
    out: Path | None = None
    folds: int = 5
    seed: int = 0
    ceiling: float = 25.0
    top_k: int = 3
    baselines: bool = True
    settings: Settings = Settings()


def run_training(options: TrainOptions, framework, registry, encoder, echo=print) -> dict:
    from pipeline.scoring.match import EvidenceIndex

    started = time.monotonic()
    documents = read_documents(options.labels_dir / "documents.csv")
    labels = read_labels(options.labels_dir / "labels.csv")
    gold = checked_gold(options.corpus, labels)
    echo(f"{len(documents)} labelled documents, {len(labels)} evidence rows; analysing ...")
    files = analyse_labelled(options.corpus, documents, registry, encoder)
    base_framework = with_model_dir(framework, "none")
    index = EvidenceIndex.build(base_framework, encoder)
    table = sentence_table(files, labels, base_framework, index)
    split_of = {d.file: d.split for d in documents}
    cv_mask = np.array([split_of[f] == "cv" for f in table.file])
    cv_files = [f for f in files if split_of[f.file] == "cv"]
    heldout_files = [f for f in files if split_of[f.file] == "heldout"]
    echo(f"{len(table.texts)} sentences ({int(table.evidence.sum())} evidence); "
         f"{len(cv_files)} cross-validation and {len(heldout_files)} held-out documents")
    fw = framework_texts(base_framework, index)
    fit_args = fit_arguments(base_framework, index)

    cv_pool = cross_validated_candidates(table.subset(cv_mask), cv_files, fw, fit_args,
                                         base_framework, index, options.settings,
                                         options.ceiling, options.folds, options.seed,
                                         top_k=options.top_k)
    threshold, _ = choose_threshold(cv_pool, cv_files, gold)
    selection = Selection(threshold=threshold, ceiling_per_1000_words=options.ceiling,
                          top_k=options.top_k)
    cv_kept = [c for c in cv_pool if c.score >= threshold]
    learned_cv = _full(result("learned model", "cv", cv_kept, cv_files, gold), cv_pool,
                       cv_files, gold)
    model = fit_model(table.subset(cv_mask), fw, fit_args, options.settings, selection)
    heldout = candidates_of(heldout_files, base_framework, index, model)
    open_model = dataclasses.replace(model, selection=dataclasses.replace(selection, threshold=0.0))
    heldout_pool = candidates_of(heldout_files, base_framework, index, open_model)
    learned_heldout = _full(result("learned model", "heldout", heldout, heldout_files, gold),
                            heldout_pool, heldout_files, gold)

    results: list[SystemResult] = []
    if options.baselines:
        results += baseline_results(cv_files, heldout_files, gold, base_framework, encoder)
        for split, fs in (("cv", cv_files), ("heldout", heldout_files)):
            hand = candidates_of(fs, base_framework, index, None)
            results.append(_full(result("hand-tuned scorer v1.4", split, hand, fs, gold),
                                 hand, fs, gold))
    results += [learned_cv, learned_heldout]
    echo("\n" + format_table(results))
    echo(f"\nthreshold {threshold:.3f} (best F1 on the pooled cross-validated candidates), "
         f"ceiling {options.ceiling:g} per 1,000 words")
    for r in (learned_cv, learned_heldout):
        echo("\n" + format_per_reference_point(r))
        echo("\nreliability (calibrated probability against share correct):\n"
             + format_reliability(r.reliability))
    figures = {"threshold": threshold, "results": [_as_dict(r) for r in results],
               "sentences": len(table.texts), "evidence_sentences": int(table.evidence.sum()),
               "documents": {"cv": len(cv_files), "heldout": len(heldout_files)},
               "seconds": round(time.monotonic() - started, 1)}
    if options.out is not None:
        final = fit_model(table, fw, fit_args, options.settings, selection)
        final.card = model_card(options, figures, len(documents), len(labels))
        final.encoder = encoder.name
        version = final.save(options.out)
        echo(f"\nwrote the model {version} to {options.out} (fitted on all {len(documents)} "
             f"labelled documents; the figures above are for models that did not see the "
             f"scored documents)")
        figures["version"] = version
    return figures


def _full(r: SystemResult, pool, files, gold) -> SystemResult:
    r.recall_at, r.reliability = ranking(pool, files, gold)
    return r


def _as_dict(r: SystemResult) -> dict:
    return {"name": r.name, "split": r.split, "recall": r.metrics.recall,
            "precision": r.metrics.precision, "f1": r.metrics.f1, "msi_right": r.msi_right,
            "polarity": r.metrics.polarity_accuracy, "per_1000_words": r.metrics.per_1000_words,
            "recall_at": r.recall_at, "gold": r.metrics.gold, "candidates": r.metrics.candidates}


def model_card(options: TrainOptions, figures: dict, documents: int, labels: int) -> dict:
    return {
        "trained_on": f"{documents} labelled documents of the development corpus "
                      f"({labels} evidence rows), corpus/gold/dev",
        "command": "msi-evidence train --corpus ../shared/corpus-dev --out models/evidence-model",
        "settings": options.settings.as_dict(),
        "figures": figures,
        "licence": "model weights: same licence as the project; features from all-MiniLM-L6-v2 "
                   "(Apache-2.0). Training texts are third-party and are not included.",
    }


def write_figures(figures: dict, path: Path) -> None:
    path.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
