"""``--model minilm-int8``: the packaged MiniLM exported to int8 ONNX once, cached, run without torch.

One real export per module (two processes exporting into the same folder at once), shared by
the tests; the damaged-file test exports once more.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.real_model

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
SENTENCES = [
    "The Kimberley Process certification scheme has no independent monitoring of member states.",
    "Civil society observers left the scheme in 2023.",
    "The Accord's inspections found fire and structural hazards in most garment factories.",
    "Workers could file complaints without fear of retaliation.",
    "Company members dominate the board, and affected communities have no seat on it.",
    "Beneficial ownership disclosure remains voluntary in many EITI countries.",
]

EXPORT = """
import sys
from pathlib import Path
from pipeline.embed_onnx import OnnxInt8Encoder
encoder = OnnxInt8Encoder(cache_dir=Path(sys.argv[1]))
encoder.load()
print(encoder.exported)
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env or dict(os.environ))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A cache folder with the int8 model, exported by two processes at the same time."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    procs = [_python(EXPORT, str(folder)) for _ in range(2)]
    outputs = [p.communicate(timeout=540) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert out.strip() == "True", "each process found no cached file and exported"
    return folder


def _encoder(folder: Path):
    from pipeline.embed_onnx import OnnxInt8Encoder

    return OnnxInt8Encoder(cache_dir=folder)


def test_concurrent_exports_leave_one_whole_file_and_no_temporaries(exported):
    assert [p.suffix for p in exported.iterdir()] == [".onnx"], list(exported.iterdir())
    encoder = _encoder(exported)
    vectors = encoder.encode(SENTENCES)
    assert not encoder.exported, "a second load reads the cached file"
    assert vectors.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_vector_does_not_depend_on_the_other_texts(exported):
    encoder = _encoder(exported)
    together = encoder.encode(SENTENCES)
    alone = np.stack([encoder.encode([s])[0] for s in reversed(SENTENCES)])[::-1]
    assert np.array_equal(together, alone)


def test_vectors_close_to_torch_and_similarities_kept(exported):
    from pipeline.embed import SentenceTransformerEncoder
    from pipeline.segment import sentence_spans

    text = (CORPUS / "msi_integrity_rethinking_msis_blog_series.txt").read_text()
    real = [text[a:b] for a, b in sentence_spans(text[:6000])][:12]
    texts = SENTENCES + real + ["", "x" * 3000]  # empty, and a text past 256 tokens
    int8 = _encoder(exported).encode(texts)
    torch = SentenceTransformerEncoder().encode(texts)
    cosine = (int8 * torch).sum(axis=1)
    shown = dict(zip(texts, cosine.round(4), strict=True))
    assert cosine[:-2].min() >= 0.98, shown
    # The degenerate ones stay close too (the empty text is only [CLS] [SEP]: about 0.979).
    assert cosine[-2:].min() >= 0.95, shown
    # Matching reads similarities between texts: they move by a few hundredths at most.
    shift = np.abs(int8[:-2] @ int8[:-2].T - torch[:-2] @ torch[:-2].T)
    assert shift.max() < 0.05, shift.max()


def test_loading_and_encoding_import_neither_torch_nor_sentence_transformers(exported):
    code = """
import json, sys
from pipeline.embed import make_encoder
encoder = make_encoder("minilm-int8")
vector = encoder.encode(["Workers could file complaints."])[0]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in
               ("torch", "sentence_transformers", "transformers"))
print(json.dumps({"heavy": heavy, "exported": encoder.exported, "dim": len(vector)}))
"""
    # make_encoder reads the per-user folder: point it at the module's exported cache.
    cache = exported.parent / "user-cache"
    (cache / "onnx").mkdir(parents=True, exist_ok=True)
    for path in exported.iterdir():
        os.link(path, cache / "onnx" / path.name)
    proc = _python(code, env=dict(os.environ, MSI_EVIDENCE_CACHE=str(cache)))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen == {"heavy": [], "exported": False, "dim": 384}


def test_damaged_cached_file_is_exported_again_with_a_log_line(exported, tmp_path, caplog):
    from pipeline.embed import packaged_model_path
    from pipeline.embed_onnx import cached_model_path

    damaged = cached_model_path(packaged_model_path(), tmp_path)
    whole = (exported / damaged.name).read_bytes()
    damaged.write_bytes(whole[: len(whole) // 3])  # as a disk full or a killed copy leaves it
    encoder = _encoder(tmp_path)
    with caplog.at_level(logging.WARNING, logger="pipeline.embed_onnx"):
        vectors = encoder.encode(SENTENCES[:2])
    assert encoder.exported
    assert any("damaged" in r.getMessage() and "exporting it again" in r.getMessage()
               for r in caplog.records), caplog.text
    assert damaged.stat().st_size == len(whole)
    assert np.allclose(vectors, _encoder(exported).encode(SENTENCES[:2]), atol=1e-6)


def test_key_changes_with_the_source_model_and_the_exporter(tmp_path, monkeypatch):
    from pipeline import embed_onnx
    from pipeline.embed import packaged_model_path

    source = packaged_model_path()
    copy = tmp_path / "model"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.safetensors"))
    for weights in source.glob("*.safetensors"):
        os.symlink(weights, copy / weights.name)
    assert embed_onnx.export_key(copy) == embed_onnx.export_key(source)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "layer_norm_eps": 1e-6}))
    changed_model = embed_onnx.export_key(copy)
    assert changed_model != embed_onnx.export_key(source)
    monkeypatch.setattr(embed_onnx, "RECIPE_VERSION", embed_onnx.RECIPE_VERSION + 1)
    assert embed_onnx.export_key(copy) != changed_model


def test_names_and_settings_read_from_the_model_folder():
    from pipeline.embed import make_encoder, packaged_model_path
    from pipeline.embed_onnx import SentenceSettings, sentence_settings

    assert sentence_settings(packaged_model_path()) == SentenceSettings(256, "mean", True)
    for name in ("minilm-int8", "all-MiniLM-L6-v2-int8"):
        encoder = make_encoder(name)
        assert (encoder.name, encoder.vector_space) == ("minilm-int8", "all-MiniLM-L6-v2")


def test_run_on_the_sample_corpus_with_the_int8_encoder(exported, tmp_path, monkeypatch, caplog):
    from pipeline.cli import main

    cache = tmp_path / "user-cache"
    (cache / "onnx").mkdir(parents=True)
    for path in exported.iterdir():
        os.link(path, cache / "onnx" / path.name)
    monkeypatch.setenv("MSI_EVIDENCE_CACHE", str(cache))
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("gold", ".*"))
    db = tmp_path / "int8.sqlite"
    with caplog.at_level(logging.WARNING):
        code = main(["run", str(corpus), "--db", str(db), "--model", "minilm-int8",
                     "--no-progress"])
    assert code == 0
    assert not any("exporting" in r.getMessage() for r in caplog.records), "used the cache"
    assert not any("learned evidence model was trained on" in r.getMessage()
                   for r in caplog.records), "the learned model reads int8 MiniLM vectors"
    conn = sqlite3.connect(db)
    try:
        per_rp = dict(conn.execute(
            "SELECT reference_point_id, COUNT(*) FROM candidates GROUP BY reference_point_id"))
    finally:
        conn.close()
    assert sum(per_rp.values()) >= 50, per_rp
    assert len(per_rp) >= 5, per_rp
    cached = sqlite3.connect(f"{db}.embeddings.sqlite")
    try:
        assert {r[0] for r in cached.execute("SELECT DISTINCT model FROM embeddings")} == {
            "minilm-int8"}
    finally:
        cached.close()
