"""Fit the learned evidence model's heads and its calibration.

``fit_heads`` fits the four heads on a sentence table (non-evidence sentences, which a run never
quotes, are left out). ``fit_model`` also calibrates: the passage scores of each document are
predicted by heads fitted without that document's group (document-grouped folds inside the
training data), and a Platt scaling maps them to the probability that the passage holds gold
evidence of that reference point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from pipeline.learn.dataset import SentenceTable
from pipeline.learn.features import dense_names
from pipeline.learn.model import (
    POLARITY_LABELS,
    EvidenceModel,
    Selection,
    SentenceInputs,
    Settings,
    tfidf_params,
)
from pipeline.rules.framework import Framework


@dataclass(frozen=True)
class FrameworkTexts:
    """The framework's own phrasings as extra training texts for the label heads."""

    texts: list[str]
    vectors: np.ndarray
    consideration: list[str]  # consideration id ("" for reference-point definition texts)
    reference_point: list[str]
    polarity: list[str]  # "supports" / "undermines" for meets / fails examples, else ""


def framework_texts(framework: Framework, index) -> FrameworkTexts:
    """From a ``match.EvidenceIndex``: every consideration text and definition text."""
    texts, cons, rps, pols = [], [], [], []
    for text, owner, kind in zip(index.texts, index.owner, index.kinds, strict=True):
        texts.append(text)
        cons.append(index.consideration_ids[owner])
        rps.append(index.reference_point_ids[owner])
        pols.append({"meets example": "supports", "fails example": "undermines"}.get(kind, ""))
    for text, owner in zip(index.def_texts, index.def_owner, strict=True):
        texts.append(text)
        cons.append("")
        rps.append(index.rp_ids[owner])
        pols.append("")
    vectors = np.vstack([index.vectors, index.def_vectors]).astype(np.float32)
    return FrameworkTexts(texts, vectors, cons, rps, pols)


def fit_arguments(framework: Framework, index) -> tuple:
    """The label spaces ``fit_heads`` takes after the framework texts, from a
    ``match.EvidenceIndex``: reference points, considerations, each consideration's reference
    point, and the names of the dense features."""
    return (tuple(index.rp_ids), tuple(index.consideration_ids),
            tuple(index.reference_point_ids), dense_names(framework))


def fit_heads(table: SentenceTable, fw: FrameworkTexts, rp_ids: tuple[str, ...],
              consideration_ids: tuple[str, ...], consideration_rp: tuple[str, ...],
              dense_names: list[str], settings: Settings) -> EvidenceModel:
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = table.subset(~table.nonevidence)
    vectorizer = TfidfVectorizer(**tfidf_params(settings), min_df=settings.min_df,
                                 max_features=settings.max_features)
    vectorizer.fit(train.texts + fw.texts)
    mean = train.dense.mean(axis=0) if len(train.texts) else np.zeros(len(dense_names))
    scale = train.dense.std(axis=0) if len(train.texts) else np.ones(len(dense_names))
    scale = np.where(scale < 1e-6, 1.0, scale)
    model = EvidenceModel(tuple(rp_ids), tuple(consideration_ids), tuple(consideration_rp),
                          {t: int(i) for t, i in vectorizer.vocabulary_.items()},
                          vectorizer.idf_.astype(np.float64), tuple(dense_names), mean, scale,
                          {}, settings)
    X = model.design(train.inputs())
    fw_inputs = SentenceInputs(fw.texts, fw.vectors,
                               np.tile(mean, (len(fw.texts), 1)).astype(np.float32))
    X_fw = model.design(fw_inputs)
    y_ev = train.evidence.astype(int)
    model.coefs["evidence"] = _binary(X, y_ev, np.ones(len(y_ev)), settings.C_evidence)

    def head(rows, labels, weights, fw_rows, fw_labels, classes):
        """A label head on labelled sentences plus framework texts (weighted lower)."""
        return _multinomial(sparse.vstack([X[rows], X_fw[fw_rows]]),
                            np.array(list(labels) + list(fw_labels)),
                            np.array(list(weights) + [settings.framework_weight] * len(fw_rows)),
                            classes, settings.C_labels)

    # Reference point: one row per (evidence sentence, reference point), weighted 1/k.
    rows, labels, weights = [], [], []
    for i in np.flatnonzero(train.evidence):
        hits = np.flatnonzero(train.rp[i])
        for r in hits:
            rows.append(i)
            labels.append(int(r))
            weights.append(1.0 / len(hits))
    model.coefs["reference_point"] = head(
        rows, labels, weights, list(range(len(fw.texts))),
        [rp_ids.index(r) for r in fw.reference_point], len(rp_ids))

    cons_rows = [i for i in np.flatnonzero(train.evidence)
                 if train.consideration[i] in consideration_ids]
    fw_cons = [k for k, c in enumerate(fw.consideration) if c]
    model.coefs["consideration"] = head(
        cons_rows, [consideration_ids.index(train.consideration[i]) for i in cons_rows],
        [1.0] * len(cons_rows), fw_cons,
        [consideration_ids.index(fw.consideration[k]) for k in fw_cons], len(consideration_ids))

    pol_rows = [i for i in np.flatnonzero(train.evidence) if train.polarity[i]]
    fw_pol = [k for k, p in enumerate(fw.polarity) if p]
    model.coefs["polarity"] = head(
        pol_rows, [POLARITY_LABELS.index(train.polarity[i]) for i in pol_rows],
        [1.0] * len(pol_rows), fw_pol, [POLARITY_LABELS.index(fw.polarity[k]) for k in fw_pol],
        len(POLARITY_LABELS))
    return model


