"""MSI Evidence Miner: find, attribute and review evidence about multi-stakeholder initiatives.

The package is a library first: every stage is a small function over the frozen records in
:mod:`pipeline.records`; :mod:`pipeline.cli` is a thin command-line layer over it. Heavy
libraries (torch, sentence-transformers, spaCy, pdf parsers) are imported lazily, where used.
"""

__version__ = "0.1.0"

# Bump when a change in parsing, segmenting, attribution or matching code should make an
# incremental run re-process documents whose bytes did not change.
PIPELINE_VERSION = "3"  # 3: explanations carry the passage's alternative reference points
