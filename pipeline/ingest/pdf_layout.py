"""Page geometry from pdfium: text lines with boxes, column detection, reading order, paragraphs.

pdfium returns a page's text in content-stream order, with ``\\r\\n`` between lines and U+FFFE
in place of a hyphen that ends a line (the two physical lines then share one text line). A
generator that writes two columns line by line makes pdfium glue a left-column line and the
right-column line beside it into one text line. So we cut the text into physical lines (at
``\\r\\n`` and after each U+FFFE), ask pdfium for the rectangles of each line's characters
(``count_rects``/``get_rect``: a handful of calls per line, not one per character), and cut a
line again wherever its rectangles leave a wide horizontal gap. Each resulting :class:`Line`
knows its text and box; the loose box of its first character gives the font's ascent and
descent, which is steadier than glyph boxes for telling paragraph breaks and headings.

Columns are found from the lines' horizontal extents: a gutter is a vertical band, away from
the page edges, that no narrow line crosses, with enough lines on both sides. Lines that cross
a gutter (titles, full-width headings, figures' captions) split the page into bands; within a
band the columns are read left to right, each top to bottom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from pipeline.ingest.pdfium_calls import unchecked

_LINE_CUT = re.compile(r"\r\n|(?<=\ufffe)")
BULLET_START = tuple("\u2022\u25aa\u25e6\u25cf\u2023\u2043\u25a0\u25a1\uf0b7\uf0a7\uf076\uf0d8\u2219\u27a2")
_SENTENCE_END = tuple('.!?:;"\u201d\u2019)]')


@dataclass(slots=True)
class Line:
    """One physical line (or a run of one, cut at a column gutter), in PDF user space."""

    text: str  # raw pdfium text; may end with U+FFFE (a line-break hyphen)
    x0: float
    x1: float
    bottom: float  # font descent (loose box of the first character)
    top: float  # font ascent
    kind: str = "text"  # "text", or "table" for a table block put in the flow
    payload: object = None  # the table rows of a "table" line

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 0.1)

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2


class _Geometry:
    """Raw pdfium calls with reused output buffers and pre-bound functions: a few microseconds
    per line (the ctypes calls themselves are most of it)."""

    def __init__(self, textpage):
        import ctypes

        import pypdfium2.raw as pdfium_c

        self.raw = textpage.raw
        self.count_rects = unchecked(pdfium_c.FPDFText_CountRects)
        self.get_rect = unchecked(pdfium_c.FPDFText_GetRect)
        self.get_char_box = unchecked(pdfium_c.FPDFText_GetCharBox)
        self.get_loose_box = unchecked(pdfium_c.FPDFText_GetLooseCharBox)
        self.d = [ctypes.c_double() for _ in range(4)]
        self.p = [ctypes.byref(d) for d in self.d]
        self.rect = pdfium_c.FS_RECTF()
        self.rect_p = ctypes.byref(self.rect)

    def rects(self, first: int, count: int) -> list[tuple[float, float, float, float]]:
        """(left, bottom, right, top) of the character runs of a range."""
        raw, get_rect, (d0, d1, d2, d3), (p0, p1, p2, p3) = self.raw, self.get_rect, self.d, self.p
        out = []
        for i in range(self.count_rects(raw, first, count)):
            get_rect(raw, i, p0, p1, p2, p3)  # left, top, right, bottom
            out.append((d0.value, d3.value, d2.value, d1.value))
        return out

    def char_left(self, index: int) -> float:
        p = self.p
        self.get_char_box(self.raw, index, p[0], p[1], p[2], p[3])  # left, right, bottom, top
        return self.d[0].value

    def font_box(self, index: int) -> tuple[float, float] | None:
        """(descent, ascent) of a character's font: its loose box."""
        if not self.get_loose_box(self.raw, index, self.rect_p):
            return None
        bottom, top = self.rect.bottom, self.rect.top
        return (bottom, top) if top > bottom else None


