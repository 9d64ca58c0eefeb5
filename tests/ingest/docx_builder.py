"""Build real .docx files with python-docx for the format tests (headings, a table, footnotes).

python-docx writes no footnotes part, so ``add_footnote`` adds ``word/footnotes.xml`` and its
relationship the way Word does, and puts a ``w:footnoteReference`` run in the paragraph.
"""

from __future__ import annotations

from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _footnotes_xml(notes: dict[int, str]) -> bytes:
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve">'
        f' {text}</w:t></w:r></w:p></w:footnote>' for n, text in notes.items())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W_NS}">'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f'</w:r></w:p></w:footnote>{body}</w:footnotes>').encode()


def add_footnote_reference(paragraph, note_id: int) -> None:
    run = paragraph.add_run()
    ref = parse_xml(f'<w:footnoteReference xmlns:w="{W_NS}" w:id="{note_id}"/>')
    run._r.append(ref)


def attach_footnotes(document, notes: dict[int, str]) -> None:
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, _footnotes_xml(notes),
                document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def build_report_docx(path: Path, page_breaks: bool = False) -> Path:
    """A short evaluation report: title, two Heading 1 sections (one with a Heading 2), a
    table with a header row, and a footnote referenced from the second section."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Review of the Fair Labor Association"
    document.add_heading("Review of the Fair Labor Association", level=0)
    document.add_heading("Governance", level=1)
    document.add_paragraph(
        "The Fair Labor Association (FLA) is governed by a board on which companies, "
        "universities and civil society organisations hold an equal number of seats. Critics "
        "argue that company members still dominate the decisions on standards and audits.")
    if page_breaks:
        document.add_page_break()
    document.add_heading("Complaints and remediation", level=1)
    complaint = document.add_paragraph(
        "Workers can file a third party complaint with the FLA when a member company's "
        "supplier breaches the Workplace Code of Conduct. Few complaints led to remediation "
        "within the deadlines the FLA sets.")
    add_footnote_reference(complaint, 1)
    document.add_heading("Complaint outcomes", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (a, b) in zip(table.rows, [("Year", "Complaints resolved"),
                                         ("2019", "4 of 11"), ("2020", "3 of 9")], strict=True):
        row.cells[0].text, row.cells[1].text = a, b
    document.add_paragraph(
        "The association reported that remediation plans were monitored by independent "
        "assessors, but workers were rarely told of the outcome.")
    attach_footnotes(document, {1: "Fair Labor Association, Third Party Complaint Process, "
                                   "annual summary of cases."})
    document.save(path)
    return path


def has_qn(element, tag: str) -> bool:
    return element.find(".//" + qn(tag)) is not None
