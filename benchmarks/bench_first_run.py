"""A new user's first runs: a new store on a two-file corpus, cold and warm per-user cache.

    python benchmarks/bench_first_run.py [--repeat 3] [--models all-MiniLM-L6-v2,minilm-int8]

Every run is ``msi-evidence run CORPUS --db NEW.sqlite`` in a fresh process (as a user types
it), on two short text files, each time with a new store. Side by side:

* cold: an empty per-user cache (``MSI_EVIDENCE_CACHE``), so the framework's evidence texts
  are embedded and the reference-point classifier fitted, as on the first ever run (for
  ``minilm-int8`` this includes exporting the model to int8 ONNX);
* warm: the same cache again, as on every later run with a new store;
* the time to start Python and import the package's run path, and to load the embedding model
  alone, which bound what a warm run can reach.

Each ``--models`` value gets a column: torch (``all-MiniLM-L6-v2``) and the int8 ONNX encoder
(``minilm-int8``) side by side by default.
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


def measure(model: str, repeat: int, root: Path, corpus: Path) -> dict[str, list[float]]:
    """Seconds per step for one ``--model`` (each in fresh processes)."""
    tool = [sys.executable, "-m", "pipeline.cli"]
    env = dict(os.environ)
    rows: dict[str, list[float]] = {"cold cache, new store": [], "warm cache, new store": []}
    for i in range(repeat):
        env["MSI_EVIDENCE_CACHE"] = str(root / f"cache-{model}-{i}")
        run = [*tool, "run", str(corpus), "--model", model, "--no-progress"]
        rows["cold cache, new store"].append(timed([*run, "--db", str(root / f"c{model}{i}.sqlite")], env))
        rows["warm cache, new store"].append(timed([*run, "--db", str(root / f"w{model}{i}.sqlite")], env))
    rows["python + import of the run path"] = [
        timed([sys.executable, "-c", "import pipeline.cli, pipeline.run.runner, pipeline.run.process"], env)
        for _ in range(repeat)]
    load = ("from pipeline.embed import make_encoder; "
            f"make_encoder({model!r}).encode(['one sentence'])")
    rows["load the model, encode one text"] = [timed([sys.executable, "-c", load], env)
                                               for _ in range(repeat)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", default="all-MiniLM-L6-v2,minilm-torch,minilm-int8",
                        help="comma-separated --model values, side by side "
                             "(default: all-MiniLM-L6-v2,minilm-int8)")
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        for name, text in TEXTS.items():
            (corpus / name).write_text(text)
        measured = {model: measure(model, args.repeat, root, corpus) for model in models}
    load = os.getloadavg()[0]
    print(f"two files, {sum(len(t.split()) for t in TEXTS.values())} words, {os.cpu_count()} "
          f"cores, load average {load:.1f}, median (min) seconds of {args.repeat}")
    print("| step | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    for step in measured[models[0]]:
        cells = [f"{statistics.median(measured[m][step]):.2f} ({min(measured[m][step]):.2f})"
                 for m in models]
        print(f"| {step} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
