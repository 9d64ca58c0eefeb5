"""Evaluate candidates against a gold set: recall, precision, F1, MSI-aware recall, polarity
accuracy and reviewer workload (candidates per 1,000 words), per reference point and overall.

Gold CSV columns: ``file`` (source file name), ``quote`` (a verbatim sentence of the document),
``msi``, ``reference_point``, and optionally ``consideration``, ``polarity`` and ``split``.

Definitions (all restricted to the files named in the gold set):

- A candidate **matches** a gold row when it comes from that file, has that reference point, and
  its passage contains the quote (whitespace and line-break hyphens ignored).
- **Recall**: share of gold rows matched by at least one candidate. **MSI-aware recall**: share
  matched by a candidate that also names the gold row's MSI.
- **Quote recall**: share of gold rows matched by a candidate whose quoted sentence is the gold
  quote (either contains the other, normalised: ``same_sentence``), i.e. the reviewer is pointed
  at that very sentence, not only at its passage; ``None`` when candidates carry no quotes (the
  baselines).
- **Offered recall**: share of gold rows whose passage has a candidate that either has the gold
  reference point or offers it among its ``alternatives`` (the passage's next reference points,
  which a reviewer accepts the candidate under with one key): the evidence a reviewer is shown
  and can file correctly, at the same workload. Not the issue's recall, which needs the
  candidate's own reference point; ``None`` when candidates carry no alternatives.
- **Precision**: share of candidates whose passage contains some gold quote of the same
  reference point in the same file. (A passage holding two gold quotes of one reference point
  is one correct candidate, so precision counts candidates, recall counts gold rows.)
- **F1**: harmonic mean of the two.
- **Polarity accuracy**: over matched gold rows that carry a polarity, share whose best-scoring
  matching candidate (one naming the gold MSI if any) has the same polarity.
- **Candidates per 1,000 words**: candidates / words of the files' passages × 1,000.

Intervals (overall, per split): 95 % percentile intervals for recall, precision and F1 from a
bootstrap over passages (see ``pipeline/eval_intervals.py``): candidates and gold rows are drawn
with their passage, since neighbouring candidates and rows are not independent.

Splits: when the gold set has a ``split`` column, every passage of a gold file is assigned the
split of the gold rows it contains, or else that of the nearest passage (in document order) that
contains one; candidates and words follow their passage. Each split is reported on its own.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.errors import MsiEvidenceError
from pipeline.evaluate.intervals import BootstrapUnits, bootstrap_intervals
from pipeline.explanation import Explanation
from pipeline.store import Store, reports

REQUIRED = ("file", "quote", "msi", "reference_point")
POLARITIES = ("supports", "undermines", "neutral")
ALL = "all"


class GoldError(MsiEvidenceError):
    """The gold CSV is missing, unreadable or malformed."""


@dataclass(frozen=True)
class GoldRow:
    file: str
    quote: str
    msi: str
    reference_point: str
    consideration: str = ""
    polarity: str = ""
    split: str = ""
    line: int = 0  # line in the CSV, for messages


@dataclass(frozen=True)
class EvalPassage:
    key: str  # passage id
    file: str
    seq: int
    text: str

    @property
    def n_words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class EvalCandidate:
    passage_key: str
    reference_point: str
    msi: str
    polarity: str = ""
    score: float = 0.0
    quote: str = ""  # the sentence the candidate quotes ("" when it names none)
    alternatives: tuple[str, ...] = ()  # reference points offered instead (explanation)


@dataclass
class Metrics:
    gold: int = 0
    matched: int = 0
    matched_msi: int = 0
    matched_quote: int = 0
    offered: int = 0
    candidates: int = 0
    correct_candidates: int = 0
    polarity_rows: int = 0
    polarity_correct: int = 0
    words: int = 0
    recall: float | None = None
    msi_recall: float | None = None
    quote_recall: float | None = None
    offered_recall: float | None = None
    precision: float | None = None
    f1: float | None = None
    polarity_accuracy: float | None = None
    per_1000_words: float | None = None

    def finish(self, quotes: bool = True, alternatives: bool = True) -> Metrics:
        ratio = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
        self.recall = ratio(self.matched, self.gold)
        self.msi_recall = ratio(self.matched_msi, self.gold)
        self.quote_recall = ratio(self.matched_quote, self.gold) if quotes else None
        self.offered_recall = ratio(self.offered, self.gold) if alternatives else None
        self.precision = ratio(self.correct_candidates, self.candidates)
        if self.recall is not None and self.precision is not None:
            total = self.recall + self.precision
            self.f1 = round(2 * self.recall * self.precision / total, 4) if total else 0.0
        self.polarity_accuracy = ratio(self.polarity_correct, self.polarity_rows)
        self.per_1000_words = round(1000 * self.candidates / self.words, 2) if self.words else None
        return self


@dataclass
class Report:
    splits: list[str]
    overall: dict[str, Metrics] = field(default_factory=dict)
    by_reference_point: dict[str, dict[str, Metrics]] = field(default_factory=dict)
    # split -> metric -> (low, high): 95 % passage-bootstrap intervals (pipeline/eval_intervals)
    intervals: dict[str, dict[str, tuple[float, float] | None]] = field(default_factory=dict)
    # Over all splits (pipeline/eval_ranking): recall when each document keeps its best N
    # candidates per 1,000 words, and (score from, to, candidates, share correct) per score bin.
    recall_at: dict[int, float | None] = field(default_factory=dict)
    reliability: list[tuple[float, float, int, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"splits": self.splits, "recall_at": self.recall_at,
                "reliability": self.reliability,
                "overall": {s: asdict(m) for s, m in self.overall.items()},
                "intervals": self.intervals,
                "by_reference_point": {rp: {s: asdict(m) for s, m in d.items()}
                                       for rp, d in self.by_reference_point.items()}}


_HYPHEN_BREAK = re.compile(r"(\w)[-\u00ad\ufffe]\s*\n\s*(\w)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text for containment tests: line-break hyphens joined, whitespace collapsed."""
    return _SPACE.sub(" ", _HYPHEN_BREAK.sub(r"\1\2", text)).strip()


