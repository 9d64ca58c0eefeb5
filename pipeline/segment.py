"""Segment: a Document's pages become passages of whole sentences, paragraph-aware.

Blocks are the paragraphs of a page (separated by blank lines). A short block with no
sentence-final punctuation is a heading: it becomes its own passage of kind "heading" and the
section context of the passages after it. A block inside one of ``Page.tables`` is a table: its
rows (one per line) are grouped into passages of kind "table", a row never split. Body blocks
are split into sentences by spaCy's rule-based sentencizer (``spacy.blank("en")``, no
downloaded model) and grouped into passages of about ``target_words`` words, never crossing a
block boundary, except that a sentence left unfinished at the end of a page runs on into the
first block of the next page when that starts in lower case: that passage ends with the
sentence that crosses the break, and its ``sentences`` stop at the break (see
``_cut_at_page_break``), so that a quote lies on the passage's first page. Every passage satisfies
``page.text[char_start:char_end] == text[:char_end - char_start]``, and that is all of ``text``
unless the passage crosses a page break (``page_end`` is set; see :class:`Passage`).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from pipeline.records import Document, Passage

_BLOCK_SPLIT = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?:;…\"”’)\]]\s*$")


@dataclass(frozen=True)
class SegmentSettings:
    min_words: int = 40
    target_words: int = 110
    max_words: int = 150
    heading_max_words: int = 14

    def fingerprint(self) -> str:
        return f"{self.min_words}-{self.target_words}-{self.max_words}-{self.heading_max_words}"


class _TorchHiddenFromThisThread(importlib.abc.MetaPathFinder):
    """Makes ``import torch`` fail in the thread that installed it, and only there."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch" and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"torch is hidden while spaCy imports ({name})", name=name)
        return None


def import_spacy_without_torch() -> None:
    """Import spaCy without letting it import torch, in a process that may need torch later.

    spaCy's ML library, thinc, imports torch whenever it is installed, which costs seconds of
    CPU in every process; the rule-based pipelines of this package never use it. (A parse
    worker, which never needs torch, hides it for its whole life instead.) While spaCy
    imports, torch is hidden from the importing thread only (thinc then records it as absent);
    other threads, and this one afterwards, import torch as usual. When torch is already
    imported, or spaCy is, this changes nothing.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    finder = _TorchHiddenFromThisThread()
    sys.meta_path.insert(0, finder)
    try:
        import spacy  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


@lru_cache(maxsize=1)
def sentencizer():
    """spaCy blank English pipeline with the rule-based sentencizer (loaded once per process)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 5_000_000
    return nlp


