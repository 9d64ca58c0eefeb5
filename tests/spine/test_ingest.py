"""Ingest: encodings, Markdown, HTML, dispatch on content, and every failed-file status."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.ingest import ingest_file, sha256_file
from pipeline.records import DocStatus

REPO = Path(__file__).resolve().parents[2]
SAMPLE_PDF = REPO / "corpus" / "iom_crest_final_evaluation_brief.pdf"
SAMPLE_TXT = REPO / "corpus" / "iom_crest_final_evaluation_brief.txt"

LATIN1_TEXT = (
    "La société civile a présenté un rapport détaillé sur la traçabilité des diamants.\n\n"
    "Les représentants des travailleurs ont exigé une réforme du mécanisme de plainte, "
    "car les ouvrières migrantes n'ont reçu aucune réparation. Ça suffit, déclare-t-elle.\n"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _only_page(doc) -> str:
    assert doc.status == DocStatus.OK, doc.message
    assert len(doc.pages) == 1
    return doc.pages[0].text


def test_utf8_text_is_one_page_with_sha256_id(tmp_path):
    path = _write(tmp_path, "a.txt", "Forced labour in the “supply chain” – naïve café.\n".encode())
    doc = ingest_file(str(path))
    assert _only_page(doc) == "Forced labour in the “supply chain” – naïve café."
    assert doc.kind == "text"
    assert doc.doc_id == sha256_file(path)


def test_latin1_text_is_decoded(tmp_path):
    doc = ingest_file(str(_write(tmp_path, "fr.txt", LATIN1_TEXT.encode("latin-1"))))
    text = _only_page(doc)
    assert "société civile" in text and "réparation" in text and "Ça suffit" in text
    assert "\ufffd" not in text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path, encoding):
    data = LATIN1_TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = _only_page(ingest_file(str(_write(tmp_path, "u16.txt", data))))
    assert text.startswith("La société civile")
    assert "\x00" not in text and "\ufeff" not in text


def test_nul_bytes_are_dropped_not_fatal(tmp_path):
    data = b"Workers\x00 were\x00 recruited through brokers.\n\nThe fees were high.\x00\n"
    text = _only_page(ingest_file(str(_write(tmp_path, "nul.txt", data))))
    assert "\x00" not in text
    assert text == "Workers were recruited through brokers.\n\nThe fees were high."


def test_undecodable_bytes_are_replaced_not_fatal(tmp_path):
    data = b"Valid text about the Kimberley Process and its reviews.\n" * 5 + b"\xff\xfe\xfa"
    doc = ingest_file(str(_write(tmp_path, "bad.txt", data)))
    assert doc.status == DocStatus.OK
    assert "Kimberley Process" in doc.pages[0].text


def test_markdown_markers_are_removed(tmp_path):
    md = ("# The Kimberley Process\n\n"
          "The **certification scheme** was created in 2003.\n\n"
          "- first point about diamonds\n"
          "- second point about miners\n")
    doc = ingest_file(str(_write(tmp_path, "notes.md", md.encode())))
    text = _only_page(doc)
    assert doc.kind == "markdown"
    assert text.startswith("The Kimberley Process\n\nThe certification scheme was created")
    assert "#" not in text and "**" not in text
    assert "\u2022 first point about diamonds" in text
    assert doc.title == "The Kimberley Process"


def test_html_visible_text_only(tmp_path):
    html = (b"<!DOCTYPE html><html><head><title>Audit &amp; Review</title>"
            b"<style>body { color: red } .secret-style {}</style>"
            b"<script>var secretScript = 'alert(1)';</script></head><body>"
            b"<h1>Fair Labor Association</h1>"
            b"<p>Workers &amp; unions said the audit was &quot;weak&quot; &mdash; caf&eacute;s too.</p>"
            b"<noscript>enable javascript</noscript>"
            b"<script>document.write('injected')</script>"
            b"<p>Second paragraph.</p></body></html>")
    doc = ingest_file(str(_write(tmp_path, "page.html", html)))
    text = _only_page(doc)
    assert doc.kind == "html"
    assert doc.title == "Audit & Review"
    assert 'Workers & unions said the audit was "weak" — cafés too.' in text
    assert text.split("\n\n") == ["Fair Labor Association",
                                  'Workers & unions said the audit was "weak" — cafés too.',
                                  "Second paragraph."]
    for hidden in ("secret", "alert", "injected", "color", "javascript"):
        assert hidden not in text


def test_pdf_named_txt_is_read_as_pdf(tmp_path):
    path = tmp_path / "actually_a_pdf.txt"
    shutil.copy(SAMPLE_PDF, path)
    doc = ingest_file(str(path))
    assert doc.kind == "pdf"
    assert doc.status == DocStatus.OK
    assert len(doc.pages) > 1
    assert "%PDF" not in doc.pages[0].text


def test_text_named_pdf_is_read_as_text(tmp_path):
    path = tmp_path / "actually_text.pdf"
    shutil.copy(SAMPLE_TXT, path)
    doc = ingest_file(str(path))
    assert doc.kind in ("text", "markdown")
    assert doc.status == DocStatus.OK
    assert "CREST" in doc.pages[0].text


def test_empty_file_is_unsupported(tmp_path):
    doc = ingest_file(str(_write(tmp_path, "empty.txt", b"")))
    assert doc.status == DocStatus.UNSUPPORTED
    assert "empty" in doc.message
    assert doc.pages == ()


def test_binary_file_is_unsupported(tmp_path):
    doc = ingest_file(str(_write(tmp_path, "blob.txt", b"\x00\x01\x02\x03" * 500)))
    assert doc.status == DocStatus.UNSUPPORTED


def test_random_bytes_after_pdf_header_is_parse_error(tmp_path):
    data = b"%PDF-1.7\n" + os.urandom(4096)
    doc = ingest_file(str(_write(tmp_path, "random.pdf", data)))
    assert doc.status == DocStatus.PARSE_ERROR
    assert doc.message


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_pdf_gets_a_failed_status(tmp_path, fraction):
    data = SAMPLE_PDF.read_bytes()
    doc = ingest_file(str(_write(tmp_path, "truncated.pdf", data[: int(len(data) * fraction)])))
    assert doc.status in (DocStatus.PARSE_ERROR, DocStatus.PARTIAL)
    assert doc.message


def test_encrypted_pdf_with_user_password(tmp_path):
    pikepdf = pytest.importorskip("pikepdf")
    out = tmp_path / "locked.pdf"
    with pikepdf.open(SAMPLE_PDF) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner-secret", R=6))
    doc = ingest_file(str(out))
    assert doc.status == DocStatus.ENCRYPTED
    assert "password" in doc.message
    assert doc.pages == ()


def test_image_only_page_has_empty_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    out = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(out))
    for _ in range(2):
        c.setFillGray(0.3)
        c.rect(72, 72, 400, 600, fill=1)  # a "scanned" page: graphics only, no text
        c.showPage()
    c.save()
    doc = ingest_file(str(out))
    assert doc.status == DocStatus.EMPTY_TEXT_LAYER
    assert "OCR" in doc.message or "scanned" in doc.message
    assert [p.text for p in doc.pages] == ["", ""]


def test_pdf_pages_are_physical_and_labelled():
    doc = ingest_file(str(SAMPLE_PDF))
    assert doc.status == DocStatus.OK
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    # The generated PDFs print page numbers in the footer (not on the title page); they become
    # labels and are removed from the page text.
    # The title page is unnumbered, so page n prints "n - 1".
    assert doc.pages[0].label is None
    assert [p.label for p in doc.pages[1:]] == [str(p.number - 1) for p in doc.pages[1:]]
    for page in doc.pages[1:]:
        assert page.text.split("\n")[-1].strip() != page.label
