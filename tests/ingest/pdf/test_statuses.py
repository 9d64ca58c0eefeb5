"""Document statuses for scanned, encrypted, broken and hostile PDFs, and OCR of a scanned page."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from pdf_builders import Layout
from pdf_hostile import decompression_bomb, encrypted, many_text_operations, truncated

from pipeline.ingest import ParseLimits, ingest_file
from pipeline.records import DocStatus
from pipeline.run.isolation import IsolatedParser


def test_scanned_page_makes_the_document_partial(pdf_corpus):
    doc = ingest_file(str(pdf_corpus["scanned"]))
    assert doc.status == DocStatus.PARTIAL
    assert "no text layer on page(s) 2" in doc.message and "--ocr" in doc.message
    assert "Kimberley Process" in doc.pages[0].text and doc.pages[1].text == ""


def test_all_scanned_document_is_empty_text_layer(tmp_path):
    layout = Layout(tmp_path / "scan.pdf", page_numbers=False)
    layout.image_page(["A scanned page of a report"])
    layout.save()
    doc = ingest_file(str(tmp_path / "scan.pdf"))
    assert doc.status == DocStatus.EMPTY_TEXT_LAYER
    assert "--ocr" in doc.message


@pytest.mark.skipif(shutil.which("tesseract") is None,
                    reason="tesseract is not installed (apt-get install tesseract-ocr "
                           "tesseract-ocr-eng; .ci/system-deps.sh does it in CI)")
def test_ocr_recovers_the_scanned_page(pdf_corpus):
    doc = ingest_file(str(pdf_corpus["scanned"]), ParseLimits(ocr=True))
    assert doc.status == DocStatus.OK, doc.message
    words = doc.pages[1].text.lower().split()
    for word in ("forced", "labour", "supplier", "audit"):
        assert any(word in w for w in words), doc.pages[1].text
    assert any("OCR read page(s) 2" in w for w in doc.warnings)


def test_user_password_is_encrypted(pdf_corpus, tmp_path):
    path = encrypted(pdf_corpus["furniture"], tmp_path / "locked.pdf", user="secret")
    doc = ingest_file(str(path))
    assert doc.status == DocStatus.ENCRYPTED
    assert "password" in doc.message and not doc.pages


def test_owner_forbidding_extraction_reads_text_with_a_warning(pdf_corpus, tmp_path):
    path = encrypted(pdf_corpus["furniture"], tmp_path / "no_copy.pdf", user="",
                     forbid_extraction=True)
    doc = ingest_file(str(path))
    assert doc.status == DocStatus.OK
    assert "Kimberley Process" in doc.pages[0].text
    assert any("forbids text extraction" in w for w in doc.warnings)
    plain = ingest_file(str(pdf_corpus["furniture"]))
    assert not any("forbids" in w for w in plain.warnings)


def test_truncated_file_is_a_parse_error_not_a_crash(pdf_corpus, tmp_path):
    path = truncated(pdf_corpus["furniture"], tmp_path / "cut.pdf")
    with IsolatedParser(ParseLimits(timeout_s=30)) as parser:
        doc = parser.parse(str(path), "cut")
    assert doc.status in (DocStatus.PARSE_ERROR, DocStatus.PARTIAL)
    assert doc.message


def test_page_cap_gives_partial(pdf_corpus):
    doc = ingest_file(str(pdf_corpus["furniture"]), ParseLimits(max_pages=3))
    assert doc.status == DocStatus.PARTIAL
    assert len(doc.pages) == 3 and "read 3 of 8 pages" in doc.message


def test_decompression_bomb_hits_the_memory_limit_and_the_worker_is_replaced(pdf_corpus,
                                                                              tmp_path):
    bomb = decompression_bomb(tmp_path / "bomb.pdf", megabytes=600)
    assert bomb.stat().st_size < 100_000
    with IsolatedParser(ParseLimits(timeout_s=60, memory_mb=400)) as parser:
        doc = parser.parse(str(bomb), "bomb")
        assert doc.status == DocStatus.RESOURCE_LIMIT, doc.message
        after = parser.parse(str(pdf_corpus["table"]), "table")
    assert after.status == DocStatus.OK


def test_huge_number_of_text_operations_finishes_or_times_out(tmp_path):
    path = many_text_operations(tmp_path / "ops.pdf")
    with IsolatedParser(ParseLimits(timeout_s=3)) as parser:
        doc = parser.parse(str(path), "ops")
    assert doc.status in (DocStatus.TIMEOUT, DocStatus.OK, DocStatus.RESOURCE_LIMIT)
    if doc.status == DocStatus.TIMEOUT:
        assert "--timeout" in doc.message


def test_a_worker_killed_mid_parse_is_crashed_and_replaced(pdf_corpus, tmp_path):
    path = many_text_operations(tmp_path / "slow.pdf")
    with IsolatedParser(ParseLimits(timeout_s=60)) as parser:
        parser.parse(str(pdf_corpus["table"]), "warm-up")  # the worker is running
        pid = parser._proc.pid
        killer = threading.Timer(0.5, os.kill, (pid, 15))  # SIGTERM: not a memory kill
        killer.start()
        doc = parser.parse(str(path), "slow")
        killer.join()
        assert doc.status == DocStatus.CRASHED, doc.message
        again = parser.parse(str(pdf_corpus["table"]), "table")
        assert again.status == DocStatus.OK and parser._proc.pid != pid
