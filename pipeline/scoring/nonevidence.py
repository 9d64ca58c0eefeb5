"""Non-evidence: sentences that never count as evidence about an MSI.

Bylines ("by Jaff Bamenjo, Coordinator of ..."), contact details (e-mail, phone, "Contact:"),
calls to action ("Read the full article here"), series notes ("This is the third contribution
in a joint blog series ..."), author bios ("X is Senior Fellow at ..."), reference-list entries,
photo captions, heading-like lines and pure recommendations ("MSIs should ...", imperative
"Engage new partners ..."). Such sentences are never chosen as quotes, and a passage made only
of them produces no candidate; the share of such words is also a feature of the score.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"\+?\(?\d{2,4}\)?[\s.-]\d{3}[\s.-]\d{3,4}")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("byline", re.compile(r"^\s*by\s+[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|der|and|&|,))*"
                          r"\s*(?:,|$)", re.I | re.M)),
    ("contact", re.compile(r"^\s*(?:contact|interview requests|media contact|press contact)\s*:",
                           re.I)),
    ("call_to_action", re.compile(
        r"^\s*(?:read|listen to|watch|download|click|subscribe|sign up|see|find out|learn more)\b"
        r".*\b(?:here|now|online|below|on our (?:blog|website))\b", re.I | re.S)),
    ("call_to_action", re.compile(r"\b(?:is|are) available (?:from|at|here)\b", re.I)),
    ("series_note", re.compile(
        r"^\s*this is the \w+ (?:contribution |post |blog |article )?in a (?:joint )?"
        r"(?:blog )?series", re.I)),
    ("series_note", re.compile(r"^\s*the series will\b", re.I)),
    ("author_bio", re.compile(
        r"^\s*(?:[A-Z][\w.'’-]+\s){1,3}is (?i:(?:a |an |the )?(?:former |senior |executive |associate )?"
        r"(?:fellow|director|professor|researcher|lecturer|coordinator|chief|founder|author|"
        r"campaign|editor|head|lawyer|consultant|manager))", re.M)),
    ("author_bio", re.compile(r"^\s*(?:he|she|they) (?:is|are|was) (?:also )?(?:the )?"
                              r"(?:author|former|co-author)", re.I)),
    ("author_bio", re.compile(r"^\s*(?:his|her|their) (?:latest |most recent |new )?book\b", re.I)),
    ("reference", re.compile(r"^\s*(?:\[\d+\]|\d+\.\s+[A-Z][\w-]+,\s+[A-Z]\.)")),
    ("reference", re.compile(r"\b(?:doi:\s*10\.|retrieved from|accessed on)\b", re.I)),
    ("caption", re.compile(r"\((?:photo|image|picture|source|credit)\s*:", re.I)),
    ("recommendation", re.compile(
        r"^\s*(?:engage|explore|hold|draw on|build|focus on|deepen|expand|ensure|establish|"
        r"strengthen|invest|develop|promote|consider|adopt|introduce|set up|continue to)\b", re.I)),
    ("recommendation", re.compile(
        r"^\s*(?:msis?|multi-stakeholder initiatives?|the initiative|companies|governments|brands|"
        r"the government|we|they|it)\s+(?:should|must|need to|ought to)\b", re.I)),
    ("recommendation", re.compile(r"^\s*(?:we recommend|it is recommended|the time to act)\b", re.I)),
]


def nonevidence_kind(sentence: str) -> str | None:
    """The kind of non-evidence a sentence is, or None when it may be evidence."""
    text = sentence.strip()
    if not text:
        return "empty"
    for kind, pattern in _PATTERNS:
        if pattern.search(text):
            return kind
    stripped = _URL.sub("", _PHONE.sub("", _EMAIL.sub("", text)))
    if stripped != text and len(stripped.split()) <= 6:
        return "contact"
    if (len(text.split()) <= 30 and "\n" not in text
            and not re.search(r"[.!?:;…\"”’)\]]\s*$", text)):
        return "heading_like"
    return None


def nonevidence_spans(text: str, sentences: tuple[tuple[int, int], ...]) -> dict[tuple[int, int], str]:
    """Non-evidence sentences of a passage: {(start, end): kind}."""
    spans = sentences or ((0, len(text)),)
    out = {}
    for start, end in spans:
        kind = nonevidence_kind(text[start:end])
        if kind:
            out[(start, end)] = kind
    return out


def nonevidence_share(text: str, flagged: dict[tuple[int, int], str]) -> float:
    total = len(text.split()) or 1
    return min(1.0, sum(len(text[s:e].split()) for s, e in flagged) / total)
