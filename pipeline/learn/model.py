"""The learned evidence model: four linear heads over one sentence representation.

A sentence is represented by TF-IDF word uni- and bigrams (wording: whether a sentence *is*
evidence — "audits failed to detect", "is a member of"), its MiniLM vector (topic: *which*
reference point) and the standardised framework features of :mod:`pipeline.learn.features`.
Heads, each a logistic regression:

- ``evidence``: is the sentence evidence at all (trained on every labelled sentence);
- ``reference_point``: which reference point, given that it is evidence (evidence sentences,
  plus the framework's own texts with a lower weight);
- ``consideration``: which consideration (the same, over considerations);
- ``polarity``: supports / undermines / neutral (evidence sentences, plus the framework's
  "meets" and "fails" examples); its supports-minus-undermines logit is shifted by the
  hand-written cue lexicon (``Settings.polarity_cue_weight``).

A (sentence, reference point) reads ``P(evidence) × P(reference point | evidence)``; a passage's
score for a reference point is the best of its sentences, mapped by a Platt calibration (fitted
on out-of-fold scores of documents the heads did not see) to the probability that a reviewer
accepts the candidate. The model is saved as ``model.json`` + ``weights.npz``: plain arrays
and a vocabulary, no pickles, so loading a model file runs no code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

from pipeline.errors import MsiEvidenceError
from pipeline.learn.tfidf import TfidfTransform

FORMAT = "msi-evidence-model/1"
POLARITY_LABELS = ("supports", "undermines", "neutral")
HEADS = ("evidence", "reference_point", "consideration", "polarity")


class ModelError(MsiEvidenceError):
    """A learned model that is missing, unreadable, or made for another framework."""


@dataclass(frozen=True)
class Settings:
    """Training settings; chosen by document-grouped cross-validation (see ``learn.crossval``)."""

    C_evidence: float = 1.0
    C_labels: float = 2.0
    embedding_weight: float = 1.0
    dense_weight: float = 0.5
    framework_weight: float = 0.3  # weight of a framework text against a labelled sentence
    min_df: int = 2
    max_features: int = 20000
    # How a passage's sentence scores for a reference point combine: "max" (its best sentence)
    # or "noisy_or" (1 - prod(1 - p): several evidence sentences raise the passage's score).
    aggregate: str = "noisy_or"
    context_weight: float = 1.0  # weight of the passage's vector beside the sentence's
    # A candidate's polarity reads its passage's sentences, each weighted by how much it reads
    # as evidence of the candidate's reference point, blended with the evidence-weighted
    # polarity of the whole document (the tone of an NGO critique or of an MSI's own report
    # decides many sentences that say little by themselves) at this weight.
    polarity_document_weight: float = 0.45
    # The hand-written polarity cue lexicon (``scoring.polarity.cue_score``, the ``cue_score``
    # feature, tanh-squashed) added to the polarity head's supports-minus-undermines logit at
    # this weight: the head, fitted on some 1,500 sentences, has seen too few failure words.
    polarity_cue_weight: float = 2.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Selection:
    """How passage scores become candidates."""

    threshold: float = 0.5  # calibrated probability a candidate must reach
    ceiling_per_1000_words: float = 25.0  # at most this many per 1,000 words (at least one)
    top_k: int = 3  # reference points per passage


@dataclass(frozen=True)
class SentenceInputs:
    texts: list[str]
    vectors: np.ndarray
    dense: np.ndarray
    context: np.ndarray | None = None  # the vector of each sentence's passage


@dataclass(frozen=True)
class Predictions:
    evidence: np.ndarray  # (n,)
    reference_point: np.ndarray  # (n × reference points)
    consideration: np.ndarray  # (n × considerations)
    polarity: np.ndarray  # (n × 3), in POLARITY_LABELS order

    @property
    def by_reference_point(self) -> np.ndarray:
        """(n × reference points): P(evidence) × P(reference point | evidence)."""
        return self.evidence[:, None] * self.reference_point


@dataclass
class EvidenceModel:
    rp_ids: tuple[str, ...]
    consideration_ids: tuple[str, ...]
    consideration_rp: tuple[str, ...]  # reference point of each consideration
    vocabulary: dict[str, int]
    idf: np.ndarray
    dense_names: tuple[str, ...]
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    coefs: dict[str, tuple[np.ndarray, np.ndarray]]  # head -> (coef, intercept)
    settings: Settings = field(default_factory=Settings)
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt: sigmoid(a * logit(score) + b)
    selection: Selection = field(default_factory=Selection)
    card: dict = field(default_factory=dict)  # training data, command, figures
    encoder: str = ""  # the embedding model whose vectors it was trained on

    @property
    def embedding_dim(self) -> int:
        width = self.coefs["evidence"][0].shape[1] - len(self.vocabulary) - len(self.dense_names)
        return width // 2 if self.settings.context_weight else width

    def reads(self, encoder_name: str, dim: int) -> bool:
        """Can it score with this encoder's vectors? (Only the one it was trained on.)"""
        strip = lambda name: name.removeprefix("sentence-transformers/")  # noqa: E731
        return strip(self.encoder) == strip(encoder_name) and dim == self.embedding_dim

    # ----- representation -------------------------------------------------------------------
    @cached_property
    def _vectorizer(self) -> TfidfTransform:
        """The word n-gram features, as the training's TfidfVectorizer computes them."""
        return TfidfTransform(self.vocabulary, self.idf, tfidf_params(self.settings)["token_pattern"])

    @cached_property
    def _terms(self) -> dict[int, str]:
        return {i: t for t, i in self.vocabulary.items()}

    @cached_property
    def _coef_columns(self) -> dict[str, np.ndarray]:
        """Each head's coefficients transposed and contiguous (features × classes): what the
        sparse product reads, so that it does not copy ``coef.T`` on every call."""
        return {head: np.ascontiguousarray(coef.T) for head, (coef, _) in self.coefs.items()}

    def design(self, inputs: SentenceInputs) -> sparse.csr_matrix:
        words = self._vectorizer.transform(inputs.texts)
        dense = (inputs.dense - self.dense_mean) / self.dense_scale
        blocks = [words, sparse.csr_matrix(self.settings.embedding_weight * inputs.vectors),
                  sparse.csr_matrix(self.settings.dense_weight * dense)]
        if self.settings.context_weight:
            context = inputs.vectors if inputs.context is None else inputs.context
            blocks.append(sparse.csr_matrix(self.settings.context_weight * context))
        return sparse.hstack(blocks, format="csr")

    def predict(self, inputs: SentenceInputs) -> Predictions:
        n = len(inputs.texts)
        if not n:
            return Predictions(np.zeros(0), np.zeros((0, len(self.rp_ids))),
                               np.zeros((0, len(self.consideration_ids))), np.zeros((0, 3)))
        X = self.design(inputs)
        linear = {head: np.asarray(X @ self._coef_columns[head]) + intercept
                  for head, (_, intercept) in self.coefs.items()}
        polarity = linear["polarity"]
        if self.settings.polarity_cue_weight and "cue_score" in self.dense_names:
            cue = inputs.dense[:, self.dense_names.index("cue_score")]
            polarity = polarity + np.outer(self.settings.polarity_cue_weight * cue,
                                           [1.0, -1.0, 0.0])  # POLARITY_LABELS order
        return Predictions(_sigmoid(linear["evidence"])[:, 0],
                           _softmax(linear["reference_point"]),
                           _softmax(linear["consideration"]),
                           _softmax(polarity))

    def passage_scores(self, by_rp: np.ndarray) -> np.ndarray:
        """(sentences × reference points) → per reference point passage score (raw)."""
        if self.settings.aggregate == "noisy_or":
            return 1.0 - np.prod(1.0 - np.clip(by_rp, 0.0, 1.0 - 1e-9), axis=0)
        return by_rp.max(axis=0)

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        return _sigmoid(a * _logit(scores) + b)

    def word_contributions(self, text: str, head: str, row: int, top: int = 4) -> list[str]:
        """The n-grams of ``text`` that push ``head``'s class ``row`` up the most."""
        return self.word_contributions_of(text, ((head, row),), top)[0]

    def word_contributions_of(self, text: str, classes: tuple[tuple[str, int], ...],
                              top: int = 4) -> list[list[str]]:
        """:meth:`word_contributions` for several (head, class row) at once: ``text`` is
        transformed once."""
        columns, weights = self._vectorizer.row(text)
        terms = [self._terms[j] for j in columns]
        out = []
        for head, row in classes:
            values = (np.asarray(weights) * self.coefs[head][0][row][columns]).tolist()
            pushed = sorted(zip(values, terms, strict=True), reverse=True)
            out.append([t for v, t in pushed[:top] if v > 0])
        return out

    # ----- files ----------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.card.get("version", "")

    def save(self, folder: str | Path) -> str:
        """Write ``model.json`` and ``weights.npz``; returns the version (a content hash)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"idf": self.idf, "dense_mean": self.dense_mean, "dense_scale": self.dense_scale}
        for head, (coef, intercept) in self.coefs.items():
            arrays[f"{head}.coef"] = coef.astype(np.float32)
            arrays[f"{head}.intercept"] = intercept.astype(np.float64)
        meta = {"format": FORMAT, "rp_ids": self.rp_ids, "consideration_ids": self.consideration_ids,
                "consideration_rp": self.consideration_rp, "dense_names": self.dense_names,
                "vocabulary": self.vocabulary, "settings": self.settings.as_dict(),
                "calibration": list(self.calibration), "selection": self.selection.__dict__,
                "encoder": self.encoder}
        digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
        for name in sorted(arrays):
            digest.update(np.ascontiguousarray(arrays[name]).tobytes())
        version = digest.hexdigest()[:12]
        self.card = {**self.card, "version": version}
        np.savez_compressed(folder / "weights.npz", **arrays)
        (folder / "model.json").write_text(
            json.dumps({**meta, "card": self.card}, indent=1, sort_keys=True) + "\n",
            encoding="utf-8")
        return version

    @classmethod
    def load(cls, folder: str | Path) -> EvidenceModel:
        folder = Path(folder)
        try:
            meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
            with np.load(folder / "weights.npz", allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise ModelError(f"no learned model in {folder} (model.json and weights.npz): "
                             f"train one with `msi-evidence train --out {folder}`, or run "
                             f"with --model-dir none for the hand-tuned scorer") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the learned model in {folder}: {exc}") from None
        if meta.get("format") != FORMAT:
            raise ModelError(f"{folder}: model format {meta.get('format')!r}, expected {FORMAT!r}")
        coefs = {h: (arrays[f"{h}.coef"].astype(np.float64), arrays[f"{h}.intercept"])
                 for h in HEADS}
        return cls(tuple(meta["rp_ids"]), tuple(meta["consideration_ids"]),
                   tuple(meta["consideration_rp"]), meta["vocabulary"], arrays["idf"],
                   tuple(meta["dense_names"]), arrays["dense_mean"], arrays["dense_scale"],
                   coefs, Settings(**meta["settings"]), tuple(meta["calibration"]),
                   Selection(**meta["selection"]), meta.get("card", {}), meta.get("encoder", ""))

    def check_framework(self, rp_ids: tuple[str, ...], consideration_ids: tuple[str, ...],
                        dense_names: list[str]) -> None:
        """Refuse a model trained for other reference points, considerations or features."""
        if (self.rp_ids, self.consideration_ids, self.dense_names) != (
                tuple(rp_ids), tuple(consideration_ids), tuple(dense_names)):
            raise ModelError("the learned model was trained for another framework (its reference "
                             "points, considerations or features differ): retrain it with "
                             "`msi-evidence train`, or run with --model-dir none")


def tfidf_params(settings: Settings) -> dict:
    return {"ngram_range": (1, 2), "lowercase": True, "strip_accents": "unicode",
            "sublinear_tf": True, "token_pattern": r"(?u)\b\w[\w'-]*\w\b|\b\w\b"}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))