def page_lines(textpage) -> list[Line]:
    """Physical text lines of a page with their boxes, in content-stream order."""
    n_chars = textpage.count_chars()
    if n_chars <= 0:
        return []
    text = textpage.get_text_range(0, n_chars)
    index_of = _index_map(text, n_chars)
    geometry = _Geometry(textpage)
    # The common case (one run of characters: one rectangle) is inlined: it is most lines.
    raw_page, count_rects, get_rect = geometry.raw, geometry.count_rects, geometry.get_rect
    get_loose_box, rect, rect_p = geometry.get_loose_box, geometry.rect, geometry.rect_p
    d0, d1, d2, d3 = geometry.d
    p0, p1, p2, p3 = geometry.p
    lines: list[Line] = []
    append = lines.append
    pos = 0
    for match in [*_LINE_CUT.finditer(text), None]:
        if match is None:
            end = next_pos = len(text)
        else:
            end, next_pos = match.span()
        segment_start, pos = pos, next_pos
        raw = text[segment_start:end]
        if not raw or raw.isspace():
            continue
        stripped = raw.strip()
        start = segment_start + raw.index(stripped[0])
        stop = start + len(stripped)
        if index_of:
            first, last = index_of[start], index_of[stop]
        else:
            first, last = start, stop
        n_rects = count_rects(raw_page, first, last - first)
        if n_rects == 1:
            get_rect(raw_page, 0, p0, p1, p2, p3)  # left, top, right, bottom
            if get_loose_box(raw_page, first, rect_p) and rect.top > rect.bottom:
                append(Line(stripped, d0.value, d2.value, rect.bottom, rect.top))
            else:
                append(Line(stripped, d0.value, d2.value, d3.value, d1.value))
        elif n_rects:
            lines.extend(_cut_line(geometry, text, start, stop, index_of))
    return lines


def _index_map(text: str, n_chars: int):
    """pdfium counts UTF-16 units; Python counts code points. Map text offsets to char indices."""
    if len(text) == n_chars:
        return None
    mapping, unit = [], 0
    for ch in text:
        mapping.append(unit)
        unit += 2 if ord(ch) > 0xFFFF else 1
    mapping.append(unit)
    return mapping


def _cut_line(geometry: _Geometry, text: str, start: int, stop: int, index_of) -> list[Line]:
    """Split text[start:stop] at wide horizontal gaps between its character rectangles."""
    first = index_of[start] if index_of else start
    last = index_of[stop] if index_of else stop
    rects = geometry.rects(first, last - first)
    if not rects:
        return []
    if len(rects) == 1:  # the common case: one run
        left, bottom, right, top = rects[0]
        box = geometry.font_box(first) or (bottom, top)
        return [Line(text[start:stop], left, right, box[0], box[1])]
    pieces: list[tuple[int, int, list]] = []  # (text start, text stop, rects)
    group = [rects[0]]
    piece_start = start
    for prev, cur in zip(rects, rects[1:], strict=False):
        height = max(prev[3] - prev[1], cur[3] - cur[1], 1.0)
        same_row = cur[1] < prev[3] and prev[1] < cur[3]
        gap = cur[0] - prev[2]
        if same_row and gap > max(1.2 * height, 6.0) or (not same_row and cur[0] > prev[2]):
            cut = _first_char_right_of(geometry, text, piece_start, stop, (prev[2] + cur[0]) / 2,
                                       index_of)
            if piece_start < cut < stop:
                pieces.append((piece_start, cut, group))
                piece_start, group = cut, []
        group.append(cur)
    pieces.append((piece_start, stop, group))
    lines = []
    for a, b, group in pieces:
        raw = text[a:b].strip()
        if not raw or not group:
            continue
        lead = a + (len(text[a:b]) - len(text[a:b].lstrip()))
        box = geometry.font_box(index_of[lead] if index_of else lead)
        if box is None:
            box = (min(r[1] for r in group), max(r[3] for r in group))
        lines.append(Line(raw, min(r[0] for r in group), max(r[2] for r in group), *box))
    return lines


def _first_char_right_of(geometry: _Geometry, text: str, lo: int, hi: int, x: float,
                         index_of) -> int:
    """Binary search for the first non-space character of text[lo:hi] that starts right of x."""
    while lo < hi:
        mid = (lo + hi) // 2
        probe = mid
        while probe < hi and text[probe].isspace():
            probe += 1
        if probe >= hi:
            hi = mid
            continue
        left = geometry.char_left(index_of[probe] if index_of else probe)
        if left >= x:
            hi = mid
        else:
            lo = probe + 1
    return lo


# -- reading order ---------------------------------------------------------------------------


