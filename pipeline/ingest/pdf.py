"""PDF text extraction: pypdfium2 for text and geometry, pdfplumber for ruled tables only.

One pass over the pages collects each page's physical lines with their boxes
(:mod:`~pipeline.ingest.pdf_layout`); ruled tables found by pdfplumber on pages that have
ruling lines replace the lines they cover (:mod:`~pipeline.ingest.pdf_tables`); pages without a
text layer are counted (and OCRed with ``ocr=True``, :mod:`~pipeline.ingest.ocr`). Then running
headers, footers and page numbers are found across the whole document
(:mod:`~pipeline.ingest.furniture`) and taken out of the text; each page is put in reading
order (column by column) and its lines grouped into paragraphs; line-break hyphens are resolved
with the document's own vocabulary, and the text is normalised (:mod:`~pipeline.ingest.clean`).
Page text is paragraphs separated by blank lines; a table is one block, one row per line, and
its span is listed in ``Page.tables``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.ingest.clean import (
    cid_ratio,
    normalise_text,
    resolve_soft_hyphens,
    soft_hyphen_vocabulary,
    strip_footnote_markers,
)
from pipeline.ingest.furniture import detect_furniture
from pipeline.ingest.pdf_layout import Line, page_lines, paragraphs, reading_order
from pipeline.ingest.pdf_tables import MIN_RULINGS, count_objects, ruled_tables
from pipeline.ingest.pdfium_calls import unchecked
from pipeline.records import DocStatus, Page

LOW_QUALITY_CID_RATIO = 0.05
_EXTRACT_PERMISSION = 1 << 4  # PDF permission bit 5: copy or otherwise extract text


@dataclass
class PdfExtraction:
    pages: list[Page] = field(default_factory=list)
    title: str = ""
    status: DocStatus = DocStatus.OK
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class _RawPage:
    lines: list[Line] = field(default_factory=list)
    height: float = 792.0
    ocr_paragraphs: list[str] | None = None  # text read by OCR (no geometry)
    failed: bool = False
    images: int = 0
    unmapped: tuple[int, int] = (0, 0)  # sampled characters without a Unicode map, sampled


def _open(path: str, result: PdfExtraction):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            result.status = DocStatus.ENCRYPTED
            result.message = ("the PDF needs a password to open; decrypt it "
                              "(qpdf --password=... --decrypt in.pdf out.pdf) and re-run")
        else:
            result.status = DocStatus.PARSE_ERROR
            result.message = f"pdfium could not open the file: {exc}"
        return None


def _read_page(pdf, index: int, ocr: bool, warnings: list[str]) -> _RawPage:
    import pypdfium2 as pdfium

    raw = _RawPage()
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        warnings.append(f"page {index + 1}: {exc}")
        raw.failed = True
        return raw
    try:
        raw.height = page.get_height()
        textpage = page.get_textpage()
        try:
            raw.lines = page_lines(textpage)
            raw.unmapped = _unmapped_chars(textpage)
            objects = count_objects(page)
            raw.images = objects.images
            if raw.lines and objects.rulings >= MIN_RULINGS:
                _take_tables(raw, pdf, index, textpage, warnings)
        finally:
            textpage.close()
        if not raw.lines and ocr and objects.images:
            from pipeline.ingest.ocr import ocr_page

            try:
                raw.ocr_paragraphs = ocr_page(page)
            except Exception as exc:  # tesseract missing, failing or too slow
                warnings.append(f"page {index + 1}: OCR failed: {exc}")
    except pdfium.PdfiumError as exc:
        warnings.append(f"page {index + 1}: {exc}")
        raw.failed = True
    finally:
        page.close()
    return raw


def _unmapped_chars(textpage, sample: int = 64) -> tuple[int, int]:
    """(characters without a Unicode map, characters checked), sampling up to ``sample`` of the
    page's characters: pdfium shows glyph ids of such fonts as arbitrary code points, not as
    ``(cid:NNN)``, so the text looks like text but is noise."""
    import pypdfium2.raw as pdfium_c

    n_chars = textpage.count_chars()
    if n_chars <= 0:
        return 0, 0
    indices = range(0, n_chars, max(1, n_chars // sample))
    has_error, raw = unchecked(pdfium_c.FPDFText_HasUnicodeMapError), textpage.raw
    bad = sum(1 for i in indices if has_error(raw, i) == 1)
    return bad, len(indices)


def _take_tables(raw: _RawPage, pdf, index: int, textpage, warnings: list[str]) -> None:
    """Replace the lines inside each ruled table by one table line carrying its rows."""
    try:
        tables = ruled_tables(pdf, index, textpage)
    except Exception as exc:  # pdfminer failing on one page must not lose the page's text
        warnings.append(f"page {index + 1}: table extraction failed: {type(exc).__name__}: {exc}")
        return
    if not tables:
        return
    kept = [line for line in raw.lines
            if not any(t.contains(line.x0, line.bottom, line.x1, line.top) for t in tables)]
    for t in tables:
        # In stream order, put the table after the last line above it that shares its
        # horizontal range (a generator may draw the table before or after the text around it).
        above = [k for k, line in enumerate(kept)
                 if line.bottom > t.top and line.x0 < t.x1 and t.x0 < line.x1]
        at = above[-1] + 1 if above else 0
        kept.insert(at, Line("", t.x0, t.x1, t.bottom, t.top, kind="table", payload=t.rows))
    raw.lines = kept


def extract_pdf(path: str, max_pages: int, *, ocr: bool = False) -> PdfExtraction:
    """Extract cleaned page texts. File-level problems become a status, not an exception."""
    import pypdfium2.raw as pdfium_c

    result = PdfExtraction()
    pdf = _open(path, result)
    if pdf is None:
        return result
    try:
        result.title = (pdf.get_metadata_value("Title") or "").strip()
        permissions = pdfium_c.FPDF_GetDocPermissions(pdf.raw) & 0xFFFFFFFF
        if permissions != 0xFFFFFFFF and not permissions & _EXTRACT_PERMISSION:
            result.warnings.append(
                "the PDF's owner forbids text extraction (permission flag); the text was read "
                "for analysis: check the rights before publishing quotes")
        n_pages = len(pdf)
        if n_pages > max_pages:
            result.warnings.append(f"page cap hit: read {max_pages} of {n_pages} pages")
        raws = [_read_page(pdf, i, ocr, result.warnings)
                for i in range(min(n_pages, max_pages))]
        result.pages = _build_pages(raws)
        _set_status(result, raws, n_pages, max_pages, ocr)
    finally:
        pdf.close()
    return result


def _build_pages(raws: list[_RawPage]) -> list[Page]:
    furniture = detect_furniture([r.lines for r in raws], [r.height for r in raws])
    laid_out: list[list[tuple[str, str]]] = []  # per page: (kind, raw text)
    for raw, found in zip(raws, furniture, strict=False):
        if raw.ocr_paragraphs is not None:
            laid_out.append([("text", p) for p in raw.ocr_paragraphs])
            continue
        body = [line for i, line in enumerate(raw.lines) if i not in found.removed]
        blocks = []
        for text, first in paragraphs(reading_order(body)):
            if first.kind == "table":
                blocks.append(("table", "\n".join(first.payload)))
            else:
                blocks.append(("text", text))
        laid_out.append(blocks)
    vocabulary = soft_hyphen_vocabulary(text for blocks in laid_out for _, text in blocks)
    pages = []
    for number, (blocks, found) in enumerate(zip(laid_out, furniture, strict=False), start=1):
        parts: list[str] = []
        tables: list[tuple[int, int]] = []
        offset = 0
        for kind, text in blocks:
            if kind == "table":
                clean = "\n".join(normalise_text(row) for row in text.split("\n"))
            else:
                if "\ufffe" in text:
                    text = resolve_soft_hyphens(text, vocabulary)
                clean = strip_footnote_markers(normalise_text(text).replace("\n", " "))
            if not clean.strip():
                continue
            if parts:
                offset += 2
            if kind == "table":
                tables.append((offset, offset + len(clean)))
            parts.append(clean)
            offset += len(clean)
        furniture_text = tuple(normalise_text(t) for t in found.texts)
        pages.append(Page(number=number, text="\n\n".join(parts), label=found.label,
                          furniture=furniture_text, tables=tuple(tables)))
    return pages


def _set_status(result: PdfExtraction, raws: list[_RawPage], n_pages: int, max_pages: int,
                ocr: bool) -> None:
    full = "\n".join(p.text for p in result.pages)
    ratio = cid_ratio(full)
    if ratio > LOW_QUALITY_CID_RATIO:
        result.warnings.append(f"low quality: {ratio:.0%} of characters are (cid:NNN) glyph codes "
                               "(fonts without a Unicode map); OCR may read it better (--ocr)")
    unmapped, sampled = (sum(r.unmapped[i] for r in raws) for i in (0, 1))
    if sampled and unmapped / sampled > LOW_QUALITY_CID_RATIO:
        result.warnings.append(f"low quality: {unmapped / sampled:.0%} of characters come from "
                               "fonts without a Unicode map (glyph codes, not text); OCR may "
                               "read it better (--ocr)")
    ocred = [p.number for p, r in zip(result.pages, raws, strict=False) if r.ocr_paragraphs and p.text]
    if ocred:
        result.warnings.append(f"OCR read page(s) {_ranges(ocred)}")
    failed = [p.number for p, r in zip(result.pages, raws, strict=False) if r.failed]
    # A page with no text at all: scanned when it shows an image; a blank page otherwise.
    textless = [p.number for p, r in zip(result.pages, raws, strict=False)
                if not r.failed and not p.text and not r.lines]
    empty = [n for n in textless if raws[n - 1].images]
    read = len(result.pages)
    hint = "" if ocr else "; re-run with --ocr"
    if read and len(textless) == read:
        result.status = DocStatus.EMPTY_TEXT_LAYER
        result.message = f"no text layer on any of {read} page(s): scanned?{hint}"
    elif empty or failed or n_pages > max_pages:
        result.status = DocStatus.PARTIAL
        parts = []
        if empty:
            parts.append(f"no text layer on page(s) {_ranges(empty)}{hint}")
        if failed:
            parts.append(f"could not read page(s) {_ranges(failed)}")
        if n_pages > max_pages:
            parts.append(f"page cap: read {max_pages} of {n_pages} pages (--max-pages)")
        result.message = "; ".join(parts)
    elif read == 0:
        result.status = DocStatus.UNSUPPORTED
        result.message = "the PDF has no pages"


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
