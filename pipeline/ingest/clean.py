"""Text normalisation shared by every input kind.

Keeps the characters a reader sees and drops the ones that only confuse matching or display:
ligatures expanded, odd spaces made plain, zero-width and bidi-control characters removed
(a right-to-left override in a hostile file would otherwise reorder what a reviewer reads),
bullet glyphs unified, and PDF line-break hyphens (U+FFFE from pdfium) joined.
"""

from __future__ import annotations

import re
from collections import Counter

LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
             "\ufb05": "st", "\ufb06": "st"}
ODD_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
BULLETS = "\u2022\u25aa\u25e6\u25cf\u2023\u2043\u25a0\u25a1\uf0b7\uf0a7\uf076\uf0d8\u2219\u27a2"

_TRANSLATE = {ord(k): v for k, v in LIGATURES.items()}
_TRANSLATE.update({ord(c): " " for c in ODD_SPACES})
_TRANSLATE.update({ord(c): None for c in INVISIBLE})
_TRANSLATE.update({ord(c): "\u2022" for c in BULLETS})
# C0/C1 control characters other than newline become nothing (NUL bytes included).
_TRANSLATE.update({c: None for c in range(0x20) if c not in (0x0A,)})
_TRANSLATE.update({c: None for c in range(0x7F, 0xA0)})
_TRANSLATE[0x0D] = "\n"
_TRANSLATE[0x09] = " "

_SOFT_BREAK_HYPHEN = re.compile(r"\ufffe\s*\n?\s*")
_MULTI_SPACE = re.compile(r"[ ]{2,}")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
CID_NOISE = re.compile(r"\(cid:\d+\)")


# Substituting only the characters that change is ~7x faster than str.translate on long text.
_TO_TRANSLATE = re.compile("[" + "".join(re.escape(chr(c)) for c in _TRANSLATE) + "]")


def _translated(match: re.Match) -> str:
    return _TRANSLATE[ord(match.group())] or ""


def normalise_text(text: str) -> str:
    """Normalise characters and whitespace; paragraph breaks (blank lines) are kept."""
    text = text.replace("\r\n", "\n")
    if "\ufffe" in text:
        text = _SOFT_BREAK_HYPHEN.sub("", text)  # "exam\ufffe\r\nple" -> "example"
    text = _TO_TRANSLATE.sub(_translated, text)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    if "\n\n\n" in text:
        text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


# A footnote marker glued to the end of a word: "impacts.11 The" or "impacts,3 and". The
# marker is removed from the cleaned text (the footnote itself stays, as its own paragraph at
# the foot of the page), so sentence splitting and quotes see "impacts. The".
# The marker must follow two lower-case letters and one mark ("impacts.11"), or a lower-case
# letter, a closing quote or bracket and a mark ("quoted\u201d.5"); numbers such as "2011.12",
# "3.2" or "SA8000" stay. (A class-led pattern with the letters checked in Python is ~3x faster
# than the same test as look-behinds.)
_FOOTNOTE_MARKER = re.compile(r"([.,;:!?\"\u201d\u2019)]{1,2})\d{1,3}(?=\s|$)")
_CLOSERS = "\"\u201d\u2019)"
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


def strip_footnote_markers(text: str) -> str:
    def strip(match: re.Match) -> str:
        marks, start = match.group(1), match.start()
        before = text[max(0, start - 2):start]
        if len(marks) == 1:
            glued = len(before) == 2 and before[0] in _LOWER and before[1] in _LOWER
        else:
            glued = marks[0] in _CLOSERS and marks[1] not in _CLOSERS and before[-1:] in _LOWER
        return marks if glued else match.group(0)

    return _FOOTNOTE_MARKER.sub(strip, text)


# Line-break hyphens that pdfium marks with U+FFFE: "organi\ufffesation" is one word broken
# across lines, "multi\ufffestakeholder" a compound whose own hyphen fell at the line end.
_SOFT_HYPHEN_WORD = re.compile(r"([^\W\d_]+)\ufffe\s*([^\W_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
COMPOUND_PREFIXES = frozenset({
    "self", "non", "multi", "cross", "co", "anti", "post", "pre", "ex", "mid", "semi", "well",
    "low", "high", "long", "short", "full", "part", "cost", "sub", "under", "over", "pro"})

STRONG_PREFIXES = frozenset({"multi", "self", "non", "cross", "anti", "semi", "well"})


def soft_hyphen_vocabulary(texts) -> dict[str, int]:
    """Word counts of a document, leaving out the words broken at a line end (empty when no
    word is broken: then nothing needs deciding)."""
    texts = list(texts)
    if not any("\ufffe" in t for t in texts):
        return {}
    text = "\n".join(_SOFT_HYPHEN_WORD.sub(" ", t) if "\ufffe" in t else t for t in texts)
    counts = Counter(_WORD.findall(text.lower()))
    for word in [w for w in counts if "-" in w]:
        for part in word.split("-"):
            counts.setdefault(part, 0)
    return counts


def resolve_soft_hyphens(text: str, vocabulary: dict[str, int]) -> str:
    """Join words broken at a line end; keep the hyphen of real compounds.

    The document's own words decide first: ``multi-stakeholder`` seen elsewhere keeps its
    hyphen, ``organisation`` seen elsewhere is joined. Without evidence, a hyphen is kept when
    the second part starts with a capital or a digit (``non-\nEU``, ``COVID-\n19``), after a
    prefix that nearly always takes a hyphen (``multi-\nstakeholder``), or when the second part
    is a known word and the first one is too or a common compound prefix
    (``co-\noperation``); otherwise the parts are joined (``hyphen-\nated``).
    """

    def decide(m: re.Match) -> str:
        a, b = m.group(1), m.group(2)
        joined, hyphenated = (a + b).lower(), f"{a}-{b}".lower()
        if vocabulary.get(hyphenated, 0) > vocabulary.get(joined, 0):
            return f"{a}-{b}"
        if vocabulary.get(joined, 0):
            return a + b
        if b[0].isupper() or b[0].isdigit() or (a.isupper() and len(a) > 1):
            return f"{a}-{b}"
        if a.lower() in STRONG_PREFIXES and len(b) >= 4:
            return f"{a}-{b}"
        if len(b) >= 3 and b.lower() in vocabulary and (
                a.lower() in COMPOUND_PREFIXES or (len(a) >= 3 and a.lower() in vocabulary)):
            return f"{a}-{b}"
        return a + b

    return _SOFT_HYPHEN_WORD.sub(decide, text)


def cid_ratio(text: str) -> float:
    """Share of characters that are ``(cid:NNN)`` glyph placeholders (fonts without a Unicode map)."""
    if not text:
        return 0.0
    noise = sum(len(m.group(0)) for m in CID_NOISE.finditer(text))
    return noise / len(text)