def passage_id(doc_id: str, page: int, start: int, end: int, text: str) -> str:
    key = f"{doc_id}:{page}:{start}:{end}:{text}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def iter_blocks(text: str):
    """Yield (start, end) of each non-empty paragraph block, trimmed of surrounding whitespace."""
    pos = 0
    for match in [*_BLOCK_SPLIT.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[pos:end]
        stripped = block.strip()
        if stripped:
            offset = pos + (len(block) - len(block.lstrip()))
            yield offset, offset + len(stripped)
        if match:
            pos = match.end()


def is_heading(text: str, settings: SegmentSettings) -> bool:
    words = text.split()
    if not words or len(words) > settings.heading_max_words or "\n" in text.strip():
        return False
    if text.startswith("\u2022"):
        return False
    return not _SENTENCE_END.search(text) or text.isupper()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace trimmed)."""
    doc = sentencizer()(text)
    spans = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _group_sentences(spans: list[tuple[int, int]], words: list[int], settings: SegmentSettings):
    """Group consecutive sentences into chunks near the target size, within the maximum."""
    groups: list[list[int]] = []
    current: list[int] = []
    count = placed = 0
    total = sum(words)
    for i, n in enumerate(words):
        unplaced = total - placed  # words from this sentence on
        if current and (count + n > settings.max_words or (
                count >= settings.target_words and unplaced >= settings.min_words)):
            groups.append(current)
            current, count = [], 0
        current.append(i)
        count += n
        placed += n
    if current:
        # Fold a short tail into the previous group if that stays within the maximum.
        if groups and count < settings.min_words and sum(words[j] for j in groups[-1]) + count <= settings.max_words:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [(spans[g[0]][0], spans[g[-1]][1]) for g in groups]


def _is_continuation(first: str, second: str) -> bool:
    """Does ``second`` (at the top of a page) continue the sentence ``first`` left unfinished?"""
    return not _SENTENCE_END.search(first) and second[:1].islower()


def _page_units(page, settings: SegmentSettings) -> list[tuple[str, int, int]]:
    """(kind, start, end) of the blocks of a page: "heading", "body" or "table"."""
    units = []
    tables = list(page.tables)
    for start, end in iter_blocks(page.text):
        if any(t_start <= start and end <= t_end for t_start, t_end in tables):
            units.append(("table", start, end))
        elif is_heading(page.text[start:end], settings):
            units.append(("heading", start, end))
        else:
            units.append(("body", start, end))
    return units


def _table_chunks(text: str, start: int, end: int, settings: SegmentSettings):
    """Rows of a table block (one per line), grouped up to the target size, never split."""
    rows, pos = [], start
    for line in text[start:end].split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            rows.append((pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    chunk: list[tuple[int, int]] = []
    words = 0
    for row in rows:
        n = len(text[row[0]:row[1]].split())
        if chunk and words + n > settings.target_words:
            yield chunk
            chunk, words = [], 0
        chunk.append(row)
        words += n
    if chunk:
        yield chunk


def _cut_at_page_break(sentences: list[tuple[int, int]], brk: int) -> list[tuple[int, int]]:
    """Sentence spans of a passage that crosses a page break at ``brk`` (offset into its text).

    The sentence that crosses the break is cut there, and the piece on the next page is left
    out unless nothing else would remain to quote: a quote is a sentence span, and its offsets
    are given in the page text of the passage's first page.
    """
    out = []
    for s, e in sentences:
        if s < brk < e:
            out.append((s, brk))
            if len(sentences) == 1:
                out.append((brk + 1, e))
        elif e <= brk:
            out.append((s, e))
    return out


def segment_document(doc: Document, settings: SegmentSettings = SegmentSettings()) -> list[Passage]:
    """Passages of whole sentences in reading order; see the module docstring.

    A body block that ends a page without finishing its sentence, followed by a body block that
    starts the next page in lower case, is one block: the passage that holds the page break
    records the next page in ``page_end`` and the span there (see :class:`Passage`).
    """
    units = [(page, kind, start, end) for page in doc.pages
             for kind, start, end in _page_units(page, settings)]
    passages: list[Passage] = []
    section: str | None = None

    def add(page, start, end, text, kind, sentences, cont=None):
        cont_page, cont_start, cont_end = cont or (None, None, None)
        passages.append(Passage(
            passage_id=passage_id(doc.doc_id, page.number, start, end, text),
            doc_id=doc.doc_id, seq=len(passages), page=page.number, char_start=start,
            char_end=end, text=text, kind=kind, section=section if kind != "heading" else None,
            sentences=tuple(sentences), page_end=cont_page, page_end_char_start=cont_start,
            page_end_char_end=cont_end))

    i = 0
    while i < len(units):
        page, kind, start, end = units[i]
        block = page.text[start:end]
        if kind == "heading":
            section = " ".join(block.split())
            add(page, start, end, block, "heading", [(0, end - start)])
            i += 1
            continue
        if kind == "table":
            for rows in _table_chunks(page.text, start, end, settings):
                a, b = rows[0][0], rows[-1][1]
                add(page, a, b, page.text[a:b], "table", [(s - a, e - a) for s, e in rows])
            i += 1
            continue
        nxt = units[i + 1] if i + 1 < len(units) else None
        # units are in page order, so ``nxt`` on the next page means: this block ends its
        # page and ``nxt`` starts the next one.
        joined = (nxt is not None and nxt[1] == "body" and nxt[0].number == page.number + 1
                  and _is_continuation(block, nxt[0].text[nxt[2]:nxt[3]]))
        if joined:
            next_page, _, n_start, n_end = nxt
            block = block + " " + next_page.text[n_start:n_end]
        spans = sentence_spans(block)
        first_len = end - start
        groups = []
        if joined:  # the passage that crosses the break ends with the sentence that crosses it
            cut = next((k + 1 for k, (_s, e) in enumerate(spans) if e > first_len), len(spans))
            parts = [spans[:cut], spans[cut:]]
        else:
            parts = [spans]
        for part in parts:
            words = [len(block[s:e].split()) for s, e in part]
            groups += _group_sentences(part, words, settings) if part else []
        for g_start, g_end in groups:
            inner = [(s - g_start, e - g_start) for s, e in spans if g_start <= s and e <= g_end]
            if g_start < first_len < g_end:
                inner = _cut_at_page_break(inner, first_len - g_start)
            text = block[g_start:g_end]
            if g_end <= first_len:
                add(page, start + g_start, start + g_end, text, "body", inner)
            elif g_start > first_len:
                shift = n_start - first_len - 1
                add(next_page, g_start + shift, g_end + shift, text, "body", inner)
            else:
                add(page, start + g_start, end, text, "body", inner,
                    (next_page.number, n_start, n_start + g_end - first_len - 1))
        i += 2 if joined else 1
    return passages

