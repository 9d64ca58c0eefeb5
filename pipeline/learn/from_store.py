"""``msi-evidence train --from-db``: learn from reviewers' decisions in a store.

Every candidate whose current decision is an accept or a reject is a label on its quote's
sentence: an accept is evidence for the (possibly corrected) consideration, its reference point,
polarity and MSI; a reject says the sentence is not that evidence. Sentences nobody decided are
unknown and are left out (in the labelled corpus every unlabelled sentence is a negative, because
its documents were labelled whole; a reviewer only sees what was proposed).

The store's documents are re-read from their paths and analysed by the pipeline's own stages. The
new model is fitted on the decided sentences plus, unless ``--corpus none``, the labelled
development corpus. How it does is measured by document-grouped cross-validation over the store's
documents (a fold's documents are never in its training data) on the decided candidates, next to
the current model scoring the same candidates: share of accepted candidates it ranks above
rejected ones (AUC), and precision / recall / F1 of "would propose it" (calibrated probability at
or above the model's threshold) against "a reviewer accepted it".
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import MsiEvidenceError
from pipeline.evaluate.dataset import AnalysedFile, analyse_files
from pipeline.learn.dataset import SentenceTable, analyse_labelled, covers, sentence_table
from pipeline.learn.fit import document_folds, fit_arguments, fit_model, framework_texts
from pipeline.learn.labels import SentenceLabel, read_documents, read_labels
from pipeline.learn.model import POLARITY_LABELS, EvidenceModel, Selection, Settings
from pipeline.rules.framework import Framework, with_model_dir
from pipeline.store.store import Store
from pipeline.store.training import DecidedQuote, decided_quotes

THRESHOLDS = np.round(np.arange(0.05, 0.8, 0.025), 3)


class NoDecisionsError(MsiEvidenceError):
    """A store without enough decisions to learn from."""


@dataclass(frozen=True)
class DecidedItem:
    """One decided candidate as a training and evaluation item."""

    file: str
    label: SentenceLabel  # its quote, with the decided reference point and consideration
    accepted: bool


@dataclass(frozen=True)
class ItemMetrics:
    items: int
    accepted: int
    auc: float | None
    precision: float | None
    recall: float | None
    f1: float | None


def decided_items(quotes: list[DecidedQuote], framework: Framework) -> list[DecidedItem]:
    """Decided quotes whose consideration the framework knows (a consideration dropped from
    the framework since the decision cannot teach the current one)."""
    items = []
    for q in quotes:
        found = framework.by_consideration_id.get(q.consideration_id)
        if found is None:
            continue
        rp, _ = found
        polarity = q.polarity if q.polarity in POLARITY_LABELS else ""
        label = SentenceLabel(q.path, q.page, q.start, q.end, "", q.msi, rp.id,
                              q.consideration_id, polarity)
        items.append(DecidedItem(q.path, label, q.decision == "accept"))
    return items


def concat_tables(tables: list[SentenceTable]) -> SentenceTable:
    tables = [t for t in tables if len(t.texts)]
    if len(tables) == 1:
        return tables[0]
    values = {}
    for f in dataclasses.fields(SentenceTable):
        parts = [getattr(t, f.name) for t in tables]
        values[f.name] = (sum(parts, []) if isinstance(parts[0], list)
                          else np.concatenate(parts, axis=0))
    return SentenceTable(**values)


def decided_rows(table: SentenceTable, files: list[AnalysedFile], items: list[DecidedItem]
                 ) -> np.ndarray:
    """(n,) bool: the sentences some decided quote covers (the only ones with a known label)."""
    passages = {f.file: f.passages for f in files}
    by_file: dict[str, list[SentenceLabel]] = {}
    for item in items:
        by_file.setdefault(item.file, []).append(item.label)
    known = np.zeros(len(table.texts), dtype=bool)
    for i, (file, p, (start, end)) in enumerate(zip(table.file, table.passage, table.span,
                                                    strict=True)):
        known[i] = any(covers(passages[file][p], int(start), int(end), lab)
                       for lab in by_file.get(file, ()))
    return known


def item_scores(model: EvidenceModel, table: SentenceTable, files: list[AnalysedFile],
                items: list[DecidedItem], rp_ids: tuple[str, ...]) -> np.ndarray:
    """Each item's calibrated probability: its best covered sentence for its reference point."""
    pred = model.predict(table.inputs()).by_reference_point
    pred[table.nonevidence] = 0.0
    passages = {f.file: f.passages for f in files}
    rows_of: dict[str, np.ndarray] = {}
    for file in set(table.file.tolist()):
        rows_of[file] = np.flatnonzero(table.file == file)
    raw = np.zeros(len(items))
    for k, item in enumerate(items):
        r = rp_ids.index(item.label.reference_point)
        raw[k] = max((pred[i, r] for i in rows_of.get(item.file, ())
                      if covers(passages[item.file][table.passage[i]], int(table.span[i][0]),
                                int(table.span[i][1]), item.label)), default=0.0)
    return model.calibrated(raw)


