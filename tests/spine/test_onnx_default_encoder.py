"""The default encoder: the packaged MiniLM on onnxruntime in float32, exported once per user,
giving sentence-transformers' vectors without importing torch; and its fallback to torch."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.real_model

REPO = Path(__file__).resolve().parents[2]
SENTENCES = [
    "The Kimberley Process certification scheme has no independent monitoring of member states.",
    "Civil society observers left the scheme in 2023.",
    "Workers could file complaints without fear of retaliation.",
    "Beneficial ownership disclosure remains voluntary in many EITI countries.",
]


@pytest.fixture(scope="module")
def default_encoder():
    """The default encoder on the suite's per-user cache (exported there by the first user)."""
    from pipeline.embed import make_encoder

    encoder = make_encoder(None)
    encoder.load()
    assert encoder.fallback is None, "the float32 export worked"
    return encoder


def test_names_of_the_packaged_model_runtimes():
    from pipeline.embed import DEFAULT_MODEL, SentenceTransformerEncoder, make_encoder
    from pipeline.embed_onnx import OnnxEncoder

    for name in (None, DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        encoder = make_encoder(name)
        assert isinstance(encoder, OnnxEncoder) and encoder.precision == "fp32"
        assert (encoder.name, encoder.vector_space) == (DEFAULT_MODEL, DEFAULT_MODEL)
    torch = make_encoder("minilm-torch")
    assert isinstance(torch, SentenceTransformerEncoder)
    # Same name, so the vector caches of the two runtimes are one: their vectors are the same.
    assert torch.name == DEFAULT_MODEL


def test_vectors_are_sentence_transformers_vectors(default_encoder):
    from pipeline.embed import SentenceTransformerEncoder
    from pipeline.segment import sentence_spans

    text = (REPO / "corpus" / "msi_integrity_rethinking_msis_blog_series.txt").read_text()
    real = [text[a:b] for a, b in sentence_spans(text[:8000])][:20]
    texts = SENTENCES + real + ["", "x" * 3000]  # empty, and a text past 256 tokens
    onnx = default_encoder.encode(texts)
    torch = SentenceTransformerEncoder().encode(texts)
    assert onnx.shape == torch.shape == (len(texts), 384)
    assert onnx.dtype == np.float32
    assert np.abs(onnx - torch).max() < 1e-5, np.abs(onnx - torch).max()


def test_a_vector_does_not_depend_on_the_other_texts(default_encoder):
    together = default_encoder.encode(SENTENCES)
    alone = np.stack([default_encoder.encode([s])[0] for s in reversed(SENTENCES)])[::-1]
    assert np.array_equal(together, alone)


def test_once_exported_the_default_imports_neither_torch_nor_sentence_transformers(
        default_encoder):
    code = """
import json, sys
from pipeline.embed import make_encoder, uses_torch
encoder = make_encoder(None)
before = uses_torch(encoder)
vector = encoder.encode(["Workers could file complaints."])[0]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in
               ("torch", "sentence_transformers", "transformers", "sklearn"))
print(json.dumps({"heavy": heavy, "exported": encoder.exported, "dim": len(vector),
                  "uses_torch": before}))
"""
    assert default_encoder.cached_path().exists()
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, text=True, capture_output=True,
                          env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == {"heavy": [], "exported": False, "dim": 384, "uses_torch": False}


def test_a_failed_export_falls_back_to_torch_with_one_warning(tmp_path, monkeypatch, caplog):
    from pipeline import embed_onnx
    from pipeline.embed import SentenceTransformerEncoder
    from pipeline.errors import ModelLoadError

    def broken(*args, **kwargs):
        raise ModelLoadError("exporting the fp32 encoder needs torch, transformers, onnx and "
                             "onnxruntime (No module named 'onnx')")

    monkeypatch.setattr(embed_onnx, "export_onnx", broken)
    encoder = embed_onnx.OnnxEncoder(cache_dir=tmp_path, fallback_to_torch=True)
    with caplog.at_level(logging.WARNING, logger="pipeline.embed_onnx"):
        vectors = encoder.encode(SENTENCES)
    assert encoder.fallback is not None and encoder.uses_torch
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("No module named 'onnx'" in m and "sentence-transformers instead" in m
               for m in warnings), warnings
    assert np.abs(vectors - SentenceTransformerEncoder().encode(SENTENCES)).max() < 1e-6
    strict = embed_onnx.OnnxEncoder(cache_dir=tmp_path)  # minilm-int8 and tests: no fallback
    with pytest.raises(ModelLoadError, match="No module named 'onnx'"):
        strict.encode(SENTENCES)
