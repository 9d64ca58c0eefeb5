"""Write report-like PDFs with reportlab: the sample corpus, test fixtures and benchmarks.

Input is plain text with blank-line paragraphs: short lines without final punctuation become
headings, lines starting with a bullet become list items. The layout has a title page, running
page numbers in the footer and, optionally, two columns.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

_BULLET = re.compile(r"^\s*(?:[-*•▪]|\d+[.)])\s+")


def text_blocks(text: str) -> list[tuple[str, str]]:
    """Split text into ("heading" | "bullet" | "para", text) blocks."""
    from pipeline.segment import SegmentSettings, is_heading

    blocks = []
    text = re.sub(r"\*\*|__", "", re.sub(r"^#{1,6}\s+", "", text, flags=re.MULTILINE))
    raw_blocks = []
    for raw in re.split(r"\n\s*\n", text):
        lines = [line for line in raw.splitlines() if line.strip()]
        if len(lines) > 1 and all(_BULLET.match(line) for line in lines):
            raw_blocks.extend(lines)  # a list: one block per item
        else:
            raw_blocks.append(raw)
    for raw in raw_blocks:
        block = " ".join(raw.split())
        if not block:
            continue
        if _BULLET.match(block):
            blocks.append(("bullet", _BULLET.sub("", block)))
        elif is_heading(block, SegmentSettings()):
            blocks.append(("heading", block))
        else:
            blocks.append(("para", block))
    return blocks


def write_report_pdf(out: str | Path, title: str, blocks: list[tuple[str, str]], *,
                     subtitle: str = "", columns: int = 1, page_numbers: bool = True,
                     title_page: bool = True) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Times-Roman",
                          fontSize=10.5, leading=13.5, spaceAfter=8)
    heading = ParagraphStyle("h", parent=styles["Heading2"], fontName="Helvetica-Bold",
                             fontSize=13, leading=16, spaceBefore=10, spaceAfter=8)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4)
    width, height = A4
    margin = 2.2 * cm

    def footer(canvas, doc):
        if page_numbers and doc.page > (1 if title_page else 0):
            canvas.saveState()
            canvas.setFont("Helvetica", 9)
            canvas.drawCentredString(width / 2, 1.2 * cm, str(doc.page - (1 if title_page else 0)))
            canvas.restoreState()

    gap = 0.8 * cm
    col_width = (width - 2 * margin - (columns - 1) * gap) / columns
    frames = [Frame(margin + i * (col_width + gap), margin, col_width, height - 2 * margin,
                    id=f"col{i}") for i in range(columns)]
    doc = BaseDocTemplate(str(out), pagesize=A4, title=title, author="MSI Evidence Miner sample",
                          invariant=True)
    doc.addPageTemplates([
        PageTemplate(id="title", frames=[Frame(margin, margin, width - 2 * margin, height - 2 * margin)]),
        PageTemplate(id="body", frames=frames, onPage=footer),
    ])
    story = []
    if title_page:
        story += [Spacer(1, 6 * cm),
                  Paragraph(escape(title), ParagraphStyle("t", parent=styles["Title"], fontSize=20, leading=26))]
        if subtitle:
            story += [Spacer(1, 1 * cm), Paragraph(escape(subtitle), styles["Normal"])]
        story += [NextPageTemplate("body"), PageBreak()]
    else:
        doc.pageTemplates = doc.pageTemplates[1:]
    for kind, text in blocks:
        if kind == "heading":
            story.append(Paragraph(escape(text), heading))
        elif kind == "bullet":
            story.append(Paragraph(escape(text), bullet, bulletText="•"))
        else:
            story.append(Paragraph(escape(text), body))
    doc.build(story)
    return out
