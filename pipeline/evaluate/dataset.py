"""Documents analysed in-process for evaluation: the pipeline's candidates for them, and their
per-passage scores (``research.calibration.feature_rows`` builds labelled rows from these).

Files are analysed in-process with the pipeline's own stages (ingest, segment, attribute,
embed through the embedding cache), so that the features are exactly those ``match`` sees.
A row is one (passage, reference point) pair with the reference point's feature row (the
element-wise best over its considerations, as ``match.reference_point_scores`` uses); it is
positive when the passage contains a gold quote of that reference point.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from pipeline.embed import Encoder
from pipeline.evaluate.metrics import EvalCandidate, EvalPassage, normalise
from pipeline.records import Candidate, Passage
from pipeline.rules.framework import Framework
from pipeline.rules.registry import Registry
from pipeline.run.process import PreparedDocument, prepare_document
from pipeline.scoring.match import (
    EvidenceIndex,
    PassageScores,
    match_passages,
    score_passage,
)


@dataclass(frozen=True)
class AnalysedFile:
    file: str  # file name, as in the gold CSV
    passages: tuple[Passage, ...]
    vectors: np.ndarray
    sentence_rows: tuple[tuple[int, int, int], ...]

    @cached_property
    def _sentence_rows_of(self) -> dict[int, list[int]]:
        rows: dict[int, list[int]] = {}
        for row, (i, _, _) in enumerate(self.sentence_rows):
            rows.setdefault(i, []).append(row)
        return rows

    def score(self, i: int, framework: Framework, index: EvidenceIndex) -> PassageScores | None:
        """``match.score_passage`` for passage ``i`` with its own and its sentences' vectors."""
        n = len(self.passages)
        rows = self._sentence_rows_of.get(i, [])
        return score_passage(self.passages[i], self.vectors[i],
                             self.vectors[[n + r for r in rows]],
                             [self.sentence_rows[r][1:] for r in rows], framework, index)

    def passage_holding(self, quote: str) -> int | None:
        """Index of the first passage whose text contains ``quote`` (normalised), or None."""
        quote = normalise(quote)
        return next((i for i, p in enumerate(self.passages) if quote in normalise(p.text)), None)

    def eval_passages(self) -> list[EvalPassage]:
        return [EvalPassage(f"{self.file}|{p.passage_id}", self.file, p.seq, p.text)
                for p in self.passages]


def analyse_files(paths: list[Path], registry: Registry, encoder: Encoder,
                  manifest_path: Path | None = None) -> list[AnalysedFile]:
    from pipeline.run.manifest import load_manifest

    manifest = load_manifest(manifest_path, registry) if manifest_path else {}
    out = []
    for path, prepared in prepare_files(paths, registry, manifest):
        out.append(AnalysedFile(Path(path).name, prepared.passages,
                                encoder.encode(list(prepared.texts)), prepared.sentence_rows))
    return out


def prepare_files(paths: list[Path], registry: Registry, manifest: dict
                  ) -> Iterator[tuple[Path, PreparedDocument]]:
    """Ingest each file in this process and run the first half of the stage chain
    (``pipeline.run.process.prepare_document``) on it. A stage that crashed raises, so that
    a measurement never silently drops a document."""
    from pipeline.attribution import MsiAttributor
    from pipeline.ingest import ingest_file
    from pipeline.records import DocStatus
    from pipeline.segment import SegmentSettings

    attributor = MsiAttributor(registry)
    for path in paths:
        resolved = str(Path(path).resolve())
        prepared = prepare_document(ingest_file(resolved), attributor, SegmentSettings(),
                                    manifest.get(resolved))
        if prepared.result is not None and prepared.result.status == DocStatus.CRASHED:
            raise RuntimeError(f"{path}: {prepared.result.message}")
        yield Path(path), prepared


def project_candidates(files: list[AnalysedFile], framework: Framework,
                       index: EvidenceIndex) -> list[EvalCandidate]:
    """The pipeline's own candidates for the analysed files, in evaluation form."""
    out = []
    for f in files:
        found: list[Candidate] = match_passages(list(f.passages), f.vectors,
                                                list(f.sentence_rows), framework, index)
        out.extend(EvalCandidate(f"{f.file}|{c.passage_id}", c.reference_point_id, c.msi,
                                 c.polarity, c.score, c.quote,
                                 tuple(a.reference_point_id for a in
                                       c.explanation.offered(with_consideration=False)))
                   for c in found)
    return out