def load_gold(path: str | Path) -> list[GoldRow]:
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise GoldError(f"{path}: missing column(s) {missing}; required: {list(REQUIRED)}")
            rows, problems = [], []
            for line, raw in enumerate(reader, start=2):
                row = {k: (v or "").strip() for k, v in raw.items() if k}
                if not all(row.get(c) for c in REQUIRED):
                    problems.append(f"line {line}: empty {[c for c in REQUIRED if not row.get(c)]}")
                    continue
                if row.get("polarity") and row["polarity"] not in POLARITIES:
                    problems.append(f"line {line}: polarity must be one of {POLARITIES}")
                    continue
                rows.append(GoldRow(row["file"], row["quote"], row["msi"], row["reference_point"],
                                    row.get("consideration", ""), row.get("polarity", ""),
                                    row.get("split", ""), line))
    except FileNotFoundError:
        raise GoldError(f"no gold file at {path}: give the path of a gold CSV") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GoldError(f"cannot read gold file {path}: {exc}") from None
    if problems:
        raise GoldError(f"{path}: " + "; ".join(problems))
    if not rows:
        raise GoldError(f"{path}: no gold rows")
    return rows


def assign_splits(passages: list[EvalPassage], gold: list[GoldRow]) -> dict[str, str]:
    """Passage key → split (see the module docstring); ``all`` when the gold has no splits."""
    if not any(g.split for g in gold):
        return {p.key: ALL for p in passages}
    by_file: dict[str, list[EvalPassage]] = {}
    for p in passages:
        by_file.setdefault(p.file, []).append(p)
    out: dict[str, str] = {}
    for file, items in by_file.items():
        items.sort(key=lambda p: p.seq)
        rows = [g for g in gold if g.file == file and g.split]
        anchors = {}
        for k, p in enumerate(items):
            text = normalise(p.text)
            for g in rows:
                if normalise(g.quote) in text:
                    anchors.setdefault(k, g.split)
        for k, p in enumerate(items):
            if not anchors:
                out[p.key] = ALL
                continue
            nearest = min(anchors, key=lambda a: (abs(a - k), a))
            out[p.key] = anchors[nearest]
    return out


