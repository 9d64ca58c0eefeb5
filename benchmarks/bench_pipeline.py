"""Scaling benchmark: generated corpora through embedding alone and the whole pipeline.

    .venv/bin/python -m benchmarks.bench_pipeline                       # 100, 1,000, 5,000 documents
    .venv/bin/python -m benchmarks.bench_pipeline --quick               # 50 and 200: a smoke run
    .venv/bin/python -m benchmarks.bench_pipeline --sizes 100,1000 --dask-docs 1000 --no-int8

Prints, in one run: embedding-only passages/s (the bare encoder on the texts the pipeline
embeds), the local executor end to end at each ``--sizes`` corpus (passages/s and its share of
embedding-only), the Dask LocalCluster at ``--dask-docs`` (its ratio to the local run of the
same corpus), the int8 encoder (``--model minilm-int8``: embedding-only and end to end, with
its evaluation figures quoted from docs/scaling.md), the peak RSS of the whole process tree
at every size and on a folder of real PDFs (``--pdfs``), ingest pages/s and an unchanged
re-run's cost. Each run is the real CLI in a
subprocess with a fresh database. The generated documents are one page each: a heading and one
paragraph of four sentences (about 90 words, 2-3 passages, 6-7 texts to embed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue

from pipeline.embed import available_cores
from tests.support.synthetic_corpus import generate

REPO = Path(__file__).resolve().parent.parent


def tree_rss_sampler(pid: int, stop: threading.Event, peak: dict) -> None:
    """Sample the summed RSS of a process and all its descendants until ``stop`` is set."""
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        total = driver = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for proc in procs:
            try:
                rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += rss
            if proc.pid == pid:
                driver = rss
        peak["tree"] = max(peak.get("tree", 0), total)
        peak["driver"] = max(peak.get("driver", 0), driver)
        stop.wait(0.1)


def run_cli(corpus: Path, db: Path, model: str | None, extra: list[str]) -> dict:
    """Run ``msi-evidence run`` in a subprocess; return wall time, peak RSS and the summary."""
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--db", str(db),
           "--no-progress", *(["--model", model] if model else []), *extra]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    peak: dict = {}
    stop = threading.Event()
    sampler = threading.Thread(target=tree_rss_sampler, args=(proc.pid, stop, peak), daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{output[-3000:]}")
    with sqlite3.connect(db) as conn:
        summary = json.loads(conn.execute(
            "SELECT summary FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0])
    return {"wall": wall, "peak_tree": peak.get("tree", 0), "peak_driver": peak.get("driver", 0),
            "summary": summary}


def ingest_only(files: list[Path], workers: int) -> tuple[float, int]:
    """Parse every file in ``workers`` isolated processes; (seconds, pages)."""
    from pipeline.run.isolation import IsolatedParser

    parsers: Queue = Queue()
    owned = [IsolatedParser() for _ in range(workers)]
    for parser in owned:
        parser.parse(str(files[0]), "warm-up")  # start the processes outside the timing
        parsers.put(parser)

    def parse(path: Path) -> int:
        parser = parsers.get()
        try:
            return len(parser.parse(str(path), path.name).pages)
        finally:
            parsers.put(parser)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        pages = sum(pool.map(parse, files))
    elapsed = time.perf_counter() - started
    for parser in owned:
        parser.close()
    return elapsed, pages


def embedding_only(files: list[Path], model: str | None, batch: int) -> dict:
    """Embed the texts the pipeline would embed for ``files``, with the bare encoder: each
    distinct text once, as a run does (its embedding cache holds every text it has embedded)."""
    from pipeline.embed import make_encoder
    from pipeline.ingest import ingest_file
    from pipeline.rules.registry import load_registry
    from pipeline.scoring.match import texts_to_embed
    from pipeline.segment import segment_document

    del load_registry  # attribution does not change what is embedded
    texts: list[str] = []
    passages = 0
    for path in files:
        doc_passages = segment_document(ingest_file(str(path)))
        passages += len(doc_passages)
        texts.extend(texts_to_embed(doc_passages)[0])
    every_text = len(texts)
    texts = list(dict.fromkeys(texts))
    encoder = make_encoder(model)
    encoder.encode(["warm-up: load the model outside the timing"])
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        encoder.encode(texts[i:i + batch])
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "passages": passages, "texts": len(texts),
            "every_text": every_text}


def cold_start() -> dict:
    """Seconds for ``msi-evidence --help`` and ``rules check`` (fresh interpreters)."""
    out = {}
    for name, argv in {"--help": ["--help"], "rules check": ["rules", "check"]}.items():
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline.cli", *argv], cwd=REPO,
                           capture_output=True, check=False)
            best = min(best, time.perf_counter() - started)
        out[name] = best
    return out


INT8 = "minilm-int8"
# Evaluation on the labelled documents, default vs int8 (benchmarks/bench_encoders.py;
# docs/scaling.md). The default (onnxruntime float32) gives torch's vectors to 2e-7.
INT8_EVAL = ("evaluation (docs/scaling.md, bench_encoders): shipped model CV F1 default 0.821 / "
             "int8 0.816, held-out F1 0.847 / 0.853; learned model retrained on each encoder's "
             "vectors, grouped-CV F1 0.512 / 0.506, held-out F1 0.575 / 0.588; mean cosine int8 "
             "to the default 0.992")


def parse_sizes(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", type=parse_sizes,
                        help="corpus sizes for local end-to-end runs and peak RSS "
                             "(default: 100,1000,5000)")
    parser.add_argument("--dask-docs", type=int, default=1000,
                        help="corpus size for the Dask LocalCluster and int8 runs (default: 1000, "
                             "or the nearest of --sizes)")
    parser.add_argument("--embed-docs", type=int, default=1000,
                        help="documents whose texts are embedded for embedding-only (default: 1000)")
    parser.add_argument("--quick", action="store_true", help="sizes 50,200; Dask at 200")
    parser.add_argument("--model", help="--model for the runs (default: the packaged model)")
    parser.add_argument("--workers", type=int, default=2, help="parse workers (default: 2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    parser.add_argument("--no-int8", action="store_true", help="skip the int8 encoder runs")
    parser.add_argument("--pdfs", type=Path, default=REPO.parent / "shared" / "corpus-dev" / "pdf",
                        help="a folder of real PDFs also run locally, for its peak RSS "
                             "(default: ../shared/corpus-dev/pdf, skipped when absent; "
                             "'none' skips it)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.dask_docs, args.embed_docs = [50, 200], 200, 200
    args.dask_docs = min(args.sizes, key=lambda n: abs(n - args.dask_docs))
    args.embed_docs = min(args.embed_docs, max(args.sizes))
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def corpus_of(work: Path, docs: int) -> tuple[Path, list[Path]]:
    folder = work / f"corpus_{docs}"
    shutil.rmtree(folder, ignore_errors=True)
    return folder, generate(folder, docs)


def report(args, work: Path) -> None:
    t = time.perf_counter()
    corpora = {n: corpus_of(work, n) for n in args.sizes}
    print(f"generated corpora of {', '.join(map(str, args.sizes))} documents in "
          f"{time.perf_counter() - t:.1f} s ({work})", flush=True)
    largest = corpora[max(args.sizes)][1]
    cold = cold_start()
    ingest_s, pages = ingest_only(largest[:1000], args.workers)
    print(f"ingest: {pages} pages in {ingest_s:.1f} s", flush=True)
    embed_files = largest[:args.embed_docs]
    emb = embedding_only(embed_files, args.model, 1024)
    print(f"embedding only: {emb['passages']} passages, {emb['texts']} distinct texts (of "
          f"{emb['every_text']}) in {emb['seconds']:.1f} s", flush=True)
    emb8 = None if args.no_int8 else embedding_only(embed_files, INT8, 1024)

    workers = ["--workers", str(args.workers)]
    runs: dict[str, dict] = {}
    for n in args.sizes:
        runs[f"local, {n:,}"] = run_cli(corpora[n][0], work / f"local_{n}.sqlite", args.model,
                                        workers)
        print(f"local run, {n} documents: {runs[f'local, {n:,}']['wall']:.1f} s", flush=True)
    if args.pdfs.name != "none" and args.pdfs.is_dir():
        name = f"local, {args.pdfs.name}/"
        runs[name] = run_cli(args.pdfs, work / "pdfs.sqlite", args.model, workers)
        print(f"local run, {args.pdfs}: {runs[name]['wall']:.1f} s", flush=True)
    base = f"local, {args.dask_docs:,}"
    rerun = run_cli(corpora[args.dask_docs][0], work / f"local_{args.dask_docs}.sqlite",
                    args.model, workers)
    if not args.no_dask:
        runs[f"dask, {args.dask_docs:,}"] = run_cli(
            corpora[args.dask_docs][0], work / "dask.sqlite", args.model, ["--executor", "dask"])
        print(f"dask run: {runs[f'dask, {args.dask_docs:,}']['wall']:.1f} s", flush=True)
    if emb8 is not None:
        runs[f"local int8, {args.dask_docs:,}"] = run_cli(
            corpora[args.dask_docs][0], work / "int8.sqlite", INT8, workers)

    emb_pps = emb["passages"] / emb["seconds"]
    print()
    print(f"corpora: {', '.join(f'{n:,}' for n in args.sizes)} generated one-page documents "
          f"(half PDF, half text; about 90 words, {emb['passages'] / len(embed_files):.1f} "
          f"passages and {emb['every_text'] / len(embed_files):.1f} texts to embed each, "
          f"{emb['texts'] / emb['every_text']:.0%} of them distinct); model: "
          f"{args.model or 'packaged all-MiniLM-L6-v2 (onnxruntime float32)'}; "
          f"parse workers: {args.workers}; "
          f"cores: {available_cores()}; load average at the end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"cold start: msi-evidence --help {cold['--help']:.2f} s, "
          f"rules check {cold['rules check']:.2f} s")
    print(f"ingest only ({args.workers} workers): {pages / ingest_s:,.0f} pages/s")
    print(f"embedding only ({len(embed_files):,} documents): {emb_pps:.1f} passages/s "
          f"({emb['texts'] / emb['seconds']:.0f} texts/s)")
    if emb8 is not None:
        pps8 = emb8["passages"] / emb8["seconds"]
        print(f"embedding only, int8 ({INT8}): {pps8:.1f} passages/s "
              f"({pps8 / emb_pps:.2f}x the default)")
        print(INT8_EVAL)
    print()
    header = (f"{'run':<20}{'docs':>6}{'wall s':>8}{'pass./s':>9}{'vs embed':>9}{'vs local':>9}"
              f"{'embed %':>8}{'RSS tree MB':>12}{'driver MB':>10}")
    print(header)
    print("-" * len(header))
    for name, r in runs.items():
        s = r["summary"]
        wall = s["wall_s"]
        embedders = available_cores() if name.startswith("dask") else 1  # one per LocalCluster worker
        embed_share = s.get("stage_seconds", {}).get("embed", 0.0) / (wall * embedders)
        pps = s["passages"] / wall
        vs_emb = pps / (emb8["passages"] / emb8["seconds"]) if "int8" in name and emb8 else pps / emb_pps
        vs_local = "" if name.startswith("local,") else \
            f"{pps / (runs[base]['summary']['passages'] / runs[base]['summary']['wall_s']):.2f}x"
        vs_emb_text = "" if name.endswith("/") else f"{vs_emb:.0%}"  # real PDFs: other texts
        print(f"{name:<20}{s['processed']:>6}{wall:>8.1f}{pps:>9.1f}{vs_emb_text:>9}{vs_local:>9}"
              f"{embed_share:>8.0%}{r['peak_tree'] / 2**20:>12.0f}{r['peak_driver'] / 2**20:>10.0f}")
    peaks = [runs[f"local, {n:,}"]["peak_tree"] for n in args.sizes]
    print()
    print(f"peak RSS of the process tree, local: "
          f"{', '.join(f'{n:,}: {p / 2**20:.0f} MB' for n, p in zip(args.sizes, peaks, strict=True))}; "
          f"largest / smallest {max(peaks) / min(peaks):.2f}")
    first = runs[base]
    print(f"unchanged re-run ({args.dask_docs:,}): {rerun['wall']:.2f} s wall incl. start-up "
          f"({rerun['summary']['wall_s']:.2f} s in run_corpus) = "
          f"{rerun['wall'] / first['wall']:.1%} of the first run's {first['wall']:.1f} s; "
          f"peak RSS {rerun['peak_tree'] / 2**20:.0f} MB (model not loaded)")
    print("(wall s, passages/s: inside run_corpus, model load included; 'vs embed' = end-to-end "
          "passages/s over embedding-only passages/s of the same encoder; 'vs local' = over the "
          "local run of the same corpus; RSS: peak of the summed RSS of the CLI process and all "
          "its children, sampled every 0.1 s)")


if __name__ == "__main__":
    main()
