"""Fixtures for the end-to-end spine tests (issue 2): CLI runs, table counts, small frameworks."""

from __future__ import annotations

import copy
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

# Tables every store has; a test of unchanged re-runs counts the rows of *all* tables (``runs``
# gains one row per run, nothing else may change).
CONTENT_TABLES = ("meta", "documents", "document_paths", "pages", "passages", "candidates",
                  "decisions")

# A second framework, unrelated to the packaged one, with its own ids and settings.
SMALL_FRAMEWORK = {
    "framework": {"id": "tiny-labour", "name": "Tiny labour framework", "version": "0.1"},
    "matching": {"threshold": 0.2, "top_k": 1, "min_words": 5},
    "reference_points": [
        {"id": "workers", "name": "Workers", "definition": "Workers take part in governance.",
         "considerations": [
             {"id": "workers.voice", "text": "Workers and trade unions have a voice in the initiative"},
             {"id": "workers.remedy", "text": "Workers can complain and receive remedy for harm"},
         ]},
        {"id": "money", "name": "Funding", "definition": "Where the money comes from.",
         "considerations": [
             {"id": "money.companies", "text": "Companies fund and control the initiative"},
         ]},
    ],
}


@pytest.fixture(scope="session")
def processed_sample(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus, db): a copy of the sample corpus processed once per session with the hashing
    encoder. Never modify this corpus or store: use ``processed_copy``."""
    from pipeline.cli import main

    root = tmp_path_factory.mktemp("processed_sample")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("gold", ".*"))
    db = root / "sample.sqlite"
    assert main(["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress"]) == 0
    return corpus, db


@pytest.fixture
def processed_copy(processed_sample, tmp_path) -> tuple[Path, Path]:
    """(corpus, db): the session's processed corpus (read-only) and a private copy of its store
    (and embedding cache), to re-run, decide on and export."""
    corpus, db = processed_sample
    copy_db = tmp_path / "e.sqlite"
    for source, dest in ((db, copy_db), (Path(f"{db}.embeddings.sqlite"),
                                         Path(f"{copy_db}.embeddings.sqlite"))):
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{dest}{suffix}")
    return corpus, copy_db


@pytest.fixture
def text_corpus(tmp_path) -> Path:
    """The two sample reports as text only (with the manifest): for tests that do not need PDFs."""
    dest = tmp_path / "text_corpus"
    dest.mkdir()
    for item in CORPUS.iterdir():
        if item.suffix in (".txt", ".csv"):
            shutil.copy2(item, dest / item.name)
    return dest


@pytest.fixture
def run_hashing(cli):
    """``msi-evidence run PATH --db DB --model hashing`` in-process; returns the exit code."""

    def run(corpus: Path | str, db: Path | str, *extra) -> int:
        return cli("run", corpus, "--db", db, "--model", "hashing", "--no-progress", *extra)

    return run


def _table_counts(db: Path | str) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        assert set(CONTENT_TABLES) <= set(tables)
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def _query(db: Path | str, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def table_counts():
    """Row count of every table of a store file."""
    return _table_counts


@pytest.fixture
def query():
    """Run a read query on a store file; returns a list of tuples."""
    return _query


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write a mapping as YAML under tmp_path and return the path."""

    def write(name: str, data) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_framework() -> dict:
    """A second, unrelated framework (as data, to write with ``write_yaml``)."""
    return copy.deepcopy(SMALL_FRAMEWORK)


@pytest.fixture
def packaged_framework_data() -> dict:
    from pipeline.rules.framework import DEFAULT_FRAMEWORK

    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
