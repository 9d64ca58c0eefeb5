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
