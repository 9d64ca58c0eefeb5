"""Running headers, footers and page-number lines: found by repetition, kept as page metadata.

A line is *furniture* when it sits in the top or bottom band of the page and either is a bare
page number (``12``, ``iv``, ``Page 3 of 20``, ``- 7 -``) or repeats on many pages once its
digits and roman numerals are normalised (``Annual Review 2024 | 12`` and ``... | 13`` are the
same header). Furniture is removed from the page text; its text is kept on the page, and the
printed page number it carries becomes the page's label (``iv`` on a front-matter page, ``12``
in the body), next to the physical page number.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from pipeline.ingest.pdf_layout import Line

ZONE = 0.12  # top and bottom share of the page height where furniture lives
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_NUMBER = rf"(?:\d{{1,4}}|{_ROMAN})"
PAGE_NUMBER = re.compile(
    rf"^[-\u2013\u2014\s|]*(?:page|p\.|pg\.?)?\s*({_NUMBER})(?:\s*(?:of|/)\s*\d{{1,4}})?[-\u2013\u2014\s|]*$",
    re.IGNORECASE)
_NUMBER_TOKEN = re.compile(rf"\b({_NUMBER})\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass
class PageFurniture:
    removed: set[int]  # indices into the page's line list
    texts: list[str]
    label: str | None


def _normalise(text: str) -> str:
    text = _NUMBER_TOKEN.sub("#", text.lower().replace("\ufffe", "-"))
    return _SPACES.sub(" ", text).strip()


def _zone(line: Line, height: float) -> str | None:
    if line.bottom >= height * (1 - ZONE):
        return "top"
    if line.top <= height * ZONE:
        return "bottom"
    return None


def _set_apart(lines: list[Line], height: float, most: int = 3) -> list[int]:
    """Indices of the lines at the top and at the bottom of a page that stand apart from the
    body: above (below) the widest vertical gap among the outermost ``most`` lines, when that
    gap is wider than a paragraph break (1.8 times the page's usual line pitch, at least 20 pt).
    A chapter heading at the top of the body is not set apart; a running header is."""
    order = sorted((k for k, line in enumerate(lines) if line.kind == "text"),
                   key=lambda k: -lines[k].top)
    if len(order) < 2:
        return order
    tops = [lines[k].top for k in order]
    gaps = sorted(a - b for a, b in zip(tops, tops[1:], strict=False) if a - b > 1.0)
    usual = gaps[len(gaps) // 4] if gaps else 12.0
    wide = max(1.8 * usual, 20.0)
    out: list[int] = []
    for side in (order, order[::-1]):
        outer = side[:most + 1]
        steps = [abs(lines[a].top - lines[b].top) for a, b in zip(outer, outer[1:], strict=False)]
        if steps:
            cut = max(range(len(steps)), key=steps.__getitem__)
            if steps[cut] >= wide:
                out.extend(outer[:cut + 1])
    return sorted(set(out))


def detect_furniture(pages: list[list[Line]], heights: list[float]) -> list[PageFurniture]:
    """Find furniture lines on every page of a document (lines must be in stream order)."""
    keyed: dict[tuple[str, str], set[int]] = defaultdict(set)
    candidates: list[list[tuple[int, str, str]]] = []
    for page_no, (lines, height) in enumerate(zip(pages, heights, strict=False)):
        mine = []
        for i in _set_apart(lines, height):
            line = lines[i]
            zone = _zone(line, height)
            if zone is None or line.kind != "text" or len(line.text) > 200:
                continue
            key = _normalise(line.text)
            mine.append((i, zone, key))
            keyed[(zone, key)].add(page_no)
        candidates.append(mine)
    with_text = sum(1 for lines in pages if lines)
    threshold = max(2, int(0.25 * with_text + 0.5))
    out = []
    running: list[dict[str, str]] = []  # per page: normalised key -> last number on the line
    for lines, mine in zip(pages, candidates, strict=False):
        removed: set[int] = set()
        texts: list[str] = []
        label = None
        numbers: dict[str, str] = {}
        for i, zone, key in mine:
            text = lines[i].text
            bare = PAGE_NUMBER.match(text.strip())
            repeated = len(keyed[(zone, key)]) >= threshold and any(c.isalpha() for c in key)
            if not (bare or repeated):
                continue
            removed.add(i)
            texts.append(text.replace("\ufffe", "-"))
            if bare and label is None:
                label = bare.group(1)
            elif not bare and (number := _last_number(text)):
                numbers[key] = number
        out.append(PageFurniture(removed, texts, label))
        running.append(numbers)
    _labels_from_running_lines(out, running)
    return out


def _last_number(text: str) -> str | None:
    tokens = [m.group(1) for m in _NUMBER_TOKEN.finditer(text) if m.group(1)]
    return tokens[-1] if tokens else None


def _labels_from_running_lines(pages: list[PageFurniture], running: list[dict[str, str]]) -> None:
    """Pages without a bare number take it from a running line whose number changes from page
    to page (``Report | 12``); a number that stays the same (a year) is not a page label."""
    values: dict[str, set[str]] = defaultdict(set)
    for numbers in running:
        for key, number in numbers.items():
            values[key].add(number)
    for page, numbers in zip(pages, running, strict=False):
        if page.label is None:
            for key, number in numbers.items():
                if len(values[key]) > 1:
                    page.label = number
                    break
