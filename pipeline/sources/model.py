"""The source record of one document and its vocabulary.

``independence`` is the document's relation to the MSIs in ``about_msis`` (the MSI that
published or commissioned it); towards every other MSI it discusses the document is
independent. An empty ``about_msis`` with a non-independent value means "every MSI it discusses"
(e.g. a manifest that says ``self-reported`` without naming the MSI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.errors import MsiEvidenceError

KINDS: dict[str, str] = {
    "msi_own": "MSI's own publication",
    "commissioned_evaluation": "evaluation commissioned by the MSI",
    "independent_evaluation": "independent evaluation",
    "ngo_critique": "NGO or campaign critique",
    "academic": "academic",
    "news": "news",
    "government": "government",
    "other": "other",
}
INDEPENDENCE: dict[str, str] = {
    "self-reported": "published by the MSI itself",
    "commissioned": "commissioned or paid for by the MSI",
    "independent": "neither published nor commissioned by the MSI",
}
UNKNOWN = ""  # no source record (a store from before sources were proposed)
DEFAULT_INDEPENDENCE = {"msi_own": "self-reported", "commissioned_evaluation": "commissioned"}

# Other spellings accepted in manifests and on the command line.
_KIND_ALIASES = {
    "own": "msi_own", "msi": "msi_own", "msi_publication": "msi_own", "self": "msi_own",
    "self_reported": "msi_own", "annual_report": "msi_own", "standard": "msi_own",
    "commissioned": "commissioned_evaluation", "commissioned_review": "commissioned_evaluation",
    "evaluation": "independent_evaluation", "independent": "independent_evaluation",
    "assessment": "independent_evaluation", "review": "independent_evaluation",
    "ngo": "ngo_critique", "critique": "ngo_critique", "campaign": "ngo_critique",
    "ngo_report": "ngo_critique", "advocacy": "ngo_critique",
    "academic_paper": "academic", "journal": "academic", "paper": "academic", "study": "academic",
    "press": "news", "article": "news", "newspaper": "news", "media": "news",
    "gov": "government", "official": "government", "parliament": "government",
}
_INDEPENDENCE_ALIASES = {"self": "self-reported", "self_reported": "self-reported",
                         "own": "self-reported", "commissioned_by_the_msi": "commissioned",
                         "independent_of_the_msi": "independent"}


class SourceError(MsiEvidenceError):
    """A source value outside the vocabulary, or a correction that names nothing to change."""


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")


def _normalise(value: str, vocabulary: dict[str, str], aliases: dict[str, str], what: str,
               strict: bool) -> str:
    """``value`` as a word of ``vocabulary`` (spelt with "_" or "-", or through ``aliases``);
    "" for "", and for an unknown word unless ``strict`` (then SourceError)."""
    key = _key(value)
    if not key:
        return ""
    for spelling in (key, key.replace("_", "-")):
        if spelling in vocabulary:
            return spelling
    if key in aliases:
        return aliases[key]
    if strict:
        raise SourceError(f"unknown {what} {value!r}; use one of {', '.join(vocabulary)}")
    return ""


def normalise_kind(value: str, *, strict: bool = True) -> str:
    """A kind from the vocabulary (``KINDS``) for ``value`` or one of its aliases; "" for ""."""
    return _normalise(value, KINDS, _KIND_ALIASES, "source kind", strict)


def normalise_independence(value: str, *, strict: bool = True) -> str:
    """An independence (``INDEPENDENCE``) for ``value`` or one of its aliases; "" for ""."""
    return _normalise(value, INDEPENDENCE, _INDEPENDENCE_ALIASES, "independence", strict)


def year_of(published: str) -> int | None:
    """The year of a publication date written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    match = re.match(r"^\s*((?:19|20)\d{2})\b", published or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class SourceRecord:
    """Who published a document, what kind it is, and when (one per document)."""

    doc_id: str
    publisher: str = ""
    kind: str = ""
    published: str = ""  # ISO-like: "2019", "2019-04" or "2019-04-01"
    independence: str = ""
    about_msis: tuple[str, ...] = ()  # the MSI(s) that published or commissioned it
    origin: str = "proposed"  # "manifest", "proposed", or "corrected" once a reviewer changed it
    confidence: float = 0.0
    reason: str = ""
    corrected_by: str = ""  # the reviewer of the latest correction, if any

    @property
    def year(self) -> int | None:
        return year_of(self.published)

    def independence_for(self, msi: str | None) -> str:
        """This document's independence from ``msi`` (a candidate's MSI)."""
        if not self.independence:
            return UNKNOWN
        if self.independence == "independent" or not self.about_msis:
            return self.independence
        return self.independence if msi in self.about_msis else "independent"

    def with_changes(self, **changes) -> SourceRecord:
        return replace(self, **changes)
