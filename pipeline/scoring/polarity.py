"""Polarity of a candidate: does the passage say the MSI meets the consideration (supports),
fails or lacks it (undermines), or only describes (neutral)?

No NLI model is available offline, so the polarity comes from cues:

- failure and negation cues ("not", "never", "lack", "sidelined", "failed", "little", ...) and
  success cues ("successfully", "effective", "achieved", "binding", ...); a success cue right
  after a negation ("not effective") counts as a failure cue;
- contrast markers: in "Although A, B" and "A, but B" / "A. However, B" the clause after the
  contrast carries the weight, the other clause counts less;
- keyword rules that carry a polarity in the framework YAML;
- the example phrasings: similarity of the quote to the consideration's "meets" examples minus
  its similarity to the "fails" examples.

The score is the weighted sum; |score| below ``margin`` is neutral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.framework import PolaritySettings
from pipeline.scoring.rules import RuleHit

_TOKEN = re.compile(r"[a-z]+(?:['’-][a-z]+)*|n['’]t")

NEGATIONS = {"not", "no", "never", "n't", "n’t", "without", "neither", "nor", "cannot", "hardly"}

UNDERMINE = {
    "lack": 1.0, "lacks": 1.0, "lacking": 1.0, "fail": 1.0, "fails": 1.0, "failed": 1.0,
    "failure": 1.0, "failures": 1.0, "failing": 1.0, "insufficient": 1.0, "inadequate": 1.0,
    "sidelined": 1.2, "sidelining": 1.2, "excluded": 0.8, "exclusive": 0.5, "unlikely": 0.8,
    "little": 0.6, "limited": 0.6, "limitations": 0.8, "narrow": 0.8, "neglect": 1.0,
    "oblivious": 1.2, "ineffective": 1.2, "unequal": 0.8, "imbalance": 0.8, "refusal": 1.0,
    "refuse": 1.0, "struggle": 0.8, "struggled": 0.8, "difficult": 0.6, "barrier": 0.8,
    "undermines": 1.0, "undermined": 1.0, "questioned": 0.8, "questioning": 0.8,
    "elitist": 1.0, "greenwashing": 1.0, "disenfranchised": 1.0, "flaws": 1.0,
    "wanting": 0.8, "weak": 0.8, "risk": 0.3, "abuse": 0.4, "abuses": 0.4, "violations": 0.4,
    "missed": 0.8, "shrinking": 0.8, "only": 0.3, "merely": 0.8, "mere": 0.8, "observers": 0.8,
    "cloak": 0.8, "façade": 1.0, "facade": 1.0, "shielding": 0.8, "unresolved": 0.8,
    "killed": 0.6, "trapped": 0.6, "slow": 0.5, "problem": 0.3, "challenges": 0.3,
    "burdensome": 0.8, "bureaucratic": 0.8, "excessively": 0.8, "lip": 0.5, "too": 0.4,
    "elite": 0.8, "sleight": 0.8, "hazardous": 0.6, "guilty": 0.6, "lost": 0.4,
}
SUPPORT = {
    "successfully": 1.2, "success": 0.8, "successful": 1.0, "achieved": 1.0, "achieve": 0.4,
    "effective": 0.8, "effectiveness": 0.8, "strong": 0.8, "stronger": 0.5, "positive": 1.0,
    "merit": 1.0, "merits": 0.8, "improved": 0.8, "safer": 1.0, "credible": 0.8,
    "binding": 0.6, "enforced": 0.8, "enforce": 0.4, "mandatory": 0.6, "established": 0.5,
    "published": 0.6, "provides": 0.6, "provided": 0.6, "supported": 0.6, "support": 0.3,
    "integrated": 0.6, "aligned": 0.6, "helped": 0.8, "works": 0.6, "leveraged": 0.6,
    "engage": 0.4, "engaged": 0.5, "include": 0.4, "includes": 0.4, "included": 0.4,
    "protects": 0.8, "protected": 0.6, "prevented": 0.8, "eliminating": 0.6, "useful": 0.5,
    "facilitated": 0.6, "facilitating": 0.5, "unprecedented": 0.6, "require": 0.4,
    "requires": 0.4, "joint": 0.4, "together": 0.4, "partnerships": 0.3, "acquired": 0.6,
}
# Words after which a success cue is read as failed ("not effective", "no credible ...").
_NEGATION_REACH = 3

SUBORDINATE = ("although", "though", "even though", "while", "whilst", "despite", "whereas")
COORDINATE = re.compile(r"(?:,\s*|;\s*|\s)(?:but|however|yet|instead|nevertheless|unfortunately)\b",
                        re.I)


@dataclass(frozen=True)
class PolarityResult:
    label: str  # supports | undermines | neutral
    score: float
    cues: tuple[str, ...]  # e.g. "-sidelined", "+successfully", "contrast: but", "rule: ..."


def clause_weights(sentence: str) -> list[tuple[str, float]]:
    """Split a sentence at a contrast marker; the clause after the contrast weighs more."""
    lower = sentence.lower().lstrip(" “\"'")
    for marker in SUBORDINATE:
        if lower.startswith(marker + " ") and "," in sentence:
            head, tail = sentence.split(",", 1)
            return [(head, 0.4), (tail, 1.0)]
    matches = list(COORDINATE.finditer(sentence))
    match = matches[-1] if matches else None
    if match is not None and match.start() > 0:
        return [(sentence[:match.start()], 0.4), (sentence[match.start():], 1.0)]
    return [(sentence, 1.0)]


# A sentence that opens with a contrast ("Yet ...", "But ...") usually turns against what the
# previous sentence granted: a mild failure cue.
_OPENING_CONTRAST = re.compile(r"^\W*(?:yet|but|however|still|instead)\b", re.I)


def cue_score(text: str) -> tuple[float, list[str]]:
    score, cues = 0.0, []
    if _OPENING_CONTRAST.search(text):
        score -= 0.6
        cues.append("opening contrast")
    for clause, weight in clause_weights(text):
        if weight < 1.0:
            cues.append("contrast")
        tokens = _TOKEN.findall(clause.lower())
        last_negation = -99
        for i, tok in enumerate(tokens):
            if tok in NEGATIONS:
                last_negation = i
                score -= 0.8 * weight
                cues.append(f"-{tok}")
            elif tok in SUPPORT:
                if i - last_negation <= _NEGATION_REACH:
                    cues.append(f"-not {tok}")
                    score -= 0.3 * weight  # the negation already counted
                else:
                    score += SUPPORT[tok] * weight
                    cues.append(f"+{tok}")
            elif tok in UNDERMINE:
                score -= UNDERMINE[tok] * weight
                cues.append(f"-{tok}")
    return score, cues


def classify(quote: str, hits: list[RuleHit], sim_meets: float | None, sim_fails: float | None,
             settings: PolaritySettings) -> PolarityResult:
    """Polarity of ``quote`` given the rule hits in it and its similarity to the examples."""
    score, cues = cue_score(quote)
    for hit in hits:
        if hit.polarity:
            sign = 1.0 if hit.polarity == "supports" else -1.0
            score += sign * hit.weight * 0.5
            cues.append(f"rule {hit.polarity}: {hit.label}")
    if sim_meets is not None and sim_fails is not None:
        delta = settings.example_weight * (sim_meets - sim_fails)
        score += delta
        cues.append(f"examples {delta:+.2f}")
    score += settings.bias
    if score >= settings.margin:
        label = "supports"
    elif score <= -settings.margin:
        label = "undermines"
    else:
        label = "neutral"
    return PolarityResult(label, round(score, 4), tuple(dict.fromkeys(cues)))
