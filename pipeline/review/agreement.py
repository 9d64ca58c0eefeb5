"""Inter-reviewer agreement: percent agreement and Cohen's kappa, per reference point.

Each reviewer's *effective* decision on a candidate (the latest accept/reject that no undo
cancelled; skips are not ratings) is one rating. For every pair of reviewers, the candidates
both rated are the items; statistics are computed per reference point and over all of them.
Once reviewers have proposed candidates themselves ("more like this"), each pair also gets a
row over the matcher's proposals and one over the reviewers' proposals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from pipeline.store import Store, review_reads

ALL = "(all)"
BY_MODEL = "(proposed by the model)"
BY_REVIEWERS = "(proposed by reviewers)"


def percent_agreement(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Share of items on which both raters gave the same label (0..1); None without items."""
    if not pairs:
        return None
    return sum(1 for a, b in pairs if a == b) / len(pairs)


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters: (p_o - p_e) / (1 - p_e).

    ``p_e`` is the agreement expected by chance from each rater's label frequencies. Returns
    None when it is undefined: no items, or both raters used one and the same label throughout
    (``p_e == 1``).
    """
    n = len(pairs)
    if n == 0:
        return None
    p_o = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    p_e = sum(first[label] * second[label] for label in first.keys() | second.keys()) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)


@dataclass(frozen=True)
class AgreementRow:
    reference_point_id: str
    reference_point: str
    reviewer_a: str
    reviewer_b: str
    n: int  # candidates both reviewers rated
    agreed: int
    percent: float | None  # 0..100
    kappa: float | None


@dataclass(frozen=True)
class Rating:
    candidate_id: str
    reference_point_id: str
    reference_point: str
    reviewer: str
    decision: str  # accept | reject
    proposed_by: str = "model"  # or 'reviewer:<name>' (pipeline.store.proposals)


def effective_ratings(store: Store) -> list[Rating]:
    """Every reviewer's effective accept/reject per candidate (from ``reviewer_state``)."""
    return [Rating(*row) for row in review_reads.effective_rating_rows(store)]


def agreement_table(ratings: Iterable[Rating]) -> list[AgreementRow]:
    """One row per (reference point, reviewer pair) with at least one common item, then one
    ``(all)`` row per pair over every reference point; when reviewers proposed some of the
    candidates, a row per pair over the model's proposals and one over the reviewers'."""
    by_candidate: dict[str, dict[str, str]] = defaultdict(dict)
    rp_of: dict[str, tuple[str, str]] = {}
    origin_of: dict[str, str] = {}
    for r in ratings:
        by_candidate[r.candidate_id][r.reviewer] = r.decision
        rp_of[r.candidate_id] = (r.reference_point_id, r.reference_point)
        origin_of[r.candidate_id] = BY_MODEL if r.proposed_by == "model" else BY_REVIEWERS
    split = BY_REVIEWERS in origin_of.values()
    items: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    for candidate_id, votes in by_candidate.items():
        rp_id, rp_name = rp_of[candidate_id]
        names[rp_id] = rp_name
        for a, b in combinations(sorted(votes), 2):
            items[(rp_id, a, b)].append((votes[a], votes[b]))
            items[(ALL, a, b)].append((votes[a], votes[b]))
            if split:
                items[(origin_of[candidate_id], a, b)].append((votes[a], votes[b]))
    names[ALL] = "all reference points"
    names[BY_MODEL] = "all, proposed by the model"
    names[BY_REVIEWERS] = "all, proposed by reviewers"
    rows = []
    for (rp_id, a, b), pairs in items.items():
        pct = percent_agreement(pairs)
        rows.append(
            AgreementRow(
                rp_id,
                names[rp_id],
                a,
                b,
                len(pairs),
                sum(1 for x, y in pairs if x == y),
                None if pct is None else 100.0 * pct,
                cohen_kappa(pairs),
            )
        )
    rank = {ALL: 1, BY_MODEL: 2, BY_REVIEWERS: 3}
    rows.sort(
        key=lambda r: (
            rank.get(r.reference_point_id, 0),
            r.reference_point_id,
            r.reviewer_a,
            r.reviewer_b,
        )
    )
    return rows


def agreement(store: Store) -> list[AgreementRow]:
    return agreement_table(effective_ratings(store))


@dataclass(frozen=True)
class Disagreement:
    candidate_id: str
    reference_point_id: str
    msi: str
    consideration_id: str
    score: float
    quote: str
    votes: tuple[tuple[str, str], ...]  # (reviewer, decision)
    counting: str | None  # the decision that counts now (current_decisions), if any


def disagreements(store: Store, limit: int = 500) -> list[Disagreement]:
    """Candidates whose reviewers' effective decisions differ (accept vs reject)."""
    rows = review_reads.disagreement_rows(store, limit)
    out = []
    for r in rows:
        counting = review_reads.current_decision(store, r["candidate_id"])
        votes = tuple(sorted(tuple(v.rsplit("=", 1)) for v in r["votes"].split("\x1f")))
        out.append(
            Disagreement(
                r["candidate_id"],
                r["reference_point_id"],
                r["msi"],
                r["consideration_id"],
                r["score"],
                r["quote"],
                votes,
                counting["decision"] if counting else None,
            )
        )
    return out


def format_agreement(rows: Sequence[AgreementRow]) -> str:
    """A plain-text table for the command line."""
    if not rows:
        return (
            "No candidate has been decided (accept/reject) by two reviewers yet, so there is "
            "no agreement to report."
        )
    header = ("reference point", "reviewers", "n", "agreement", "kappa")
    lines = [
        (
            r.reference_point_id,
            f"{r.reviewer_a} / {r.reviewer_b}",
            str(r.n),
            "-" if r.percent is None else f"{r.percent:.1f}%",
            "-" if r.kappa is None else f"{r.kappa:.3f}",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    out.append("kappa '-' = undefined (both reviewers used a single, identical label).")
    return "\n".join(out)