def evaluate(candidates: Iterable[EvalCandidate], passages: list[EvalPassage],
             gold: list[GoldRow], draws: int = 1000) -> Report:
    """The metrics of the module docstring; ``draws`` bootstrap draws for the intervals (0: none)."""
    files = {g.file for g in gold}
    passages = [p for p in passages if p.file in files]
    by_key = {p.key: p for p in passages}
    candidates = [c for c in candidates if c.passage_key in by_key]
    split_of = assign_splits(passages, gold)
    splits = sorted({g.split for g in gold if g.split}) if any(g.split for g in gold) else []
    names = [ALL, *splits]
    rps = sorted({g.reference_point for g in gold} | {c.reference_point for c in candidates})
    report = Report(names, {s: Metrics() for s in names},
                    {rp: {s: Metrics() for s in names} for rp in rps})

    def buckets(rp: str, split: str):
        yield report.overall[ALL]
        yield report.by_reference_point[rp][ALL]
        if split in report.overall and split != ALL:
            yield report.overall[split]
            yield report.by_reference_point[rp][split]

    norm_text = {p.key: normalise(p.text) for p in passages}
    gold_norm = [(g, normalise(g.quote)) for g in gold]
    units = BootstrapUnits()
    for p in passages:
        split = split_of[p.key]
        units.add_passage(p.key, {ALL, split})
        for s in {ALL, split} & set(names):
            report.overall[s].words += p.n_words
            for rp in rps:
                report.by_reference_point[rp][s].words += p.n_words
    gold_of_file: dict[str, list[tuple[GoldRow, str]]] = {}
    for g, q in gold_norm:
        gold_of_file.setdefault(g.file, []).append((g, q))
    candidates_of_file: dict[str, list[EvalCandidate]] = {}
    for c in candidates:
        candidates_of_file.setdefault(by_key[c.passage_key].file, []).append(c)
    passages_of_file: dict[str, list[EvalPassage]] = {}
    for p in passages:
        passages_of_file.setdefault(p.file, []).append(p)
    for c in candidates:
        text = norm_text[c.passage_key]
        file = by_key[c.passage_key].file
        correct = any(g.reference_point == c.reference_point and q in text
                      for g, q in gold_of_file.get(file, ()))
        units.add_candidate(c.passage_key, {ALL, split_of[c.passage_key]}, correct)
        for m in buckets(c.reference_point, split_of[c.passage_key]):
            m.candidates += 1
            m.correct_candidates += int(correct)
    for g, q in gold_norm:
        in_file = candidates_of_file.get(g.file, ())
        matches = [c for c in in_file
                   if c.reference_point == g.reference_point and q in norm_text[c.passage_key]]
        same_msi = [c for c in matches if c.msi == g.msi]
        quoted = [c for c in matches if c.quote and same_sentence(q, normalise(c.quote))]
        offered = bool(matches) or any(
            g.reference_point in c.alternatives for c in in_file
            if q in norm_text[c.passage_key])
        home = next((p.key for p in passages_of_file.get(g.file, ())
                     if q in norm_text[p.key]), None)
        units.add_gold(home, {ALL, g.split or ALL}, bool(matches))
        for m in buckets(g.reference_point, g.split or ALL):
            m.gold += 1
            m.matched += int(bool(matches))
            m.matched_msi += int(bool(same_msi))
            m.matched_quote += int(bool(quoted))
            m.offered += int(offered)
            best = max(same_msi or matches, key=lambda c: c.score) if matches else None
            if best is not None and g.polarity and best.polarity:
                m.polarity_rows += 1
                m.polarity_correct += int(best.polarity == g.polarity)
    quotes = not candidates or any(c.quote for c in candidates)
    alternatives = not candidates or any(c.alternatives for c in candidates)
    for m in report.overall.values():
        m.finish(quotes, alternatives)
    for d in report.by_reference_point.values():
        for m in d.values():
            m.finish(quotes, alternatives)
    if draws:
        for name in names:
            report.intervals[name] = bootstrap_intervals(units.of(name), draws)
    return report


