"""The learned model's files, its framework check, and how a run uses it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from pipeline.learn.model import EvidenceModel, ModelError, SentenceInputs


def _inputs(model: EvidenceModel, n: int = 3) -> SentenceInputs:
    rng = np.random.default_rng(0)
    dim = model.embedding_dim
    return SentenceInputs(["The audit missed forced labour.", "Contact us.", "Unions sit on "
                           "the board."][:n], rng.normal(size=(n, dim)).astype(np.float32),
                          rng.normal(size=(n, len(model.dense_names))).astype(np.float32))


def test_saved_model_loads_without_pickles_and_predicts_the_same(tiny_model_dir, tmp_path):
    model = EvidenceModel.load(tiny_model_dir)
    with np.load(tiny_model_dir / "weights.npz", allow_pickle=False) as data:
        assert "evidence.coef" in data.files
    meta = json.loads((tiny_model_dir / "model.json").read_text())
    assert meta["format"] == "msi-evidence-model/1" and meta["card"]["version"] == model.version
    copy = tmp_path / "copy"
    assert model.save(copy) == model.version  # the version is a hash of the content
    again = EvidenceModel.load(copy)
    a, b = model.predict(_inputs(model)), again.predict(_inputs(again))
    np.testing.assert_allclose(a.by_reference_point, b.by_reference_point)
    assert a.evidence.shape == (3,) and np.allclose(a.reference_point.sum(axis=1), 1.0)


def test_missing_or_foreign_model_is_a_clear_error(tiny_model_dir, tmp_path):
    with pytest.raises(ModelError, match="msi-evidence train"):
        EvidenceModel.load(tmp_path / "nothing")
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    meta = json.loads((broken / "model.json").read_text())
    meta["format"] = "something-else"
    (broken / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="format"):
        EvidenceModel.load(broken)
    model = EvidenceModel.load(tiny_model_dir)
    with pytest.raises(ModelError, match="another framework"):
        model.check_framework(model.rp_ids[:-1], model.consideration_ids, list(model.dense_names))


def test_run_with_the_learned_model_records_its_version_and_a_plain_explanation(
        tiny_model_dir, tmp_path, cli, capsys):
    from tests.learn.conftest import write_tiny_corpus

    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus)
    db = tmp_path / "store.sqlite"
    assert cli("run", corpus, "--db", db, "--model", "hashing", "--model-dir", tiny_model_dir,
               "--no-progress") == 0
    from pipeline.store import Store

    store = Store(str(db))
    rows = store.conn.execute("SELECT score, explanation FROM candidates").fetchall()
    assert rows, "the learned model proposed nothing on its own training documents"
    version = EvidenceModel.load(tiny_model_dir).version
    for score, explanation in rows:
        data = json.loads(explanation)
        assert data["model_version"] == version
        assert data["summary"].startswith("Reads as evidence on ")
        assert 0.0 <= score <= 1.0
    # The hand-tuned scorer is still one option away, in a store of its own.
    assert cli("run", corpus, "--db", tmp_path / "hand.sqlite", "--model", "hashing",
               "--model-dir", "none", "--no-progress") == 0


def test_framework_fingerprint_follows_the_model(tiny_model_dir, tmp_path):
    from pipeline.rules.framework import load_framework, with_model_dir

    framework = load_framework()
    a = with_model_dir(framework, str(tiny_model_dir)).fingerprint()
    copy = tmp_path / "other"
    model = EvidenceModel.load(tiny_model_dir)
    model.calibration = (model.calibration[0], model.calibration[1] + 1.0)
    model.save(copy)
    assert with_model_dir(framework, str(copy)).fingerprint() != a
    assert with_model_dir(framework, "none").fingerprint() != a


def test_a_model_trained_on_other_embeddings_falls_back_to_the_hand_tuned_scorer(
        tiny_model_dir, tmp_path, cli, caplog):
    from pipeline.store import Store
    from tests.learn.conftest import write_tiny_corpus

    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus)
    db = tmp_path / "store.sqlite"
    assert cli("run", corpus, "--db", db, "--model", "hashing-128", "--model-dir",
               tiny_model_dir, "--no-progress") == 0
    assert "trained on" in caplog.text and "hand-tuned" in caplog.text
    for (explanation,) in Store(str(db)).conn.execute("SELECT explanation FROM candidates"):
        assert "model_version" not in json.loads(explanation)
