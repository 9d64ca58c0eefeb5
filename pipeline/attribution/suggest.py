"""Discover MSIs the registry lacks: names in the stored passages that look like initiatives.

Two kinds of evidence are collected from the live (non-stale) passages of a store:

- names in Title Case that end in an initiative word ("... Initiative", "... Alliance",
  "... Council", "... Roundtable", "... Scheme", "... Accord", "... Program(me)", "... Standard",
  "... Association", "... Partnership", "... Coalition", "... Pledge", ...);
- acronym definitions, "Full Name (ABC)", where the acronym matches the initials of the name.

Names the registry already matches (a name, alias or acronym of an entry, or a name that
contains one) are left out, as are organisation names that only contain MSI words ("MSI
Integrity"). The result is printed as YAML entries ready to paste under ``msis:``.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

import yaml

from pipeline.attribution.cues import mask_organisations
from pipeline.rules.registry import Registry
from pipeline.store.reports import passage_texts

KEYWORDS = ("Initiative", "Alliance", "Council", "Roundtable", "Round Table", "Scheme", "Accord",
            "Program", "Programme", "Standard", "Association", "Partnership", "Coalition", "Pledge",
            "Principles", "Platform", "Protocol", "Compact", "Forum", "Task Force")
_CONNECT = r"(?:of|for|on|the|and|in|to|&|de|du|des|la|le)"
_WORD = r"(?:[A-Z](?:[\w’'&-]|\.(?=\w))*)"  # a capitalised word; a final "." ends a sentence
_KW = "|".join(k.replace(" ", r"\s+") for k in KEYWORDS)
NAME_RE = re.compile(
    rf"(?<![\w-])((?:{_WORD}\s+(?:{_CONNECT}\s+){{0,2}}){{1,8}}(?:{_KW}))(?![\w-])")
ACRONYM_DEF_RE = re.compile(
    rf"((?:{_WORD}\s+(?:{_CONNECT}\s+){{0,2}}){{0,9}}{_WORD})\s+\(([A-Z][A-Za-z0-9&]{{1,9}})\)")
# Leading words that start a sentence rather than a name.
_LEADING = {"the", "a", "an", "this", "these", "those", "our", "its", "their", "his", "her", "are",
            "is", "was", "were", "in", "on", "by", "for", "of", "and", "read", "both", "new",
            "through", "under", "during", "with", "from", "to", "as", "at", "while", "when",
            "since", "unlike", "like", "via", "about", "per", "each", "every", "all", "any"}
# Words that make a name generic rather than the name of one initiative.
_GENERIC = {"multi-stakeholder", "multistakeholder", "multi", "stakeholder", "msi", "msis",
            "voluntary", "initiative", "initiatives", "new", "global", "international", "the",
            "this", "that", "such", "one", "an", "a"}
_CONTINUES = re.compile(r"\s+(?:of|for|on|in)\s+(?:the\s+)?[A-Z]")
_EXAMPLE_CHARS = 180
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[“\"'(A-Z0-9])")


@dataclass
class Suggestion:
    name: str
    acronyms: list[str] = field(default_factory=list)
    count: int = 0
    documents: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)
    how: set[str] = field(default_factory=set)  # "name" and/or "acronym definition"

    @property
    def suggested_id(self) -> str:
        short = [a for a in self.acronyms if len(a) >= 3]
        base = short[0] if short else self.name
        slug = re.sub(r"[^A-Za-z0-9]+", "_", base).strip("_").upper()
        while len(slug) > 40 and "_" in slug:
            slug = slug.rsplit("_", 1)[0]
        return slug or "NEW_MSI"


def _trim(name: str) -> str:
    words = name.split()
    while words and (words[0].lower() in _LEADING or re.fullmatch(_CONNECT, words[0])):
        words = words[1:]
    return " ".join(words)


def _initials_match(words: list[str], acronym: str) -> int:
    """How many trailing capitalised words of ``words`` spell ``acronym``; 0 when none do."""
    letters = "".join(c for c in acronym if c.isupper())
    caps = [i for i, w in enumerate(words) if w[:1].isupper()]
    for n in range(1, len(caps) + 1):
        chosen = caps[-n:]
        initials = "".join(words[i][0] for i in chosen)
        with_parts = "".join(p[0] for i in chosen for p in words[i].split("-") if p[:1].isupper())
        if letters in (initials.upper(), with_parts.upper()):
            return len(words) - chosen[0]
    return 0


def _sentence_around(text: str, start: int, end: int) -> str:
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    after = _SENTENCE_END.search(text, end)
    stop = after.start() if after else len(text)
    if stop - begin > _EXAMPLE_CHARS:  # a window around the name
        left = max(begin, start - _EXAMPLE_CHARS // 2)
        right = min(stop, max(end, left + _EXAMPLE_CHARS))
        return ("…" if left > begin else "") + " ".join(text[left:right].split()) + (
            "…" if right < stop else "")
    return " ".join(text[begin:stop].split())


class _Known:
    """What the registry already matches."""

    def __init__(self, registry: Registry):
        self.names = {n.lower() for m in registry.msis for n in m.names}
        self.acronyms = {a for m in registry.msis for a in (*m.acronyms, *m.guarded_acronyms)}

    def covers(self, name: str, acronym: str | None = None) -> bool:
        lower = name.lower()
        if acronym and acronym in self.acronyms:
            return True
        if lower in self.names or name in self.acronyms:
            return True
        return any(re.search(rf"\b{re.escape(n)}\b", lower) for n in self.names if len(n) > 3)


def _starts_sentence(text: str, match: re.Match) -> bool:
    before = text[: match.start()].rstrip()
    return not before or before[-1] in ".!?:;“\"("


def _generic(name: str) -> bool:
    words = [w.lower().strip("’'s") for w in name.split() if not re.fullmatch(_CONNECT, w)]
    keyword_words = {k.lower() for kw in KEYWORDS for k in kw.split()}
    return all(w in _GENERIC or w in keyword_words for w in words)


def find_candidates(text: str, known: _Known):
    """Yield (name, acronym or None, start, end, how) for initiative-like names in ``text``."""
    text = mask_organisations(text)
    for match in NAME_RE.finditer(text):
        if _CONTINUES.match(text, match.end(1)):  # "Coalition of Immokalee Workers": longer name
            continue
        words = match.group(1).split()
        if len(words) > 2 and re.fullmatch(_CONNECT, words[1]) and _starts_sentence(text, match):
            words = words[1:]  # "Critics of the Cotton Pledge": the first word opens the sentence
        name = _trim(" ".join(words))
        if len(name.split()) >= 2 and not _generic(name) and not known.covers(name):
            yield name, None, match.start(1), match.end(1), "name"
    for match in ACRONYM_DEF_RE.finditer(text):
        words, acronym = match.group(1).split(), match.group(2)
        n = _initials_match(words, acronym)
        if not n or len(acronym) < 2:
            continue
        name = _trim(" ".join(words[-n:]))
        if len(name.split()) >= 2 and not _generic(name) and not known.covers(name, acronym):
            yield name, acronym, match.start(), match.end(), "acronym definition"


def suggest_msis(conn: sqlite3.Connection, registry: Registry, min_count: int = 1,
                 examples: int = 2) -> list[Suggestion]:
    """Initiative-like names in the store's live passages that the registry does not know."""
    known = _Known(registry)
    found: dict[str, Suggestion] = {}
    rows = passage_texts(conn)
    for doc_id, text in rows:
        for name, acronym, start, end, how in find_candidates(text, known):
            key = name.casefold()
            item = found.setdefault(key, Suggestion(name))
            item.count += 1
            item.documents.add(doc_id)
            item.how.add(how)
            if acronym and acronym not in item.acronyms:
                item.acronyms.append(acronym)
            example = _sentence_around(text, start, end)
            if len(item.examples) < examples and example not in item.examples:
                item.examples.append(example)
    out = [s for s in found.values() if s.count >= min_count]
    return sorted(out, key=lambda s: (-len(s.documents), -s.count, s.name.casefold()))


