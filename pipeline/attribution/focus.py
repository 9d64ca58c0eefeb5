"""Which MSI(s) each passage is about: sentence by sentence, with a focus that carries over.

Each sentence of a passage gets a label, in this order of precedence:

1. ``mention``: it names MSIs (registry names, aliases, acronyms that pass the guard). MSIs named
   only as examples of MSIs in general ("Examples of MSIs include Fairtrade") do not count.
2. ``anaphora``: a definite description refers to the MSI(s) in focus: "the Scheme" (the head
   noun must fit the MSI's name or its ``anaphora`` nouns, falling back to the most recently
   named MSI it fits), "the initiative", "the program", "its participating governments",
   "these MSIs" (which may also point back to GENERAL).
3. ``general``: a generic MSI noun phrase and no specific MSI ("MSIs have been influential",
   "voluntary initiatives fail to"); see ``cues``.
4. otherwise the sentence inherits the focus (``carried``: from the section heading or from the
   previous passage), else the manifest's MSI for the document (``manifest``), else the
   document's own main MSI (``document``: the MSI its title names, or the one named in most of
   its mentions, see ``main_msi``), else GENERAL (``general``, low confidence).

The focus is what the last labelled sentence was about. A heading starts a new section: its
MSIs (or GENERAL, for a heading such as "Rethinking MSIs: ...") become the focus, and a heading
that names none clears it. A passage is about the union of its sentences' MSIs, each with the
strongest reason found; candidates are then made per MSI (see ``pipeline.scoring.match``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.attribution import cues
from pipeline.attribution.mentions import DocumentState, MentionFinder
from pipeline.records import GENERAL, Attribution, MsiMention, Passage
from pipeline.rules.registry import Registry

CONFIDENCE = {"mention": 0.95, "anaphora": 0.85, "general": 0.85, "section": 0.8,
              "carried": 0.6, "manifest": 0.5, "document": 0.5, "default": 0.4}
# A document's main MSI without a manifest: named in its title, or at least this many mentions
# and this share of all its MSI mentions (standards, audit manuals and MSIs' own pages name
# themselves on the cover and rarely after).
MAIN_MSI_MIN_MENTIONS = 3
MAIN_MSI_MIN_SHARE = 0.6


@dataclass(frozen=True)
class Label:
    """What one sentence is about."""

    msi_id: str
    reason: str  # an Attribution reason
    confidence: float
    detail: str = ""


@dataclass
class Focus:
    msis: tuple[str, ...] = ()
    origin: str = ""  # "section" (a heading) or "text" (a sentence)
    passage_seq: int = -1  # the passage where the focus was set


class MsiAttributor:
    """Attribute passages to MSIs; one instance per process (building it loads spaCy)."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.finder = MentionFinder(registry)
        self._nouns = {m.id: m.anaphora_nouns for m in registry.msis}

    # -- one sentence ---------------------------------------------------------------------------

    def _fitting(self, noun: str, specific: list[str], state: DocumentState,
                 default_msi: str | None) -> list[str]:
        """MSIs that "the <noun>" may refer to: in focus, else the latest named, else default."""
        fits = [m for m in specific if noun in self._nouns.get(m, ())]
        if not fits:
            fits = [m for m in reversed(state.recency) if noun in self._nouns.get(m, ())][:1]
        if not fits and default_msi and noun in self._nouns.get(default_msi, ()):
            fits = [default_msi]
        return fits

    def _resolve_definite(self, sentence: str, focus: Focus, state: DocumentState,
                          default_msi: str | None) -> list[tuple[str, int, int, str]]:
        """(msi_id, start, end, surface) for definite descriptions that resolve in ``sentence``."""
        specific = [m for m in focus.msis if m != GENERAL]
        out = []
        for match in cues.CAPITALISED_DEFINITE_RE.finditer(sentence):
            # "the Round Table" / "the Accord Secretariat": try two words, then the first.
            two = f"{match.group(1)} {match.group(2)}".lower() if match.group(2) else None
            for noun, end in ((two, match.end()), (match.group(1).lower(), match.end(1))):
                fits = self._fitting(noun, specific, state, default_msi) if noun else []
                if fits:
                    out += [(m, match.start(), end, sentence[match.start():end]) for m in fits]
                    break
        fallback = specific or ([default_msi] if default_msi and default_msi != GENERAL else [])
        for regex in (cues.GENERIC_DEFINITE_RE, cues.POSSESSIVE_RE):
            for match in regex.finditer(sentence):
                out += [(m, match.start(), match.end(), match.group()) for m in fallback]
        for match in cues.DEMONSTRATIVE_RE.finditer(sentence):
            out += [(m, match.start(), match.end(), match.group()) for m in focus.msis]
        return sorted(out, key=lambda x: x[1])

    def _label_sentence(self, sentence: str, offset: int, mentions: list[MsiMention],
                        focus: Focus, state: DocumentState, default_msi: str | None,
                        seq: int, document_msi: bool = False
                        ) -> tuple[list[Label], list[MsiMention]]:
        """Labels for one sentence and the anaphora spans found; updates ``focus``."""
        named = [m for m in mentions if m.kind != "example"]
        if named:
            ids = list(dict.fromkeys(m.msi_id for m in named))
            labels = [Label(m, "mention", CONFIDENCE["mention"]) for m in ids]
            # "these initiatives fall short: X certified ..." names X as a case of a general
            # point: a plural demonstrative keeps GENERAL in focus beside the named MSIs.
            demonstrative = cues.DEMONSTRATIVE_RE.search(sentence)
            if demonstrative and focus.msis == (GENERAL,):
                labels.append(Label(GENERAL, "general", CONFIDENCE["general"],
                                    f"'{demonstrative.group()}'"))
            focus.msis = tuple(lab.msi_id for lab in labels)
            focus.origin, focus.passage_seq = "text", seq
            return labels, []

        resolved = self._resolve_definite(sentence, focus, state, default_msi)
        generic = cues.generic_cues(sentence)
        if any(m.kind == "example" for m in mentions):
            generic = generic or [None]
        labels: list[Label] = []
        spans: list[MsiMention] = []
        for msi_id, start, end, surface in resolved:
            span = MsiMention(msi_id, offset + start, offset + end, surface, "anaphora")
            if msi_id != GENERAL and span not in spans:
                spans.append(span)
            if all(lab.msi_id != msi_id for lab in labels):
                reason = "anaphora" if msi_id != GENERAL else "general"
                labels.append(Label(msi_id, reason, CONFIDENCE[reason], f"'{surface}'"))
        if generic and all(lab.msi_id != GENERAL for lab in labels):
            cue = f"'{generic[0].group()}'" if generic[0] is not None else "MSIs named as examples"
            labels.append(Label(GENERAL, "general", CONFIDENCE["general"], cue))
        if labels:
            focus.msis, focus.origin, focus.passage_seq = (
                tuple(lab.msi_id for lab in labels), "text", seq)
            return labels, spans

        if focus.msis:
            if focus.origin == "section":
                reason, conf, detail = "carried", CONFIDENCE["section"], "from the section heading"
            elif focus.passage_seq == seq:
                reason, conf, detail = "carried", CONFIDENCE["carried"], "from earlier in the passage"
            else:
                reason, conf, detail = "carried", CONFIDENCE["carried"], "from the previous passage"
            return [Label(m, reason, conf, detail) for m in focus.msis], []
        if default_msi and document_msi:
            return [Label(default_msi, "document", CONFIDENCE["document"],
                          "the document's main MSI (its title or most of its mentions)")], []
        if default_msi:
            return [Label(default_msi, "manifest", CONFIDENCE["manifest"],
                          "document default from the manifest")], []
        return [Label(GENERAL, "general", CONFIDENCE["default"], "no MSI named or in focus")], []

    # -- one document ---------------------------------------------------------------------------

    def mentions(self, text: str, state: DocumentState, section: str | None = None,
                 sentences: tuple[tuple[int, int], ...] = ()) -> list[MsiMention]:
        """Explicit mentions in ``text``; those listed as examples of MSIs get kind "example"."""
        found = self.finder.find(text, state, section)
        spans = sentences or ((0, len(text)),)
        out = []
        for m in found:
            start = next((s for s, e in spans if s <= m.start < e), 0)
            if cues.is_example(text[start:], m.start - start):
                m = replace(m, kind="example")
            out.append(m)
        return out

    def attribute(self, passages: list[Passage], default_msi: str | None = None) -> list[Passage]:
        """Passages of one document, in reading order, with ``mentions`` and ``msis`` filled in."""
        document_msi = default_msi is None
        if document_msi:
            default_msi = self.main_msi(passages)
        state = DocumentState()
        focus = Focus()
        section: str | None = None
        out: list[Passage] = []
        for passage in passages:
            if passage.kind == "heading" or passage.section != section:
                focus = Focus()
                section = (" ".join(passage.text.split()) if passage.kind == "heading"
                           else passage.section)
            spans = passage.sentences or ((0, len(passage.text)),)
            mentions = self.mentions(passage.text, state, passage.section or section, spans)
            labels: list[Label] = []
            anaphora: list[MsiMention] = []
            for start, end in spans:
                inside = [m for m in mentions if start <= m.start < end]
                got, refs = self._label_sentence(passage.text[start:end], start, inside, focus,
                                                 state, default_msi, passage.seq, document_msi)
                labels += got
                anaphora += refs
            if passage.kind == "heading":
                if focus.msis and focus.passage_seq == passage.seq:
                    focus.origin = "section"
                else:  # a heading that names no MSI clears the focus
                    focus = Focus()
            all_mentions = sorted([*mentions, *anaphora], key=lambda m: (m.start, m.end))
            out.append(replace(passage, mentions=tuple(all_mentions),
                               msis=tuple(_aggregate(labels))))
        return out

    def main_msi(self, passages: list[Passage]) -> str | None:
        """The MSI a document is mainly about, when it says so: the first MSI named in its
        first passage (the title), else one named in at least ``MAIN_MSI_MIN_MENTIONS`` and
        ``MAIN_MSI_MIN_SHARE`` of its MSI mentions; None otherwise."""
        state = DocumentState()
        counts: dict[str, int] = {}
        for k, passage in enumerate(passages):
            spans = passage.sentences or ((0, len(passage.text)),)
            named = [m for m in self.mentions(passage.text, state, passage.section, spans)
                     if m.kind != "example" and m.msi_id != GENERAL]
            if k == 0 and named:
                return named[0].msi_id
            for m in named:
                counts[m.msi_id] = counts.get(m.msi_id, 0) + 1
        if not counts:
            return None
        top, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= MAIN_MSI_MIN_MENTIONS and n >= MAIN_MSI_MIN_SHARE * sum(counts.values()):
            return top
        return None


def _aggregate(labels: list[Label]) -> list[Attribution]:
    """One Attribution per MSI, with its strongest label; strongest first, then reading order."""
    best: dict[str, tuple[Label, int]] = {}
    for index, label in enumerate(labels):
        if label.msi_id not in best or label.confidence > best[label.msi_id][0].confidence:
            best[label.msi_id] = (label, best.get(label.msi_id, (label, index))[1])
    ranked = sorted(best.values(), key=lambda item: (-item[0].confidence, item[1]))
    return [Attribution(lab.msi_id, lab.confidence, lab.reason, lab.detail) for lab, _ in ranked]
