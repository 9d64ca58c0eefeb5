"""From PDF pages to passages: labels and furniture, tables as rows, page-crossing passages,
section context, clean text (hyphens, footnote markers), and what the store keeps of them."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.ingest import ingest_file
from pipeline.records import DocStatus, DocumentResult
from pipeline.segment import segment_document

HEADER = "MSI Integrity Review \u00b7 Annual Report 2024"


@pytest.fixture(scope="module")
def docs(pdf_corpus):
    return {name: ingest_file(str(pdf_corpus[name]))
            for name in ("furniture", "table", "two_columns", "bullets_footnotes")}


def test_page_labels_roman_then_arabic_and_furniture_kept_as_metadata(docs):
    doc = docs["furniture"]
    assert [p.label for p in doc.pages] == ["i", "ii", "1", "2", "3", "4", "5", "6"]
    for page in doc.pages:
        assert HEADER in page.furniture and page.label in page.furniture
        assert "Draft for consultation" not in page.text and "Annual Report 2024" not in page.text
        assert not re.search(rf"(^|\n){re.escape(page.label)}(\n|$)", page.text)
    # A chapter heading at the top of three pages repeats too, but it is part of the body.
    assert doc.pages[2].text.startswith("Chapter 1: Evidence from the Field")


def test_passage_crossing_a_page_break_records_both_pages(docs):
    doc = docs["furniture"]
    pages = {p.number: p for p in doc.pages}
    crossing = [p for p in segment_document(doc) if p.page_end is not None]
    assert len(crossing) == 3
    for passage in crossing:
        first = pages[passage.page].text[passage.char_start:passage.char_end]
        rest = pages[passage.page_end].text[passage.page_end_char_start:passage.page_end_char_end]
        assert passage.page_end == passage.page + 1
        assert passage.char_end == len(pages[passage.page].text)  # runs to the page's end
        assert passage.page_end_char_start == 0
        assert passage.text == f"{first} {rest}"
        assert passage.text.endswith("recruitment agents who held their passports.")
        # Quotes are sentence spans: they stop at the break, on the first page.
        assert passage.sentences[-1][1] == passage.char_end - passage.char_start
        spans = passage.page_spans()
        assert [s[0] for s in spans] == [passage.page, passage.page_end]
        assert " ".join(pages[pg].text[a:b] for pg, a, b in spans) == passage.text
        # A quote inside the continuation maps to the next page only.
        start = passage.text.index("their passports")
        assert passage.page_spans(start, start + 15) == [
            (passage.page_end, passage.page_end_char_start, passage.page_end_char_start + 15)]


def test_every_word_is_in_exactly_one_passage(docs):
    for doc in docs.values():
        passages = segment_document(doc)
        covered = {p.number: [] for p in doc.pages}
        for passage in passages:
            for page, a, b in passage.page_spans():
                covered[page].append((a, b))
        for page in doc.pages:
            spans = sorted(covered[page.number])
            assert all(b0 <= a1 for (_a0, b0), (a1, _b1) in zip(spans, spans[1:], strict=False))
            words = "".join(page.text[a:b] for a, b in spans).split()
            assert "".join(words) == "".join(page.text.split())


def test_table_rows_stay_together_and_apart_from_body_text(docs):
    doc = docs["table"]
    page = doc.pages[0]
    assert len(page.tables) == 1
    start, end = page.tables[0]
    rows = page.text[start:end].split("\n")
    assert rows[1] == ("Reference point: Governance; Consideration: Do rights holders have a "
                       "vote?; Evidence: Board minutes")
    passages = segment_document(doc)
    tables = [p for p in passages if p.kind == "table"]
    assert tables and all(p.section == "Reference Points" for p in tables)
    for row in rows:
        assert sum(row in p.text for p in tables) == 1
    for body in (p for p in passages if p.kind != "table"):
        assert "Board minutes" not in body.text and "Consideration:" not in body.text
    # The table sits between the paragraphs around it, in reading order.
    kinds = [p.kind for p in passages]
    assert kinds.index("table") == 2


def test_two_columns_read_column_by_column_with_section_context(docs):
    doc = docs["two_columns"]
    passages = segment_document(doc)
    text = doc.pages[0].text
    assert text.index("Kimberley Process Certification Scheme was launched") < text.index(
        "Bangladesh Accord on Fire")
    assert "organisations" in text and "influence" in text and "\ufffe" not in text
    assert "multi-stakeholder initiative" in text
    accord = next(p for p in passages if "Bangladesh Accord" in p.text)
    assert accord.section == "Labour Standards in Supply Chains"


def test_footnote_markers_leave_sentences_whole(docs):
    doc = docs["bullets_footnotes"]
    text = doc.pages[0].text
    assert "impacts. They note" in text and "closed.12" not in text
    passage = next(p for p in segment_document(doc) if "impacts." in p.text)
    sentences = [passage.text[a:b] for a, b in passage.sentences]
    assert "Several reports describe the social and environmental impacts." in sentences
    bullets = [block for block in text.split("\n\n") if block.startswith("\u2022 ")]
    assert len(bullets) == 3


def test_store_keeps_furniture_tables_and_page_crossing(docs, tmp_path):
    from pipeline.rules.framework import load_framework
    from pipeline.store import Store

    doc = docs["furniture"]
    passages = tuple(segment_document(doc))
    result = DocumentResult(path=doc.path, doc_id=doc.doc_id, status=DocStatus.OK, document=doc,
                            passages=passages)
    with Store(tmp_path / "s.sqlite") as store:
        store.write_result(result, run_id="r1", fingerprint="f", size_bytes=1,
                           framework=load_framework(), model="hashing")
        row = store.conn.execute("SELECT label, furniture FROM pages WHERE doc_id = ? AND "
                                 "page_no = 3", (doc.doc_id,)).fetchone()
        assert row["label"] == "1" and HEADER in json.loads(row["furniture"])
        crossing = store.conn.execute(
            "SELECT page_no, page_end, page_end_char_start, page_end_char_end FROM passages"
            " WHERE page_end IS NOT NULL ORDER BY seq").fetchall()
        assert [tuple(r) for r in crossing] == [
            (p.page, p.page_end, p.page_end_char_start, p.page_end_char_end)
            for p in passages if p.page_end]