def _comment(text: str) -> str:
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean[:240] + ("…" if len(clean) > 240 else "")


def format_suggestions(suggestions: list[Suggestion], source: str = "the store") -> str:
    """YAML entries (with comments: counts and example sentences) ready to paste under ``msis:``."""
    if not suggestions:
        return f"# No initiative-like names in {source} are missing from the MSI registry."
    lines = [
        f"# {len(suggestions)} initiative-like name(s) in {source} are not in the MSI registry.",
        "# Keep the real MSIs, fill in owner, sector and website, and paste the entries under",
        "# `msis:` in evidence_rules/msi_registry.yaml; acronyms of 3 letters or fewer are listed",
        "# as guarded (add context_keywords). Then re-run `msi-evidence run` to re-attribute.",
    ]
    for s in suggestions:
        lines.append("")
        lines.append(f"  # {_comment(s.name)}: seen {s.count} time(s) in {len(s.documents)} "
                     f"document(s), as {' and '.join(sorted(s.how))}")
        lines += [f"  #   e.g. {_comment(example)}" for example in s.examples]
        lines += suggestion_yaml(s)
    return "\n".join(lines)


def suggestion_yaml(s: Suggestion) -> list[str]:
    """One registry entry for ``s`` as indented YAML lines (to paste under ``msis:``)."""
    entry: dict = {"id": s.suggested_id, "name": s.name}
    long = [a for a in s.acronyms if len(a) > 3]
    short = [a for a in s.acronyms if len(a) <= 3]
    if long:
        entry["acronyms"] = long
    if short:
        entry["guarded_acronyms"] = short
        entry["context_keywords"] = []
    entry.update(owner="", sector="", website="")
    dumped = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    return ["  " + line for line in dumped.rstrip("\n").splitlines()]
