"""Labelled documents as sentence tables for training and as gold rows for evaluation.

Documents are analysed with the pipeline's own stages (``scoring.dataset.analyse_files``:
ingest, segment, attribute, embed), so the sentences, vectors and features are those a run
sees. A sentence is labelled with every label whose span overlaps at least half of the shorter
of the two on the same page; every other sentence of a labelled document is a negative.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.embed import Encoder
from pipeline.evaluate.dataset import AnalysedFile, analyse_files
from pipeline.evaluate.metrics import EvalPassage, GoldRow
from pipeline.learn.features import dense_features, eligible, passage_sentences
from pipeline.learn.labels import LabelError, LabelledDocument, SentenceLabel, page_texts, verify
from pipeline.learn.model import POLARITY_LABELS, SentenceInputs
from pipeline.rules.framework import Framework
from pipeline.rules.registry import Registry


@dataclass(frozen=True)
class SentenceTable:
    """Every candidate-eligible sentence of a set of documents, flattened."""

    file: np.ndarray  # (n,) object: the document's corpus-relative path
    passage: np.ndarray  # (n,) int: passage index within its file
    span: np.ndarray  # (n × 2) int: offsets into the passage text
    texts: list[str]
    vectors: np.ndarray
    dense: np.ndarray
    nonevidence: np.ndarray  # (n,) bool
    words: np.ndarray  # (n,) int: words of the sentence's passage (repeated per sentence)
    context: np.ndarray  # (n × dim): the vector of the sentence's passage
    rp: np.ndarray  # (n × reference points) bool
    consideration: np.ndarray  # (n,) object: first labelled consideration, "" if none
    polarity: np.ndarray  # (n,) object: first label's polarity, "" if none

    @property
    def evidence(self) -> np.ndarray:
        return self.rp.any(axis=1)

    def subset(self, mask: np.ndarray) -> SentenceTable:
        index = np.flatnonzero(mask)
        return SentenceTable(**{f.name: (_take(getattr(self, f.name), index))
                                for f in dataclasses.fields(self)})

    def inputs(self) -> SentenceInputs:
        return SentenceInputs(self.texts, self.vectors, self.dense, self.context)


def _take(value, index):
    return [value[i] for i in index] if isinstance(value, list) else value[index]


def sentence_table(files: list[AnalysedFile], labels: list[SentenceLabel],
                   framework: Framework, index) -> SentenceTable:
    rp_ids = list(index.rp_ids)
    by_file: dict[str, list[SentenceLabel]] = {}
    for lab in labels:
        by_file.setdefault(lab.file, []).append(lab)
    cols: dict[str, list] = {k: [] for k in ("file", "passage", "span", "texts", "vectors",
                                             "dense", "nonevidence", "words", "context", "rp",
                                             "consideration", "polarity")}
    for f in files:
        n = len(f.passages)
        rows_of: dict[int, list[int]] = {}
        for row, (i, _, _) in enumerate(f.sentence_rows):
            rows_of.setdefault(i, []).append(row)
        for i, passage in enumerate(f.passages):
            if not eligible(passage, framework.matching.min_words):
                continue
            rows = rows_of.get(i, [])
            sents = passage_sentences(passage, f.vectors[i], f.vectors[[n + r for r in rows]],
                                      [f.sentence_rows[r][1:] for r in rows])
            dense = dense_features(passage, sents, framework, index, i / max(1, n - 1))
            for k, (start, end) in enumerate(sents.spans):
                hits = [lab for lab in by_file.get(f.file, [])
                        if covers(passage, start, end, lab)]
                cols["file"].append(f.file)
                cols["passage"].append(i)
                cols["span"].append((start, end))
                cols["texts"].append(passage.text[start:end])
                cols["vectors"].append(sents.vectors[k])
                cols["dense"].append(dense[k])
                cols["nonevidence"].append(bool(sents.nonevidence[k]))
                cols["words"].append(passage.n_words)
                cols["context"].append(f.vectors[i])
                cols["rp"].append([any(h.reference_point == r for h in hits) for r in rp_ids])
                cols["consideration"].append(next((h.consideration for h in hits
                                                   if h.consideration), ""))
                cols["polarity"].append(next((h.polarity for h in hits
                                              if h.polarity in POLARITY_LABELS), ""))
    dim = files[0].vectors.shape[1] if files else 0
    return SentenceTable(
        np.array(cols["file"], dtype=object), np.array(cols["passage"], dtype=int),
        np.array(cols["span"], dtype=int).reshape(-1, 2), cols["texts"],
        np.array(cols["vectors"], dtype=np.float32).reshape(-1, dim),
        np.array(cols["dense"], dtype=np.float32).reshape(len(cols["texts"]), -1),
        np.array(cols["nonevidence"], dtype=bool), np.array(cols["words"], dtype=int),
        np.array(cols["context"], dtype=np.float32).reshape(-1, dim),
        np.array(cols["rp"], dtype=bool).reshape(-1, len(rp_ids)),
        np.array(cols["consideration"], dtype=object), np.array(cols["polarity"], dtype=object))


def covers(passage, start: int, end: int, lab: SentenceLabel) -> bool:
    """Does the label cover the sentence ``passage.text[start:end]`` (at least half of the
    shorter of the two, on the same page)?"""
    for page, s, e in passage.page_spans(start, end):
        if page == lab.page:
            common = min(e, lab.end) - max(s, lab.start)
            if common > 0 and common >= 0.5 * min(e - s, lab.end - lab.start):
                return True
    return False


def analyse_labelled(corpus: Path, documents: list[LabelledDocument], registry: Registry,
                     encoder: Encoder) -> list[AnalysedFile]:
    """The labelled documents analysed by the pipeline, named by their corpus-relative path."""
    missing = [d.file for d in documents if not (corpus / d.file).is_file()]
    if missing:
        raise LabelError(f"{len(missing)} labelled document(s) missing from {corpus} "
                         f"(e.g. {missing[0]}): give the development corpus folder with --corpus")
    analysed = analyse_files([corpus / d.file for d in documents], registry, encoder)
    return [dataclasses.replace(a, file=d.file) for a, d in zip(analysed, documents, strict=True)]


def checked_gold(corpus: Path, labels: list[SentenceLabel]) -> list[GoldRow]:
    """Gold rows (quote re-read from the corpus) for ``pipeline.evaluate.metrics``; refuses labels whose
    text changed."""
    texts = {f: page_texts(corpus, f) for f in sorted({lab.file for lab in labels})}
    problems = verify(labels, texts)
    if problems:
        raise LabelError(f"{len(problems)} label(s) no longer match the corpus: "
                         + "; ".join(problems[:5]))
    return [GoldRow(lab.file, texts[lab.file][lab.page][lab.start:lab.end], lab.msi,
                    lab.reference_point, lab.consideration, lab.polarity)
            for lab in labels]


def eval_passages(files: list[AnalysedFile]) -> list[EvalPassage]:
    return [p for f in files for p in f.eval_passages()]
