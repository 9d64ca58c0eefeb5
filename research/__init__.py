"""Experiments and quality evaluations on the development data: not part of the product.

Run from the repository root as ``python -m research.NAME --help``; each imports the installed
``pipeline`` package and the shared helpers here (``research.devcorpus``), never another script.
"""
