"""Word files and saved web pages: passages with provenance a reviewer can follow."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from pipeline.ingest import ingest_file
from tests.ingest.conftest import FIXTURES
from tests.ingest.docx_builder import build_report_docx


def test_docx_sections_table_and_footnote(tmp_path):
    doc = ingest_file(str(build_report_docx(tmp_path / "review.docx")))
    assert (doc.kind, doc.status.value, doc.title) == ("docx", "ok", "Review of the Fair Labor Association")
    # No page breaks recorded: each page is a top-level section, labelled by its heading.
    assert [p.label for p in doc.pages] == ["§1 Governance", "§2 Complaints and remediation"]
    first, second = doc.pages
    assert first.text.startswith("Review of the Fair Labor Association\n\nGovernance\n\n")
    # The table: one line per row, each cell with its column header; its span is recorded.
    (start, end), = second.tables
    assert second.text[start:end] == ("Year: 2019; Complaints resolved: 4 of 11\n"
                                      "Year: 2020; Complaints resolved: 3 of 9")
    # The footnote reference stays in the text as [1]; the note closes the section citing it.
    assert "within the deadlines the FLA sets.[1]" in second.text
    assert second.text.endswith("[1] Fair Labor Association, Third Party Complaint Process, "
                                "annual summary of cases.")


def test_docx_with_page_breaks_uses_pages(tmp_path):
    doc = ingest_file(str(build_report_docx(tmp_path / "paged.docx", page_breaks=True)))
    assert [(p.number, p.label) for p in doc.pages] == [(1, None), (2, None)]
    assert "Governance" in doc.pages[0].text and "Complaint outcomes" in doc.pages[1].text


def test_saved_page_keeps_the_article_not_the_chrome(tmp_path):
    doc = ingest_file(str(FIXTURES / "saved_page.html"))
    text = doc.pages[0].text
    assert doc.kind == "html" and doc.title == "EITI board decision | Example NGO"
    assert text.startswith("EITI Board suspends country over civil society restrictions")
    assert "What the validation found" in text
    for chrome in ("About us", "Donate now", "cookies", "Related stories", "newsletter",
                   "Copyright", "Follow us", "var x"):
        assert chrome not in text, chrome
    (start, end), = doc.pages[0].tables
    assert text[start:end].splitlines()[0] == ("Requirement: Civil society engagement; "
                                               "Assessment: Inadequate progress")


def test_mhtml_archive_is_read_like_the_page(tmp_path):
    from email.message import EmailMessage

    html = (FIXTURES / "saved_page.html").read_text(encoding="utf-8")
    message = EmailMessage()
    message["Subject"] = "EITI board decision"
    message["MIME-Version"] = "1.0"
    message.set_content("snapshot")
    message.make_related()
    message.add_related(html, subtype="html", cte="quoted-printable")
    path = tmp_path / "page.mhtml"
    path.write_bytes(bytes(message))
    doc = ingest_file(str(path))
    assert doc.kind == "mhtml" and "Donate now" not in doc.pages[0].text
    assert "The validators concluded" in doc.pages[0].text


def test_word_and_web_files_run_with_provenance(tmp_path, cli, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    build_report_docx(corpus / "review.docx")
    shutil.copy(FIXTURES / "saved_page.html", corpus / "saved_page.html")
    (corpus / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    db = tmp_path / "store.sqlite"
    assert cli("run", corpus, "--db", db, "--model", "hashing", "--no-progress") == 1  # old.doc
    out = capsys.readouterr().out
    assert "save it as .docx" in out
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT d.kind, pg.page_no, pg.label, pg.text, p.char_start, p.char_end, p.text, p.kind"
        " FROM passages p JOIN documents d USING (doc_id)"
        " JOIN pages pg ON pg.doc_id = p.doc_id AND pg.page_no = p.page_no").fetchall()
    kinds = {r[0] for r in rows}
    assert kinds == {"docx", "html"}
    for _kind, _page, _label, page_text, start, end, text, _ in rows:
        assert page_text[start:end] == text  # every passage is exactly where it says it is
    sections = {(label, pkind) for kind, _, label, _, _, _, _, pkind in rows if kind == "docx"}
    assert ("§2 Complaints and remediation", "table") in sections
    assert any(kind == "docx" and text.startswith("[1] Fair Labor Association")
               for kind, *_, text, _pk in rows)
    html_texts = " ".join(r[6] for r in rows if r[0] == "html")
    assert "EITI" in html_texts and "Donate now" not in html_texts
    msis = {m for (m,) in conn.execute("SELECT DISTINCT msi FROM candidates")}
    assert {"FLA", "EITI"} & msis


@pytest.mark.parametrize("label, expected", [("§2 Governance", "review.docx, section 2 Governance"),
                                             ("12", "review.docx, p. 3 (printed 12)")])
def test_report_cites_sections_and_pages(label, expected):
    from pipeline.export.report import cite

    assert cite("review.docx", 3, label) == expected
