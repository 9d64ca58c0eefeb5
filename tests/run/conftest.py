"""Fixtures for the scaling tests (helpers live in scale_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale_helpers import write_small_corpus


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_small_corpus(tmp_path / "corpus")
