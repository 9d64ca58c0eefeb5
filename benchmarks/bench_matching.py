"""Matching alone: driver CPU per document, without parsing or the encoder in the timing.

    .venv/bin/python -m benchmarks.bench_matching --docs 200              # ms per document
    .venv/bin/python -m benchmarks.bench_matching --docs 200 --profile 30 # plus cProfile's top 30
    .venv/bin/python -m benchmarks.bench_matching --dump out.json         # every candidate, to diff

Generates ``--docs`` documents (``tests.support.synthetic_corpus``, as ``bench_pipeline``),
prepares them in this process (ingest, segment, attribute), embeds their texts once with the
packaged model (vectors kept in an embedding cache under ``--work``, so a second run on the
same corpus embeds nothing), groups them into batches as the local executor does, then times
``match_batch`` over every batch: CPU seconds of this process (``time.process_time``) and wall.
With ``--model hashing`` the shipped learned model does not read the vectors, so the hand-tuned
scorer runs instead. ``--dump`` writes every candidate (ids, scores, explanations) as JSON, so
that two commits' outputs can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from pathlib import Path

from tests.support.synthetic_corpus import generate


def prepare(files: list[Path]):
    from pipeline.attribution import MsiAttributor
    from pipeline.ingest import ingest_file
    from pipeline.rules.registry import load_registry
    from pipeline.run.process import prepare_document
    from pipeline.segment import SegmentSettings

    attributor = MsiAttributor(load_registry())
    return [prepare_document(ingest_file(str(path)), attributor, SegmentSettings())
            for path in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="generated documents (default 200)")
    parser.add_argument("--corpus", help="match this folder's files instead of a generated corpus")
    parser.add_argument("--model", help="--model value (default: the packaged model)")
    parser.add_argument("--work", default="/tmp/bench-matching",
                        help="corpus and embedding cache folder, reused between runs")
    parser.add_argument("--budget", type=int, default=1024, help="texts per batch (default 1024)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes, best kept (default 3)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile one pass and print the top N functions by cumulative time")
    parser.add_argument("--dump", help="write every candidate as JSON to this file")
    args = parser.parse_args()

    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.run.executors.local import batches_of
    from pipeline.run.process import ProcessingContext, embed_batch, match_batch

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.corpus:
        files = sorted(p for p in Path(args.corpus).iterdir()
                       if p.is_file() and p.suffix in {".txt", ".pdf", ".html", ".md"})
    else:
        folder = work / f"corpus_{args.docs}"
        files = sorted(folder.iterdir()) if folder.is_dir() else generate(folder, args.docs)
    prepared = prepare(files)
    encoder = CachedEncoder(make_encoder(args.model), EmbeddingCache(work / "embeddings.sqlite"))
    context = ProcessingContext(load_framework(), load_registry(), encoder)
    embedded = [embed_batch(batch, context) for batch in batches_of(prepared, args.budget)]
    learned = embedded[0].index is not None and embedded[0].index.learned is not None
    print(f"{len(prepared)} documents, {sum(len(p.passages) for p in prepared)} passages, "
          f"{len(embedded)} batches; learned model: {'yes' if learned else 'no'}", flush=True)

    def one_pass() -> list:
        return [r for batch in embedded for r in match_batch(batch, context.framework)]

    results = one_pass()  # warm: rule matcher, model, caches
    best_cpu = best_wall = float("inf")
    for _ in range(max(1, args.repeat)):
        cpu, wall = time.process_time(), time.perf_counter()
        one_pass()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    n = len(prepared)
    print(f"matching: {1000 * best_cpu / n:.2f} ms CPU, {1000 * best_wall / n:.2f} ms wall per "
          f"document (best of {args.repeat}); {sum(len(r.candidates) for r in results)} "
          f"candidates; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        one_pass()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    if args.dump:
        rows = [{"path": Path(r.path).name, "status": str(r.status),
                 "candidates": [{**c.__dict__, "explanation": c.explanation.to_json()}
                                for c in r.candidates]} for r in results]
        Path(args.dump).write_text(json.dumps(rows, indent=1, sort_keys=True, default=str))
        print(f"wrote {args.dump}")


if __name__ == "__main__":
    main()
