"""The source view: a PDF page rendered as PNG with the quote's location marked, or the
surrounding text of a text document.

pdfium is not thread-safe, so every pypdfium2 call runs under one process-wide lock. The file
is found through the store (``document_paths``) by document id and must still have the size
recorded for that document: a path is never taken from a request.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from pipeline.review.cards import Segment
from pipeline.store import Store, review_reads

_PDFIUM_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, tuple[bytes, int]] = OrderedDict()
_CACHE_SIZE = 24
TARGET_WIDTH_PX = 1100


@dataclass(frozen=True)
class SourceInfo:
    candidate_id: str
    doc_id: str
    kind: str
    title: str
    path: Path | None  # None when no recorded path still holds the document
    page_no: int
    n_pages: int
    page_text: str
    passage_start: int
    passage_end: int
    quote: str
    quote_start: int
    quote_end: int


def source_info(store: Store, candidate_id: str) -> SourceInfo | None:
    row = review_reads.source_row(store, candidate_id)
    if row is None:
        return None
    path = None
    for candidate_path in review_reads.document_paths(store, row["doc_id"]):
        p = Path(candidate_path)
        try:
            if p.is_file() and (row["size_bytes"] is None or p.stat().st_size == row["size_bytes"]):
                path = p
                break
        except OSError:
            continue
    return SourceInfo(
        row["candidate_id"],
        row["doc_id"],
        row["kind"] or "",
        row["title"] or "",
        path,
        row["page_no"],
        row["n_pages"] or 0,
        row["text"] or "",
        row["char_start"],
        row["char_end"],
        row["quote"],
        row["quote_start"],
        row["quote_end"],
    )


def text_context(info: SourceInfo, radius: int = 3000) -> list[Segment]:
    """The page text around the passage: context, passage, quote (marked), passage, context."""
    text = info.page_text
    lo = max(0, info.passage_start - radius)
    hi = min(len(text), info.passage_end + radius)
    ps, pe = info.passage_start, info.passage_end
    qs = max(ps, min(info.quote_start, pe))
    qe = max(qs, min(info.quote_end, pe))
    parts = [
        Segment(("…" if lo else "") + text[lo:ps]),
        Segment(text[ps:qs], "passage"),
        Segment(text[qs:qe], "quote"),
        Segment(text[qe:pe], "passage"),
        Segment(text[pe:hi] + ("…" if hi < len(text) else "")),
    ]
    return [p for p in parts if p.text]


def _chunks(quote: str, size: int = 6) -> list[str]:
    words = quote.split()
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def _quote_rects(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """Boxes (left, bottom, right, top, in PDF points) of the quote: the whole quote if pdfium
    finds it, else each run of a few words found in order (line breaks defeat a long search)."""
    rects: list[tuple[float, float, float, float]] = []

    def find(text: str, start: int) -> tuple[int, int] | None:
        searcher = textpage.search(text, index=start, match_case=False)
        try:
            return searcher.get_next()
        finally:
            searcher.close()

    hit = find(" ".join(quote.split()), 0) if quote.strip() else None
    spans = [hit] if hit else []
    if not hit:
        position = 0
        for chunk in _chunks(quote):
            found = find(chunk, position)
            if found:
                spans.append(found)
                position = found[0] + found[1]
    for index, count in spans:
        for i in range(textpage.count_rects(index, count)):
            rects.append(textpage.get_rect(i))
    return rects


def render_pdf_page(path: Path, page_no: int, quote: str) -> tuple[bytes, int]:
    """PNG bytes of ``page_no`` (1-based) with the quote boxed; and how many boxes were drawn."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, page_no, quote)
    with _PDFIUM_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        result = _render_locked(path, page_no, quote)
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return result


def _render_locked(path: Path, page_no: int, quote: str) -> tuple[bytes, int]:
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page_no <= len(pdf):
            raise ValueError(f"page {page_no} is not in this PDF ({len(pdf)} pages)")
        page = pdf[page_no - 1]
        width, height = page.get_size()
        scale = min(2.5, TARGET_WIDTH_PX / max(width, 1.0))
        textpage = page.get_textpage()
        rects = _quote_rects(textpage, quote)
        image = page.render(scale=scale).to_pil().convert("RGBA")
        textpage.close()
        page.close()
    finally:
        pdf.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, bottom, right, top in rects:
        box = (
            left * scale - 2,
            (height - top) * scale - 2,
            right * scale + 2,
            (height - bottom) * scale + 2,
        )
        draw.rectangle(box, fill=(255, 200, 0, 90), outline=(200, 60, 0, 255), width=2)
    if rects:  # a bar in the margin so the location is visible at a glance
        y0 = min((height - t) * scale for _, _, _, t in rects)
        y1 = max((height - b) * scale for _, b, _, _ in rects)
        draw.rectangle((4, y0 - 4, 12, y1 + 4), fill=(200, 60, 0, 255))
    out = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue(), len(rects)
