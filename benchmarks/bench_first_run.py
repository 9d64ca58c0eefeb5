"""A new user's first runs: a new store on a two-file corpus, cold and warm per-user cache.

    python benchmarks/bench_first_run.py [--repeat 3] [--model all-MiniLM-L6-v2]

Every run is ``msi-evidence run CORPUS --db NEW.sqlite`` in a fresh process (as a user types
it), on two short text files, each time with a new store. Side by side:

* cold: an empty per-user cache (``MSI_EVIDENCE_CACHE``), so the framework's evidence texts
  are embedded and the reference-point classifier fitted, as on the first ever run;
* warm: the same cache again, as on every later run with a new store;
* the time to start Python and import the package's run path, and to load the embedding model
  alone, which bound what a warm run can reach.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXTS = {
    "cafe.txt": "Café report. The Roundtable on Sustainable Palm Oil audit missed forced labour "
                "and debt bondage of migrant workers.\n",
    "kimberley.txt": "The Kimberley Process certification scheme has no independent monitoring "
                     "of member states. Civil society observers left the scheme in 2023.\n",
}


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()
    tool = [sys.executable, "-m", "pipeline.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        for name, text in TEXTS.items():
            (corpus / name).write_text(text)
        env = dict(os.environ, MSI_EVIDENCE_CACHE=str(root / "cache"))
        rows: dict[str, list[float]] = {"cold cache, new store": [], "warm cache, new store": []}
        for i in range(args.repeat):
            cache = root / f"cache{i}"
            env["MSI_EVIDENCE_CACHE"] = str(cache)
            run = [*tool, "run", str(corpus), "--model", args.model, "--no-progress"]
            rows["cold cache, new store"].append(timed([*run, "--db", str(root / f"c{i}.sqlite")], env))
            rows["warm cache, new store"].append(timed([*run, "--db", str(root / f"w{i}.sqlite")], env))
        rows["python + import of the run path"] = [
            timed([sys.executable, "-c", "import pipeline.cli, pipeline.run.runner, pipeline.run.process"], env)
            for _ in range(args.repeat)]
        load = ("from pipeline.embed import make_encoder; "
                f"make_encoder({args.model!r}).encode(['one sentence'])")
        rows["load the model, encode one text"] = [timed([sys.executable, "-c", load], env)
                                                   for _ in range(args.repeat)]
    print(f"two files, {sum(len(t.split()) for t in TEXTS.values())} words, model {args.model}, "
          f"{os.cpu_count()} cores, median of {args.repeat}")
    print(f"| {'step':<36} | median s | min s |")
    print(f"|{'-' * 38}|----------|-------|")
    for name, values in rows.items():
        print(f"| {name:<36} | {statistics.median(values):8.2f} | {min(values):5.2f} |")


if __name__ == "__main__":
    main()
