"""Scoring a (passage, consideration) pair: dense similarity, rule hits, non-evidence
suppression, a calibrated combined score and a polarity.

Modules, one concept each: ``features`` (names of the component scores), ``rules`` (keyword and
pattern rules from the framework YAML), ``nonevidence`` (bylines, contact details, calls to
action, ...), ``combine`` (logistic calibration into [0, 1]) and ``polarity`` (supports,
undermines or neutral from cues, contrast markers and the example phrasings).
"""
