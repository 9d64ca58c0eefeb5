"""Resolve MSI names as people write them (in a manifest, a spreadsheet) to registry ids.

"Fair Labor Association (FLA)", "fair labor association", "FLA", "Kimberley Process (KPCS)",
"Rainforest Alliance;UTZ" and "Fairtrade, Rainforest Alliance" all resolve through the registry:
ids, names, aliases and acronyms (guarded ones too: in a manifest column there is no ambiguity
to guard against), compared case-, accent- and punctuation-insensitively. A value may list
several MSIs separated by ``;``, ``|`` or a newline, or by commas when every part resolves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.records import GENERAL
from pipeline.rules.registry import Registry

GENERAL_WORDS = {"general", "none", "n a", "na", "various", "msis", "msis in general",
                 "multi stakeholder initiatives", "multistakeholder initiatives"}
_LIST_SPLIT = re.compile(r"\s*[;|\n]\s*")
_PARENTHESIS = re.compile(r"^(?P<outer>.*?)\s*[(\[](?P<inner>[^)\]]*)[)\]]\s*(?P<rest>.*)$")
_ALTERNATIVES = re.compile(r"\s+(?:/|–|—|-)\s+")


def fold(text: str) -> str:
    """Lower case, no accents, '&' as 'and', punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Resolution:
    """One name as given, and the registry id it resolved to (None when it did not)."""

    given: str
    msi_id: str | None
    how: str = ""  # "id", "name", "alias", "acronym", "general"; or why it failed
    acronym: str = ""  # an acronym written beside an unresolved name: "Soja Plus (SP)"


class MsiNameResolver:
    """Registry surfaces, folded, mapped to ids; ambiguous surfaces map to None."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._index: dict[str, tuple[str | None, str]] = {}
        for msi in registry.msis:
            surfaces = [(msi.id, "id"), (msi.id.replace("_", " "), "id"), (msi.name, "name"),
                        *((a, "alias") for a in msi.aliases),
                        *((a, "acronym") for a in (*msi.acronyms, *msi.guarded_acronyms))]
            for surface, how in surfaces:
                key = fold(surface)
                if key.startswith("the "):
                    self._add(key[4:], msi.id, how)
                self._add(key, msi.id, how)

    def _add(self, key: str, msi_id: str, how: str) -> None:
        if not key:
            return
        known = self._index.get(key)
        if known is None:
            self._index[key] = (msi_id, how)
        elif known[0] != msi_id:
            self._index[key] = (None, f"ambiguous: {known[0] or '?'} or {msi_id}")

    def _lookup(self, text: str) -> tuple[str | None, str]:
        key = fold(text)
        if key.startswith("the "):
            key = key[4:]
        if key in GENERAL_WORDS or text.strip().upper() == GENERAL:
            return GENERAL, "general"
        return self._index.get(key, (None, "not in the registry"))

    def resolve_one(self, given: str) -> Resolution:
        """One MSI name: the whole text, then "Name (ACRONYM)" parts, then "A / B" parts."""
        text = given.strip()
        msi_id, how = self._lookup(text)
        if msi_id is not None or how.startswith("ambiguous"):
            return Resolution(given, msi_id, how)
        acronym = ""
        match = _PARENTHESIS.match(text)
        if match:
            outer = f"{match['outer']} {match['rest']}".strip()
            inner = match["inner"].strip()
            for part in (outer, inner):
                found, found_how = self._lookup(part) if part else (None, "")
                if found is not None:
                    return Resolution(given, found, found_how)
            acronym = inner if re.fullmatch(r"[A-Z][A-Za-z0-9&]{1,9}", inner) else ""
        parts = _ALTERNATIVES.split(text)
        if len(parts) > 1:
            for part in parts:
                found = self.resolve_one(part)
                if found.msi_id is not None:
                    return Resolution(given, found.msi_id, found.how)
        return Resolution(given, None, how, acronym)

    def resolve_list(self, value: str) -> list[Resolution]:
        """Every MSI named in a cell, in order (see the module docstring for separators)."""
        out: list[Resolution] = []
        for piece in _LIST_SPLIT.split(value.strip()):
            if not piece:
                continue
            whole = self.resolve_one(piece)
            if whole.msi_id is None and "," in piece:
                parts = [self.resolve_one(p) for p in piece.split(",") if p.strip()]
                if all(p.msi_id is not None for p in parts):
                    out.extend(parts)
                    continue
            out.append(whole)
        return out
