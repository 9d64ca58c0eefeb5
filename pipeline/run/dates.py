"""Dates as people write them in a manifest, normalised to ISO 8601 at the precision given.

"2011", "2011-03", "2011-03-05", "2011/3/5", "5/3/2011", "05.03.2011", "March 2011",
"5 March 2011", "March 5, 2011", "Mar. 2011", "Q2 2019" and spreadsheet date cells become "2011",
"2011-03", "2011-03-05" (a quarter becomes its first month). A slash date whose day and month
could be swapped (both 12 or less) is read day first, with a note.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name: i for i, names in enumerate(
    (("jan", "january", "janv", "janvier", "enero", "ene"),
     ("feb", "february", "fev", "février", "fevrier", "febrero"),
     ("mar", "march", "mars", "marzo"),
     ("apr", "april", "avr", "avril", "abril", "abr"),
     ("may", "mai", "mayo"),
     ("jun", "june", "juin", "junio"),
     ("jul", "july", "juil", "juillet", "julio"),
     ("aug", "august", "aout", "août", "agosto", "ago"),
     ("sep", "sept", "september", "septembre", "septiembre"),
     ("oct", "october", "octobre", "octubre"),
     ("nov", "november", "novembre", "noviembre"),
     ("dec", "december", "décembre", "decembre", "diciembre", "dic")), start=1)
    for name in names}
_MONTH = r"([A-Za-zéû]{3,10})\.?"


@dataclass(frozen=True)
class ParsedDate:
    iso: str  # "" when the text could not be read
    note: str = ""  # why not, or how an ambiguous date was read


def _ymd(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if day is not None:
            return dt.date(year, month or 1, day).isoformat()
    except ValueError:
        return None
    if month is not None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return f"{year:04d}"


def parse_date(value: object) -> ParsedDate:
    """Read one manifest date cell (text, or a date/datetime from a spreadsheet)."""
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date().isoformat())
    if isinstance(value, dt.date):
        return ParsedDate(value.isoformat())
    if isinstance(value, int | float) and 1000 <= value <= 9999 and float(value).is_integer():
        return ParsedDate(f"{int(value):04d}")
    text = " ".join(str(value or "").split())
    if not text:
        return ParsedDate("")
    iso = _parse_text(text)
    if iso is None:
        return ParsedDate("", f"date {text!r} not understood; write it as YYYY, YYYY-MM or "
                              "YYYY-MM-DD (kept as given)")
    if isinstance(iso, tuple):
        return ParsedDate(*iso)
    return ParsedDate(iso)


def _parse_text(text: str) -> str | tuple[str, str] | None:
    if m := re.fullmatch(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?", text):
        return _ymd(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        if a > 12 >= b or text[2:3] == ".":  # day first; dots are always day.month.year
            return _ymd(year, b, a)
        if b > 12 >= a:
            return _ymd(year, a, b)
        iso = _ymd(year, b, a)
        if iso and a != b:
            return iso, f"date {text!r} is ambiguous; read as day/month ({iso}); write YYYY-MM-DD to be sure"
        return iso
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{4})", text):
        return _ymd(int(m[2]), int(m[1]))
    if m := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?(\d{{4}})",
                         text, re.IGNORECASE):
        month = _MONTHS.get(m[2].lower())
        return _ymd(int(m[3]), month, int(m[1])) if month else None
    if m := re.fullmatch(rf"{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", text, re.IGNORECASE):
        month = _MONTHS.get(m[1].lower())
        return _ymd(int(m[3]), month, int(m[2])) if month else None
    if m := re.fullmatch(rf"{_MONTH},?\s+(?:de\s+)?(\d{{4}})", text, re.IGNORECASE):
        month = _MONTHS.get(m[1].lower())
        return _ymd(int(m[2]), month) if month else None
    if m := re.fullmatch(r"Q([1-4])\s*(\d{4})|(\d{4})\s*Q([1-4])", text, re.IGNORECASE):
        quarter, year = (m[1], m[2]) if m[1] else (m[4], m[3])
        return _ymd(int(year), 3 * int(quarter) - 2)
    return None
