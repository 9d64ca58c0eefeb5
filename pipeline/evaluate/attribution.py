"""Score MSI attribution against a gold file (``corpus/gold/msi_attribution.csv``).

Each gold row names a corpus file, a verbatim sentence of it and the MSI that sentence is about
(a registry id or GENERAL; a sentence about several MSIs has one row per MSI). The prediction for
a row is the MSI set of the passage that contains the quote. A row is *correct* when the gold
MSI is in that set: for passages with one MSI that is an exact match; passages with several
MSIs are counted separately. *Strict* accuracy asks the passage's first (strongest) MSI to be
the gold one. Rows are split into dev and held-out by a hash of (file, quote): tune only on dev.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.records import GENERAL, Passage

HOLDOUT_MOD = 3  # one row in three (by hash) is held out


@dataclass(frozen=True)
class GoldRow:
    file: str
    quote: str
    msi: str

    @property
    def split(self) -> str:
        digest = hashlib.sha256(f"{self.file}\n{self.quote}".encode()).digest()
        return "holdout" if digest[0] % HOLDOUT_MOD == 0 else "dev"


@dataclass(frozen=True)
class Outcome:
    row: GoldRow
    predicted: tuple[str, ...]  # the passage's MSIs, strongest first
    reasons: tuple[str, ...]

    @property
    def correct(self) -> bool:
        return self.row.msi in self.predicted

    @property
    def multi(self) -> bool:
        return len(self.predicted) > 1

    @property
    def shown(self) -> str:
        """The predicted MSI this row is judged by: the gold one if present, else the first."""
        return self.row.msi if self.correct else (self.predicted[0] if self.predicted else "-")


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.outcomes)

    @staticmethod
    def _rate(items: list[Outcome], test) -> tuple[int, int]:
        return sum(1 for o in items if test(o)), len(items)

    def accuracy(self) -> tuple[int, int]:
        return self._rate(self.outcomes, lambda o: o.correct)

    def single(self) -> tuple[int, int]:
        return self._rate([o for o in self.outcomes if not o.multi], lambda o: o.correct)

    def multi(self) -> tuple[int, int]:
        return self._rate([o for o in self.outcomes if o.multi], lambda o: o.correct)

    def strict(self) -> tuple[int, int]:
        return self._rate(self.outcomes, lambda o: bool(o.predicted) and o.predicted[0] == o.row.msi)

    def general_confusion(self) -> dict[tuple[str, str], int]:
        """(gold class, predicted class) counts; classes are GENERAL and specific."""
        def cls(msi: str) -> str:
            return GENERAL if msi == GENERAL else "specific"
        return dict(Counter((cls(o.row.msi), cls(o.shown)) for o in self.outcomes))

    def confusions(self) -> list[tuple[tuple[str, str], int]]:
        """The wrong (gold, predicted) pairs, most frequent first."""
        return Counter((o.row.msi, o.shown) for o in self.outcomes if not o.correct).most_common()


def load_gold(path: str | Path) -> list[GoldRow]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [GoldRow(r["file"].strip(), r["quote"], r["msi"].strip())
                for r in csv.DictReader(handle)]


def passage_for(passages: list[Passage], page_texts: dict[int, str], quote: str) -> Passage | None:
    """The passage that contains ``quote`` (first occurrence in the document); whitespace is
    compared loosely, so that a PDF's line breaks do not matter."""
    for passage in passages:
        if quote in passage.text:
            return passage
    loose = _squash(quote)
    for passage in passages:
        if loose in _squash(passage.text):
            return passage
    for number, text in page_texts.items():
        at = text.find(quote)
        if at >= 0:
            for passage in passages:
                if passage.page == number and passage.char_start <= at < passage.char_end:
                    return passage
    return None


def _squash(text: str) -> str:
    return " ".join(text.replace("\ufffe", "").split())


def evaluate(gold: list[GoldRow], attributed: dict[str, tuple[list[Passage], dict[int, str]]],
             suffix: str | None = None) -> tuple[Score, list[str]]:
    """Score ``gold`` against attributed documents keyed by file name; also return problems.

    ``suffix`` (e.g. ".pdf") scores the twin of each gold file with that suffix instead."""
    score, problems = Score(), []
    for row in gold:
        name = str(Path(row.file).with_suffix(suffix)) if suffix else row.file
        if name not in attributed:
            problems.append(f"{name}: not in the corpus")
            continue
        passages, pages = attributed[name]
        passage = passage_for(passages, pages, row.quote)
        if passage is None:
            problems.append(f"{row.file}: quote not found: {row.quote[:60]!r}")
            continue
        score.outcomes.append(Outcome(row, tuple(a.msi_id for a in passage.msis),
                                      tuple(a.reason for a in passage.msis)))
    return score, problems


def attribute_corpus(corpus: str | Path, files: set[str], registry=None):
    """Ingest, segment and attribute ``files`` of ``corpus`` (no embedding), with the manifest."""
    from pipeline.evaluate.dataset import prepare_files
    from pipeline.rules.registry import load_registry
    from pipeline.run.manifest import MANIFEST_NAME, load_manifest

    corpus = Path(corpus)
    registry = registry or load_registry()
    manifest_path = corpus / MANIFEST_NAME
    manifest = load_manifest(manifest_path, registry) if manifest_path.exists() else {}
    # Attribution is scored with the document's own main MSI where a manifest row names
    # none (a run passes such a row's empty default instead; see the closing note of #17).
    manifest = {path: entry for path, entry in manifest.items() if entry.msi}
    names = sorted(files)
    prepared = prepare_files([corpus / name for name in names], registry, manifest)
    return {name: (list(p.passages), {page.number: page.text for page in p.document.pages})
            for name, (_, p) in zip(names, prepared, strict=True)}
