"""Where recall goes, and what active ordering saves, on every cross-validation document at once.

    python -m research.cv_pool recall [--corpus ../shared/corpus-dev]
    python -m research.cv_pool simulate [--seeds 5] [--batch 10]

Both read one pool: for each of the 132 ``cv`` documents of ``corpus/gold/dev``, every
(passage, reference point) score of the learned model fitted without that document's fold (the
folds of ``msi-evidence train``; threshold 0, no ceiling, all seven reference points). It is
built once (about five minutes) and cached under ``$MSI_EVIDENCE_CACHE/research``. The held-out
documents are never read.

- ``recall``: the rank of the gold reference point among its passage's scores, what the wrong
  candidates at the chosen threshold are, and the recall/precision frontier under the 25 per
  1,000 words ceiling for the model and for an oracle that only reorders the reference points
  within each passage (same passage scores): how much of the gap to the targets is the choice
  of reference point.
- ``simulate``: ``msi-evidence simulate``'s replay (random, first-run score, active) on the
  passages' top three reference points, with the active model with and without the decisions
  around a card (the accepts in its document, its passage, and its document on its reference
  point).
"""

from __future__ import annotations

import argparse
import pickle
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR

CEILING = 25.0
THRESHOLDS = (0.5, 0.4, 0.325, 0.3, 0.25, 0.2, 0.1)


def cv_setup(corpus: Path, labels_dir: Path) -> dict:
    """What a cross-validation over the ``cv`` documents needs: the framework (hand-tuned
    features), its index, the analysed files, their sentence table, the gold rows, the
    framework texts and the heads' label spaces."""
    from pipeline.cli_learn import user_cache_path
    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder
    from pipeline.learn.dataset import analyse_labelled, checked_gold, sentence_table
    from pipeline.learn.fit import fit_arguments, framework_texts
    from pipeline.learn.labels import read_documents, read_labels
    from pipeline.rules.framework import load_framework, with_model_dir
    from pipeline.rules.registry import load_registry
    from pipeline.scoring.match import EvidenceIndex

    framework = with_model_dir(load_framework(), "none")
    encoder = CachedEncoder(make_encoder(None), EmbeddingCache(user_cache_path()))
    labels = read_labels(labels_dir / "labels.csv")
    documents = [d for d in read_documents(labels_dir / "documents.csv") if d.split == "cv"]
    files = analyse_labelled(corpus, documents, load_registry(), encoder)
    index = EvidenceIndex.build(framework, encoder)
    names = {f.file for f in files}
    return {"framework": framework, "index": index, "files": files,
            "table": sentence_table(files, labels, framework, index),
            "gold": [g for g in checked_gold(corpus, labels) if g.file in names],
            "texts": framework_texts(framework, index),
            "fit_args": fit_arguments(framework, index)}


def build_pool(corpus: Path, labels_dir: Path) -> dict:
    from pipeline.learn.crossval import cross_validated_candidates
    from pipeline.learn.dataset import eval_passages
    from pipeline.learn.model import Settings

    cv = cv_setup(corpus, labels_dir)
    files = cv["files"]
    pool = cross_validated_candidates(cv["table"], files, cv["texts"], cv["fit_args"],
                                      cv["framework"], cv["index"], Settings(), ceiling=1e9,
                                      top_k=len(cv["index"].rp_ids))
    return {"pool": pool, "passages": eval_passages(files), "gold": cv["gold"],
            "words": {f.file: sum(len(p.text.split()) for p in f.passages) for f in files}}


def load_pool(corpus: Path, labels_dir: Path) -> dict:
    from pipeline.cli_learn import user_cache_path

    path = user_cache_path().parent / "research" / "cv_pool.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    pool = build_pool(corpus, labels_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(pool))
    return pool


class Pool:
    """The pool's scores per passage and the gold (passage, reference point) pairs."""

    def __init__(self, data: dict):
        from pipeline.evaluate.metrics import normalise

        self.data = data
        self.words = data["words"]
        self.gold = data["gold"]
        text = {p.key: normalise(p.text) for p in data["passages"]}
        keys_of = defaultdict(list)
        for p in data["passages"]:
            keys_of[p.file].append(p.key)
        self.rows: Counter = Counter()  # (passage, rp) -> gold rows it holds
        self.holder: list[str | None] = []
        for g in self.gold:
            quote = normalise(g.quote)
            key = next((k for k in keys_of[g.file] if quote in text[k]), None)
            self.holder.append(key)
            if key is not None:
                self.rows[(key, g.reference_point)] += 1
        self.gold_rps: dict[str, set[str]] = defaultdict(set)
        for key, rp in self.rows:
            self.gold_rps[key].add(rp)
        self.scores: dict[str, dict[str, float]] = defaultdict(dict)
        for c in data["pool"]:
            best = self.scores[c.passage_key].get(c.reference_point, 0.0)
            self.scores[c.passage_key][c.reference_point] = max(best, c.score)

    def frontier(self, ranked: list[tuple[str, str, float]]) -> list[tuple[float, float, float,
                                                                           float]]:
        """(threshold, recall, precision, candidates per 1,000 words) of (passage, rp, score)
        candidates, best first per document up to the ceiling."""
        ranked = sorted(ranked, key=lambda x: -x[2])
        total_words = sum(self.words.values())
        out = []
        for threshold in THRESHOLDS:
            used: Counter = Counter()
            kept = []
            for key, rp, score in ranked:
                file = key.split("|", 1)[0]
                if score < threshold or used[file] >= max(1, CEILING * self.words[file] / 1000):
                    continue
                used[file] += 1
                kept.append((key, rp))
            correct = sum((k, r) in self.rows for k, r in kept)
            recall = sum(self.rows.get((k, r), 0) for k, r in kept) / len(self.gold)
            out.append((threshold, recall, correct / max(1, len(kept)),
                        1000 * len(kept) / total_words))
        return out

    def top3(self, oracle: bool = False) -> list[tuple[str, str, float]]:
        """Each passage's three best reference points; ``oracle`` puts its gold ones first but
        keeps the passage's scores in their order (only the choice of reference point moves)."""
        out = []
        for key, scores in self.scores.items():
            levels = sorted(scores.values(), reverse=True)[:3]
            order = sorted(scores, key=lambda r: (oracle and r not in self.gold_rps[key],
                                                  -scores[r]))
            out += [(key, rp, s) for rp, s in zip(order, levels, strict=False)]
        return out


