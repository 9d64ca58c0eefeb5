"""Fixtures for the PDF ingestion tests (issue 3): the generated corpus, built once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdf_corpus import BUILDERS, GOLDEN


@pytest.fixture(scope="session")
def pdf_corpus(tmp_path_factory) -> dict[str, Path]:
    """Every generated test PDF, by name (see tests/ingest/pdf/corpus.py)."""
    folder = tmp_path_factory.mktemp("pdf_corpus")
    out = {}
    for name, build in BUILDERS.items():
        path = folder / f"{name}.pdf"
        build(path)
        out[name] = path
    return out


@pytest.fixture(scope="session")
def golden():
    def load(name: str) -> list[dict]:
        return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))["paragraphs"]

    return load
