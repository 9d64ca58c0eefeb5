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

from pipeline.rules.framework import PolaritySettings
from pipeline.scoring.rules import RuleHit

_TOKEN = re.compile(r"[a-z]+(?:['’-][a-z]+)*|n['’]t")

NEGATIONS = {"not", "no", "never", "n't", "n’t", "without", "neither", "nor", "cannot", "hardly"}

# Cue words of evaluation writing. Words naming the problem an MSI tackles ("abuse",
# "trafficking", "risk", "violations") are deliberately absent: a passage about forced labour is
# not a failure of the MSI that addresses it.
UNDERMINE = {
    # failure, absence, insufficiency
    "lack": 1.0, "lacks": 1.0, "lacking": 1.0, "lacked": 1.0, "fail": 1.0, "fails": 1.0,
    "failed": 1.0, "failure": 1.0, "failures": 1.0, "failing": 1.0, "insufficient": 1.0,
    "inadequate": 1.0, "absent": 1.0, "absence": 1.0, "missing": 0.8, "unmet": 0.8,
    "shortfall": 0.8, "shortcoming": 1.0, "shortcomings": 1.0, "deficient": 1.0,
    "deficiencies": 1.0, "gap": 0.6, "gaps": 0.6, "flaws": 1.0, "flawed": 1.0, "weak": 0.8,
    "weakened": 0.8, "weakness": 0.8, "weaknesses": 0.8, "poor": 0.8, "poorly": 0.8,
    "ineffective": 1.2, "ineffectual": 1.2, "inaction": 1.0, "unresolved": 0.8,
    "unaddressed": 1.0, "missed": 0.8, "wanting": 0.8, "disappointing": 1.0, "none": 0.6,
    "little": 0.6, "limited": 0.6, "limitations": 0.8, "narrow": 0.8, "rarely": 0.8,
    "seldom": 0.8, "unable": 0.8, "unlikely": 0.8, "only": 0.3, "merely": 0.8, "mere": 0.8,
    "slow": 0.5, "delayed": 0.5, "stalled": 0.8, "lagging": 0.6, "struggle": 0.8,
    "struggled": 0.8, "difficult": 0.6, "barrier": 0.8, "barriers": 0.8, "too": 0.4,
    # exclusion and imbalance
    "excluded": 0.8, "exclusion": 0.8, "exclusive": 0.5, "sidelined": 1.2, "sidelining": 1.2,
    "underrepresented": 1.0, "unrepresented": 1.0, "silenced": 1.0, "disenfranchised": 1.0,
    "inaccessible": 1.0, "dominated": 0.8, "unequal": 0.8, "imbalance": 0.8, "elite": 0.8,
    "elitist": 1.0, "observers": 0.8, "token": 0.8, "tokenistic": 1.0, "captured": 0.6,
    # weak rules and enforcement
    "voluntary": 0.4, "non-binding": 1.0, "unenforceable": 1.0, "unenforced": 1.0,
    "lax": 1.0, "loophole": 1.0, "loopholes": 1.0, "vague": 0.8, "unclear": 0.6,
    "opaque": 0.8, "inconsistent": 0.8, "unreliable": 1.0, "superficial": 1.0,
    "nominal": 0.6, "fragmented": 0.6, "burdensome": 0.8, "bureaucratic": 0.8,
    "excessively": 0.8,
    # criticism and neglect
    "criticised": 0.8, "criticized": 0.8, "criticism": 0.6, "critics": 0.6,
    "questioned": 0.8, "questioning": 0.8, "doubt": 0.6, "doubts": 0.6, "sceptical": 0.6,
    "skeptical": 0.6, "controversial": 0.6, "withdrew": 0.8, "ignored": 1.0, "ignores": 1.0,
    "ignore": 0.8, "overlooked": 0.8, "overlooks": 0.8, "neglect": 1.0, "neglected": 1.0,
    "oblivious": 1.2, "refusal": 1.0, "refuse": 1.0, "refused": 1.0, "undermine": 1.0,
    "undermines": 1.0, "undermined": 1.0, "undermining": 1.0, "misleading": 1.0,
    "greenwashing": 1.0, "whitewash": 1.0, "whitewashing": 1.0, "cloak": 0.8, "façade": 1.0,
    "facade": 1.0, "shielding": 0.8, "lip": 0.5, "sleight": 0.8, "shrinking": 0.8,
    "problem": 0.3, "challenges": 0.3, "concerns": 0.3,
}
SUPPORT = {
    # success and effect
    "successfully": 1.2, "success": 0.8, "successful": 1.0, "achieved": 1.0, "achieve": 0.4,
    "effective": 0.8, "effectiveness": 0.8, "effectively": 0.8, "strong": 0.8,
    "stronger": 0.5, "robust": 0.8, "positive": 1.0, "merit": 1.0, "merits": 0.8,
    "improved": 0.8, "improvement": 0.6, "improvements": 0.6, "progress": 0.5,
    "strengthened": 0.8, "safer": 1.0, "helped": 0.8, "works": 0.6, "enabled": 0.6,
    "enables": 0.5, "empowered": 0.8, "empowers": 0.8, "remediated": 0.8, "resolved": 0.6,
    "prevented": 0.8, "eliminating": 0.6, "useful": 0.5, "unprecedented": 0.6,
    "landmark": 0.8, "pioneering": 0.6, "innovative": 0.6, "good": 0.5, "better": 0.4,
    # rules with teeth, independent checks, openness
    "binding": 0.6, "enforceable": 0.8, "enforced": 0.8, "enforce": 0.4, "mandatory": 0.6,
    "require": 0.4, "requires": 0.4, "suspended": 0.6, "expelled": 0.6, "sanctioned": 0.6,
    "credible": 0.8, "independent": 0.5, "independently": 0.6, "verified": 0.6,
    "audited": 0.5, "transparent": 0.6, "publicly": 0.4, "published": 0.6, "regularly": 0.5,
    "comprehensive": 0.6, "ensured": 0.6, "ensures": 0.5, "established": 0.5,
    # inclusion and cooperation
    "inclusive": 0.6, "participatory": 0.5, "represented": 0.5, "equal": 0.5,
    "equally": 0.5, "meaningful": 0.5, "accountable": 0.5, "engage": 0.4, "engaged": 0.5,
    "include": 0.4, "includes": 0.4, "included": 0.4, "joint": 0.4, "together": 0.4,
    "partnerships": 0.3, "facilitated": 0.6, "facilitating": 0.5, "leveraged": 0.6,
    "provides": 0.6, "provided": 0.6, "supported": 0.6, "support": 0.3, "integrated": 0.6,
    "aligned": 0.6, "protects": 0.8, "protected": 0.6, "acquired": 0.6,
}
# Words after which a success cue is read as failed ("not effective", "no credible ...").
_NEGATION_REACH = 3
# Failure words that also negate what follows ("lack effective means", "failed to ensure").
NEGATING_FAILURES = {"lack", "lacks", "lacking", "lacked", "absence", "fail", "fails", "failed",
                     "failing", "unable", "missing"}

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
                if tok in NEGATING_FAILURES:
                    last_negation = i
    return score, cues


def classify(quote: str, hits: list[RuleHit], sim_meets: float | None, sim_fails: float | None,
             settings: PolaritySettings, context: tuple[str, ...] = ()) -> PolarityResult:
    """Polarity of ``quote`` given the rule hits in it and its similarity to the examples;
    ``context`` holds the passage's other evidence sentences, whose mean cue score counts with
    ``settings.context_weight`` (the sentence with the verdict is not always the one quoted)."""
    score, cues = cue_score(quote)
    if context and settings.context_weight:
        around = sum(cue_score(sentence)[0] for sentence in context) / len(context)
        if around:
            score += settings.context_weight * around
            cues.append(f"context {settings.context_weight * around:+.2f}")
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
