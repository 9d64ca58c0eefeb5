"""Word documents (.docx): paragraphs, headings, tables as rows, footnotes, with locations.

The body is read in order with python-docx (paragraphs and tables, including text inside
hyperlinks and tracked insertions; deleted text is left out). Headings are the paragraphs
styled "Title" or "Heading N" and become their own blocks, so that segmentation makes them
heading passages. A table becomes one line per row, each cell with its column header
("Header: cell; ..."), the same form as PDF tables, and its span is recorded in
``Page.tables``. A footnote reference becomes "[N]" in the text, and the footnote itself a
paragraph "[N] text" at the end of the page (or section) where it is referenced.

Locations: a .docx records no page layout, but Word saves where it last broke pages
(``w:lastRenderedPageBreak``) and explicit page breaks (``w:br w:type="page"``). When the file
has them, each ``Page`` is such a page. Otherwise each ``Page`` is a section that starts at a
top-level heading, labelled "§N Heading" (see ``SECTION_MARK``), so that a reviewer can find
the quote by its heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.ingest.clean import normalise_text
from pipeline.ingest.pdf_tables import rows_as_text
from pipeline.records import Page

SECTION_MARK = "§"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FOOTNOTES_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes")
_LABEL_CHARS = 60


@dataclass
class _Block:
    text: str
    kind: str = "body"  # "body", "heading", "table", "footnote"
    level: int = 0  # heading level (0 = Title)
    page_break_before: bool = False
    footnotes: list[str] = field(default_factory=list)  # footnote ids referenced in the block


@dataclass(frozen=True)
class DocxExtraction:
    pages: tuple[Page, ...]
    title: str
    warnings: tuple[str, ...] = ()


def _heading_level(paragraph) -> int | None:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return 0
    if style.startswith("Heading"):
        tail = style.removeprefix("Heading").strip()
        return int(tail) if tail.isdigit() else 1
    outline = paragraph._p.find(f"{_W}pPr/{_W}outlineLvl")
    if outline is not None and (value := outline.get(f"{_W}val", "")).isdigit() and int(value) < 9:
        return int(value) + 1
    return None


def _paragraph_parts(p_element) -> tuple[str, bool, list[str]]:
    """(text, starts after a page break, footnote ids) of one w:p element, in reading order."""
    pieces: list[str] = []
    footnotes: list[str] = []
    page_break = False
    for element in p_element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr",
                                  f"{_W}footnoteReference", f"{_W}lastRenderedPageBreak"):
        tag = element.tag
        if tag == f"{_W}t":
            pieces.append(element.text or "")
        elif tag in (f"{_W}tab", f"{_W}cr"):
            pieces.append(" ")
        elif tag == f"{_W}br":
            if element.get(f"{_W}type") == "page":
                page_break = page_break or not "".join(pieces).strip()
            else:
                pieces.append(" ")
        elif tag == f"{_W}lastRenderedPageBreak":
            page_break = page_break or not "".join(pieces).strip()
        else:
            note = element.get(f"{_W}id", "")
            footnotes.append(note)
            pieces.append(f"[{note}]")
    return " ".join("".join(pieces).split()), page_break, footnotes


def _has_page_breaks(body) -> bool:
    return (next(body.iter(f"{_W}lastRenderedPageBreak"), None) is not None
            or any(br.get(f"{_W}type") == "page" for br in body.iter(f"{_W}br")))


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell repeats: keep it once
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(_paragraph_parts(p._p)[0] for p in cell.paragraphs).strip())
        rows.append(cells)
    return rows


def _read_footnotes(document) -> dict[str, str]:
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype == _FOOTNOTES_REL and not rel.is_external:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            root = etree.fromstring(rel.target_part.blob, parser)
            notes = {}
            for note in root.iter(f"{_W}footnote"):
                if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                text = " ".join(_paragraph_parts(p)[0] for p in note.iter(f"{_W}p")).strip()
                if text:
                    notes[note.get(f"{_W}id", "")] = text
            return notes
    return {}


def _blocks(document) -> list[_Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[_Block] = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text, page_break, notes = _paragraph_parts(child)
            level = _heading_level(paragraph)
            if text:
                blocks.append(_Block(text, "body" if level is None else "heading", level or 0,
                                     page_break, notes))
            elif page_break and blocks:
                blocks.append(_Block("", "body", 0, True))
        elif child.tag == f"{_W}tbl":
            rows = rows_as_text(_table_rows(Table(child, document)))
            notes = [n for n in (el.get(f"{_W}id", "") for el in
                                 child.iter(f"{_W}footnoteReference"))]
            if rows:
                blocks.append(_Block("\n".join(rows), "table", footnotes=notes))
    return blocks


def _group(blocks: list[_Block], by_pages: bool) -> list[tuple[str | None, list[_Block]]]:
    """Blocks grouped into pages (by page breaks) or sections (by top-level headings)."""
    groups: list[tuple[str | None, list[_Block]]] = [(None, [])]
    if by_pages:
        for block in blocks:
            if block.page_break_before and groups[-1][1]:
                groups.append((None, []))
            if block.text:
                groups[-1][1].append(block)
        return [g for g in groups if g[1]]
    levels = [b.level for b in blocks if b.kind == "heading" and b.level > 0]
    top = min(levels) if levels else None
    for block in blocks:
        if (top is not None and block.kind == "heading" and block.level == top
                and any(b.kind != "heading" for b in groups[-1][1])):  # not after a bare title
            groups.append((None, []))
        groups[-1][1].append(block)
    labelled = []
    for k, (_, members) in enumerate(g for g in groups if g[1]):
        heading = next((b.text for b in members if b.kind == "heading" and b.level == top),
                       next((b.text for b in members if b.kind == "heading"), members[0].text))
        short = heading if len(heading) <= _LABEL_CHARS else heading[: _LABEL_CHARS - 1] + "…"
        labelled.append((f"{SECTION_MARK}{k + 1} {short}", members))
    return labelled


def _page(number: int, label: str | None, members: list[_Block], notes: dict[str, str],
          placed: set[str]) -> Page:
    parts: list[str] = []
    tables: list[tuple[int, int]] = []
    position = 0
    referenced: list[str] = []
    for block in members:
        referenced += [n for n in block.footnotes if n in notes and n not in placed]
        if block.kind == "table":
            text = "\n".join(normalise_text(row) for row in block.text.split("\n"))
        else:
            text = normalise_text(block.text)
        if not text:
            continue
        if parts:
            position += 2
        if block.kind == "table":
            tables.append((position, position + len(text)))
        parts.append(text)
        position += len(text)
    for note in dict.fromkeys(referenced):
        placed.add(note)
        text = normalise_text(f"[{note}] {notes[note]}")
        position += 2 if parts else 0
        parts.append(text)
        position += len(text)
    return Page(number, "\n\n".join(parts), label=label, tables=tuple(tables))


def extract_docx(path: str) -> DocxExtraction:
    """Read a .docx into pages (or sections); raises on a file python-docx cannot open."""
    import docx

    document = docx.Document(path)
    blocks = _blocks(document)
    notes = _read_footnotes(document)
    by_pages = _has_page_breaks(document.element.body)
    placed: set[str] = set()
    pages = [_page(k + 1, label, members, notes, placed)
             for k, (label, members) in enumerate(_group(blocks, by_pages))]
    pages = [p for p in pages if p.text]
    left = [n for n in notes if n not in placed]
    warnings = []
    if left:  # footnotes no reference points at: keep them, at the end
        text = "\n\n".join(normalise_text(f"[{n}] {notes[n]}") for n in left)
        if pages:
            last = pages[-1]
            pages[-1] = Page(last.number, f"{last.text}\n\n{text}", last.label, tables=last.tables)
        else:
            pages.append(Page(1, text))
        warnings.append(f"{len(left)} footnote(s) without a reference in the text were put at the end")
    pages = [Page(k + 1, p.text, p.label, tables=p.tables) for k, p in enumerate(pages)]
    title = (document.core_properties.title or "").strip() or next(
        (b.text for b in blocks if b.kind == "heading"), "")
    if not by_pages and len(pages) > 1:
        warnings.append("the file records no page breaks: locations are sections (§N Heading)")
    return DocxExtraction(tuple(pages), title[:300], tuple(warnings))