def same_sentence(gold_quote: str, quote: str) -> bool:
    """Is the quoted sentence the gold one? (Either contains the other: the gold set may quote
    a fragment, and sentence splitters differ at abbreviations and quotation marks.)"""
    return bool(quote) and (gold_quote in quote or quote in gold_quote)


def offered_reference_points(explanation: str | None) -> tuple[str, ...]:
    """The reference points a stored candidate offers instead of its own (its explanation's
    ``alternatives``); none for unreadable or older explanations."""
    return tuple(a.reference_point_id for a in
                 Explanation.from_json(explanation).offered(with_consideration=False))


def load_from_store(store: Store, gold: list[GoldRow]) -> tuple[list[EvalPassage], list[EvalCandidate]]:
    """Current (non-stale) passages and candidates of the documents whose file name (any of
    their paths) appears in the gold set."""
    files = {g.file for g in gold}
    doc_files: dict[str, list[str]] = {}
    for doc_id, path in reports.document_paths(store):
        name = Path(path).name
        if name in files:
            doc_files.setdefault(doc_id, []).append(name)
    passages, candidates = [], []
    for doc_id, names in doc_files.items():
        for name in sorted(set(names)):
            for p in reports.live_passages(store, doc_id):
                passages.append(EvalPassage(f"{name}|{p['passage_id']}", name, p["seq"], p["text"]))
            for c in reports.live_candidates(store, doc_id):
                candidates.append(EvalCandidate(f"{name}|{c['passage_id']}",
                                                c["reference_point_id"], c["msi"],
                                                c["polarity"] or "", float(c["score"]),
                                                c["quote"] or "",
                                                offered_reference_points(c["explanation"])))
    if not passages:
        raise GoldError(f"none of the gold files {sorted(files)} is in {store.path}: run "
                        f"`msi-evidence run` on them first (file names must match)")
    return passages, candidates


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def format_report(report: Report, title: str = "") -> str:
    lines = [title] if title else []
    for split in report.splits:
        lines.append(f"\n[{split}]")
        lines.append(f"{'reference point':24} {'gold':>4} {'cand':>5} {'recall':>6} {'prec':>5} "
                     f"{'F1':>5} {'msi-R':>5} {'quo-R':>5} {'off-R':>5} {'polar':>5} "
                     f"{'c/1kw':>6}")
        rows = [(rp, d[split]) for rp, d in report.by_reference_point.items()]
        rows.append(("OVERALL", report.overall[split]))
        for name, m in rows:
            per = "     -" if m.per_1000_words is None else f"{m.per_1000_words:6.1f}"
            lines.append(f"{name[:24]:24} {m.gold:4d} {m.candidates:5d} {_fmt(m.recall):>6} "
                         f"{_fmt(m.precision):>5} {_fmt(m.f1):>5} {_fmt(m.msi_recall):>5} "
                         f"{_fmt(m.quote_recall):>5} {_fmt(m.offered_recall):>5} "
                         f"{_fmt(m.polarity_accuracy):>5} {per}")
        ci = {name: v for name, v in report.intervals.get(split, {}).items() if v is not None}
        if ci:
            lines.append("95% interval (passage bootstrap): " + ", ".join(
                f"{name} {_fmt(lo)}–{_fmt(hi)}" for name, (lo, hi) in ci.items()))
    if report.recall_at or report.reliability:
        from pipeline.evaluate.ranking import format_ranking

        lines.append("\n[all splits]\n" + format_ranking(report.recall_at, report.reliability))
    return "\n".join(lines)


def evaluate_store(db: str | Path, gold_path: str | Path, json_out: str | Path | None = None
                   ) -> Report:
    """``msi-evidence eval``: evaluate a store against a gold CSV (optionally writing JSON)."""
    from pipeline.store import Store

    gold = load_gold(gold_path)
    with Store(db, create=False) as store:
        passages, candidates = load_from_store(store, gold)
    report = evaluate(candidates, passages, gold)
    from pipeline.evaluate.ranking import recall_at_workloads, reliability_table

    report.recall_at = recall_at_workloads(candidates, passages, gold)
    report.reliability = reliability_table(candidates, passages, gold)
    if json_out:
        Path(json_out).write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return report
