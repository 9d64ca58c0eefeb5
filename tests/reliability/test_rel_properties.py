"""Properties (hypothesis): passage offsets slice back to the passage text; the evidence table
survives export and read-back; formula neutralisation touches every text cell that needs it and
nothing else."""

from __future__ import annotations

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.export.evidence import (
    FORMULA_PREFIXES,
    evidence_frame,
    neutralise_formulas,
    read_evidence_csv,
    write_csv,
)
from pipeline.export.xlsx import EXCEL_MAX_CHARS, write_xlsx
from pipeline.records import Document, Page
from pipeline.segment import SegmentSettings, segment_document
from pipeline.store import Store

SLOW = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

EXPORTS = settings(SLOW, max_examples=15)

WORD = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
            max_size=12),
    st.sampled_from(["Kimberley", "EITI", "U.S.", "e.g.", "Dr.", "3.5", "(a)", "—", "…", "\u00a0",
                     "\u202e", "\ufeff", "\t", "Mr.", "?!", "\u2022", "ﬁ", "\r"]),
)
SEPARATOR = st.sampled_from([" ", " ", " ", ". ", "! ", "? ", "\n", "\n\n", "\n \n", ";  ", ": "])


@st.composite
def page_texts(draw):
    parts = draw(st.lists(st.tuples(WORD, SEPARATOR), min_size=0, max_size=120))
    return "".join(w + s for w, s in parts)


@SLOW
@given(st.lists(page_texts(), min_size=1, max_size=3),
       st.sampled_from([SegmentSettings(), SegmentSettings(min_words=3, target_words=8,
                                                           max_words=12)]))
def test_passage_offsets_slice_back_to_passage_text(texts, segment):
    doc = Document("d" * 64, "/x.txt", "text", "t",
                   tuple(Page(i + 1, t) for i, t in enumerate(texts)))
    passages = segment_document(doc, segment)
    for passage in passages:
        # The pieces of page text that the passage maps to, joined by one space (a passage that
        # crosses a page break continues on the next page), give back the passage text.
        pieces = [doc.pages[page - 1].text[start:end] for page, start, end in passage.page_spans()]
        assert " ".join(pieces) == passage.text
        assert doc.pages[passage.page - 1].text[passage.char_start:passage.char_end] == pieces[0]
        assert passage.text and passage.text == passage.text.strip()
        for start, end in passage.sentences:
            assert 0 <= start < end <= len(passage.text)
    assert [p.seq for p in passages] == list(range(len(passages)))
    assert len({p.passage_id for p in passages}) == len(passages)


NOTE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


def _records(df: pd.DataFrame) -> list[tuple]:
    """Rows as tuples; a missing value and an empty text are the same empty CSV cell."""
    clean = df.astype(object).where(df.notna(), None)
    return [tuple(None if v == "" else v for v in r) for r in clean.itertuples(index=False)]


@EXPORTS
@given(notes=st.lists(NOTE, min_size=1, max_size=4))
def test_csv_export_reads_back_identically(store_copy, tmp_path, notes):
    with Store(store_copy) as store:
        ids = [r[0] for r in store.conn.execute(
            "SELECT candidate_id FROM candidates ORDER BY candidate_id LIMIT ?", (len(notes),))]
        for cid, note in zip(ids, notes, strict=False):
            store.add_decision(cid, "accept", "prop", note)
        frame = neutralise_formulas(evidence_frame(store))
    out = tmp_path / "evidence.csv"
    write_csv(frame, out)
    back = read_evidence_csv(out)
    assert list(back.columns) == list(frame.columns)
    assert _records(back) == _records(frame)
    by_id = dict(zip(back["candidate_id"], back["note"], strict=True))
    for cid, note in zip(ids, notes, strict=False):
        expected = "'" + note if note.startswith(FORMULA_PREFIXES) else note
        got = by_id[cid]
        assert (got if isinstance(got, str) else "") == expected


@EXPORTS
@given(notes=st.lists(NOTE, min_size=1, max_size=4))
def test_xlsx_export_reads_back_as_text_never_formulas(store_copy, tmp_path, notes):
    with Store(store_copy) as store:
        ids = [r[0] for r in store.conn.execute(
            "SELECT candidate_id FROM candidates ORDER BY candidate_id LIMIT ?", (len(notes),))]
        for cid, note in zip(ids, notes, strict=False):
            store.add_decision(cid, "reject", "prop", note)
        frame = evidence_frame(store)
    out = tmp_path / "evidence.xlsx"
    write_xlsx(out, frame)
    sheet = openpyxl.load_workbook(out)["evidence"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == list(frame.columns)
    got = {r[header.index("candidate_id")]: r[header.index("note")] for r in rows[1:]}
    for cid, note in zip(ids, notes, strict=False):
        text = "'" + note if note.startswith(FORMULA_PREFIXES) else note
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:EXCEL_MAX_CHARS]
        assert (got[cid] or "") == text
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"


TEXT_CELL = st.one_of(st.none(), st.text(max_size=8),
                      st.builds(lambda p, t: p + t, st.sampled_from(FORMULA_PREFIXES + ("'", " ")),
                                st.text(max_size=6)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT_CELL, st.integers(-10**6, 10**6),
                          st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                          TEXT_CELL), min_size=0, max_size=20))
def test_formula_neutralisation_applies_to_every_text_cell_and_only_text(rows):
    df = pd.DataFrame(rows, columns=["quote", "page", "score", "stale", "note"])
    df = df.astype({"page": "int64", "score": "float64", "stale": "bool"})
    original = df.copy()
    out = neutralise_formulas(df)
    for column in ("page", "score", "stale"):
        assert out[column].dtype == df[column].dtype
        assert out[column].tolist() == df[column].tolist()
    for column in ("quote", "note"):
        for before, after in zip(df[column], out[column], strict=True):
            if isinstance(before, str) and before.startswith(FORMULA_PREFIXES):
                assert after == "'" + before
            elif before is None or (not isinstance(before, str) and pd.isna(before)):
                assert after is None or pd.isna(after)
            else:
                assert after == before
    pd.testing.assert_frame_equal(df, original)  # the input frame is not modified
