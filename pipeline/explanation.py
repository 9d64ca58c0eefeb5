"""Why the tool proposed a candidate: a frozen record, and its JSON form in the store.

Two scorers write an explanation. The learned model (``pipeline.learn.propose``) gives a plain
``summary`` with the probabilities and words behind it; the hand-tuned scorer
(``pipeline.scoring.match``) gives its rules, component scores and their contributions. Both give
the quote, the matched framework text, the passage's ``alternatives`` (reference points offered
on the card instead of the proposed one) and the reason the passage is about its MSI.

A field that a scorer does not write is ``None`` and is left out of the JSON, so a candidate's
stored JSON holds exactly the keys it always held. Reading is forgiving, as a store may come from
any earlier version: a key this record does not know, or a known key whose value has the wrong
type, is kept in ``extra`` (shown on the card, written back unchanged); text that is not a JSON
object is kept whole under ``extra["raw"]``. ``to_json``/``from_json`` are the only
serialisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Alternative:
    """A reference point the passage also reads as, with the consideration the reviewer would
    accept it under and the tool's score for it (either may be missing in older stores)."""

    reference_point_id: str
    consideration_id: str | None = None
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    @classmethod
    def parse(cls, value: Any) -> Alternative | None:
        """The alternative in a stored value; ``None`` unless it names a reference point."""
        if not isinstance(value, dict) or not isinstance(value.get("reference_point_id"), str):
            return None
        consideration = value.get("consideration_id")
        score = value.get("score")
        return cls(value["reference_point_id"],
                   consideration if isinstance(consideration, str) else None,
                   score if _is_number(score) else None)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_texts(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _is_numbers(value: Any) -> bool:
    return (isinstance(value, dict)
            and all(isinstance(k, str) and _is_number(v) for k, v in value.items()))


@dataclass(frozen=True)
class Explanation:
    """A candidate's explanation; see the module docstring for who writes which fields."""

    # both scorers
    quote: str | None = None
    consideration_id: str | None = None
    matched_text: str | None = None  # the framework text the quote resembles most
    matched_kind: str | None = None  # its kind (definition, consideration, example, ...)
    matched_similarity: float | None = None
    alternatives: tuple[Alternative, ...] | None = None
    msi_reason: str | None = None
    msi_confidence: float | None = None
    # the learned model
    summary: str | None = None  # one or two plain sentences, shown first on the card
    model_version: str | None = None
    evidence_probability: float | None = None
    reference_point_probability: float | None = None
    evidence_words: tuple[str, ...] | None = None
    polarity_words: tuple[str, ...] | None = None
    polarity_probabilities: dict[str, float] | None = field(default=None, hash=False)
    # the hand-tuned scorer
    rules: tuple[str, ...] | None = None
    components: dict[str, float] | None = field(default=None, hash=False)
    contributions: dict[str, float] | None = field(default=None, hash=False)
    consideration_scores: dict[str, float] | None = field(default=None, hash=False)
    polarity_score: float | None = None
    polarity_cues: tuple[str, ...] | None = None
    nonevidence: tuple[str, ...] | None = None
    passage_similarity: float | None = None
    sentence_similarity: float | None = None
    # whatever else a store holds (older versions, unreadable text under "raw")
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def with_msi(self, reason: str, confidence: float) -> Explanation:
        """This explanation for one of the passage's MSIs."""
        return replace(self, msi_reason=reason, msi_confidence=confidence)

    def offered(self, *, with_consideration: bool = True) -> tuple[Alternative, ...]:
        """The alternatives a reviewer can be offered: by default only those that name the
        consideration to accept under; empty for explanations without any."""
        return tuple(a for a in self.alternatives or ()
                     if a.consideration_id is not None or not with_consideration)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every field that is set (tuples as lists), then ``extra``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None:
                continue
            if f.name == "alternatives":
                value = [a.to_dict() for a in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out | self.extra

    def to_json(self) -> str:
        """The text the store keeps (keys sorted, as it always was)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    def __getitem__(self, key: str) -> Any:
        """A value of the JSON form by key (``KeyError`` when the explanation has none)."""
        return self.to_dict()[key]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        """The explanation in a JSON object read back from a store (see the module docstring)."""
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            check = _CHECKS.get(key)
            if key == "alternatives" and isinstance(value, list):
                known[key] = tuple(a for a in map(Alternative.parse, value) if a is not None)
            elif check is not None and value is not None and check(value):
                known[key] = tuple(value) if isinstance(value, list) else value
            else:
                extra[key] = value
        return cls(**known, extra=extra)

    @classmethod
    def from_json(cls, text: str | None) -> Explanation:
        """The explanation a store holds as text; empty for ``None`` or ``""``."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        return cls.from_dict(data) if isinstance(data, dict) else cls(extra={"raw": text})


_TEXT = ("quote", "consideration_id", "matched_text", "matched_kind", "msi_reason", "summary",
         "model_version")
_NUMBER = ("matched_similarity", "msi_confidence", "evidence_probability",
           "reference_point_probability", "polarity_score", "passage_similarity",
           "sentence_similarity")
_TEXTS = ("evidence_words", "polarity_words", "rules", "polarity_cues", "nonevidence")
_NUMBERS = ("polarity_probabilities", "components", "contributions", "consideration_scores")
# how to tell a well-formed stored value of each field but ``alternatives`` and ``extra``
_CHECKS: dict[str, Callable[[Any], bool]] = (
    dict.fromkeys(_TEXT, _is_text) | dict.fromkeys(_NUMBER, _is_number)
    | dict.fromkeys(_TEXTS, _is_texts) | dict.fromkeys(_NUMBERS, _is_numbers))
assert set(_CHECKS) | {"alternatives", "extra"} == {f.name for f in fields(Explanation)}
