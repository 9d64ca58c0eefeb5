"""Locks and disk: a database locked beyond the busy timeout, a full disk, a batch run and the
review server writing at once (the last one lives in test_rel_review_server.py)."""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
import rel_inputs as gen
from rel_helpers import cli_in_process, query, write_evidence_corpus

from pipeline.errors import StoreLockedError
from pipeline.store import Store


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    tables = ("documents", "document_paths", "passages", "candidates", "decisions", "runs")
    return {t: sorted(tuple(r) for r in query(db, f"SELECT * FROM {t}")) for t in tables}


@pytest.fixture
def locked(store_copy):
    """Another connection holds the write lock (BEGIN IMMEDIATE) until the test ends."""
    holder = sqlite3.connect(str(store_copy), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta (key, value) VALUES ('lock-holder', 'uncommitted')")
    yield store_copy
    holder.execute("ROLLBACK")
    holder.close()


def _any_candidate(db: Path) -> str:
    return query(db, "SELECT candidate_id FROM candidates ORDER BY candidate_id LIMIT 1")[0][0]


def test_locked_store_raises_clear_error_and_writes_nothing(locked):
    before = _snapshot(locked)
    store = Store(locked, busy_timeout_s=0.3)
    try:
        with pytest.raises(StoreLockedError) as info:
            store.add_decision(_any_candidate(locked), "accept", "alice", "note")
    finally:
        store.close()
    message = str(info.value)
    assert "locked by another process" in message and "nothing was written" in message
    assert "--busy-timeout" in message
    assert _snapshot(locked) == before


def test_locked_store_cli_decide_and_run_fail_cleanly(locked, tmp_path):
    before = _snapshot(locked)
    code, out, err = cli_in_process("decide", "--db", locked, "--busy-timeout", "0.3",
                                    _any_candidate(locked), "accept", "--reviewer", "bob")
    assert code == 2 and "locked by another process" in err and "Traceback" not in err
    corpus = tmp_path / "more"
    write_evidence_corpus(corpus, 2, start=50)
    code, out, err = cli_in_process("run", corpus, "--db", locked, "--busy-timeout", "0.3",
                                    "--model", "hashing", "--no-progress")
    assert code == 2 and "locked by another process" in err and "Traceback" not in err
    assert _snapshot(locked) == before


def _full_disk_child(argv: list[str], limit: int, err_path: str) -> None:
    """Run the CLI with files capped at ``limit`` bytes: writes past it fail with EFBIG."""
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 2)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (pytest's capture objects are not fds)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from pipeline.cli import main

    code = main(argv)
    sys.stderr.flush()
    os._exit(code)


def test_disk_full_rolls_back_and_keeps_earlier_data(store_copy, tmp_path):
    cand = _any_candidate(store_copy)
    code, out, err = cli_in_process("decide", "--db", store_copy, cand, "accept",
                                    "--reviewer", "carol", "--note", "kept through a full disk")
    assert code == 0, err
    conn = sqlite3.connect(str(store_copy))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = _snapshot(store_copy)
    size = os.path.getsize(store_copy)
    corpus = tmp_path / "big"
    corpus.mkdir()
    big = "\n\n".join(gen.evidence_doc(i) for i in range(60, 120))  # ~60 reports in one file
    (corpus / "big_report.txt").write_text(big, encoding="utf-8")
    err_path = tmp_path / "stderr.txt"
    argv = ["run", str(corpus), "--db", str(store_copy), "--model", "hashing", "--no-progress",
            "--cache", str(tmp_path / "cache.sqlite")]
    child = mp.get_context("fork").Process(target=_full_disk_child,
                                           args=(argv, size + 64 * 1024, str(err_path)))
    child.start()
    child.join(120)
    err = err_path.read_text()
    assert child.exitcode == 2, f"exit {child.exitcode}: {err}"
    assert "error:" in err and "Traceback" not in err
    assert "rolled back" in err and "earlier data is intact" in err
    assert query(store_copy, "PRAGMA integrity_check")[0][0] == "ok"
    after = _snapshot(store_copy)
    for table in ("documents", "document_paths", "passages", "candidates", "decisions"):
        assert after[table] == before[table], table
    # The store still works once space is back: the same run now completes.
    code, out, err = cli_in_process(*argv)
    assert code == 0, out + err
    # the reviewer's rows are untouched; a new twin of the decided quote may inherit the
    # decision in a row of its own that names the one it mirrors (the last column)
    def own(rows):
        return [row for row in rows if row[-1] is None]

    assert own(_snapshot(store_copy)["decisions"]) == own(before["decisions"])
