"""Command-line side of scaling: fast start, no model on unchanged re-runs, the new options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scale_helpers import REPO, SpyEncoder, run_into

from pipeline.cli import build_parser
from pipeline.embed import DEFAULT_MODEL, HashingEncoder

HEAVY = ("torch", "sentence_transformers", "transformers", "dask", "distributed", "spacy")


def _modules_after(*argvs: list[str]) -> tuple[set[str], str]:
    """Run ``main(argv)`` for each argv in a fresh interpreter; heavy modules it imported."""
    code = (
        "import sys, json\n"
        "from pipeline.cli import main\n"
        f"for argv in {[list(a) for a in argvs]!r}:\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print('LOADED', json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED ")][-1]
    import json

    return set(json.loads(line.split(" ", 1)[1])), proc.stdout


def test_help_and_rules_check_import_no_heavy_library():
    loaded, out = _modules_after(["--help"], ["run", "--help"], ["rules", "check"])
    assert "--executor" in out and "--scheduler" in out and "--torch-threads" in out
    assert loaded == set()


def test_unchanged_rerun_does_not_load_the_model(small_corpus: Path, tmp_path: Path):
    db = tmp_path / "db.sqlite"
    # First run in-process with a stand-in that carries the default model's name, so that the
    # CLI's settings fingerprint (model name included) matches and every file is unchanged.
    spy = SpyEncoder(HashingEncoder(), name=DEFAULT_MODEL)
    first = run_into(db, small_corpus, spy)
    assert first.processed == 6 and spy.calls
    loaded, out = _modules_after(["run", str(small_corpus), "--db", str(db), "--no-progress"])
    assert "6 unchanged" in out, out
    assert not loaded & {"torch", "sentence_transformers", "transformers", "dask"}, loaded


def test_run_options_reach_the_executor_and_encoder(small_corpus: Path, tmp_path: Path, cli,
                                                    capsys):
    args = build_parser().parse_args(["run", "x", "--executor", "dask", "--scheduler",
                                      "tcp://10.0.0.5:8786", "--torch-threads", "3",
                                      "--batch-size", "16", "--workers", "4"])
    assert (args.executor, args.scheduler, args.torch_threads, args.batch_size, args.workers) == (
        "dask", "tcp://10.0.0.5:8786", 3, 16, 4)
    from pipeline.run.executors import make_executor

    executor = make_executor(args.executor, workers=args.workers, scheduler=args.scheduler,
                             torch_threads=args.torch_threads, batch_size=args.batch_size)
    assert executor.describe() == {"executor": "dask", "scheduler": "tcp://10.0.0.5:8786",
                                   "n_workers": 4, "torch_threads": 3, "ship_bytes": False,
                                   "docs_per_task": 16}
    from pipeline.embed import make_encoder

    encoder = make_encoder("minilm-torch", batch_size=16, torch_threads=3)
    assert (encoder.batch_size, encoder.torch_threads) == (16, 3)  # not loaded yet
    assert make_encoder(None, torch_threads=3).threads == 3  # onnxruntime: one text at a time

    code = cli("run", small_corpus, "--db", tmp_path / "db.sqlite", "--model", "hashing",
               "--no-progress", "--workers", "2", "--torch-threads", "1", "--batch-size", "8")
    assert code == 0, capsys.readouterr().err
    assert "6 processed" in capsys.readouterr().out
