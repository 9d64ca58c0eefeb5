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
- ``rp_probability``: probability that the passage's best sentence is about the reference
  point, from a logistic regression fitted on the evidence texts' embeddings (see
  ``pipeline.scoring.match.fit_rp_classifier``).
- ``msi_confidence``: how sure the attribution is of the passage's MSI (a named MSI scores
  high, an MSI carried over from earlier passages or a manifest default lower): evidence is
  what a report says about an MSI, and passages that name one are coded far more often.
"""

FEATURES: tuple[str, ...] = (
    "sentence_similarity",
    "passage_similarity",
    "definition_similarity",
    "rule_score",
    "definition_rule_score",
    "similarity_margin",
    "nonevidence_share",
    "rp_probability",
    "msi_confidence",
)
