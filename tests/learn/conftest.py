"""Fixtures for the learned evidence model: a tiny labelled corpus built in the test, a model
fitted on it with the fast hashing encoder, and the development corpus when it is present."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEV_CORPUS = REPO.parent / "shared" / "corpus-dev"

EVIDENCE = [
    "The Roundtable on Sustainable Palm Oil audit missed forced labour and debt bondage of "
    "migrant workers on certified plantations.",
    "Auditors of the Forest Stewardship Council failed to detect illegal logging at certified "
    "concessions in three countries.",
    "The Kimberley Process has no independent monitoring of its participants' diamond exports.",
    "Workers can file complaints through the Fair Labor Association's third party complaint "
    "process, which investigates and publishes its findings.",
    "The Bangladesh Accord is a legally binding agreement signed by brands and trade unions.",
    "Trade unions sit on the steering committee of the Ethical Trading Initiative with equal "
    "votes.",
]
OTHER = [
    "Read the full report on our website and sign up for our newsletter.",
    "Photo: a worker walks between rows of palm trees at dawn.",
    "The weather in the region is hot and humid for most of the year.",
    "Contact our press office for interviews and images.",
    "Palm oil is used in food, cosmetics and biofuels around the world.",
    "The conference takes place in Geneva next spring.",
]


def write_tiny_corpus(root: Path) -> list[str]:
    """Six short documents, each mixing evidence and other sentences; returns their names."""
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(6):
        body = " ".join([EVIDENCE[i], OTHER[i], EVIDENCE[(i + 1) % 6], OTHER[(i + 2) % 6]])
        name = f"doc_{i}.txt"
        (root / name).write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
        names.append(name)
    return names


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    if not DEV_CORPUS.is_dir():
        pytest.skip("the development corpus ../shared/corpus-dev is not present (it is not "
                    "distributed with the project; CI has it)")
    return DEV_CORPUS


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A learned model fitted on the tiny corpus with the hashing encoder, saved to disk."""
    from pipeline.embed import make_encoder
    from pipeline.learn.dataset import analyse_labelled, sentence_table
    from pipeline.learn.features import dense_names
    from pipeline.learn.fit import fit_model, framework_texts
    from pipeline.learn.labels import LabelledDocument, labels_from_quotes
    from pipeline.learn.model import Selection, Settings
    from pipeline.rules.framework import load_framework, with_model_dir
    from pipeline.rules.registry import load_registry
    from pipeline.scoring.match import EvidenceIndex

    root = tmp_path_factory.mktemp("tiny")
    corpus = root / "corpus"
    names = write_tiny_corpus(corpus)
    rows = []
    for name in names:
        text = (corpus / name).read_text(encoding="utf-8")
        rows += [{"file": name, "quote": q, "msi": "GENERAL", "reference_point": rp,
                  "consideration": cons, "polarity": pol}
                 for q, rp, cons, pol in LABELS if q in text]
    labels, missing = labels_from_quotes(rows, corpus, {})
    assert not missing
    framework = with_model_dir(load_framework(), "none")
    encoder = make_encoder("hashing")
    docs = [LabelledDocument(n, "cv", "test") for n in names]
    files = analyse_labelled(corpus, docs, load_registry(), encoder)
    index = EvidenceIndex.build(framework, encoder)
    table = sentence_table(files, labels, framework, index)
    fit_args = (tuple(index.rp_ids), tuple(index.consideration_ids),
                tuple(index.reference_point_ids), dense_names(framework))
    model = fit_model(table, framework_texts(framework, index), fit_args,
                      Settings(min_df=1), Selection(threshold=0.05), calibration_folds=3)
    model.encoder = encoder.name
    model.save(root / "model")
    return root / "model"


LABELS = [
    (EVIDENCE[0], "reporting_validation", "reporting_validation.validation_system", "undermines"),
    (EVIDENCE[1], "reporting_validation", "reporting_validation.validation_system", "undermines"),
    (EVIDENCE[2], "reporting_validation", "reporting_validation.validation_system", "undermines"),
    (EVIDENCE[3], "tip_risk_awareness", "tip_risk_awareness.grievance_mechanisms", "supports"),
    (EVIDENCE[4], "high_standards", "high_standards.sanctions", "supports"),
    (EVIDENCE[5], "participation", "participation.workers", "supports"),
]