def find_columns(lines: list[Line], min_gutter: float = 6.0) -> list[tuple[float, float]]:
    """Column intervals (x0, x1) of a page, left to right; one interval when single-column."""
    if len(lines) < 6:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    width = right - left
    if width <= 0:
        return []
    narrow = [line for line in lines if line.x1 - line.x0 < 0.6 * width]
    if len(narrow) < 6:
        return []
    bins = int(width // 2) + 2
    cover = [0] * (bins + 1)
    for line in narrow:
        a = int((line.x0 - left) // 2)
        b = int((line.x1 - left) // 2) + 1
        cover[a] += 1
        cover[min(b, bins)] -= 1
    empty = [running == 0 for running in accumulate(cover[:bins])]
    gutters = []
    lo_bin, hi_bin = int(0.15 * width / 2), int(0.85 * width / 2)
    i = 0
    while True:  # each run [i, j) of empty bins
        try:
            i = empty.index(True, i)
        except ValueError:
            break
        try:
            j = empty.index(False, i)
        except ValueError:
            j = bins
        if (j - i) * 2 >= min_gutter and i > lo_bin and j < hi_bin:
            gutters.append((left + i * 2, left + j * 2))
        i = j
    if not gutters:
        return []
    edges = [left] + [x for g in gutters for x in g] + [right]
    columns = [(edges[k], edges[k + 1]) for k in range(0, len(edges), 2)]
    counts = [sum(1 for line in narrow if a - 1 <= line.x0 and line.x1 <= b + 1) for a, b in columns]
    if min(counts) < 3 or min(counts) < 0.15 * len(narrow):
        return []
    return columns


def reading_order(lines: list[Line]) -> list[Line]:
    """Lines in reading order: stream order on single-column pages, column by column otherwise."""
    columns = find_columns([line for line in lines if line.kind == "text"])
    if len(columns) < 2:
        return lines
    placed: list[list[Line]] = [[] for _ in columns]
    spanning: list[Line] = []
    for line in lines:
        for k, (a, b) in enumerate(columns):
            if a - 1 <= line.x0 and line.x1 <= b + 1:
                placed[k].append(line)
                break
        else:
            spanning.append(line)
    spanning.sort(key=lambda line: -line.top)
    for column in placed:
        column.sort(key=lambda line: -line.top)  # stable: stream order within a row
    out: list[Line] = []
    cursors = [0] * len(columns)
    for span in spanning + [None]:
        for k, column in enumerate(placed):
            while cursors[k] < len(column) and (span is None or column[cursors[k]].mid_y > span.mid_y):
                out.append(column[cursors[k]])
                cursors[k] += 1
        if span is not None:
            out.append(span)
    return out


# -- paragraphs ------------------------------------------------------------------------------


def paragraphs(lines: list[Line]) -> list[tuple[str, Line]]:
    """Group lines in reading order into paragraphs; return (raw text, first line) pairs.

    A new paragraph starts after blank space larger than the usual line pitch, at a change of
    font size (headings), at a bullet, and at a jump up the page, unless that jump continues
    an unfinished sentence at the top of the next column.
    """
    text_lines = [line for line in lines if line.kind == "text"]
    # The usual pitch inside a paragraph is the smallest common one: take the lower quartile
    # (pages of one-line bullets and short paragraphs have more gaps than line pitches).
    pitches = []
    for a, b in zip(text_lines, text_lines[1:], strict=False):
        height = a.top - a.bottom
        if height < 0.1:  # Line.height, inlined: this loop runs for every line
            height = 0.1
        if 0.5 * height < a.top - b.top < 4 * height:
            pitches.append(round(a.top - b.top, 1))
    pitches.sort()
    usual = pitches[len(pitches) // 4] if pitches else 0.0
    groups: list[list[Line]] = []
    prev: Line | None = None
    for line in lines:
        if line.kind != "text":
            groups.append([line])
            prev = None
            continue
        if prev is None or _breaks(prev, line, usual, groups[-1]):
            groups.append([line])
        else:
            groups[-1].append(line)
        prev = line
    return [(_join(group), group[0]) for group in groups]


def _breaks(prev: Line, cur: Line, usual: float, group: list[Line]) -> bool:
    # Line.height inlined (this runs for every line): max(top - bottom, 0.1).
    prev_height = prev.top - prev.bottom
    if prev_height < 0.1:
        prev_height = 0.1
    cur_height = cur.top - cur.bottom
    if cur_height < 0.1:
        cur_height = 0.1
    height = cur_height if cur_height > prev_height else prev_height
    if abs(cur_height - prev_height) > 0.15 * height:
        return True  # font size changed: a heading starts or ends
    if cur.text.startswith(BULLET_START):
        return True
    pitch = prev.top - cur.top
    if abs(pitch) <= 0.4 * height and 0 <= cur.x0 - prev.x1 < 1.5 * height:
        return False  # the rest of the same row (pdfium broke it after a superscript)
    if pitch <= 0.2 * height or cur.x0 > prev.x1:  # same row further right, or up the page
        unfinished = not prev.text.rstrip("\ufffe").endswith(_SENTENCE_END)
        return not (unfinished and cur.text[:1].islower() and pitch <= 0)
    if usual and pitch > max(usual * 1.25, usual + 0.3 * height):
        return True
    return pitch > 2.2 * height


def _join(group: list[Line]) -> str:
    out = ""
    for line in group:
        if not out:
            out = line.text
        elif out.endswith("\ufffe"):
            out += line.text  # the marker stays; the document-level resolver decides
        elif out.endswith("-") and out[-2:-1].isalpha() and line.text[:1].isalpha():
            out = out[:-1] + "\ufffe" + line.text  # a hyphen pdfium did not mark (split line)
        else:
            out += " " + line.text
    return out
