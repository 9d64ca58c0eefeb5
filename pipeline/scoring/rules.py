"""Keyword and pattern rules from the framework YAML, matched with spaCy.

Phrases match case-insensitively (``PhraseMatcher`` on the LOWER attribute); patterns are spaCy
``Matcher`` token patterns. Both run on ``spacy.blank("en")`` tokens, so no model is needed.
A rule belongs to a consideration, or to a reference point (definition-level rules).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from pipeline.rules.framework import Framework, KeywordRule


@dataclass(frozen=True)
class RuleHit:
    owner: str  # consideration id, or reference point id for definition-level rules
    label: str  # the phrase, or a compact rendering of the pattern
    weight: float
    polarity: str | None
    start: int  # character offsets into the matched text
    end: int


def rule_label(rule: KeywordRule) -> str:
    if rule.phrase is not None:
        return rule.phrase
    parts = []
    for token in rule.pattern or ():
        parts.append(" ".join(f"{k}={v}" for k, v in sorted(token.items(), key=str)))
    return "[" + " | ".join(parts) + "]"


def saturate(total_weight: float) -> float:
    """Map a sum of rule weights to [0, 1): diminishing returns for many hits."""
    return 1.0 - math.exp(-max(0.0, total_weight))


class RuleMatcher:
    """All rules of a framework compiled once; ``hits(text)`` finds every firing rule."""

    def __init__(self, framework: Framework):
        import spacy
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = spacy.blank("en")
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.patterns = Matcher(self.nlp.vocab)
        self.meta: dict[str, tuple[str, str, float, str | None]] = {}
        owners: list[tuple[str, tuple[KeywordRule, ...]]] = []
        for rp in framework.reference_points:
            owners.append((rp.id, rp.all_keywords))
            owners.extend((c.id, c.all_keywords) for c in rp.considerations)
        for owner, rules in owners:
            for i, rule in enumerate(rules):
                key = f"{owner}#{i}"
                self.meta[key] = (owner, rule_label(rule), rule.weight, rule.polarity)
                if rule.phrase is not None:
                    self.phrases.add(key, [self.nlp.make_doc(rule.phrase)])
                else:
                    self.patterns.add(key, [[dict(t) for t in rule.pattern]])

    def hits(self, text: str) -> list[RuleHit]:
        doc = self.nlp.make_doc(text)
        found = []
        found_ids = [*self.phrases(doc), *(self.patterns(doc) if len(self.patterns) else [])]
        for match_id, start, end in found_ids:
            owner, label, weight, polarity = self.meta[self.nlp.vocab.strings[match_id]]
            span = doc[start:end]
            found.append(RuleHit(owner, label, weight, polarity, span.start_char, span.end_char))
        found.sort(key=lambda h: (h.start, h.owner, h.label))
        return found


def total_by_owner(hits: list[RuleHit]) -> dict[str, float]:
    """Sum of weights per owner, counting each distinct rule once."""
    seen: set[tuple[str, str]] = set()
    totals: dict[str, float] = {}
    for hit in hits:
        if (hit.owner, hit.label) in seen:
            continue
        seen.add((hit.owner, hit.label))
        totals[hit.owner] = totals.get(hit.owner, 0.0) + hit.weight
    return totals


_CACHE: dict[str, RuleMatcher] = {}
_LOCK = threading.Lock()
# The last frameworks asked for, by identity: their fingerprint (a JSON dump of the whole
# framework, ~2 ms) is then computed once per framework object rather than once per document.
_RECENT: list[tuple[Framework, RuleMatcher]] = []
_RECENT_MAX = 8


def rule_matcher_for(framework: Framework) -> RuleMatcher:
    """One compiled matcher per framework content per process."""
    with _LOCK:
        for known, matcher in _RECENT:
            if known is framework:
                return matcher
    key = framework.fingerprint()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = RuleMatcher(framework)
        _RECENT.insert(0, (framework, _CACHE[key]))
        del _RECENT[_RECENT_MAX:]
        return _CACHE[key]