def report_recall(pool: Pool) -> None:
    from sklearn.metrics import roc_auc_score

    ranks: Counter = Counter()
    unscored = 0
    for g, key in zip(pool.gold, pool.holder, strict=True):
        scores = pool.scores.get(key or "", {})
        if g.reference_point not in scores:
            unscored += 1
            continue
        ranks[sorted(scores, key=lambda r: -scores[r]).index(g.reference_point)] += 1
    n = sum(ranks.values())
    print(f"{len(pool.gold)} gold rows on {len(pool.scores)} scored passages; {unscored} in "
          "passages without a score")
    print("rank of the gold reference point within its passage: "
          + ", ".join(f"#{r + 1} {ranks[r] / n:.2f}" for r in range(4))
          + f", #5+ {sum(v for r, v in ranks.items() if r >= 4) / n:.2f}")
    keys = list(pool.scores)
    has = np.array([bool(pool.gold_rps[k]) for k in keys])
    best = np.array([max(pool.scores[k].values()) for k in keys])
    pairs = [(rp in pool.gold_rps[k], s) for k in keys if pool.gold_rps[k]
             for rp, s in pool.scores[k].items()]
    print(f"AUC, passage holds evidence (its best score): {roc_auc_score(has, best):.3f}; "
          f"AUC, reference point within evidence passages: "
          f"{roc_auc_score([p[0] for p in pairs], [p[1] for p in pairs]):.3f}")
    kept = [(k, r) for k, r, s in pool.top3() if s >= 0.3]
    wrong_other = sum((k, r) not in pool.rows and bool(pool.gold_rps[k]) for k, r in kept)
    empty = sum(not pool.gold_rps[k] for k, r in kept)
    print(f"candidates ≥ 0.3 (top 3 per passage): {len(kept)}; wrong but the passage holds "
          f"evidence of another reference point {wrong_other / len(kept):.2f}, passage holds no "
          f"evidence {empty / len(kept):.2f}")
    print("\n| threshold | model R / P / cand. per 1k words | oracle reference-point order "
          "R / P / cand. per 1k words |\n|---|---|---|")
    for (t, r, p, w), (_, r2, p2, w2) in zip(pool.frontier(pool.top3()),
                                              pool.frontier(pool.top3(oracle=True)),
                                              strict=True):
        print(f"| {t:.3f} | {r:.2f} / {p:.2f} / {w:.1f} | {r2:.2f} / {p2:.2f} / {w2:.1f} |")


def report_simulation(pool: Pool, seeds: list[int], batch: int) -> None:
    from pipeline.learn.active import ActiveRanker
    from pipeline.learn.simulate import (
        active_order,
        cards_of,
        evidence_flags,
        format_curves,
        replay,
    )

    class WordsOnly(ActiveRanker):
        """The active model without the decisions around a card (before this change)."""

        def context(self, decided, accepted):
            return np.zeros((len(self.cards), 0))

    by_passage = defaultdict(list)
    for c in pool.data["pool"]:
        by_passage[c.passage_key].append(c)
    candidates = [c for cs in by_passage.values()
                  for c in sorted(cs, key=lambda c: -c.score)[:3]]
    relevant = evidence_flags(pool.data["passages"], candidates, pool.gold)
    print(f"{len(candidates)} cards (each passage's top three reference points, threshold 0, "
          f"no ceiling), {int(relevant.sum())} evidence; a perfect order needs "
          f"{int(np.ceil(0.95 * relevant.sum()))} cards for 95 %; refit every {batch} cards")
    cards = cards_of(candidates)
    by_score = np.lexsort((np.arange(len(cards)), -np.array([c.score for c in cards])))
    curves = [replay(by_score, relevant, "first-run score", None)]
    for seed in seeds:
        first = by_score if seed < 0 else np.random.default_rng(seed).permutation(len(cards))
        label = "" if seed < 0 else " (random first batch)"
        if seed >= 0:
            curves.append(replay(first, relevant, "random", seed))
        for name, ranker in (("active, words only", WordsOnly(cards)),
                             ("active + decisions around the card", ActiveRanker(cards))):
            curves.append(replay(active_order(ranker, relevant, batch, first), relevant,
                                 name + label, None if seed < 0 else seed))
        print(format_curves(curves), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("recall", "simulate"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=LABELS_DIR)
    parser.add_argument("--seeds", type=int, default=0,
                        help="simulate: seeded random first batches (0: first-run order first)")
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    pool = Pool(load_pool(args.corpus, args.labels))
    if args.what == "recall":
        report_recall(pool)
    else:
        report_simulation(pool, list(range(args.seeds)) if args.seeds else [-1], args.batch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
