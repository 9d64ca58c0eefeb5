"""Fixtures for the MSI attribution tests (issue 4)."""

from __future__ import annotations

import pytest

from pipeline.attribution import MsiAttributor
from pipeline.records import Document, Page, Passage
from pipeline.rules.registry import load_registry
from pipeline.segment import segment_document


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def attributor(registry) -> MsiAttributor:
    return MsiAttributor(registry)


@pytest.fixture
def attribute(attributor):
    """Attribute blocks of text (paragraphs of one page); returns the passages."""

    def run(*blocks: str, default_msi: str | None = None) -> list[Passage]:
        doc = Document("b" * 64, "mem.txt", "text", "t", (Page(1, "\n\n".join(blocks)),))
        return attributor.attribute(segment_document(doc), default_msi)

    return run

