"""(Re)propose the source records of stored documents: after each run for the documents it saw
(so that a changed manifest row takes effect even when the file did not change), and on demand
(``msi-evidence source propose``). Reviewers' corrections are kept: they lie over proposals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePath

from pipeline.rules.registry import Registry
from pipeline.sources.proposal import DocumentFacts, SourceProposer, discussed_msis
from pipeline.store import Store
from pipeline.store import sources as source_store


def refresh_sources(store: Store, registry: Registry, manifest: Mapping[str, object] | None = None,
                    doc_ids: Iterable[str] | None = None, *, missing_only: bool = False) -> int:
    """Propose and store the source record of each document with text (those in ``doc_ids``
    when given; with ``missing_only``, only those without a proposal yet). ``manifest`` maps
    resolved paths to manifest entries. Returns how many records were written."""
    manifest = manifest or {}
    wanted = set(doc_ids) if doc_ids is not None else None
    have = {r["doc_id"] for r in source_store.proposal_rows(store)} if missing_only else set()
    proposer = SourceProposer(registry)
    records = []
    for row in source_store.document_rows(store):
        doc_id = row["doc_id"]
        if (wanted is not None and doc_id not in wanted) or doc_id in have:
            continue
        path = row["path"] or ""
        facts = DocumentFacts(
            doc_id=doc_id, title=row["title"] or "", front=source_store.front_matter(store, doc_id),
            file_name=PurePath(path).name, manifest=manifest.get(path),
            msi_counts=discussed_msis(source_store.passage_msis(store, doc_id)))
        records.append(proposer.propose(facts))
    return source_store.write_proposals(store, records)