def _binary(X, y, w, C) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:  # no positives (or no negatives): a constant
        prior = float(y.mean()) if len(y) else 0.0
        return np.zeros((1, X.shape[1])), np.array([np.log((prior + 1e-3) / (1 - prior + 1e-3))])
    clf = LogisticRegression(C=C, max_iter=5000, solver="liblinear").fit(X, y, sample_weight=w)
    return clf.coef_.astype(np.float64), clf.intercept_.astype(np.float64)


def _multinomial(X, y, w, classes: int, C) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((classes, X.shape[1]))
    intercept = np.full(classes, -30.0)  # a class never seen is never predicted
    present = sorted(set(y.tolist()))
    if len(present) == 1:
        intercept[present[0]] = 0.0
        return coef, intercept
    clf = LogisticRegression(C=C, max_iter=500, tol=1e-3).fit(X, y, sample_weight=w)
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    return coef, intercept


def document_folds(files: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """``k`` groups of whole documents (sorted names, shuffled with ``seed``)."""
    names = sorted(set(files.tolist()))
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    return [np.array(names[i::k], dtype=object) for i in range(k)]


def passage_scores(model: EvidenceModel, table: SentenceTable
                   ) -> tuple[list[tuple[str, int]], np.ndarray, np.ndarray]:
    """Per eligible passage: its key, its raw score per reference point (best sentence) and
    the gold flags (a sentence of it is labelled with the reference point)."""
    pred = model.predict(table.inputs()).by_reference_point
    pred[table.nonevidence] = 0.0
    rows_of: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(zip(table.file.tolist(), table.passage.tolist(), strict=True)):
        rows_of.setdefault(key, []).append(i)
    scores = np.array([model.passage_scores(pred[rows]) for rows in rows_of.values()])
    gold = np.array([table.rp[rows].any(axis=0) for rows in rows_of.values()], dtype=bool)
    return list(rows_of), scores.reshape(len(rows_of), -1), gold.reshape(len(rows_of), -1)


def out_of_fold_scores(table: SentenceTable, fw: FrameworkTexts, fit_args: tuple,
                       settings: Settings, k: int = 5, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Passage × reference-point scores, each predicted by heads fitted without its document."""
    all_scores, all_gold = [], []
    for test_files in document_folds(table.file, k, seed):
        test = np.isin(table.file, test_files)
        if not test.any() or test.all():
            continue
        model = fit_heads(table.subset(~test), fw, *fit_args, settings)
        _, scores, gold = passage_scores(model, table.subset(test))
        all_scores.append(scores)
        all_gold.append(gold)
    return np.vstack(all_scores), np.vstack(all_gold)


def platt(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Platt scaling of logit(score) to the gold flag."""
    from sklearn.linear_model import LogisticRegression

    x = np.log(np.clip(scores, 1e-6, 1 - 1e-6) / (1 - np.clip(scores, 1e-6, 1 - 1e-6)))
    y = gold.astype(int).ravel()
    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=100.0, max_iter=1000).fit(x.reshape(-1, 1), y)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def fit_model(table: SentenceTable, fw: FrameworkTexts, fit_args: tuple, settings: Settings,
              selection: Selection, calibration_folds: int = 5) -> EvidenceModel:
    """Heads on all of ``table``; calibration from its document-grouped out-of-fold scores."""
    model = fit_heads(table, fw, *fit_args, settings)
    if len(set(table.file.tolist())) >= 2:  # one document has no other to calibrate on
        scores, gold = out_of_fold_scores(table, fw, fit_args, settings, calibration_folds)
        model.calibration = platt(scores.ravel(), gold.ravel())
    model.selection = selection
    return model
