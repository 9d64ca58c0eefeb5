"""Framework vectors are embedded once per encoder and framework, then read from the user cache."""

from __future__ import annotations

import numpy as np

from pipeline.embed import HashingEncoder
from pipeline.rules.framework import load_framework
from pipeline.scoring.match import EvidenceIndex
from pipeline.scoring.vector_cache import CACHE_ENV


class CountingEncoder(HashingEncoder):
    def __init__(self):
        super().__init__(64)
        self.texts_encoded = 0

    def encode(self, texts):
        self.texts_encoded += len(texts)
        return super().encode(texts)


def test_second_index_reads_the_cache_and_gives_the_same_index(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    framework = load_framework()
    first_encoder, second_encoder = CountingEncoder(), CountingEncoder()
    first = EvidenceIndex.build(framework, first_encoder)
    second = EvidenceIndex.build(framework, second_encoder)
    assert first_encoder.texts_encoded > 1000  # the whole framework, once
    assert second_encoder.texts_encoded == 1  # the probe that identifies the model
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_array_equal(first.def_vectors, second.def_vectors)
    np.testing.assert_array_equal(first.rp_classifier[0], second.rp_classifier[0])
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 1


def test_an_encoder_that_only_borrows_the_name_misses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    framework = load_framework()
    EvidenceIndex.build(framework, CountingEncoder())
    impostor = HashingEncoder(64)
    impostor.encode = lambda texts: HashingEncoder(64).encode([f"impostor {t}" for t in texts])
    index = EvidenceIndex.build(framework, impostor)  # same name, other vectors
    np.testing.assert_array_equal(index.vectors[:3], impostor.encode(list(index.texts[:3])))


def test_another_encoder_or_framework_text_misses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    framework = load_framework()
    EvidenceIndex.build(framework, CountingEncoder())
    other = HashingEncoder(32)
    assert EvidenceIndex.build(framework, other).vectors.shape[1] == 32
    rp = framework.reference_points[0]
    changed = framework.model_copy(update={"reference_points": [
        rp.model_copy(update={"definition": rp.definition + " Changed."}),
        *framework.reference_points[1:]]})
    encoder = CountingEncoder()
    EvidenceIndex.build(changed, encoder)
    assert encoder.texts_encoded > 1000
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 3


def test_damaged_or_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    framework = load_framework()
    good = EvidenceIndex.build(framework, CountingEncoder())
    for stored in cache.rglob("*.npz"):
        stored.write_bytes(b"not a zip file")
    encoder = CountingEncoder()
    rebuilt = EvidenceIndex.build(framework, encoder)
    assert encoder.texts_encoded > 1000
    np.testing.assert_array_equal(good.vectors, rebuilt.vectors)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert EvidenceIndex.build(framework, CountingEncoder()).vectors.shape == good.vectors.shape
