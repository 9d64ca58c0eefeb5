"""Text normalisation shared by every input kind.

Keeps the characters a reader sees and drops the ones that only confuse matching or display:
ligatures expanded, odd spaces made plain, zero-width and bidi-control characters removed
(a right-to-left override in a hostile file would otherwise reorder what a reviewer reads),
bullet glyphs unified, and PDF line-break hyphens (U+FFFE from pdfium) joined.
"""

from __future__ import annotations

import re

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


def normalise_text(text: str) -> str:
    """Normalise characters and whitespace; paragraph breaks (blank lines) are kept."""
    text = text.replace("\r\n", "\n")
    text = _SOFT_BREAK_HYPHEN.sub("", text)  # "exam\ufffe\r\nple" -> "example"
    text = text.translate(_TRANSLATE)
    text = _MULTI_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def cid_ratio(text: str) -> float:
    """Share of characters that are ``(cid:NNN)`` glyph placeholders (fonts without a Unicode map)."""
    if not text:
        return 0.0
    noise = sum(len(m.group(0)) for m in CID_NOISE.finditer(text))
    return noise / len(text)
