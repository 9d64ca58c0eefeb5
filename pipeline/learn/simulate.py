"""``msi-evidence simulate``: replay a reviewer who answers every card from gold labels.

The cards are a store's live candidates on the documents named in a gold CSV. A card is
evidence when its passage holds a gold quote of its reference point (the rule of
``pipeline.evaluate``). Three orders are replayed to the last card:

- **random** (one shuffle per seed);
- **first-run score**, the order of the queue today;
- **active**: the first ``batch`` cards by first-run score, then repeatedly the ``batch``
  undecided cards that :class:`pipeline.learn.active.ActiveRanker`, refitted on every decision
  so far, finds most likely to be accepted. With several seeds the first batch is a seeded
  random draw instead, which gives the spread.

Reported per order: the share of the evidence cards found after 10 / 25 / 50 / 100 % of the cards,
the cards needed for 80 % and 95 % of them, and WSS@95 (work saved over sampling: the share of
cards left unread at 95 % recall, minus the 5 % that random reading leaves; ASReview's measure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.evaluate.metrics import EvalCandidate, EvalPassage, GoldRow, normalise
from pipeline.learn.active import ActiveRanker, Card

FRACTIONS = (0.10, 0.25, 0.50, 1.00)


@dataclass(frozen=True)
class Curve:
    order: str
    seed: int | None
    found: np.ndarray  # evidence cards found after each card reviewed (cumulative)

    @property
    def total(self) -> int:
        return int(self.found[-1]) if len(self.found) else 0

    def recall_after(self, fraction: float) -> float | None:
        if not self.total:
            return None
        n = max(1, math.ceil(fraction * len(self.found)))
        return float(self.found[n - 1]) / self.total

    def cards_for(self, recall: float) -> int | None:
        if not self.total:
            return None
        return int(np.searchsorted(self.found, math.ceil(recall * self.total))) + 1

    def wss(self, recall: float = 0.95) -> float | None:
        needed = self.cards_for(recall)
        if needed is None:
            return None
        return (len(self.found) - needed) / len(self.found) - (1 - recall)


def evidence_flags(passages: list[EvalPassage], candidates: list[EvalCandidate],
                   gold: list[GoldRow]) -> np.ndarray:
    """(cards,) bool: the card's passage holds a gold quote of its reference point."""
    text = {p.key: normalise(p.text) for p in passages}
    quotes: dict[tuple[str, str], list[str]] = {}
    for g in gold:
        quotes.setdefault((g.file, g.reference_point), []).append(normalise(g.quote))
    return np.array([any(q in text[c.passage_key] for q in
                         quotes.get((c.passage_key.split("|", 1)[0], c.reference_point), ()))
                     for c in candidates], dtype=bool)


def replay(order: np.ndarray, relevant: np.ndarray, name: str, seed: int | None) -> Curve:
    return Curve(name, seed, np.cumsum(relevant[order]))


def active_order(ranker: ActiveRanker, relevant: np.ndarray, batch: int,
                 first: np.ndarray) -> np.ndarray:
    """The order an active queue shows the cards in, starting with ``first``."""
    reviewed = list(first[:batch])
    while len(reviewed) < len(relevant):
        decided = np.array(reviewed, dtype=int)
        nxt = ranker.order(decided, relevant[decided])
        reviewed.extend(nxt[:batch].tolist())
    return np.array(reviewed, dtype=int)


def cards_of(candidates: list[EvalCandidate]) -> list[Card]:
    """The active model's cards for evaluation candidates (a passage key starts with its file)."""
    return [Card(f"{c.passage_key}|{c.reference_point}|{c.msi}|{k}", c.quote,
                 c.reference_point, c.score, c.passage_key.split("|", 1)[0], c.passage_key)
            for k, c in enumerate(candidates)]


