"""A small page-layout engine over reportlab's canvas that knows where every word lands.

The test PDFs need ground truth that does not come from the extractor under test: this
builder places each line itself, so it can write, for every paragraph, the cleaned text a
reader sees and the physical page it starts on (the golden files). Source text marks allowed
line-break points inside words with ``|`` (``organi|sation``) and footnote markers with ``^``
(``impacts.^11``); neither reaches the golden text (markers are removed by design).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 60.0
BODY_TOP, BODY_BOTTOM = 770.0, 80.0
BODY_FONT, BODY_SIZE, LEADING = "Times-Roman", 10.0, 13.0
HEAD_FONT, HEAD_SIZE = "Helvetica-Bold", 13.0
PARA_GAP = 8.0
_MARKER = re.compile(r"\^(\d+)")


@dataclass
class Block:
    kind: str  # "heading", "para", "bullet", "table", "footnote"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def expected_text(block: Block) -> str:
    if block.kind == "table":
        header = block.rows[0]
        return "\n".join("; ".join(f"{h}: {c}" for h, c in zip(header, row, strict=True))
                         for row in block.rows[1:])
    text = _MARKER.sub("", block.text.replace("|", ""))
    return ("\u2022 " + text) if block.kind == "bullet" else text


def roman(n: int) -> str:
    out = ""
    for value, digits in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + digits, n - value
    return out


class Layout:
    def __init__(self, path: str | Path, *, columns: int = 1, interleave: bool = False,
                 header: str | None = None, front_pages: int = 0, footer_note: str | None = None,
                 page_numbers: bool = True):
        from reportlab.pdfgen import canvas

        self.canvas = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=True)
        self.columns, self.interleave = columns, interleave
        self.header, self.front_pages, self.footer_note = header, front_pages, footer_note
        self.page_numbers = page_numbers
        gap = 24.0
        self.col_w = (PAGE_W - 2 * MARGIN - (columns - 1) * gap) / columns
        self.col_x = [MARGIN + k * (self.col_w + gap) for k in range(columns)]
        self.page = 1
        self.col = 0
        self.y = BODY_TOP
        self.ops: list[tuple[float, float, str, float, str]] = []  # y, x, font, size, text
        self.golden: list[dict] = []
        self.labels: list[str | None] = []
        self._scan = False

    # -- page mechanics ------------------------------------------------------------------
    def _label(self) -> str | None:
        if not self.page_numbers:
            return None
        return roman(self.page) if self.page <= self.front_pages else str(self.page - self.front_pages)

    def _flush_page(self) -> None:
        c = self.canvas
        if self._scan:
            self.labels.append(None)
            self._scan = False
            c.showPage()
            return
        if self.header:
            c.setFont("Helvetica", 8)
            c.drawString(MARGIN, PAGE_H - 40, self.header)
        label = self._label()
        if label:
            c.setFont("Helvetica", 9)
            c.drawCentredString(PAGE_W / 2, 36, label)
        if self.footer_note:
            c.setFont("Helvetica", 7)
            c.drawString(MARGIN, 24, self.footer_note)
        ops = sorted(self.ops, key=lambda op: (-op[0], op[1])) if self.interleave else self.ops
        for y, x, font, size, text in ops:
            c.setFont(font, size)
            c.drawString(x, y, text)
        self.labels.append(label)
        self.ops = []
        c.showPage()

    def new_page(self) -> None:
        self._flush_page()
        self.page += 1
        self.col, self.y = 0, BODY_TOP

    def _advance(self, height: float) -> None:
        if self.y - height < BODY_BOTTOM:
            if self.col + 1 < self.columns:
                self.col, self.y = self.col + 1, BODY_TOP
            else:
                self.new_page()
        self.y -= height

    # -- text ----------------------------------------------------------------------------
    def _width(self, word: str, font: str, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return stringWidth(_MARKER.sub(r"\1", word.replace("|", "")), font, size)

    def _wrap(self, words: list[str], width: float, font: str, size: float) -> list[str]:
        lines, current = [], ""
        space = self._width(" ", font, size)
        queue = list(words)
        while queue:
            word = queue.pop(0)
            trial = f"{current} {word}" if current else word
            if self._width(trial, font, size) <= width:
                current = trial
                continue
            # Break the word at the last allowed point that still fits (with its hyphen).
            points = [m.start() for m in re.finditer(r"\||-", word)]
            room = width - (self._width(current, font, size) + space if current else 0)
            for p in reversed(points):
                head = word[:p].replace("|", "") + "-"
                if self._width(head, font, size) <= room:
                    lines.append(f"{current} {head}" if current else head)
                    queue.insert(0, word[p + 1:])
                    current = ""
                    break
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
        return lines

    def _draw_line(self, x: float, text: str, font: str, size: float) -> None:
        """Queue a line; ``^NN`` footnote markers become raised small text."""
        parts = _MARKER.split(text.replace("|", ""))
        for k, part in enumerate(parts):
            if not part:
                continue
            if k % 2:  # a marker
                self.ops.append((self.y + 3.5, x, font, size * 0.6, part))
                x += self._width(part, font, size * 0.6)
            else:
                self.ops.append((self.y, x, font, size, part))
                x += self._width(part, font, size)

    def add(self, block: Block) -> None:
        if block.kind == "table":
            self._table(block)
            return
        if block.kind == "heading":
            font, size, indent, lead = HEAD_FONT, HEAD_SIZE, 0.0, 17.0
            self._advance(6)
        else:
            font, size, indent, lead = BODY_FONT, BODY_SIZE, 0.0, LEADING
            if block.kind == "bullet":
                indent = 14.0
        lines = self._wrap(block.text.split(), self.col_w - indent, font, size)
        for k, line in enumerate(lines):
            self._advance(lead)
            if k == 0:
                self.golden.append({"page": self.page, "kind": block.kind,
                                    "text": expected_text(block)})
                if block.kind == "bullet":
                    self.ops.append((self.y, self.col_x[self.col] + 3, BODY_FONT, size, "\u2022"))
            self._draw_line(self.col_x[self.col] + indent, line, font, size)
        self.y -= PARA_GAP

    def _table(self, block: Block) -> None:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        table = Table(block.rows, colWidths=[self.col_w / len(block.rows[0])] * len(block.rows[0]))
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                                   ("FONT", (0, 0), (-1, -1), BODY_FONT, 9)]))
        _w, h = table.wrapOn(self.canvas, self.col_w, BODY_TOP - BODY_BOTTOM)
        if self.y - h < BODY_BOTTOM:
            self.new_page()
        self.golden.append({"page": self.page, "kind": "table", "text": expected_text(block)})
        self.y -= h
        table.drawOn(self.canvas, self.col_x[self.col], self.y)
        self.y -= PARA_GAP + 6

    def image_page(self, lines: list[str]) -> None:
        """A page that is only a picture of text (a scan): no text layer at all."""
        import io

        import pypdfium2 as pdfium
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas

        if self.ops or self.y < BODY_TOP:
            self.new_page()
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
        c.setFont("Helvetica", 16)
        for k, line in enumerate(lines):
            c.drawString(MARGIN, BODY_TOP - 30 * k, line)
        c.showPage()
        c.save()
        pdf = pdfium.PdfDocument(buf.getvalue())
        image = pdf[0].render(scale=200 / 72, grayscale=True).to_pil()
        self.canvas.drawImage(ImageReader(image), 0, 0, PAGE_W, PAGE_H)
        self._scan = True
        self.golden.append({"page": self.page, "kind": "scan", "text": " ".join(lines)})
        self.y = BODY_BOTTOM  # full
        self.new_page()

    def save(self) -> list[dict]:
        if self.ops or self.y < BODY_TOP:
            self._flush_page()
        self.canvas.save()
        return self.golden
