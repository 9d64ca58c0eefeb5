"""Shared fixtures. Feature-specific fixtures live in a conftest.py inside each test folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Framework vectors are cached per user (pipeline.scoring.vector_cache); the suite keeps its own cache so
# that it neither reads nor fills the cache of the person running it.
os.environ.setdefault("MSI_EVIDENCE_CACHE", tempfile.mkdtemp(prefix="msi-evidence-test-cache-"))

# SQL condition on ``candidates``: a candidate without twins (pipeline.store.twin_groups), so that a decision
# on it is one row; the sample corpus holds each report twice (.txt and .pdf).
WITHOUT_TWINS = ("twin_of IS NULL AND candidate_id NOT IN"
                 " (SELECT twin_of FROM candidates WHERE twin_of IS NOT NULL)")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def sample_corpus(tmp_path: Path) -> Path:
    """A private copy of the sample corpus (documents and manifest), safe to modify."""
    dest = tmp_path / "corpus"
    dest.mkdir()
    for item in CORPUS.iterdir():
        if item.is_file():
            shutil.copy2(item, dest / item.name)
    return dest


@pytest.fixture
def make_context():
    """Build a ProcessingContext; the default encoder is the fast hashing stand-in."""
    from pipeline.embed import make_encoder
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.run.process import ProcessingContext

    made = []

    def factory(model: str = "hashing", framework=None, registry=None, **kwargs):
        context = ProcessingContext(
            framework=framework or load_framework(), registry=registry or load_registry(),
            encoder=make_encoder(model), **kwargs)
        made.append(context)
        return context

    yield factory
    for context in made:
        context.close()


@pytest.fixture
def cli():
    """Run ``msi-evidence`` in-process and return its exit code (read output with capsys)."""
    from pipeline.cli import main

    def run(*argv) -> int:
        return main([str(a) for a in argv])

    return run


def run_hashing_store(corpus: Path, db: Path) -> Path:
    """``msi-evidence run CORPUS --db DB --model hashing`` in-process; the store, which must
    have been built without a failure."""
    from pipeline.cli import main

    code = main(["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress"])
    assert code == 0, f"the pipeline must process {corpus} cleanly"
    return db


def private_copy(store: Path, folder: Path) -> Path:
    """A copy of a store built once per session, safe to write decisions into, with its
    embedding cache (``STORE.embeddings.sqlite``, read by similar passages) when it has one."""
    dest = folder / store.name
    shutil.copy2(store, dest)
    cache = store.with_name(store.name + ".embeddings.sqlite")
    if cache.exists():
        shutil.copy2(cache, dest.with_name(dest.name + ".embeddings.sqlite"))
    return dest

