"""Helpers shared by the reliability tests: run the CLI, read the store, write corpora."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path


def cli_in_process(*argv) -> tuple[int, str, str]:
    """Run ``msi-evidence ARGV`` in this process; return (exit code, stdout, stderr)."""
    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def query(db: Path | str, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Read the store with a separate, short-lived SQLite connection."""
    conn = sqlite3.connect(str(db), timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def candidate_ids(db: Path | str, live_only: bool = False) -> set[str]:
    where = " WHERE stale = 0" if live_only else ""
    return {r[0] for r in query(db, f"SELECT candidate_id FROM candidates{where}")}


def write_evidence_corpus(folder: Path, n_docs: int, start: int = 0) -> list[Path]:
    """``n_docs`` small text reports, each with at least one evidence paragraph."""
    from rel_inputs import evidence_doc

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n_docs):
        path = folder / f"report_{i:03d}.txt"
        path.write_text(evidence_doc(i), encoding="utf-8")
        paths.append(path)
    return paths


def fork_parse_workers(patch) -> None:
    """Make ``pipeline.run.isolation`` start parse workers by fork (``patch`` is a MonkeyPatch).

    The driver's warming (``local.start_warming``) then runs to its end before the workers
    start: a fork copies the locks that another thread holds at that moment, and a worker
    forked while the warming thread was importing spaCy's parts waited forever on that
    module's import lock (spawned workers, as users run them, copy no locks)."""
    import multiprocessing

    import pipeline.run.executors.local
    import pipeline.run.isolation

    real = multiprocessing.get_context
    patch.setattr(pipeline.run.isolation.mp, "get_context", lambda method=None: real("fork"))
    warm_in_background = pipeline.run.executors.local.start_warming

    def warm_before_forking(context):
        thread = warm_in_background(context)
        thread.join()
        return thread

    patch.setattr(pipeline.run.executors.local, "start_warming", warm_before_forking)
