"""Explicit MSI mentions: names, aliases and acronyms from the registry, with the acronym guard.

A spaCy EntityRuler built from the registry finds the spans: names and aliases match
case-insensitively (case-sensitively for entries marked ``exact_case``), acronyms
case-sensitively, and the longest match wins ("Kimberley Process Certification Scheme" over
"Kimberley Process"). A *guarded* acronym (short or ambiguous: "KP", "ETI", "FSC") counts only
when the context supports it: the document named that MSI earlier, or one of its
``context_keywords`` occurs in the passage or in its section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.records import MsiMention
from pipeline.rules.registry import Registry

_NAME, _ACRONYM, _GUARDED = "MSI_NAME", "MSI_ACRONYM", "MSI_GUARDED"
KIND = {_NAME: "name", _ACRONYM: "acronym", _GUARDED: "guarded_acronym"}


@dataclass
class DocumentState:
    """What the mention finder remembers while it reads one document, passage by passage."""

    introduced: set[str] = field(default_factory=set)  # MSIs named without a guard so far
    recency: list[str] = field(default_factory=list)  # MSIs in order of their latest mention

    def saw(self, msi_id: str) -> None:
        if msi_id in self.recency:
            self.recency.remove(msi_id)
        self.recency.append(msi_id)


class MentionFinder:
    def __init__(self, registry: Registry):
        import spacy

        self.registry = registry
        self.nlp = spacy.blank("en")
        self.nlp.max_length = 5_000_000
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = []
        for msi in registry.msis:
            for name in msi.names:
                pattern = ([{"ORTH": t.text} for t in self.nlp.make_doc(name)] if msi.exact_case
                           else name)
                patterns.append({"label": _NAME, "pattern": pattern, "id": msi.id})
            for acronym in msi.acronyms:
                patterns.append({"label": _ACRONYM, "pattern": [{"ORTH": acronym}], "id": msi.id})
            for acronym in msi.guarded_acronyms:
                patterns.append({"label": _GUARDED, "pattern": [{"ORTH": acronym}], "id": msi.id})
        ruler.add_patterns(patterns)
        self._context = {
            msi.id: re.compile(r"\b(?:" + "|".join(re.escape(k) for k in msi.context_keywords) + ")",
                               re.IGNORECASE)
            for msi in registry.msis if msi.context_keywords}

    def context_supports(self, msi_id: str, *texts: str | None) -> bool:
        """True when a context keyword of ``msi_id`` occurs in one of ``texts``."""
        pattern = self._context.get(msi_id)
        return bool(pattern) and any(t and pattern.search(t) for t in texts)

    def find(self, text: str, state: DocumentState, section: str | None = None) -> list[MsiMention]:
        """Mentions in ``text`` in order; ``state`` is updated (introduced MSIs, recency)."""
        found = []
        for ent in self.nlp(text).ents:
            msi_id = ent.ent_id_
            if (ent.label_ == _GUARDED and msi_id not in state.introduced
                    and not self.context_supports(msi_id, text, section)):
                continue
            state.introduced.add(msi_id)
            state.saw(msi_id)
            found.append(MsiMention(msi_id, ent.start_char, ent.end_char, ent.text,
                                    KIND[ent.label_]))
        return found
