"""The evidence CSV through ``msi-evidence export``: columns, order, types, formulas, filters."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import WITHOUT_TWINS

REQUIRED = ["candidate_id", "file", "page", "char_start", "char_end", "quote", "passage_text", "msi",
            "reference_point", "consideration_id", "consideration", "polarity", "score", "status",
            "reviewer", "note", "decided_at"]
NUMERIC = ["page", "char_start", "char_end", "score", "passage_char_start", "passage_char_end"]

FORMULA_PARAGRAPHS = [
    "=HYPERLINK(\"http://evil.example\") Representation of government officials sits on the board.",
    "+Representation of business and employers is supported by the member companies here.",
    "-Representation of organized and informal workers is missing from the committee again.",
    "@SUM(A1:A9) Representation of communities, recipients or beneficiaries is weak there.",
]


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


@pytest.fixture
def processed(processed_copy):
    return processed_copy[1]


def test_columns_types_and_provenance(cli, processed, tmp_path, query):
    out = tmp_path / "evidence.csv"
    assert cli("export", "--db", processed, "--out", out) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    df = _read(out)
    assert set(REQUIRED) <= set(df.columns)
    assert len(df) == query(processed, "SELECT COUNT(*) FROM candidates")[0][0] > 0
    for column in NUMERIC:
        assert pd.api.types.is_numeric_dtype(df[column]), column
    assert pd.api.types.is_integer_dtype(df["page"])
    assert pd.api.types.is_float_dtype(df["score"])
    assert df["score"].between(0, 1).all()
    assert set(df["status"]) == {"pending"}
    assert not df["stale"].any()
    assert df["candidate_id"].is_unique
    # The quote is found at its offsets in the stored page text.
    pages = {(d, p): t for d, p, t in query(processed, "SELECT doc_id, page_no, text FROM pages")}
    for row in df.itertuples():
        assert pages[(row.doc_id, row.page)][row.char_start:row.char_end] == row.quote
        assert row.quote in row.passage_text


def test_export_is_deterministic_and_sorted(cli, processed, tmp_path):
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    assert cli("export", "--db", processed, "--out", first) == 0
    assert cli("export", "--db", processed, "--out", second) == 0
    assert first.read_bytes() == second.read_bytes()
    df = _read(first)
    keys = ["file", "page", "char_start", "consideration_id", "msi", "candidate_id"]
    assert df[keys].values.tolist() == df.sort_values(keys)[keys].values.tolist()


def test_status_filters(cli, capsys, processed, tmp_path, query):
    ids = [c for (c,) in query(processed, "SELECT candidate_id FROM candidates ORDER BY candidate_id")]
    # candidates without twins (a decision on a twin group covers each of its candidates)
    alone = [c for (c,) in query(processed, "SELECT candidate_id FROM candidates"
                                            f" WHERE {WITHOUT_TWINS} ORDER BY candidate_id")]
    assert len(alone) >= 3
    accepted, rejected, changed_mind = alone[:3]
    assert cli("decide", "--db", processed, accepted, "accept", "--reviewer", "alice") == 0
    assert cli("decide", "--db", processed, rejected, "reject", "--reviewer", "bob") == 0
    assert cli("decide", "--db", processed, changed_mind, "accept", "--reviewer", "bob") == 0
    assert cli("decide", "--db", processed, changed_mind, "reject", "--reviewer", "bob",
               "--msi", "GENERAL", "--polarity", "undermines") == 0
    capsys.readouterr()

    frames = {}
    for status in ("accepted", "rejected", "pending", "stale", "all"):
        out = tmp_path / f"{status}.csv"
        assert cli("export", "--db", processed, "--out", out, "--status", status) == 0
        frames[status] = _read(out)
    assert list(frames["accepted"]["candidate_id"]) == [accepted]
    assert sorted(frames["rejected"]["candidate_id"]) == sorted([rejected, changed_mind])
    assert len(frames["pending"]) == len(ids) - 3
    assert len(frames["stale"]) == 0
    assert len(frames["all"]) == len(ids)
    assert set(frames["pending"]["status"]) == {"pending"}
    corrected = frames["rejected"].set_index("candidate_id").loc[changed_mind]
    assert (corrected["msi"], corrected["polarity"], corrected["reviewer"]) == (
        "GENERAL", "undermines", "bob")
    (proposed,), = query(processed, "SELECT msi FROM candidates WHERE candidate_id = ?",
                         (changed_mind,))
    assert corrected["msi_proposed"] == proposed  # the machine's proposal is kept beside it


def test_unknown_candidate_and_missing_db_are_clear_errors(cli, capsys, processed, tmp_path):
    assert cli("decide", "--db", processed, "no-such-id", "accept") == 2
    assert "no candidate 'no-such-id'" in capsys.readouterr().err
    assert cli("export", "--db", tmp_path / "absent.sqlite", "--out", tmp_path / "x.csv") == 2
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "absent.sqlite").exists()


def test_formula_cells_are_neutralised(cli, run_hashing, tmp_path, write_yaml, small_framework):
    corpus = tmp_path / "hostile"
    corpus.mkdir()
    (corpus / "=cmd.txt").write_text("\n\n".join(FORMULA_PARAGRAPHS) + "\n", encoding="utf-8")
    small_framework["matching"].update(threshold=0.0, min_words=3, budget_per_1000_words=None)
    framework = write_yaml("zero.yaml", small_framework)
    db = tmp_path / "h.sqlite"
    assert run_hashing(corpus, db, "--framework", framework) == 0

    ids = _read_ids(cli, db, tmp_path)
    assert cli("decide", "--db", db, ids[0], "accept", "--reviewer", "@mallory",
               "--note", "=1+2 see cmd|' /C calc'!A0") == 0
    out = tmp_path / "hostile.csv"
    assert cli("export", "--db", db, "--out", out) == 0
    df = _read(out)
    assert len(df) == len(FORMULA_PARAGRAPHS)  # top_k = 1, one passage per paragraph
    assert sorted(df["quote"]) == sorted("'" + p for p in FORMULA_PARAGRAPHS)
    assert sorted(df["passage_text"]) == sorted("'" + p for p in FORMULA_PARAGRAPHS)
    assert set(df["file"]) == {"'=cmd.txt"}
    assert set(df["title"]) == {"'" + FORMULA_PARAGRAPHS[0]}
    decided = df.set_index("candidate_id").loc[ids[0]]
    assert decided["note"] == "'=1+2 see cmd|' /C calc'!A0"
    assert decided["reviewer"] == "'@mallory"
    # Numbers stay numbers (no apostrophe), and cells that merely contain a sign are left alone.
    for column in NUMERIC:
        assert pd.api.types.is_numeric_dtype(df[column]), column
    assert all(not str(v).startswith("'") for v in df["consideration"])
    for text in df.select_dtypes(include=["object", "string"]).stack():
        assert not str(text).startswith(("=", "+", "-", "@", "\t", "\r")), text


def _read_ids(cli, db, tmp_path) -> list[str]:
    out = tmp_path / "ids.csv"
    assert cli("export", "--db", db, "--out", out) == 0
    return list(_read(out)["candidate_id"])


def test_decide_refuses_an_unknown_consideration_with_a_suggestion(cli, capsys, processed, query):
    """The CLI records decisions through the review workspace's writer: an unknown
    consideration is refused with a did-you-mean, and nothing is stored."""
    (candidate, consideration), = query(
        processed, "SELECT candidate_id, consideration_id FROM candidates LIMIT 1")
    typo = consideration[:-1] + ("x" if consideration[-1] != "x" else "y")
    assert cli("decide", "--db", processed, candidate, "reject", "--consideration", typo) == 2
    err = capsys.readouterr().err
    assert f"unknown consideration {typo!r}" in err
    assert f"did you mean {consideration!r}" in err and "nothing was recorded" in err
    assert query(processed, "SELECT COUNT(*) FROM decisions") == [(0,)]
