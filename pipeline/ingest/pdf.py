"""PDF text extraction with pypdfium2: page by page, paragraphs rebuilt from line geometry.

pdfium gives text in content-stream order with ``\\r\\n`` between lines and U+FFFE where a word
was hyphenated at a line break. We look at the box of each line's first character to find
paragraph breaks (a vertical gap larger than the page's usual leading, a jump back up the page,
or a change of font height), join lines within a paragraph, and drop bare page-number lines at
the top or bottom of a page, keeping them as the page's printed label.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from pipeline.ingest.clean import cid_ratio, normalise_text
from pipeline.records import DocStatus, Page

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?([0-9]{1,4}|[ivxlcdm]{1,7})(?:\s+of\s+\d+)?$", re.IGNORECASE)
LOW_QUALITY_CID_RATIO = 0.05


@dataclass
class PdfExtraction:
    pages: list[Page] = field(default_factory=list)
    title: str = ""
    status: DocStatus = DocStatus.OK
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    left: float

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 0.1)


def _page_lines(textpage) -> list[_Line]:
    n_chars = textpage.count_chars()
    if n_chars <= 0:
        return []
    text = textpage.get_text_range(0, n_chars)
    lines: list[_Line] = []
    index = 0
    for raw in text.split("\r\n"):
        start = index
        index += len(raw) + 2
        stripped = raw.strip()
        if not stripped:
            continue
        first = start + (len(raw) - len(raw.lstrip()))
        try:
            left, bottom, right, top = textpage.get_charbox(min(first, n_chars - 1), loose=True)
        except Exception:  # pdfium gives no box for generated characters
            left = bottom = top = 0.0
        lines.append(_Line(raw.rstrip(" "), top, bottom, left))
    return lines


def _paragraphs(lines: list[_Line]) -> list[str]:
    if not lines:
        return []
    # Line pitch (baseline to baseline) inside a paragraph is the page's most common pitch.
    pitches = [round(a.bottom - b.bottom, 1) for a, b in zip(lines, lines[1:]) if a.bottom > b.bottom]
    usual_pitch = statistics.median(pitches) if pitches else 0.0
    paragraphs: list[list[str]] = [[lines[0].text]]
    for prev, cur in zip(lines, lines[1:]):
        pitch = prev.bottom - cur.bottom
        height = max(prev.height, cur.height)
        new_paragraph = (
            pitch > max(usual_pitch * 1.25, usual_pitch + 0.3 * height)  # blank space between blocks
            or pitch <= 0  # same line or jumped back up the page: next column or box
            or abs(cur.height - prev.height) > 0.15 * height  # font size changed: heading
        )
        if new_paragraph:
            paragraphs.append([cur.text])
        else:
            paragraphs[-1].append(cur.text)
    out = []
    for para in paragraphs:
        joined = ""
        for line in para:
            if joined.endswith("\ufffe"):
                joined = joined[:-1] + line.lstrip()
            elif joined:
                joined += " " + line.lstrip()
            else:
                joined = line
        out.append(joined)
    return out


def _split_page_label(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """Remove a bare page-number paragraph at the end (or start) of the page; return it as label."""
    label = None
    for position in (-1, 0):
        if paragraphs and (m := _PAGE_NUMBER.match(paragraphs[position].strip())):
            label = m.group(1)
            paragraphs = paragraphs[:-1] if position == -1 else paragraphs[1:]
            break
    return paragraphs, label


def extract_pdf(path: str, max_pages: int) -> PdfExtraction:
    """Extract cleaned page texts. File-level problems become a status, not an exception."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    result = PdfExtraction()
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            result.status = DocStatus.ENCRYPTED
            result.message = "the PDF needs a password to open; decrypt it (e.g. qpdf --decrypt) and re-run"
        else:
            result.status = DocStatus.PARSE_ERROR
            result.message = f"pdfium could not open the file: {exc}"
        return result
    try:
        result.title = (pdf.get_metadata_value("Title") or "").strip()
        n_pages = len(pdf)
        if n_pages > max_pages:
            result.warnings.append(f"page cap hit: read {max_pages} of {n_pages} pages")
        empty_pages = []
        failed_pages = []
        for index in range(min(n_pages, max_pages)):
            try:
                page = pdf.get_page(index)
                textpage = page.get_textpage()
                paragraphs, label = _split_page_label(_paragraphs(_page_lines(textpage)))
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                failed_pages.append(index + 1)
                result.warnings.append(f"page {index + 1}: {exc}")
                paragraphs, label = [], None
            text = normalise_text("\n\n".join(paragraphs))
            if not text and index + 1 not in failed_pages:
                empty_pages.append(index + 1)
            result.pages.append(Page(number=index + 1, text=text, label=label))
        full = "\n".join(p.text for p in result.pages)
        ratio = cid_ratio(full)
        if ratio > LOW_QUALITY_CID_RATIO:
            result.warnings.append(f"low quality: {ratio:.0%} of characters are (cid:NNN) glyph codes")
        read = len(result.pages)
        if read and len(empty_pages) == read:
            result.status = DocStatus.EMPTY_TEXT_LAYER
            result.message = f"no text layer on any of {read} page(s): scanned? re-run with --ocr"
        elif empty_pages or failed_pages or n_pages > max_pages:
            result.status = DocStatus.PARTIAL
            parts = []
            if empty_pages:
                parts.append(f"no text layer on page(s) {_ranges(empty_pages)}")
            if failed_pages:
                parts.append(f"could not read page(s) {_ranges(failed_pages)}")
            if n_pages > max_pages:
                parts.append(f"page cap: read {max_pages} of {n_pages} pages")
            result.message = "; ".join(parts)
        elif read == 0:
            result.status = DocStatus.UNSUPPORTED
            result.message = "the PDF has no pages"
    finally:
        pdf.close()
    return result


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(spans)
