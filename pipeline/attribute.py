"""Attribute stage: which MSI(s) is each passage about? See ``pipeline.attribution``.

Kept as the stage's import path (``from pipeline.attribute import MsiAttributor``).
"""

from pipeline.attribution import CONFIDENCE, MsiAttributor

__all__ = ["CONFIDENCE", "MsiAttributor"]
