"""Agreement between two labellers of the same documents (Cohen's kappa and raw agreement).

Both label sets are projected onto the pipeline's sentences (a label marks a sentence when it
covers at least half of the shorter of the two), then compared:

- **evidence**: is the sentence evidence at all (over every eligible sentence);
- **reference point**: over sentences both call evidence, one binary decision per
  (sentence, reference point), kappa over all of them;
- **consideration**, **polarity**, **MSI**: over (sentence, reference point) pairs both label,
  the first label of each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.evaluate.dataset import AnalysedFile
from pipeline.learn.dataset import covers
from pipeline.learn.features import eligible
from pipeline.learn.labels import SentenceLabel


@dataclass(frozen=True)
class Agreement:
    name: str
    items: int
    observed: float
    kappa: float | None


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    n = len(a)
    if not n:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def _sentence_labels(files: list[AnalysedFile], labels: list[SentenceLabel], min_words: int
                     ) -> list[list[SentenceLabel]]:
    by_file: dict[str, list[SentenceLabel]] = {}
    for lab in labels:
        by_file.setdefault(lab.file, []).append(lab)
    out = []
    for f in files:
        for passage in f.passages:
            if not eligible(passage, min_words):
                continue
            spans = passage.sentences or ((0, len(passage.text)),)
            for start, end in spans:
                out.append([lab for lab in by_file.get(f.file, [])
                            if covers(passage, start, end, lab)])
    return out


def agreement(files: list[AnalysedFile], first: list[SentenceLabel],
              second: list[SentenceLabel], rp_ids: list[str], min_words: int) -> list[Agreement]:
    a_rows = _sentence_labels(files, first, min_words)
    b_rows = _sentence_labels(files, second, min_words)

    def measure(name: str, a: list[str], b: list[str]) -> Agreement:
        observed = sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else 0.0
        kappa = cohen_kappa(a, b)
        return Agreement(name, len(a), round(observed, 3),
                         None if kappa is None else round(kappa, 3))

    ev_a = [str(bool(x)) for x in a_rows]
    ev_b = [str(bool(x)) for x in b_rows]
    both = [(x, y) for x, y in zip(a_rows, b_rows, strict=True) if x and y]
    rp_a, rp_b, cons, pol, msi = [], [], ([], []), ([], []), ([], [])
    for x, y in both:
        for rp in rp_ids:
            in_a = [lab for lab in x if lab.reference_point == rp]
            in_b = [lab for lab in y if lab.reference_point == rp]
            rp_a.append(str(bool(in_a)))
            rp_b.append(str(bool(in_b)))
            if in_a and in_b:
                cons[0].append(in_a[0].consideration)
                cons[1].append(in_b[0].consideration)
                pol[0].append(in_a[0].polarity)
                pol[1].append(in_b[0].polarity)
                msi[0].append(",".join(sorted({lab.msi for lab in in_a})))
                msi[1].append(",".join(sorted({lab.msi for lab in in_b})))
    return [measure("evidence (sentence)", ev_a, ev_b),
            measure("reference point (sentence × reference point)", rp_a, rp_b),
            measure("consideration", *cons), measure("polarity", *pol), measure("MSI", *msi)]


def format_agreement(rows: list[Agreement]) -> str:
    lines = ["| decision | items | observed agreement | Cohen's kappa |", "|---|---|---|---|"]
    lines += [f"| {r.name} | {r.items} | {r.observed:.2f} | "
              f"{'–' if r.kappa is None else f'{r.kappa:.2f}'} |" for r in rows]
    return "\n".join(lines)
