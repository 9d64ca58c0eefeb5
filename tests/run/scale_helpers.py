"""Helpers for the scaling tests: a small mixed corpus, running into a store, reading it back."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PARAGRAPHS = [
    "The Fair Labor Association reported that its grievance mechanism received few complaints "
    "from migrant workers. Independent monitors visited supplier factories twice. Workers said "
    "they feared retaliation when they raised problems with recruitment fees.",
    "The Extractive Industries Transparency Initiative validated country reports on payments to "
    "governments. Civil society members sat on the multi-stakeholder group, but the board did "
    "not sanction members that failed to publish data on time.",
    "Fairtrade International trains producer organisations on child labour and forced labour "
    "risks. Its standard requires remediation when auditors find violations, and certification "
    "can be suspended for repeated non-compliance.",
]


def write_small_corpus(folder: Path, copies: int = 3) -> Path:
    """The short sample report (text and PDF) plus a few short text reports and one PDF."""
    from tests.support.pdfgen import write_report_pdf

    folder.mkdir(parents=True, exist_ok=True)
    for item in (REPO / "corpus").iterdir():  # the short seed report (text + PDF), manifest
        if item.is_file() and not item.name.startswith("msi_integrity"):
            shutil.copy2(item, folder / item.name)
    for i in range(copies):
        body = "\n\n".join(f"{p} (Report {i}, part {j}.)" for j, p in enumerate(PARAGRAPHS))
        (folder / f"short_{i}.txt").write_text(f"Short report {i}\n\nFindings\n\n{body}\n",
                                               encoding="utf-8")
    write_report_pdf(folder / "short_pdf.pdf", "A short PDF report",
                     [("heading", "Findings"), *[("para", p) for p in PARAGRAPHS]],
                     title_page=False)
    return folder


def store_rows(db: str | Path) -> dict[str, dict]:
    """Live candidates, passages and document statuses of a store, for comparisons."""
    with sqlite3.connect(db) as conn:
        return {
            "candidates": {r[0]: r[1] for r in conn.execute(
                "SELECT candidate_id, score FROM candidates WHERE stale = 0")},
            "passages": {r[0]: r[1] for r in conn.execute(
                "SELECT passage_id, text FROM passages WHERE stale = 0")},
            "documents": {r[0]: r[1] for r in conn.execute("SELECT doc_id, status FROM documents")},
            "paths": {r[0]: r[1] for r in conn.execute("SELECT path, doc_id FROM document_paths")},
        }


# Scores are stored rounded to 6 decimals; another BLAS thread count can move a score across a
# rounding boundary, which shows as a difference of one unit in the last stored place.
ONE_STORED_UNIT = 1.5e-6


def assert_same_results(a: dict, b: dict, tolerance: float = ONE_STORED_UNIT) -> None:
    assert a["documents"] == b["documents"]
    assert a["paths"] == b["paths"]
    assert a["passages"] == b["passages"]
    assert set(a["candidates"]) == set(b["candidates"])
    worst = max((abs(a["candidates"][k] - b["candidates"][k]) for k in a["candidates"]),
                default=0.0)
    assert worst <= tolerance, f"scores differ by up to {worst}"


def make_run_context(corpus: Path, encoder):
    """A ProcessingContext like the CLI builds: packaged rules, the corpus manifest."""
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.run.discover import manifests_for
    from pipeline.run.manifest import load_manifest
    from pipeline.run.process import ProcessingContext

    registry = load_registry()
    manifest = {}
    for path in manifests_for([str(corpus)]):
        manifest.update(load_manifest(path, registry))
    return ProcessingContext(framework=load_framework(), registry=registry, encoder=encoder,
                             manifest=manifest)


def run_into(db: Path, corpus: Path, encoder, **kwargs):
    """run_corpus into a fresh store at ``db``; returns the RunSummary."""
    from pipeline.run.runner import run_corpus
    from pipeline.store import Store

    context = make_run_context(corpus, encoder)
    try:
        with Store(db) as store:
            return run_corpus([str(corpus)], store, context, progress=False, **kwargs)
    finally:
        context.close()


class SpyEncoder:
    """Wraps an encoder and records the size of every call (and can refuse some texts)."""

    def __init__(self, inner, poison: str | None = None, name: str | None = None):
        self.inner = inner
        self.name = name or inner.name
        self.calls: list[int] = []
        self.poison = poison

    def encode(self, texts):
        self.calls.append(len(texts))
        if self.poison and any(self.poison in t for t in texts):
            raise RuntimeError("this encoder refuses poisoned text")
        return self.inner.encode(texts)


class ModulesInWorker:
    """A parse worker's prepare step (picklable) that segments with spaCy and reports whether
    torch was imported in that process."""

    def __call__(self, document) -> dict:
        import sys

        from pipeline.segment import segment_document

        passages = segment_document(document)
        return {"passages": len(passages), "torch": sys.modules.get("torch") is not None,
                "spacy": sys.modules.get("spacy") is not None}
