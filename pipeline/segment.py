"""Segment: a Document's pages become passages of whole sentences, paragraph-aware.

Blocks are the paragraphs of a page (separated by blank lines). A short block with no
sentence-final punctuation is a heading: it becomes its own passage of kind "heading" and the
section context of the passages after it. Body blocks are split into sentences by spaCy's rule-
based sentencizer (``spacy.blank("en")``, no downloaded model) and grouped into passages of
about ``target_words`` words, never crossing a block boundary. Every passage satisfies
``page.text[char_start:char_end] == text``.
"""

from __future__ import annotations

import hashlib
import re
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


def segment_document(doc: Document, settings: SegmentSettings = SegmentSettings()) -> list[Passage]:
    passages: list[Passage] = []
    section: str | None = None
    for page in doc.pages:
        for start, end in iter_blocks(page.text):
            block = page.text[start:end]
            if is_heading(block, settings):
                section = " ".join(block.split())
                chunks = [(start, end, "heading", [(0, end - start)])]
            else:
                spans = sentence_spans(block)
                words = [len(block[s:e].split()) for s, e in spans]
                chunks = []
                for g_start, g_end in _group_sentences(spans, words, settings):
                    inner = [(s - g_start, e - g_start) for s, e in spans if g_start <= s and e <= g_end]
                    chunks.append((start + g_start, start + g_end, "body", inner))
            for c_start, c_end, kind, sentences in chunks:
                text = page.text[c_start:c_end]
                passages.append(Passage(
                    passage_id=passage_id(doc.doc_id, page.number, c_start, c_end, text),
                    doc_id=doc.doc_id, seq=len(passages), page=page.number,
                    char_start=c_start, char_end=c_end, text=text, kind=kind,
                    section=section if kind != "heading" else None,
                    sentences=tuple(sentences),
                ))
    return passages
