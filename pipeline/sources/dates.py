"""Dates in text: a document's publication date from its front matter, and the period a claim
refers to ("in 2019", "since the 2013 reform", "between 2015 and 2017").

Plain regular expressions over the cleaned page text; every answer carries the words it was read
from, so that a reviewer can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
YEAR_RE = re.compile(rf"(?<![\d.,/-]){_YEAR}(?![\d,]|\.\d)")

# Full dates: "9 May 2023", "May 9, 2023", "March 3, 2014", "2023-05-09"; then "May 2023".
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s*({_MONTH}),?\s*({_YEAR})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({_YEAR})\b", re.I)
_ISO = re.compile(rf"\b({_YEAR})-(\d{{2}})-(\d{{2}})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+({_YEAR})\b", re.I)
# Lines that say what the date is: "Published: ...", "Final report date: ...", "© 2019 ...".
_LABELLED = re.compile(
    r"(?im)^.{0,40}?\b(?:published(?:\s+on)?|publication date|report date|date of publication|"
    r"issued|release date|date|version date|last updated|effective date)\b\s*[:\-–]?\s*(.{4,60})$")
_COPYRIGHT = re.compile(rf"(?i)(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:[^\n\d]{{0,60}}?)({_YEAR})")


@dataclass(frozen=True)
class FoundDate:
    iso: str  # "2023-05-09", "2023-05" or "2023"
    evidence: str  # the words it was read from
    where: str  # "title", "labelled line", "copyright line", "front matter"


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")[:4] if name.lower().startswith("sept") else
                  name.lower().rstrip(".")[:3]]


def parse_date(text: str) -> tuple[str, str] | None:
    """The first date in ``text`` as (ISO string, matched words), the most precise form first."""
    best: tuple[int, str, str] | None = None
    for pattern, build in (
        (_ISO, lambda m: f"{m[1]}-{m[2]}-{m[3]}"),
        (_DAY_MONTH_YEAR, lambda m: f"{m[3]}-{_month(m[2]):02d}-{int(m[1]):02d}"),
        (_MONTH_DAY_YEAR, lambda m: f"{m[3]}-{_month(m[1]):02d}-{int(m[2]):02d}"),
        (_MONTH_YEAR, lambda m: f"{m[2]}-{_month(m[1]):02d}"),
    ):
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            try:
                best = (match.start(), build(match), match.group(0))
            except (KeyError, ValueError):
                continue
    if best:
        return best[1], best[2]
    year = YEAR_RE.search(text)
    return (year.group(0), year.group(0)) if year else None


def publication_date(title: str, front: str) -> FoundDate | None:
    """The publication date of a document from its title and the text of its first pages.

    In order: a date in the title's last parentheses ("(The Guardian, June 2013)"), a labelled
    line ("Final report date: 9 May 2023", "Published: ..."), a copyright line ("© 2019 ..."),
    the first full date in the first 1,500 characters, a year in the title.
    """
    brackets = re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", title or "")
    for inner in reversed(brackets):
        found = parse_date(inner)
        if found:
            return FoundDate(found[0], found[1], "title")
    for match in _LABELLED.finditer(front[:4000]):
        found = parse_date(match.group(1))
        if found:
            return FoundDate(found[0], match.group(0).strip()[:80], "labelled line")
    head = front[:1500]
    for pattern in (_ISO, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _MONTH_YEAR):
        match = pattern.search(head)
        if match:
            found = parse_date(match.group(0))
            if found:
                return FoundDate(found[0], found[1], "front matter")
    copyright_line = _COPYRIGHT.search(front[:6000])
    if copyright_line:
        return FoundDate(copyright_line.group(1), copyright_line.group(0).strip()[:80],
                         "copyright line")
    year = YEAR_RE.search(title or "")
    if year:
        return FoundDate(year.group(0), year.group(0), "title")
    return None


@dataclass(frozen=True)
class EvidenceDate:
    year: int | None
    origin: str  # "text", "document date" or "" (unknown)
    phrase: str = ""  # the words of the claim that gave the year

    def describe(self) -> str:
        if self.origin == "text":
            return f"text: {self.phrase}"
        return self.origin


# A year that is part of a citation ("(Collier 2007, p. 163)", "(Fairtrade International, 2012a)").
_CITATION = re.compile(rf"\([^()]*?\b{_YEAR}[a-z]?(?:,\s*pp?\.\s*[\d–-]+)?\s*\)")
_RANGE = re.compile(
    rf"(?i)\b(?:between|from)\s+(?:(?:the\s+)?(?:end|start|beginning|middle)\s+of\s+)?({_YEAR})"
    rf"\s+(?:and|to|until|till)\s+({_YEAR})\b|\b({_YEAR})\s*[–—-]\s*((?:19|20)?\d{{2}})\b")
_SINCE = re.compile(rf"(?i)\bsince\s+(?:(?:the|its|their|a|an)\s+)?(?:(?:end|start|beginning)\s+of\s+)?"
                    rf"(?:\w+\s+){{0,2}}?({_YEAR})\b(?:\s+(?:reform|review|revision|launch|founding|"
                    rf"agreement|crisis|collapse|disaster|validation|standard))?")
_POINT = re.compile(rf"(?i)\b(?:in|during|by|as of|until|till|throughout|after|before|from)\s+"
                    rf"(?:(?:early|late|mid|mid-)\s*)?(?:{_MONTH}\s+)?(?:the\s+)?({_YEAR})\b"
                    rf"|\b({_YEAR})\s+(?:reform|review|validation|revision|report|assessment|"
                    rf"audit|evaluation|survey|season|plenary|standard|data|figures)\b")


def _range_end(first: str, second: str) -> int:
    if len(second) == 2:  # "2015-17"
        second = first[:2] + second
    return max(int(first), int(second))


def evidence_period(sentence: str, document_year: int | None) -> EvidenceDate:
    """The year a claim refers to: the end of a stated period, the year named for it, or the
    document's year.

    - "between 2015 and 2017", "2015–2017" → 2017 (the latest year the claim covers);
    - "since 2013", "since the 2013 reform" → the document's year (the claim runs up to it),
      or 2013 when the document date is unknown;
    - "in 2019", "by 2019", "the 2019 validation" → 2019; several → the latest;
    - years in citations, and years after the document's year (targets such as "by 2030"),
      do not count; otherwise the document's year (origin "document date"), else unknown.
    """
    text = _CITATION.sub(lambda m: " " * len(m.group(0)), sentence or "")
    limit = (document_year + 1) if document_year else None

    def ok(year: int) -> bool:
        return limit is None or year <= limit

    found: list[tuple[int, str]] = []
    for match in _RANGE.finditer(text):
        first, second = (match.group(1), match.group(2)) if match.group(1) else \
            (match.group(3), match.group(4))
        end = _range_end(first, second)
        if int(first) <= end and ok(int(first)):
            found.append((min(end, limit) if limit else end, match.group(0)))
    for match in _SINCE.finditer(text):
        start = int(match.group(1))
        if ok(start):
            found.append((max(start, document_year) if document_year else start,
                          match.group(0).strip()))
    if not found:
        for match in _POINT.finditer(text):
            year = int(match.group(1) or match.group(2))
            if ok(year):
                found.append((year, match.group(0).strip()))
    if found:
        year, phrase = max(found, key=lambda f: f[0])
        return EvidenceDate(year, "text", " ".join(phrase.split()))
    if document_year:
        return EvidenceDate(document_year, "document date")
    return EvidenceDate(None, "")
