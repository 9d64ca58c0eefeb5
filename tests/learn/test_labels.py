"""Labels point at sentences by offsets and a hash; the loader re-reads and checks the text."""

from __future__ import annotations

import pytest

from pipeline.learn.labels import (
    LABEL_COLUMNS,
    LabelError,
    SentenceLabel,
    heldout_split,
    labels_from_quotes,
    locate,
    read_labels,
    sentence_hash,
    verify,
    write_rows,
)
from tests.learn.conftest import EVIDENCE, write_tiny_corpus


def test_locate_finds_exact_and_whitespace_variant_quotes():
    pages = {1: "Title\n\nThe Scheme  has no\nindependent monitoring. Other text.", 2: "More."}
    assert locate("Other text.", pages) == (1, 50, 61)
    page, start, end = locate("The Scheme has no independent monitoring.", pages)
    assert page == 1 and pages[1][start:end] == "The Scheme  has no\nindependent monitoring."
    assert locate("Not in the text.", pages) is None


def test_labels_from_quotes_round_trip_and_report_missing_quotes(tmp_path):
    corpus = tmp_path / "corpus"
    names = write_tiny_corpus(corpus)
    rows = [{"file": names[0], "quote": EVIDENCE[0], "msi": "RSPO",
             "reference_point": "reporting_validation",
             "consideration": "reporting_validation.validation_system", "polarity": "undermines"},
            {"file": names[1], "quote": "A sentence nobody wrote.", "msi": "FSC",
             "reference_point": "participation", "consideration": "", "polarity": "neutral"}]
    labels, missing = labels_from_quotes(rows, corpus, {})
    assert len(labels) == 1 and len(missing) == 1 and "nobody wrote" in missing[0]
    out = tmp_path / "labels.csv"
    write_rows(out, LABEL_COLUMNS, labels)
    assert EVIDENCE[0] not in out.read_text()  # no text is committed, only offsets and a hash
    assert read_labels(out) == labels


def test_verify_reports_a_label_whose_text_changed():
    label = SentenceLabel("a.txt", 1, 0, 10, sentence_hash("The Scheme"), "KPCS",
                          "participation", "", "supports")
    assert verify([label], {"a.txt": {1: "The Scheme is"}}) == []
    problems = verify([label], {"a.txt": {1: "The Schema is"}})
    assert len(problems) == 1 and "changed" in problems[0]
    assert "no such page" in verify([label], {"a.txt": {2: "x"}})[0]


def test_bad_polarity_and_missing_file_are_clear_errors(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(",".join(LABEL_COLUMNS) + "\na.txt,1,0,3,abc,KPCS,participation,,great\n")
    with pytest.raises(LabelError, match="polarity"):
        read_labels(path)
    with pytest.raises(LabelError, match="no label file"):
        read_labels(tmp_path / "absent.csv")


def test_heldout_split_is_a_fixed_function_of_the_path():
    assert heldout_split("docs/01_beyondintractability_kimberley_process_case_study.txt") == \
        "heldout"
    assert heldout_split("docs/03_fla_transparency_catalyzing_change.txt") == "cv"