def simulate(candidates: list[EvalCandidate], relevant: np.ndarray, seeds: list[int],
             batch: int = 10) -> list[Curve]:
    cards = cards_of(candidates)
    by_score = np.lexsort((np.arange(len(cards)), -np.array([c.score for c in cards])))
    ranker = ActiveRanker(cards)
    curves = [replay(by_score, relevant, "first-run score", None)]
    if len(seeds) == 1:
        curves.append(replay(active_order(ranker, relevant, batch, by_score), relevant,
                             "active", None))
    for seed in seeds:
        shuffled = np.random.default_rng(seed).permutation(len(cards))
        curves.append(replay(shuffled, relevant, "random", seed))
        if len(seeds) > 1:
            curves.append(replay(active_order(ranker, relevant, batch, shuffled), relevant,
                                 "active", seed))
    return curves


def format_curves(curves: list[Curve]) -> str:
    """One row per order: mean (and spread over seeds where there are several)."""
    def cell(values: list[float | None], digits: int = 2) -> str:
        vals = [v for v in values if v is not None]
        if not vals:
            return "–"
        mean = float(np.mean(vals))
        text = f"{mean:.{digits}f}" if digits else f"{mean:.0f}"
        return text + (f" ± {float(np.std(vals)):.{digits}f}" if len(vals) > 1 else "")

    head = ("| order | runs | " + " | ".join(f"recall @ {f:.0%}" for f in FRACTIONS)
            + " | cards for 80 % | cards for 95 % | WSS@95 |")
    lines = [head, "|" + "---|" * (len(FRACTIONS) + 5)]
    for name in dict.fromkeys(c.order for c in curves):
        group = [c for c in curves if c.order == name]
        lines.append(f"| {name} | {len(group)} | "
                     + " | ".join(cell([c.recall_after(f) for c in group]) for f in FRACTIONS)
                     + f" | {cell([c.cards_for(0.8) for c in group], 0)}"
                     + f" | {cell([c.cards_for(0.95) for c in group], 0)}"
                     + f" | {cell([c.wss() for c in group])} |")
    return "\n".join(lines)


def run_simulation(db: Path, gold_path: Path, seeds: list[int], batch: int = 10,
                   echo=print) -> tuple[dict, list[Curve]]:
    from pipeline.evaluate.metrics import load_from_store, load_gold
    from pipeline.store.store import Store

    gold = load_gold(gold_path)
    with Store(db, create=False) as store:
        passages, candidates = load_from_store(store, gold)
    relevant = evidence_flags(passages, candidates, gold)
    echo(f"{len(candidates)} cards on {len({p.file for p in passages})} documents, "
         f"{int(relevant.sum())} of them evidence by the gold labels; one decision at a time, "
         f"the active model refitted every {batch} cards")
    curves = simulate(candidates, relevant, seeds, batch)
    echo("\n" + format_curves(curves))
    return {"cards": len(candidates), "evidence": int(relevant.sum()), "batch": batch,
            "curves": [{"order": c.order, "seed": c.seed,
                        "recall_after": {f"{f:.2f}": c.recall_after(f) for f in FRACTIONS},
                        "cards_for_80": c.cards_for(0.8), "cards_for_95": c.cards_for(0.95),
                        "wss95": c.wss(), "found": c.found.tolist()} for c in curves]}, curves


def plot_curves(curves: list[Curve], path: Path) -> None:
    """Evidence found against cards reviewed, one line per replay (PNG or SVG by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"first-run score": "tab:blue", "active": "tab:green", "random": "tab:grey"}
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labelled: set[str] = set()
    for c in curves:
        if not c.total:
            continue
        x = np.arange(1, len(c.found) + 1)
        ax.plot(x, c.found / c.total, color=colours.get(c.order, "black"), linewidth=1.2,
                alpha=0.6 if c.order == "random" else 1.0,
                label=None if c.order in labelled else c.order)
        labelled.add(c.order)
    ax.axhline(0.95, color="tab:red", linestyle=":", linewidth=1)
    ax.set_xlabel("cards reviewed")
    ax.set_ylabel("share of the evidence cards found")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
