"""The real packaged model over the sample corpus: one run per module, shared by these tests."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.real_model

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _context(corpus: Path):
    from pipeline.embed import make_encoder
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry
    from pipeline.run.manifest import load_manifest
    from pipeline.run.process import ProcessingContext

    registry = load_registry()
    return ProcessingContext(framework=load_framework(), registry=registry,
                             encoder=make_encoder(None),  # the default: onnxruntime
                             manifest=load_manifest(corpus / "manifest.csv", registry))


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    from pipeline.run.runner import run_corpus
    from pipeline.store import Store

    corpus = tmp_path_factory.mktemp("real") / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("gold", ".*"))
    db = corpus.parent / "real.sqlite"
    context = _context(corpus)
    store = Store(db)
    try:
        summary = run_corpus([str(corpus)], store, context, progress=False)
    finally:
        context.close()
    yield SimpleNamespace(corpus=corpus, db=db, store=store, summary=summary,
                          framework=context.framework, encoder=context.encoder)
    store.close()


def test_all_documents_ok_and_every_reference_point_has_candidates(real_run):
    summary = real_run.summary
    assert summary.processed == 4 and summary.all_ok, summary.failures
    assert dict(summary.by_status) == {"ok": 4}
    assert real_run.encoder._model is not None  # this run did embed
    found = {r[0] for r in real_run.store.conn.execute(
        "SELECT DISTINCT reference_point_id FROM candidates WHERE stale = 0")}
    assert found == {rp.id for rp in real_run.framework.reference_points}
    assert len(found) == 7


def test_every_quote_is_verbatim_at_its_offsets(real_run):
    rows = real_run.store.conn.execute(
        "SELECT c.quote, c.quote_start, c.quote_end, pg.text, p.text AS passage"
        " FROM candidates c JOIN passages p USING (passage_id)"
        " JOIN pages pg ON pg.doc_id = c.doc_id AND pg.page_no = p.page_no").fetchall()
    assert len(rows) == real_run.store.count("candidates") > 0
    for quote, start, end, page_text, passage in rows:
        assert quote.strip() and page_text[start:end] == quote
        assert quote in passage


def _flat(text: str) -> str:
    """pdfium's text with line-break hyphens joined and all whitespace made single spaces."""
    text = text.replace("\ufffe\r\n", "").replace("\ufffe", "")
    return " ".join(text.split())


def test_pdf_quotes_are_on_the_right_physical_page(real_run):
    import pypdfium2 as pdfium

    conn = real_run.store.conn
    rows = conn.execute(
        "SELECT dp.path, p.page_no, c.quote FROM candidates c JOIN passages p USING (passage_id)"
        " JOIN document_paths dp ON dp.doc_id = c.doc_id WHERE dp.path LIKE '%.pdf'"
        " ORDER BY dp.path, p.page_no").fetchall()
    assert rows and len({r[0] for r in rows}) == 2
    pages: dict[tuple[str, int], str] = {}
    counts: dict[str, int] = {}
    for path, _, _ in rows:
        if path not in counts:
            pdf = pdfium.PdfDocument(path)
            counts[path] = len(pdf)
            for index in range(len(pdf)):
                textpage = pdf[index].get_textpage()
                pages[(path, index + 1)] = _flat(textpage.get_text_range())
            pdf.close()
    assert {page_no for _, page_no, _ in rows} != {1}  # evidence is spread over the pages
    for path, page_no, quote in rows:
        assert 1 <= page_no <= counts[path]
        assert _flat(quote) in pages[(path, page_no)], (Path(path).name, page_no, quote[:80])


def test_unchanged_rerun_adds_nothing_and_never_loads_the_model(real_run):
    from pipeline.run.runner import run_corpus

    conn = real_run.store.conn
    ids_before = [r[0] for r in conn.execute("SELECT candidate_id FROM candidates ORDER BY 1")]
    counts_before = _counts(real_run.db)
    context = _context(real_run.corpus)
    try:
        summary = run_corpus([str(real_run.corpus)], real_run.store, context, progress=False)
    finally:
        context.close()
    assert (summary.processed, summary.unchanged) == (0, 4)
    assert summary.all_ok
    assert context.encoder._model is None
    counts_after = _counts(real_run.db)
    assert counts_after.pop("runs") == counts_before.pop("runs") + 1
    assert counts_after == counts_before
    assert [r[0] for r in conn.execute("SELECT candidate_id FROM candidates ORDER BY 1")] == ids_before
