"""The packaged MiniLM's three runtimes side by side: torch (``--model minilm-torch``), onnxruntime
float32 (the default) and int8 (``--model minilm-int8``): speed, fidelity, quality.

    .venv/bin/python benchmarks/bench_encoders.py                 # speed and fidelity
    .venv/bin/python benchmarks/bench_encoders.py --quality       # + the shipped learned model
                                                                  #   on the labelled documents

* **speed**: embedding-only passages/s (and texts/s) of the three encoders, side by side on the same
  texts: what a run embeds (passages and their sentences) for the sample corpus's text files and
  the first ``--dev-docs`` documents of the development corpus. Model loading is outside the
  timing; each encoder is timed ``--repeat`` times, alternating, and the best time is kept.
* **fidelity**: cosine between each ONNX vector and the torch vector of every one of those texts
  (mean, 1st percentile, min, largest absolute difference of a component; seed and development
  passages apart), and how often the best-matching framework consideration of a passage changes.
* **quality** (``--quality``): the shipped learned model (trained on torch vectors) applied to
  each encoder's vectors on the labelled development documents (``corpus/gold/dev``), by split.
  The shipped model was fitted on all of them, so the figures compare encoders; they are not an
  estimate for unseen documents (``msi-evidence train --model ...`` prints that).

Vectors go through an embedding cache per encoder (``--cache`` names the first; default
temporary files), so a second ``--quality`` run does not embed again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
TORCH, FP32, INT8 = "minilm-torch", "all-MiniLM-L6-v2", "minilm-int8"


def corpus_texts(dev: Path, dev_docs: int) -> dict[str, list[str]]:
    """{source: texts a run embeds (passages, then their sentences)} for the seed text files and
    the first ``dev_docs`` development documents; passages come first in each list."""
    from pipeline.ingest import ingest_file
    from pipeline.scoring.match import texts_to_embed
    from pipeline.segment import segment_document

    sources = {"seed": sorted((REPO / "corpus").glob("*.txt")),
               "corpus-dev": sorted((dev / "docs").glob("*.txt"))[:dev_docs]}
    out: dict[str, list[str]] = {}
    for name, files in sources.items():
        passages, sentences = [], []
        for path in files:
            texts, rows = texts_to_embed(segment_document(ingest_file(str(path))))
            passages += texts[:len(texts) - len(rows)]
            sentences += texts[len(texts) - len(rows):]
        out[f"{name} passages"] = passages
        out[f"{name} sentences"] = sentences
    return out


def speed(encoders: dict, texts: list[str], passages: int, repeat: int) -> dict[str, float]:
    best = {name: float("inf") for name in encoders}
    for _ in range(repeat):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            for i in range(0, len(texts), 1024):  # the run's embedding call size
                encoder.encode(texts[i:i + 1024])
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def fidelity(vectors: dict[str, dict[str, np.ndarray]], index) -> list[tuple[str, ...]]:
    rows = []
    for name in (FP32, INT8):
        for source in vectors[TORCH]:
            a, b = vectors[name][source], vectors[TORCH][source]
            cosine = (a * b).sum(axis=1)
            top_a = np.argmax(a @ index.vectors.T, axis=1)
            top_b = np.argmax(b @ index.vectors.T, axis=1)
            rows.append((name, source, f"{len(cosine)}", f"{cosine.mean():.6f}",
                         f"{np.percentile(cosine, 1):.6f}", f"{cosine.min():.6f}",
                         f"{np.abs(a - b).max():.1e}", f"{(top_a != top_b).mean():.1%}"))
    return rows


def quality(encoders: dict, dev: Path) -> list[tuple[str, ...]]:
    from pipeline.learn import LABELS_DIR
    from pipeline.learn.crossval import candidates_of, result
    from pipeline.learn.dataset import analyse_labelled, checked_gold
    from pipeline.learn.labels import read_documents, read_labels
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.scoring.match import EvidenceIndex

    documents = read_documents(LABELS_DIR / "documents.csv")
    gold = checked_gold(dev, read_labels(LABELS_DIR / "labels.csv"))
    framework, registry = load_framework(), load_registry()
    rows = []
    for name, encoder in encoders.items():
        started = time.perf_counter()
        files = analyse_labelled(dev, documents, registry, encoder)
        index = EvidenceIndex.build(framework, encoder)
        if index.learned is None:
            raise SystemExit(f"the shipped learned model does not read {name} vectors")
        split_of = {d.file: d.split for d in documents}
        for split in ("cv", "heldout"):
            chosen = [f for f in files if split_of[f.file] == split]
            m = result(name, split, candidates_of(chosen, framework, index, index.learned),
                       chosen, gold).metrics
            rows.append((name, split, f"{m.recall:.3f}", f"{m.precision:.3f}", f"{m.f1:.3f}",
                         f"{m.candidates}", f"{m.gold}"))
        print(f"  {name}: {time.perf_counter() - started:.0f} s", flush=True)
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(f"{str(c):<{w}}" for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=REPO.parent / "shared" / "corpus-dev",
                        help="development corpus (default: ../shared/corpus-dev)")
    parser.add_argument("--dev-docs", type=int, default=20,
                        help="development documents for speed and fidelity (default: 20)")
    parser.add_argument("--repeat", type=int, default=2, help="timings per encoder (default: 2)")
    parser.add_argument("--threads", type=int, help="threads per encoder (default: all cores)")
    parser.add_argument("--quality", action="store_true",
                        help="also score the labelled documents with the shipped model")
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: temporary)")
    args = parser.parse_args()

    from pipeline.embed import CachedEncoder, available_cores, make_encoder
    from pipeline.rules.framework import load_framework
    from pipeline.scoring.match import EvidenceIndex
    from pipeline.store.embedding_cache import EmbeddingCache

    bare = {name: make_encoder(name, torch_threads=args.threads) for name in (TORCH, FP32, INT8)}
    for encoder in bare.values():
        encoder.encode(["warm-up: load the model outside the timing"])
    texts = corpus_texts(args.dev, args.dev_docs)
    passages = sum(len(v) for k, v in texts.items() if k.endswith("passages"))
    everything = [t for v in texts.values() for t in v]
    everything.sort(key=len)  # as a run embeds them (pipeline.embed sorts by length)
    load = os.getloadavg()[0]
    seconds = speed(bare, everything, passages, args.repeat)
    print(f"{len(everything)} texts ({passages} passages and their sentences), "
          f"{args.threads or available_cores()} threads, load average {load:.1f}, "
          f"best of {args.repeat}\n")
    print(table(("encoder", "seconds", "passages/s", "texts/s", "vs torch"),
                [(name, f"{s:.1f}", f"{passages / s:.1f}", f"{len(everything) / s:.1f}",
                  f"{seconds[TORCH] / s:.2f}x") for name, s in seconds.items()]))

    vectors = {name: {k: enc.encode(v) for k, v in texts.items() if v}
               for name, enc in bare.items()}
    index = EvidenceIndex.build(load_framework(), bare[TORCH])
    print("\nONNX against torch, per text (top-1 change: the best-matching framework text)\n")
    print(table(("encoder", "texts", "n", "mean cosine", "1st pct", "min", "max |diff|",
                 "top-1 changes"), fidelity(vectors, index)))
    for name in (FP32, INT8):
        all_cos = np.concatenate([(vectors[name][k] * vectors[TORCH][k]).sum(axis=1)
                                  for k in vectors[TORCH]])
        print(f"{name}, all {len(all_cos)} texts: mean {all_cos.mean():.6f}, median "
              f"{statistics.median(all_cos.tolist()):.6f}, min {all_cos.min():.6f}")

    if args.quality:
        cache_path = args.cache or Path(tempfile.mkdtemp(prefix="bench-enc-")) / "emb.sqlite"
        # One cache per encoder: the torch and float32 runtimes share a name (and cache key).
        caches = {name: EmbeddingCache(cache_path.with_name(f"{i}-{cache_path.name}") if i
                                       else cache_path) for i, name in enumerate(bare)}
        print("\nshipped learned model on the labelled documents (fitted on all of them)")
        rows = quality({name: CachedEncoder(enc, caches[name]) for name, enc in bare.items()},
                       args.dev)
        print(table(("encoder", "split", "recall", "precision", "F1", "candidates", "gold"), rows))


if __name__ == "__main__":
    main()
