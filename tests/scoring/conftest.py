"""Fixtures for the scoring tests: the blog series analysed with the hashing encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
GOLD = CORPUS / "gold" / "evidence_gold.csv"


@pytest.fixture(scope="module")
def blog_analysed():
    """(framework, passages, vectors, sentence_rows, index) for the blog series (text)."""
    from pipeline.attribution import MsiAttributor
    from pipeline.embed import HashingEncoder
    from pipeline.ingest import ingest_file
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.scoring.match import EvidenceIndex, texts_to_embed
    from pipeline.segment import segment_document

    doc = ingest_file(str(CORPUS / "msi_integrity_rethinking_msis_blog_series.txt"))
    passages = MsiAttributor(load_registry()).attribute(segment_document(doc))
    texts, rows = texts_to_embed(passages)
    encoder = HashingEncoder()
    framework = load_framework()
    return framework, passages, encoder.encode(texts), rows, EvidenceIndex.build(framework, encoder)