def item_metrics(scores: np.ndarray, accepted: np.ndarray, threshold: float) -> ItemMetrics:
    from sklearn.metrics import roc_auc_score

    n_acc = int(accepted.sum())
    auc = (float(roc_auc_score(accepted, scores)) if 0 < n_acc < len(accepted) else None)
    proposed = scores >= threshold
    hits = int((proposed & accepted).sum())
    precision = hits / int(proposed.sum()) if proposed.any() else None
    recall = hits / n_acc if n_acc else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision and recall else (0.0 if precision is not None and recall is not None
                                        else None))
    return ItemMetrics(len(scores), n_acc, auc, precision, recall, f1)


def best_threshold(scores: np.ndarray, accepted: np.ndarray) -> float:
    return float(max(THRESHOLDS, key=lambda t: (item_metrics(scores, accepted, t).f1 or 0.0, -t)))


def train_from_store(db: Path, framework: Framework, registry, encoder, *,
                     corpus: Path | None, labels_dir: Path, out: Path | None,
                     current: EvidenceModel | None, folds: int = 5, seed: int = 0,
                     settings: Settings | None = None, echo=print) -> dict:
    """Fit a model on a store's decisions (and the labelled corpus); print the document-grouped
    cross-validation over the store's documents next to ``current``; write it with ``out``."""
    from pipeline.scoring.match import EvidenceIndex

    settings = settings or Settings()
    started = time.monotonic()
    base = with_model_dir(framework, "none")
    with Store(db, create=False) as store:
        items = decided_items(decided_quotes(store), base)
    paths = sorted({i.file for i in items})
    missing = [p for p in paths if not Path(p).is_file()]
    items = [i for i in items if i.file not in set(missing)]
    docs = sorted({i.file for i in items})
    if missing:
        echo(f"{len(missing)} decided document(s) are no longer on disk and are left out "
             f"(e.g. {missing[0]})")
    if len({i.accepted for i in items}) < 2 or len(docs) < 2:
        raise NoDecisionsError(
            f"{db}: {sum(i.accepted for i in items)} accepted and "
            f"{sum(not i.accepted for i in items)} rejected candidates on {len(docs)} readable "
            "document(s); learning needs accepts and rejects on at least two documents: "
            "review more cards first")
    echo(f"{len(items)} decided candidates ({sum(i.accepted for i in items)} accepted) on "
         f"{len(docs)} documents; analysing ...")
    store_files = [dataclasses.replace(a, file=str(p)) for a, p in
                   zip(analyse_files([Path(p) for p in docs], registry, encoder), docs,
                       strict=True)]
    index = EvidenceIndex.build(base, encoder)
    accepted_labels = [i.label for i in items if i.accepted]
    store_table = sentence_table(store_files, accepted_labels, base, index)
    store_table = store_table.subset(decided_rows(store_table, store_files, items))
    corpus_table = None
    if corpus is not None:
        documents = read_documents(labels_dir / "documents.csv")
        labels = read_labels(labels_dir / "labels.csv")
        echo(f"and {len(documents)} labelled documents of {corpus}; analysing ...")
        corpus_files = analyse_labelled(corpus, documents, registry, encoder)
        corpus_table = sentence_table(corpus_files, labels, base, index)
    fw = framework_texts(base, index)
    fit_args = fit_arguments(base, index)
    rp_ids = tuple(index.rp_ids)

    accepted = np.array([i.accepted for i in items])
    item_file = np.array([i.file for i in items], dtype=object)
    cv_scores = np.zeros(len(items))
    open_selection = Selection(threshold=0.0)
    for test_docs in document_folds(np.array(docs, dtype=object), min(folds, len(docs)), seed):
        test = np.isin(store_table.file, test_docs)
        train = concat_tables([t for t in (corpus_table, store_table.subset(~test)) if t is not None])
        model = fit_model(train, fw, fit_args, settings, open_selection,
                          calibration_folds=min(5, len(set(train.file.tolist()))))
        in_fold = np.isin(item_file, test_docs)
        fold_items = [i for i, keep in zip(items, in_fold, strict=True) if keep]
        cv_scores[in_fold] = item_scores(model, store_table.subset(test),
                                         [f for f in store_files if f.file in set(test_docs)],
                                         fold_items, rp_ids)
    threshold = best_threshold(cv_scores, accepted)
    rows = []
    if current is not None and current.reads(encoder.name, store_table.vectors.shape[1]):
        current_scores = item_scores(current, store_table, store_files, items, rp_ids)
        rows.append((f"current model {current.version} (≥ {current.selection.threshold:.3f})",
                     item_metrics(current_scores, accepted, current.selection.threshold)))
    elif current is not None:
        echo(f"the current model {current.version} reads {current.encoder!r} vectors, not "
             f"{encoder.name!r}: it is not compared")
    rows.append((f"retrained, grouped CV over {min(folds, len(docs))} folds (≥ {threshold:.3f})",
                 item_metrics(cv_scores, accepted, threshold)))
    echo("\n" + format_item_table(rows))
    figures = {"decided": len(items), "accepted": int(accepted.sum()), "documents": len(docs),
               "threshold": threshold, "corpus": str(corpus) if corpus else None,
               "results": [{"name": n, **dataclasses.asdict(m)} for n, m in rows],
               "seconds": round(time.monotonic() - started, 1)}
    if out is not None:
        final = fit_model(concat_tables([t for t in (corpus_table, store_table) if t is not None]), fw,
                          fit_args, settings, Selection(threshold=threshold))
        final.encoder = encoder.name
        final.card = {
            "trained_on": (f"{len(items)} reviewer decisions on {len(docs)} documents of {db}"
                           + (f" and the labelled documents of {corpus}" if corpus else "")),
            "command": f"msi-evidence train --from-db {db}"
                       + (f" --corpus {corpus}" if corpus else " --corpus none")
                       + f" --out {out}",
            "settings": settings.as_dict(), "figures": figures,
            "licence": "model weights: same licence as the project; training texts are the "
                       "reviewers' documents and are not included.",
        }
        figures["version"] = final.save(out)
        echo(f"\nwrote the model {figures['version']} to {out}; use it with "
             f"`msi-evidence run ... --model-dir {out}`")
    return figures


def format_item_table(rows: list[tuple[str, ItemMetrics]]) -> str:
    f = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    lines = ["| model | decided candidates | accepted | AUC | precision | recall | F1 |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {name} | {m.items} | {m.accepted} | {f(m.auc)} | {f(m.precision)} | "
              f"{f(m.recall)} | {f(m.f1)} |" for name, m in rows]
    return "\n".join(lines)
