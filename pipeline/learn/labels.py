"""Labels of the development corpus, committed without the third-party text.

A label points at a sentence by ``file`` (relative to the corpus folder), ``page`` and
character offsets into that page's text as the pipeline's own ingest produces it, plus a short
hash of the sentence: the loader re-reads the document and refuses a label whose text no longer
hashes the same (the corpus changed, or the parser did). ``documents.csv`` lists every labelled
document, also those without evidence, since their sentences are the negatives.

Labellers write quotes (``file,quote,...``); :func:`labels_from_quotes` turns them into
offsets, reporting every quote it cannot find.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import MsiEvidenceError
from pipeline.evaluate.metrics import POLARITIES, normalise

LABEL_COLUMNS = ("file", "page", "start", "end", "sha", "msi", "reference_point",
                 "consideration", "polarity")
DOCUMENT_COLUMNS = ("file", "split", "labeller", "second_labeller", "rows")
SPLITS = ("cv", "heldout")


class LabelError(MsiEvidenceError):
    """Labels that cannot be read or no longer match the corpus."""


@dataclass(frozen=True)
class SentenceLabel:
    """One evidence sentence: (sentence, reference point, MSI) with consideration and polarity."""

    file: str
    page: int
    start: int  # offsets into the page text of the pipeline's ingest
    end: int
    sha: str  # sentence_hash of text[start:end]
    msi: str
    reference_point: str
    consideration: str
    polarity: str


@dataclass(frozen=True)
class LabelledDocument:
    file: str
    split: str  # "cv" (cross-validation pool) or "heldout" (never tuned on)
    labeller: str
    second_labeller: str = ""
    rows: int = 0


def sentence_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()[:12]


def heldout_split(file: str) -> str:
    """The fixed split of a document, from a hash of its path (chosen before any labels were
    seen): about three documents in sixteen are held out."""
    return "heldout" if hashlib.sha256(file.encode()).hexdigest()[0] in "012" else "cv"


def write_rows(path: Path, columns: tuple[str, ...], rows: Iterable[object]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))  # type: ignore[call-overload]


def read_labels(path: Path) -> list[SentenceLabel]:
    rows = _read(path, LABEL_COLUMNS)
    out = []
    for line, row in rows:
        if row["polarity"] not in POLARITIES:
            raise LabelError(f"{path}: line {line}: polarity must be one of {POLARITIES}")
        try:
            out.append(SentenceLabel(**{**row, "page": int(row["page"]),
                                        "start": int(row["start"]), "end": int(row["end"])}))
        except ValueError:
            raise LabelError(f"{path}: line {line}: page, start and end must be integers") from None
    return out


def read_documents(path: Path) -> list[LabelledDocument]:
    out = []
    for line, row in _read(path, DOCUMENT_COLUMNS):
        if row["split"] not in SPLITS:
            raise LabelError(f"{path}: line {line}: split must be one of {SPLITS}")
        out.append(LabelledDocument(**{**row, "rows": int(row["rows"] or 0)}))
    return out


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise LabelError(f"{path}: missing column(s) {missing}")
            return [(line, {c: (raw.get(c) or "").strip() for c in columns})
                    for line, raw in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise LabelError(f"no label file at {path}") from None


def page_texts(corpus: Path, file: str) -> dict[int, str]:
    """Page number → page text of a corpus file, as the pipeline's ingest reads it."""
    from pipeline.ingest import ingest_file

    path = corpus / file
    if not path.is_file():
        raise LabelError(f"{path} is missing: the labels need the development corpus "
                         f"(give its folder with --corpus, e.g. ../shared/corpus-dev)")
    doc = ingest_file(str(path.resolve()))
    return {p.number: p.text for p in doc.pages}


def verify(labels: list[SentenceLabel], texts: dict[str, dict[int, str]]) -> list[str]:
    """Problems of labels whose page is gone or whose text no longer hashes the same."""
    problems = []
    for lab in labels:
        page = texts.get(lab.file, {}).get(lab.page)
        if page is None:
            problems.append(f"{lab.file} page {lab.page}: no such page")
        elif sentence_hash(page[lab.start:lab.end]) != lab.sha:
            problems.append(f"{lab.file} page {lab.page} [{lab.start}:{lab.end}]: the text "
                            f"changed (hash {sentence_hash(page[lab.start:lab.end])} != {lab.sha})")
    return problems


def locate(quote: str, pages: dict[int, str], page_hint: int | None = None
           ) -> tuple[int, int, int] | None:
    """(page, start, end) of ``quote`` in the page texts: exact first, then ignoring
    whitespace differences; the hinted page first."""
    order = sorted(pages, key=lambda n: (n != page_hint, n))
    for number in order:
        at = pages[number].find(quote)
        if at >= 0:
            return number, at, at + len(quote)
    target = normalise(quote)
    if not target:
        return None
    for number in order:
        found = _find_normalised(pages[number], target)
        if found:
            return number, *found
    return None


def _find_normalised(text: str, target: str) -> tuple[int, int] | None:
    """Offsets in ``text`` of a whitespace-normalised ``target``."""
    squashed, index = [], []
    previous_space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not previous_space:
                squashed.append(" ")
                index.append(i)
            previous_space = True
        else:
            squashed.append(ch)
            index.append(i)
            previous_space = False
    at = "".join(squashed).find(target)
    if at < 0:
        return None
    return index[at], index[at + len(target) - 1] + 1


def labels_from_quotes(rows: list[dict[str, str]], corpus: Path,
                       texts: dict[str, dict[int, str]]) -> tuple[list[SentenceLabel], list[str]]:
    """Labeller rows (``file, quote, msi, reference_point, consideration, polarity[, page]``)
    as offset labels; the second list names the rows whose quote was not found."""
    out, missing = [], []
    for row in rows:
        file = row["file"].strip()
        if file not in texts:
            texts[file] = page_texts(corpus, file)
        hint = int(row["page"]) if (row.get("page") or "").strip().isdigit() else None
        found = locate(row["quote"].strip(), texts[file], hint)
        if found is None:
            missing.append(f"{file}: {row['quote'][:80]!r}")
            continue
        page, start, end = found
        out.append(SentenceLabel(file, page, start, end,
                                 sentence_hash(texts[file][page][start:end]),
                                 row["msi"].strip() or "GENERAL", row["reference_point"].strip(),
                                 (row.get("consideration") or "").strip(),
                                 (row.get("polarity") or "neutral").strip()))
    return out, missing
