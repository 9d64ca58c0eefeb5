"""Names of the component scores that the calibration combines (kept import-free).

All are in [0, 1] (cosines are clipped at 0):

- ``sentence_similarity``: best cosine between an evidence-bearing sentence of the passage and
  the consideration's texts (its text, description and example phrasings).
- ``passage_similarity``: the same for the passage as a whole.
- ``definition_similarity``: best cosine of passage or sentence to the reference point's
  definition and definition examples.
- ``rule_score``: 1 - exp(-sum of the weights of the consideration's keyword rules that fire).
- ``definition_rule_score``: the same for the reference point's definition-level rules.
- ``similarity_margin``: how far the sentence similarity stands above the passage's median over
  all considerations (specific evidence rather than generic MSI talk).
- ``nonevidence_share``: share of the passage's words in non-evidence sentences (bylines,
  contact details, calls to action, recommendations, ...).
"""

FEATURES: tuple[str, ...] = (
    "sentence_similarity",
    "passage_similarity",
    "definition_similarity",
    "rule_score",
    "definition_rule_score",
    "similarity_margin",
    "nonevidence_share",
)
