"""Segment: exact offsets, headings as their own passages, stable ids, sentence spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import ingest_file
from pipeline.records import Document, Page
from pipeline.segment import SegmentSettings, segment_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SAMPLES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".pdf"))


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {name: ingest_file(str(CORPUS / name)) for name in SAMPLES}


def test_both_sample_reports_in_both_formats():
    assert len(SAMPLES) == 4
    assert {Path(n).suffix for n in SAMPLES} == {".txt", ".pdf"}


def _from_pages(passage, pages) -> str:
    """The passage text rebuilt from its page offsets. A passage that crosses a page break is
    its part on ``page``, one space, and its part on ``page_end`` (see records.Passage)."""
    text = pages[passage.page].text[passage.char_start:passage.char_end]
    if getattr(passage, "page_end", None) is not None:
        assert passage.page_end == passage.page + 1
        following = pages[passage.page_end].text
        text += " " + following[passage.page_end_char_start:passage.page_end_char_end]
    return text


def _end(passage) -> tuple[int, int]:
    if getattr(passage, "page_end", None) is not None:
        return passage.page_end, passage.page_end_char_end
    return passage.page, passage.char_end


@pytest.mark.parametrize("name", SAMPLES)
def test_page_text_slices_equal_passage_text(documents, name):
    doc = documents[name]
    pages = {p.number: p for p in doc.pages}
    passages = segment_document(doc)
    assert len(passages) > 20
    for passage in passages:
        assert _from_pages(passage, pages) == passage.text
        assert passage.text == passage.text.strip() and passage.text
        assert passage.doc_id == doc.doc_id
    assert [p.seq for p in passages] == list(range(len(passages)))
    # Passages are in reading order and do not overlap.
    for a, b in zip(passages, passages[1:], strict=False):
        assert _end(a) <= (b.page, b.char_start)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_word_of_the_document_is_in_a_passage(documents, name):
    doc = documents[name]
    passages = segment_document(doc)
    assert "".join("".join(p.text.split()) for p in doc.pages) == "".join(
        "".join(p.text.split()) for p in passages)


@pytest.mark.parametrize("name", SAMPLES)
def test_sentence_spans_lie_inside_the_passage(documents, name):
    for passage in segment_document(documents[name]):
        assert passage.sentences
        previous_end = 0
        for start, end in passage.sentences:
            assert previous_end <= start < end <= len(passage.text)
            sentence = passage.text[start:end]
            assert sentence == sentence.strip()
            previous_end = end


@pytest.mark.parametrize("name", SAMPLES)
def test_passage_ids_are_stable_across_calls(documents, name):
    first = segment_document(documents[name])
    again = segment_document(ingest_file(str(CORPUS / name)))
    assert [p.passage_id for p in first] == [p.passage_id for p in again]
    assert len({p.passage_id for p in first}) == len(first)


def test_passages_stay_within_size_and_blocks(documents):
    settings = SegmentSettings()
    for doc in documents.values():
        for passage in segment_document(doc, settings):
            if passage.kind == "body" and len(passage.sentences) > 1:
                assert passage.n_words <= settings.max_words
            assert "\n\n" not in passage.text  # never crosses a paragraph break


def test_headings_are_own_passages_and_give_section_context():
    text = ("Governance and Participation\n\n"
            "The board of the initiative includes companies, unions and civil society groups. "
            "Each group has four seats and a veto over changes to the standard.\n\n"
            "Workers interviewed by the evaluators did not know that the board existed.\n\n"
            "REMEDY\n\n"
            "No worker who filed a complaint received compensation during the review period.")
    doc = Document("d" * 64, "mem.txt", "text", "t", (Page(1, text),))
    passages = segment_document(doc)
    kinds = [(p.kind, p.text.split()[0]) for p in passages]
    assert kinds == [("heading", "Governance"), ("body", "The"), ("body", "Workers"),
                     ("heading", "REMEDY"), ("body", "No")]
    assert passages[0].section is None
    assert passages[1].section == passages[2].section == "Governance and Participation"
    assert passages[4].section == "REMEDY"
    body = passages[1]
    assert [body.text[s:e] for s, e in body.sentences] == [
        "The board of the initiative includes companies, unions and civil society groups.",
        "Each group has four seats and a veto over changes to the standard."]


def test_sample_documents_have_headings_with_sections(documents):
    doc = documents["iom_crest_final_evaluation_brief.txt"]
    passages = segment_document(doc)
    headings = [p for p in passages if p.kind == "heading"]
    assert len(headings) >= 5
    for i, passage in enumerate(passages):
        if passage.kind == "heading" and i + 1 < len(passages) and passages[i + 1].kind == "body":
            assert passages[i + 1].section == " ".join(passage.text.split())


_HIDE_TORCH = """
import sys, threading
from pipeline.segment import import_spacy_without_torch, sentencizer
{before}
import_spacy_without_torch()
import thinc.compat
print('torch' in sys.modules, thinc.compat.has_torch)
print(len(list(sentencizer()('One sentence. Two sentences here.').sents)))
import torch  # visible again afterwards
print(torch.ones(2).sum().item())
"""


def test_spacy_imports_without_torch_and_torch_still_imports_after():
    import subprocess
    import sys

    code = _HIDE_TORCH.format(before="")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "2", "2.0"]


def test_hiding_torch_never_breaks_another_threads_import():
    """Only the importing thread is denied torch: a thread importing torch meanwhile gets it."""
    import subprocess
    import sys

    before = ("result = []\n"
              "def load():\n"
              "    import torch\n"
              "    result.append(torch.__name__)\n"
              "t = threading.Thread(target=load); t.start()")
    code = _HIDE_TORCH.format(before=before) + "t.join(); print(result)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "['torch']"
