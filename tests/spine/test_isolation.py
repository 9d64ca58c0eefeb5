"""The isolated parser: a document over the time limit gets TIMEOUT and the next one still parses."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest import ParseLimits, sha256_file
from pipeline.records import DocStatus
from pipeline.run.isolation import IsolatedParser

REPO = Path(__file__).resolve().parents[2]
SAMPLE_PDF = REPO / "corpus" / "iom_crest_final_evaluation_brief.pdf"
SAMPLE_TXT = REPO / "corpus" / "iom_crest_final_evaluation_brief.txt"


def test_timeout_then_next_document_parses():
    with IsolatedParser(ParseLimits(timeout_s=0.001)) as parser:
        doc = parser.parse(str(SAMPLE_PDF), sha256_file(SAMPLE_PDF))
        assert doc.status == DocStatus.TIMEOUT
        assert doc.error_class == "TimeoutError"
        assert "--timeout" in doc.message
        assert doc.pages == ()
        assert doc.doc_id == sha256_file(SAMPLE_PDF)

        # The hung worker was killed; with a sane limit the same parser starts a fresh one.
        parser.limits = ParseLimits(timeout_s=60)
        first = parser.parse(str(SAMPLE_PDF), sha256_file(SAMPLE_PDF))
        assert first.status == DocStatus.OK
        assert first.kind == "pdf" and len(first.pages) > 1
        worker = parser._proc.pid
        second = parser.parse(str(SAMPLE_TXT), sha256_file(SAMPLE_TXT))
        assert second.status == DocStatus.OK
        assert parser._proc.pid == worker  # the worker is reused between good documents


def test_worker_errors_come_back_as_data(tmp_path):
    missing = tmp_path / "gone.txt"
    with IsolatedParser(ParseLimits(timeout_s=60)) as parser:
        doc = parser.parse(str(missing), "0" * 64)  # vanished between discovery and parsing
        assert doc.status == DocStatus.PARSE_ERROR
        assert doc.error_class == "FileNotFoundError"
        ok = parser.parse(str(SAMPLE_TXT), sha256_file(SAMPLE_TXT))
        assert ok.status == DocStatus.OK
