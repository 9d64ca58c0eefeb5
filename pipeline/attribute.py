"""Attribute: which MSI(s) is each passage about?

Mentions are found with a spaCy EntityRuler built from the registry: names and aliases match
case-insensitively, acronyms case-sensitively, and guarded acronyms (short or ambiguous, such
as "KP") only after the document has used the full name or an alias. A passage is about the
MSIs it mentions; otherwise about the MSI in focus (named by its section heading, or by the
previous passage of the same section); otherwise about the manifest's MSI for the document;
otherwise ``GENERAL``.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.records import GENERAL, Attribution, MsiMention, Passage
from pipeline.registry import Registry

CONFIDENCE = {"mention": 0.95, "heading": 0.8, "carried": 0.6, "manifest": 0.5, "general": 0.5}


class MsiAttributor:
    def __init__(self, registry: Registry):
        import spacy

        self.registry = registry
        self.nlp = spacy.blank("en")
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = []
        for msi in registry.msis:
            for name in msi.names:
                patterns.append({"label": "MSI", "pattern": name, "id": msi.id})
            for acronym in msi.acronyms:
                patterns.append({"label": "MSI", "pattern": [{"ORTH": acronym}], "id": msi.id})
            for acronym in msi.guarded_acronyms:
                patterns.append({"label": "MSI_GUARDED", "pattern": [{"ORTH": acronym}], "id": msi.id})
        ruler.add_patterns(patterns)

    def mentions(self, text: str, introduced: set[str]) -> list[MsiMention]:
        """Mentions in ``text``; ``introduced`` (MSIs already named in full) is updated in place."""
        found = []
        for ent in self.nlp(text).ents:
            msi_id = ent.ent_id_
            if ent.label_ == "MSI_GUARDED" and msi_id not in introduced:
                continue
            if ent.label_ == "MSI":
                introduced.add(msi_id)
            found.append(MsiMention(msi_id, ent.start_char, ent.end_char, ent.text))
        return found

    def attribute(self, passages: list[Passage], default_msi: str | None = None) -> list[Passage]:
        out: list[Passage] = []
        introduced: set[str] = set()
        heading_focus: list[str] = []
        carried: list[str] = []
        section: str | None = None
        for passage in passages:
            mentions = self.mentions(passage.text, introduced)
            named = list(dict.fromkeys(m.msi_id for m in mentions))
            if passage.kind == "heading":
                heading_focus, carried, section = named, [], passage.text
            elif passage.section != section:
                heading_focus, carried, section = [], [], passage.section
            if named:
                msis = [Attribution(m, CONFIDENCE["mention"], "mention") for m in named]
                if passage.kind != "heading":
                    carried = named
            elif heading_focus:
                msis = [Attribution(m, CONFIDENCE["heading"], "carried") for m in heading_focus]
            elif carried:
                msis = [Attribution(m, CONFIDENCE["carried"], "carried") for m in carried]
            elif default_msi:
                msis = [Attribution(default_msi, CONFIDENCE["manifest"], "manifest")]
            else:
                msis = [Attribution(GENERAL, CONFIDENCE["general"], "general")]
            out.append(replace(passage, mentions=tuple(mentions), msis=tuple(msis)))
        return out
