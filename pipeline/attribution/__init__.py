"""Attribution: which MSI(s) each passage is about, with mention spans, confidence and reason.

``mentions`` finds registry names and guarded acronyms; ``cues`` holds the text patterns for
talk about MSIs in general and for definite descriptions; ``focus`` labels sentences and carries
the MSI in focus across passages of a section.
"""

from pipeline.attribution.focus import CONFIDENCE, MsiAttributor

__all__ = ["CONFIDENCE", "MsiAttributor"]
