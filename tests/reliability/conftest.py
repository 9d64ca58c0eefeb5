"""Fixtures for the reliability suite (../shared/QUALITY.md as tests).

Inputs are generated offline by ``rel_inputs``; runs go through the real command line
(``pipeline.cli.main`` in-process, or ``msi-evidence`` in a child process) with the fast hashing
encoder, on real SQLite files.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from rel_helpers import cli_in_process, fork_parse_workers, write_evidence_corpus  # noqa: E402


@pytest.fixture
def run_cli():
    return cli_in_process


@pytest.fixture(scope="session")
def evidence_db(tmp_path_factory) -> Path:
    """A store built once from a small evidence corpus: copy it before writing to it."""
    root = tmp_path_factory.mktemp("evidence_db")
    write_evidence_corpus(root / "corpus", 12)
    db = root / "store.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        fork_parse_workers(patch)
        code, out, err = cli_in_process("run", root / "corpus", "--db", db, "--model", "hashing",
                                        "--no-progress")
    assert code == 0, out + err
    return db


@pytest.fixture
def store_copy(evidence_db, tmp_path) -> Path:
    """A private copy of ``evidence_db`` (through SQLite's backup API, never a file copy)."""
    dest = tmp_path / "store.sqlite"
    src = sqlite3.connect(str(evidence_db))
    dst = sqlite3.connect(str(dest))
    with dst:
        src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode=WAL")
    dst.close()
    return dest


@pytest.fixture
def forked_parse_workers(monkeypatch):
    """Start parse workers by fork instead of spawn, so they inherit the already imported spaCy
    instead of importing it again (seconds per run on this machine). The worker code, its pipe
    protocol, limits and the driver are unchanged; tests of the isolation itself (bad inputs)
    keep the real spawn start."""
    fork_parse_workers(monkeypatch)
    yield
