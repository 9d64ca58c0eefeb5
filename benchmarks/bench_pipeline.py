"""Scaling benchmark: a generated corpus through ingest, embedding and the whole pipeline.

    .venv/bin/python benchmarks/bench_pipeline.py            # 1,000 documents, real model
    .venv/bin/python benchmarks/bench_pipeline.py --quick    # 200 documents, a smoke run

Prints one table: ingest pages/s, embedding-only passages/s, end-to-end pages/s and
passages/s (local executor, and Dask LocalCluster), share of time embedding, peak RSS of the
whole process tree at the small and the full corpus, and an unchanged re-run's time as a share
of the first run. Each run is the real CLI in a subprocess with a fresh database and cache.
"""

from __future__ import annotations

import argparse
import json
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
    """Embed the texts the pipeline would embed for ``files``, with the bare encoder."""
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
    encoder = make_encoder(model)
    encoder.encode(["warm-up: load the model outside the timing"])
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        encoder.encode(texts[i:i + batch])
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "passages": passages, "texts": len(texts)}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents in the full corpus")
    parser.add_argument("--small", type=int, default=100, help="documents in the small corpus")
    parser.add_argument("--quick", action="store_true", help="200 and 50 documents")
    parser.add_argument("--model", help="--model for the runs (default: the packaged model)")
    parser.add_argument("--workers", type=int, default=2, help="parse workers (default: 2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.small = 200, 50
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(args, work: Path) -> None:
    from pipeline.embed import available_cores

    t = time.perf_counter()
    big, small = work / "corpus_full", work / "corpus_small"
    shutil.rmtree(big, ignore_errors=True)
    shutil.rmtree(small, ignore_errors=True)
    files = generate(big, args.docs)
    small.mkdir()
    for path in files[:args.small]:
        shutil.copy2(path, small / path.name)
    print(f"generated {args.docs} documents in {time.perf_counter() - t:.1f} s ({work})", flush=True)

    cold = cold_start()
    ingest_s, pages = ingest_only(files, args.workers)
    print(f"ingest: {pages} pages in {ingest_s:.1f} s", flush=True)
    emb = embedding_only(files, args.model, 1024)
    print(f"embedding only: {emb['passages']} passages, {emb['texts']} texts in "
          f"{emb['seconds']:.1f} s", flush=True)

    workers = ["--workers", str(args.workers)]
    runs = {}
    runs["local, small corpus"] = run_cli(small, work / "small.sqlite", args.model, workers)
    runs["local"] = run_cli(big, work / "local.sqlite", args.model, workers)
    print(f"local run: {runs['local']['wall']:.1f} s", flush=True)
    rerun = run_cli(big, work / "local.sqlite", args.model, workers)
    if not args.no_dask:
        runs["dask LocalCluster"] = run_cli(big, work / "dask.sqlite", args.model,
                                            ["--executor", "dask"])
        print(f"dask run: {runs['dask LocalCluster']['wall']:.1f} s", flush=True)

    emb_pps = emb["passages"] / emb["seconds"]
    print()
    print(f"corpus: {args.docs} documents ({round(args.docs * 0.5)} PDF), {pages} pages, "
          f"{emb['passages']} passages, {emb['texts']} texts to embed (passages + sentences); "
          f"model: {args.model or 'packaged all-MiniLM-L6-v2'}; parse workers: {args.workers}")
    print(f"cold start: msi-evidence --help {cold['--help']:.2f} s, "
          f"rules check {cold['rules check']:.2f} s")
    print(f"ingest only ({args.workers} workers): {pages / ingest_s:,.0f} pages/s")
    print(f"embedding only: {emb_pps:.1f} passages/s ({emb['texts'] / emb['seconds']:.0f} texts/s)")
    print()
    header = (f"{'run':<22}{'docs':>6}{'pages':>7}{'wall s':>8}{'pages/s':>9}{'pass./s':>9}"
              f"{'vs embed':>9}{'embed %':>8}{'RSS tree MB':>12}{'driver MB':>10}")
    print(header)
    print("-" * len(header))
    for name, r in runs.items():
        s = r["summary"]
        wall = s["wall_s"]
        embedders = available_cores() if name.startswith("dask") else 1  # one per LocalCluster worker
        embed_share = s.get("stage_seconds", {}).get("embed", 0.0) / (wall * embedders)
        pps = s["passages"] / wall
        print(f"{name:<22}{s['processed']:>6}{s['pages']:>7}{wall:>8.1f}{s['pages'] / wall:>9.1f}"
              f"{pps:>9.1f}{pps / emb_pps:>9.0%}{embed_share:>8.0%}"
              f"{r['peak_tree'] / 2**20:>12.0f}{r['peak_driver'] / 2**20:>10.0f}")
    first = runs["local"]
    print()
    print(f"unchanged re-run: {rerun['wall']:.2f} s wall incl. start-up "
          f"({rerun['summary']['wall_s']:.2f} s in run_corpus) = "
          f"{rerun['wall'] / first['wall']:.1%} of the first run's {first['wall']:.1f} s; "
          f"{rerun['summary']['unchanged']} unchanged, {rerun['summary']['processed']} processed; "
          f"peak RSS {rerun['peak_tree'] / 2**20:.0f} MB (model not loaded)")
    print("(wall s, pages/s, passages/s: inside run_corpus, model load included; 'vs embed' = "
          "end-to-end passages/s over embedding-only passages/s; RSS: peak of the summed RSS of "
          "the CLI process and all its children, sampled every 0.1 s)")


if __name__ == "__main__":
    main()
