"""Propose a document's source record from what it says about itself.

Read in this order, each step giving its reason:

1. the manifest's ``publisher``, ``kind``, ``date`` and ``independence`` when given;
2. who speaks: "Commissioned by", "Prepared for", "Submitted to" lines (an MSI there makes the
   document a *commissioned evaluation* of that MSI), "Published by" and copyright lines, the
   source named in the title's last parentheses ("(The Guardian, June 2013)"), running headers,
   and web addresses. A speaker that the MSI registry lists as the MSI itself (its name,
   aliases, ``publishers``) or whose domain is one of the MSI's ``domains`` makes the document
   the MSI's own publication, *self-reported* for that MSI;
3. otherwise word cues in the speaker, the title and the first page pick news, academic, NGO or
   campaign critique, government or independent evaluation; no cue at all gives ``other``;
4. the publication date from the title, labelled lines, the front matter or a copyright line.

The confidence is a plain 0–1 figure of how direct the evidence was (the manifest 0.95, an MSI
named as commissioner or publisher 0.8–0.85, word cues 0.35–0.7, nothing 0.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipeline.rules.registry import Msi, Registry
from pipeline.sources.dates import parse_date, publication_date
from pipeline.sources.model import (
    DEFAULT_INDEPENDENCE,
    SourceRecord,
    normalise_independence,
    normalise_kind,
)


@dataclass(frozen=True)
class DocumentFacts:
    """What the proposer reads: the title, the first pages, and the MSIs the document discusses."""

    doc_id: str
    title: str = ""
    front: str = ""  # cleaned text (and running headers) of the first pages
    file_name: str = ""
    msi_counts: Mapping[str, int] = field(default_factory=dict)  # MSI -> passages about it
    manifest: object | None = None  # a pipeline.run.manifest.ManifestEntry


# Word cues per kind: (pattern, weight). Matched case-insensitively on whole words.
CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "news": (
        (r"news|times|post|guardian|reuters|associated press|bloomberg|magazine|daily|herald|"
         r"tribune|gazette|weekly|jck|journalist|newspaper|press agency|courthouse news|"
         r"businessworld|just[- ]style|just[- ]food", 3.0),
        (r"said in a statement|told reporters|said on \w+day|according to a statement", 1.0),
    ),
    "academic": (
        (r"journal of|journal|quarterly|university|working paper|proceedings|"
         r"institute of development studies|university press|conference abstract", 3.0),
        (r"abstract|doi|et al\.|vol\.|volume \d+|pp\. \d+|literature|hypothes[ie]s|"
         r"econometric|regression", 1.0),
    ),
    "ngo_critique": (
        (r"greenpeace|human rights watch|global witness|oxfam|amnesty|earthsight|"
         r"electronic frontier foundation|msi integrity|publish what you pay|clean clothes campaign|"
         r"corporate europe observatory|environmental investigation agency|friends of the earth|"
         r"human rights clinic|watch|campaign|coalition|ngo|blog", 3.0),
        (r"we call on|open letter|campaigners|civil society groups|withdrew from|resigns? from|"
         r"greenwashing|fails? to|failures?", 1.0),
    ),
    "government": (
        (r"ministry|department of|parliament|house of commons|government of|congress|senate|"
         r"embassy|european commission|federal|committee|official journal", 3.0),
        (r"written evidence|select committee|regulation \(eu\)", 1.0),
    ),
    "independent_evaluation": (
        (r"evaluation|impact assessment|final evaluation|evaluation report|evaluator|review of the "
         r"impact|conducted independently|independent evaluation|independent assessment|assessing",
         3.0),
        (r"assessment|methodology|findings|recommendations|terms of reference|key informant", 1.0),
    ),
}
_TIE_ORDER = ("independent_evaluation", "academic", "news", "government", "ngo_critique")

_COMMISSIONED = re.compile(
    r"(?im)\b(?:commissioned by|prepared for|submitted to|on behalf of|funded by|"
    r"consultancy report (?:for|to))\s*[:;]?\s*(?:the\s+)?([^\n.;]{3,90})")
# A document that describes itself as an evaluation ("This assessment ... was conducted
# independently", "Evaluation type: External evaluation") is one, whoever published it.
_SELF_EVALUATION = re.compile(
    r"(?i)\b(?:this|the present|our) (?:evaluation|assessment|impact assessment|review)\b[^.\n]{0,200}?"
    r"\b(?:was|is|were) (?:conducted|carried out|undertaken|prepared|commissioned)|"
    r"\bconducted independently\b|\bevaluation type\s*[:;]|\bindependent (?:evaluation|assessment)"
    r" (?:of|was|report)\b")
_PUBLISHED_BY = re.compile(
    r"(?im)\b(?:published by|publisher\s*:|issued by|a report by|a publication of|report by)\s*"
    r"(?:the\s+)?([^\n.;]{3,90})")
_COPYRIGHT = re.compile(r"(?i)(?:©|\(c\)|copyright)\s*(?:©\s*)?[\"“]?([^\n\"”]{3,80})")
_DOMAIN = re.compile(r"(?i)\b(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b")
_STRIP = re.compile(r"(?i)\b(?:press release|summary|announcement|front matter|opening|abstract|"
                    r"case study|written evidence|archived site|entry|section|deeplinks|blog)\b")


def _msi_terms(msi: Msi) -> list[tuple[re.Pattern, str]]:
    terms = [(re.compile(("" if n.isupper() and len(n) <= 6 else "(?i)")  # "IOM", "SER"
                         + rf"(?<!\w){re.escape(n)}(?!\w)"), n) for n in msi.own_publishers]
    terms += [(re.compile(rf"(?<!\w){re.escape(a)}(?!\w)"), a) for a in msi.acronyms]
    return terms


class SourceProposer:
    """Proposes source records with one MSI registry (build once, call per document)."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._terms = {m.id: _msi_terms(m) for m in registry.msis}
        self._domains = {d: m.id for m in registry.msis for d in m.own_domains}

    def msis_named(self, text: str) -> list[tuple[str, str]]:
        """(MSI id, matched words) for every MSI named in ``text`` as itself or its publisher."""
        found = []
        for msi_id, terms in self._terms.items():
            for pattern, term in terms:
                if pattern.search(text):
                    found.append((msi_id, term))
                    break
        return found

    def msis_of_domains(self, text: str) -> list[tuple[str, str]]:
        found = []
        for match in _DOMAIN.finditer(text):
            host = match.group(1).lower()
            parts = host.split(".")
            for i in range(len(parts) - 1):  # sub.domain.org also belongs to domain.org
                msi_id = self._domains.get(".".join(parts[i:]))
                if msi_id:
                    found.append((msi_id, host))
                    break
        return list(dict.fromkeys(found))

    def propose(self, facts: DocumentFacts) -> SourceRecord:
        entry = facts.manifest
        given = {k: (getattr(entry, k, "") or "").strip() for k in
                 ("publisher", "kind", "date", "independence", "msi", "source_url")}
        reasons: list[str] = []
        speakers = self._speakers(facts, given["publisher"])
        discussed = set(facts.msi_counts)

        kind, about, confidence = self._relation(facts, speakers, given, discussed, reasons)
        manifest_kind = normalise_kind(given["kind"], strict=False)
        if manifest_kind:
            if manifest_kind != kind:
                reasons.append(f"kind {manifest_kind!r} from the manifest")
            kind, confidence = manifest_kind, max(confidence, 0.95)
            if kind in DEFAULT_INDEPENDENCE and not about:
                about = _main_msis(given["msi"], facts.msi_counts)
        elif given["kind"]:
            reasons.append(f"manifest kind {given['kind']!r} is not in the vocabulary; "
                           "kind proposed from the text")
        independence = DEFAULT_INDEPENDENCE.get(kind, "independent")
        manifest_independence = normalise_independence(given["independence"], strict=False)
        if manifest_independence:
            independence = manifest_independence
            reasons.append(f"independence {independence!r} from the manifest")
        if independence == "independent":
            about = ()

        publisher = given["publisher"]
        if publisher:
            reasons.append("publisher from the manifest")
        elif speakers:
            publisher = speakers[0][1]
            reasons.append(f"publisher from the {speakers[0][0]}")

        published = _manifest_date(given["date"])
        if published:
            reasons.append("date from the manifest")
        else:
            found = publication_date(facts.title, facts.front)
            if found:
                published = found.iso
                reasons.append(f"date from the {found.where}: {found.evidence!r}")
            else:
                reasons.append("no publication date found")
        origin = "manifest" if any(given[k] for k in ("publisher", "kind", "date", "independence")) \
            else "proposed"
        return SourceRecord(doc_id=facts.doc_id, publisher=publisher[:200], kind=kind,
                            published=published, independence=independence,
                            about_msis=tuple(about), origin=origin,
                            confidence=round(confidence, 2), reason="; ".join(reasons))

    # -- steps -----------------------------------------------------------------------------

    def _speakers(self, facts: DocumentFacts, manifest_publisher: str) -> list[tuple[str, str]]:
        """(where, name) of whoever the document says published it, most direct first."""
        out: list[tuple[str, str]] = []
        if manifest_publisher:
            out.append(("manifest", manifest_publisher))
        head = facts.front[:6000]
        for match in _PUBLISHED_BY.finditer(head):
            out.append(("'published by' line", _clean(match.group(1))))
        for match in _COPYRIGHT.finditer(head):
            holder = re.sub(r"(?:19|20)\d{2}\S*", "", match.group(1))
            holder = re.split(r"(?i)\ball rights reserved|\.\s", holder)[0]
            if _clean(holder):
                out.append(("copyright line", _clean(holder)))
        source = title_source(facts.title)
        if source:
            out.append(("title", source))
        return [(w, n) for w, n in out if len(n) >= 2]

    def _relation(self, facts: DocumentFacts, speakers: list[tuple[str, str]], given: dict,
                  discussed: set[str], reasons: list[str]
                  ) -> tuple[str, tuple[str, ...], float]:
        """Kind, the MSIs it is not independent of, and a confidence."""
        head = facts.front[:6000]
        for match in _COMMISSIONED.finditer(head):
            named = _prefer_discussed(self.msis_named(match.group(1)), discussed)
            if named:
                reasons.append(f"commissioned by the MSI: {match.group(0).strip()[:90]!r} names "
                               + ", ".join(m for m, _ in named))
                return "commissioned_evaluation", tuple(m for m, _ in named), 0.85
        for where, name in speakers:
            named = _prefer_discussed(self.msis_named(name), discussed)
            if named:
                reasons.append(f"published by the MSI: the {where} names {name!r} "
                               f"({', '.join(m for m, _ in named)} in the registry)")
                return "msi_own", tuple(m for m, _ in named), 0.8
        # The title and heading-like first lines (short, not sentences): "EITI Board decision
        # 2018-39", a cover page's "Marine Stewardship Council".
        lines = [line.strip() for line in head.splitlines() if line.strip()][:3]
        header = "\n".join(line for line in lines if len(line) <= 100 and not line.endswith("."))
        named = _prefer_discussed(self.msis_named(header), discussed)
        if named and not given["publisher"] and not _title_cues(facts.title):
            reasons.append("the first lines name the MSI as the author: "
                           + ", ".join(f"{m} ({t!r})" for m, t in named))
            return "msi_own", tuple(m for m, _ in named), 0.6
        domains = _prefer_discussed(self.msis_of_domains(given["source_url"] + "\n" + head),
                                    discussed)
        if domains and not given["publisher"]:
            reasons.append("the MSI's own web domain: "
                           + ", ".join(f"{h} ({m})" for m, h in domains))
            return "msi_own", tuple(m for m, _ in domains), 0.6
        self_described = _SELF_EVALUATION.search(head[:3000])
        if self_described:
            reasons.append(f"describes itself as an evaluation: {self_described.group(0)[:80]!r}")
            return "independent_evaluation", (), 0.65
        speaker_text = " ".join(n for _, n in speakers) + " " + given["kind"]
        scores = {k: _score(k, speaker_text, 1.5) + _score(k, facts.title, 1.0)
                  + _score(k, facts.front[:1500], 0.34) for k in CUES}
        best = max(_TIE_ORDER, key=lambda k: scores[k])
        ranked = sorted(scores.values(), reverse=True)
        if ranked[0] <= 0:
            reasons.append("no cue to the kind of source")
            return "other", (), 0.2
        margin = ranked[0] - ranked[1]
        reasons.append(f"word cues for {best} (score {scores[best]:.1f}, next {ranked[1]:.1f})")
        return best, (), min(0.7, 0.35 + 0.05 * margin)


