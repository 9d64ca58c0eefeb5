"""Source trees, alternately, on one generated corpus: local end to end and embedding only.

    .venv/bin/python -m benchmarks.bench_ab /tmp/main-tree . --docs 1000 --rounds 2

On a shared machine the other jobs' load moves from minute to minute, so a "before" script run
and an "after" one are not comparable, nor is an embedding-only figure taken minutes before the
end-to-end run it divides. This script alternates: per round, embedding only (the bare encoder on
the corpus's texts, in a subprocess of tree A), then ``msi-evidence run`` of each tree in turn (fresh
store, a subprocess with the tree as its working directory, so that its ``pipeline`` package is
the one imported). It prints wall seconds, CPU seconds of the process tree (its children's
rusage: less sensitive to the load than wall), passages/s, their share of the embedding-only
figure of the same round, and the run's own embed/match stage seconds, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.synthetic_corpus import generate

EMBED_ONLY = """
import json, sys, time
from pathlib import Path
from benchmarks.bench_pipeline import embedding_only
files = sorted(Path(sys.argv[1]).iterdir())
print(json.dumps(embedding_only(files, None, 1024)))
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall s, CPU s of the whole process tree, stdout) of a command run to its end."""
    cpu, wall = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - wall, children_cpu() - cpu, proc.stdout


def local_run(tree: Path, corpus: Path, db: Path, workers: int) -> dict:
    import sqlite3

    wall, cpu, _ = timed([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--db",
                          str(db), "--no-progress", "--workers", str(workers)], tree)
    with sqlite3.connect(db) as conn:
        summary = json.loads(conn.execute(
            "SELECT summary FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0])
    return {"wall": wall, "cpu": cpu, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs="+", type=Path,
                        help="source trees: A (before), B (after), ...")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    trees = [t.resolve() for t in args.trees]
    work = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    try:
        corpus = work / "corpus"
        generate(corpus, args.docs)
        for r in range(args.rounds):
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            wall, cpu, out = timed([sys.executable, "-c", EMBED_ONLY, str(corpus)], trees[0])
            emb = json.loads(out.strip().splitlines()[-1])
            emb_pps = emb["passages"] / emb["seconds"]
            print(f"round {r + 1}: load average {load}; embedding only {emb_pps:.1f} passages/s "
                  f"({emb['seconds']:.0f} s encoding, {cpu:.0f} s CPU)", flush=True)
            for name, tree in zip("ABCDEFGH", trees, strict=False):
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                run = local_run(tree, corpus, work / f"{name}{r}.sqlite", args.workers)
                s = run["summary"]
                stages = s.get("stage_seconds", {})
                pps = s["passages"] / s["wall_s"]
                print(f"  {name} {tree.name}: {s['wall_s']:.0f} s, {pps:.1f} passages/s = "
                      f"{pps / emb_pps:.0%} of embedding only; CPU {run['cpu']:.0f} s; "
                      f"stages embed {stages.get('embed', 0):.0f} s, match "
                      f"{stages.get('match', 0):.1f} s; {s.get('candidates', '?')} candidates; "
                      f"load average before {load}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
