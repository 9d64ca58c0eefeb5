"""Who says so, and when: a source record per document (publisher, kind, independence from the
MSIs it discusses, publication date) and an evidence date per candidate.

``model`` holds the vocabulary and the record, ``dates`` the date and period readers,
``proposal`` the proposer that reads a document's front matter, ``effective`` the overlay of
reviewers' corrections on proposals and the per-candidate columns, ``refresh`` the step that
(re)proposes records for the documents of a run.
"""

from pipeline.sources.model import (
    INDEPENDENCE,
    KINDS,
    SourceRecord,
    normalise_independence,
    normalise_kind,
)

__all__ = ["INDEPENDENCE", "KINDS", "SourceRecord", "normalise_independence", "normalise_kind"]
