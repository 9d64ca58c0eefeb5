"""Text cues for attribution: talk about MSIs as a field, and definite descriptions.

These are plain regular expressions over a sentence; they carry no knowledge of particular MSIs
(MSI-specific head nouns come from the registry, see ``Msi.anaphora_nouns``).

GENERAL rule: a sentence is about MSIs as a field when it names no specific MSI and uses a
*generic* MSI noun phrase: a plural or indefinite MSI noun that is not tied back to something
named before ("MSIs have been influential", "almost 80% of the surveyed MSIs", "an MSI",
"voluntary initiatives fail to", "multi-stakeholder initiatives (MSIs) emerged"). The same nouns
after a demonstrative ("these MSIs", "both initiatives", "the agreements") are anaphora instead:
they refer to whatever is in focus, which may itself be GENERAL.
"""

from __future__ import annotations

import re

# Organisation names that contain MSI nouns but are not about MSIs as a field.
_MASK = re.compile(
    r"\bInstitute for Multi-?Stakeholder Initiative Integrity\b|\bMSI Integrity\b", re.IGNORECASE)

# Nouns that denote MSIs as a kind of thing (not a particular one).
_MSI = r"(?-i:MSI(?:s|[’']s|s[’'])?)"  # the acronym only in capitals (not "msi-integrity.org")
_MSINITIATIVE = r"multi-?\s?stakeholder\s+initiatives?"
_VOLUNTARY = (r"voluntary\s+(?:(?:corporate\s+social\s+responsibility|CSR|rights-protection|"
              r"sustainability|social\s+compliance)\s+)?(?:initiatives?|schemes?|programs?|"
              r"programmes?|measures|standards?|self-monitoring|approaches|cooperation|"
              r"certifications?|codes?)")
GENERIC_NOUN = (
    rf"(?:{_MSI}|{_MSINITIATIVE}|{_VOLUNTARY}|(?:ethical\s+)?certification\s+schemes|"
    r"social\s+compliance\s+initiatives?|multi-?\s?stakeholderism|"
    r"multi-?\s?stakeholder\s+(?:governance|arrangements?|standard-setting|consortia|bodies)|"
    r"standard-setting\s+(?:organi[sz]ations|initiatives|bodies)|"
    r"WSR\s+(?:initiatives|programs|programmes|models?))"
)
# Determiners that tie a following MSI noun back to what is in focus.
_ANAPHORIC_DET = r"(?:these|those|both|such|the\s+two|the\s+three|the|this|that|its|their)"

GENERIC_RE = re.compile(rf"\b{GENERIC_NOUN}\b", re.IGNORECASE)
_DET_BEFORE = re.compile(rf"\b{_ANAPHORIC_DET}\s+$", re.IGNORECASE)
_DEMONSTRATIVE_BEFORE = re.compile(r"\b(?:these|those|this|that|its|their)\s+$", re.IGNORECASE)
_LOWER_NEXT = re.compile(r"\s+[a-z]")

# Plural or demonstrative references to the MSIs in focus: "these initiatives", "both MSIs".
DEMONSTRATIVE_RE = re.compile(
    r"\b(?:these|those|both|the\s+two|the\s+three|the\s+above|such)\s+(?:[a-z-]+\s+)?"
    r"(?:MSIs|MSI|initiatives|schemes|programs|programmes|agreements|covenants)\b",
    re.IGNORECASE)
# Lower-case definite descriptions that may refer to any specific MSI in focus.
GENERIC_DEFINITE_RE = re.compile(
    r"\b(?:[Tt]he|[Tt]his)\s+(initiative|scheme|program|programme|project|accord|agreements?|"
    r"covenants?|MSI|protocol)\b(?!\s+(?:of|for|to)\b)")
# Capitalised definite descriptions: the head noun must fit the MSI ("the Scheme", "the Council").
CAPITALISED_DEFINITE_RE = re.compile(r"\b[Tt]he\s+([A-Z][a-z]+)(?:\s+([A-Z][a-z]+))?\b")
# "its participating governments", "its members": the focus MSI's own bodies and members.
POSSESSIVE_RE = re.compile(
    r"\bits\s+(?:participating\s+(?:governments|companies|members|farms|brands|states|countries)|"
    r"member\s+(?:brands|companies|states|governments|organi[sz]ations)|members|membership|"
    r"signatories|secretariat|board|governing\s+body|certification|certified\s+\w+|"
    r"standards?|code\s+of\s+conduct|complaint\s+mechanism|grievance\s+mechanism|"
    r"participants|(?:other\s+two\s+)?pillars)\b",
    re.IGNORECASE)
# "Examples of MSIs include X", "initiatives such as X": X is named only as an example.
_INTRODUCER = r"(?:such\s+as|including|includes?|like|e\.g\.|for\s+example|for\s+instance|notably)"
EXAMPLE_PREFIX_RE = re.compile(
    rf"(?:\bexamples?\s+of\s+{GENERIC_NOUN}\b.*|\b{GENERIC_NOUN}\b[^.;:]*\b{_INTRODUCER}\b[^.;]*)$",
    re.IGNORECASE)


def mask_organisations(text: str) -> str:
    """Blank out organisation names that contain MSI nouns (same length, so offsets hold)."""
    return _MASK.sub(lambda m: " " * len(m.group()), text)


def generic_cues(sentence: str) -> list[re.Match]:
    """Generic MSI noun phrases in ``sentence`` that are not preceded by an anaphoric determiner."""
    text = mask_organisations(sentence)
    found = []
    for match in GENERIC_RE.finditer(text):
        before = text[: match.start()]
        modifier = match.group() == "MSI" and _LOWER_NEXT.match(text, match.end())
        # "the MSI world" is generic; "this MSI" and "these MSI programs" point back.
        if (_DEMONSTRATIVE_BEFORE if modifier else _DET_BEFORE).search(before):
            continue
        found.append(match)
    return found


def is_example(sentence: str, mention_start: int) -> bool:
    """True when the mention at ``mention_start`` is listed as an example of MSIs in general."""
    return bool(EXAMPLE_PREFIX_RE.search(mask_organisations(sentence[:mention_start])))