def title_source(title: str) -> str:
    """The source named in a title's last parentheses, without dates, authors' first parts and
    words such as "press release": "(Will Henley, The Guardian, June 2013)" → "The Guardian"."""
    brackets = re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", title or "")
    if not brackets:
        return ""
    parts = [p.strip() for p in re.split(r"[,;]\s*", brackets[-1]) if p.strip()]
    keep = []
    for part in parts:
        if parse_date(part) and len(re.sub(r"[\W\d_]", "", part)) <= 9:
            continue  # "June 2013", "2014", "March 3"
        part = re.sub(r"(?i)^(?:via|reporting|from|published by|in)\s+", "", part)
        part = _clean(_STRIP.sub("", part))
        if part:
            keep.append(part)
    return keep[-1] if keep else ""


def _title_cues(title: str) -> bool:
    return any(_score(k, title, 1.0) >= 3 for k in ("news", "ngo_critique", "academic"))


def _score(kind: str, text: str, weight: float) -> float:
    total = 0.0
    for pattern, value in CUES[kind]:
        if re.search(rf"(?i)(?<!\w)(?:{pattern})(?!\w)", text or ""):
            total += value * weight
    return total


def _prefer_discussed(named: list[tuple[str, str]], discussed: set[str]) -> list[tuple[str, str]]:
    """Of several MSIs sharing a publisher, those the document discusses (if any)."""
    inside = [n for n in named if n[0] in discussed]
    return inside or named


def _main_msis(manifest_msi: str, counts: Mapping[str, int]) -> tuple[str, ...]:
    if manifest_msi and manifest_msi != "GENERAL":
        return (manifest_msi,)
    real = {m: n for m, n in counts.items() if m != "GENERAL"}
    return (max(real, key=real.get),) if real else ()


def _manifest_date(value: str) -> str:
    if not value:
        return ""
    if re.fullmatch(r"(?:19|20)\d{2}(?:-\d{2}(?:-\d{2})?)?", value):
        return value
    found = parse_date(value)
    return found[0] if found else ""


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" .,:;-–—\"“”'")
    return text


def discussed_msis(rows: Iterable[str]) -> dict[str, int]:
    """Passage counts per MSI from a sequence of MSI ids (one per passage attribution)."""
    counts: dict[str, int] = {}
    for msi in rows:
        counts[msi] = counts.get(msi, 0) + 1
    return counts
