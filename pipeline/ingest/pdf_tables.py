"""Ruled tables: found with pdfplumber, only on pages whose drawing has enough ruling lines.

pdfplumber (pdfminer) is about a hundred times slower than pdfium, mostly because it builds an
object for every character. So a page goes to it only when pdfium's page objects show at least
``MIN_RULINGS`` thin horizontal or vertical paths (a cheap count), and then only a copy of the
page with its text and images removed (made with pdfium): pdfplumber finds the table grid from
the ruling lines (``find_tables``, its default "lines" strategy), and each cell's text is read
by pdfium inside the cell's box. That is ~30 ms instead of ~200 ms per table page.

Each table becomes a block of rows, one row per line, each cell prefixed by its column header
(``Header: cell; Header: cell``), so that a passage built from it keeps a row together. The
table's box is returned too, so the caller can take the table's characters out of the body.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from pipeline.ingest.pdfium_calls import Handle, unchecked

MIN_RULINGS = 4
_THIN = 3.0  # points: a path this thin in one direction is a ruling line


@dataclass(frozen=True)
class PageObjects:
    rulings: int  # thin horizontal/vertical path objects
    images: int


def count_objects(page) -> PageObjects:
    """Count ruling-like path objects and image objects among a pdfium page's top-level objects."""
    import pypdfium2.raw as pdfium_c

    raw = page.raw
    rulings = images = 0
    # Unchecked calls and output pointers made once: a text page has an object per line or so.
    get_object = unchecked(pdfium_c.FPDFPage_GetObject, Handle)
    get_type = unchecked(pdfium_c.FPDFPageObj_GetType)
    get_bounds = unchecked(pdfium_c.FPDFPageObj_GetBounds)
    count_segments = unchecked(pdfium_c.FPDFPath_CountSegments)
    image_kind, path_kind = pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH
    left, bottom, right, top = box = [ctypes.c_float() for _ in range(4)]
    out = [ctypes.byref(v) for v in box]
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = get_object(raw, i)
        if not obj:
            continue
        kind = get_type(obj)
        if kind == image_kind:
            images += 1
        elif kind == path_kind and get_bounds(obj, *out):
            width, height = right.value - left.value, top.value - bottom.value
            if (width <= _THIN < height) or (height <= _THIN < width):
                rulings += 1
            elif width > _THIN and height > _THIN and count_segments(obj) >= 4:
                rulings += 2  # a rectangle or a grid drawn as one path
    return PageObjects(rulings, images)


@dataclass(frozen=True)
class Table:
    x0: float  # box in PDF user space (origin bottom-left), like pdfium's
    bottom: float
    x1: float
    top: float
    rows: tuple[str, ...]  # "Header: cell; Header: cell" per row

    def contains(self, x0: float, bottom: float, x1: float, top: float, slack: float = 2.0) -> bool:
        mid_x, mid_y = (x0 + x1) / 2, (bottom + top) / 2
        return (self.x0 - slack <= mid_x <= self.x1 + slack
                and self.bottom - slack <= mid_y <= self.top + slack)


def _cell(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def rows_as_text(rows: list[list]) -> tuple[str, ...]:
    """Row texts that keep each cell with its column header; the header row is not repeated."""
    cleaned = [[_cell(v) for v in row] for row in rows if any(_cell(v) for v in row)]
    if not cleaned:
        return ()
    if len(cleaned) == 1:
        return ("; ".join(c for c in cleaned[0] if c),)
    header = cleaned[0]
    out = []
    for row in cleaned[1:]:
        parts = []
        for k, cell in enumerate(row):
            if not cell:
                continue
            name = header[k] if k < len(header) else ""
            parts.append(f"{name}: {cell}" if name else cell)
        if parts:
            out.append("; ".join(parts))
    return tuple(out)


def _lines_only_copy(pdf, index: int) -> bytes:
    """A one-page PDF holding page ``index`` without its text and image objects."""
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    copy = pdfium.PdfDocument.new()
    try:
        copy.import_pages(pdf, [index])
        page = copy[0]
        raw = page.raw
        drop = (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE)
        for i in reversed(range(pdfium_c.FPDFPage_CountObjects(raw))):
            obj = pdfium_c.FPDFPage_GetObject(raw, i)
            if pdfium_c.FPDFPageObj_GetType(obj) in drop and pdfium_c.FPDFPage_RemoveObject(raw, obj):
                pdfium_c.FPDFPageObj_Destroy(obj)
        pdfium_c.FPDFPage_GenerateContent(raw)
        page.close()
        buffer = io.BytesIO()
        copy.save(buffer)
        return buffer.getvalue()
    finally:
        copy.close()


_INSET = (1.5, 2.0)  # points: a cell's box shrunk so that neighbours' descenders stay out


def ruled_tables(pdf, index: int, textpage) -> list[Table]:
    """The ruled tables of page ``index`` of a pdfium document (``textpage`` is that page's)."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(_lines_only_copy(pdf, index))) as plumber:
        page = plumber.pages[0]
        height = float(page.height)
        tables = []
        for found in page.find_tables():
            grid = []
            for row in found.rows:
                cells = []
                for cell in row.cells:
                    if cell is None:  # covered by a merged cell
                        cells.append(None)
                        continue
                    x0, top, x1, bottom = cell
                    text = textpage.get_text_bounded(x0 + _INSET[0], height - bottom + _INSET[1],
                                                     x1 - _INSET[0], height - top - _INSET[1])
                    cells.append(text)
                grid.append(cells)
            rows = rows_as_text(grid)
            if rows:
                x0, top, x1, bottom = found.bbox  # pdfplumber measures from the top of the page
                tables.append(Table(x0, height - bottom, x1, height - top, rows))
    return tables
