"""Reviewers' corrections of a document's source record, validated before they are stored
(by ``msi-evidence source set`` and by the review workspace). Like MSI corrections, they are
appended, never edited: the latest correction of each field counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.rules.registry import Registry
from pipeline.sources.model import SourceError, normalise_independence, normalise_kind
from pipeline.store import Store
from pipeline.store import sources as source_store

_DATE = re.compile(r"^(?:19|20)\d{2}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class Correction:
    correction_id: int
    doc_id: str
    changes: dict


def resolve_document(store: Store, name: str) -> str:
    """The one doc_id that ``name`` (doc_id, 8+ character prefix, path or file name) names."""
    from pipeline.store.reports import UnknownDocumentError, resolve_documents

    try:
        found = resolve_documents(store, [name])
    except UnknownDocumentError as exc:
        raise SourceError(str(exc)) from None
    if len(found) != 1:
        raise SourceError(f"{name!r} matches {len(found)} documents; give a longer doc_id prefix "
                          "or the full path")
    return found[0]


def correct_source(store: Store, document: str, reviewer: str, *, registry: Registry | None = None,
                   kind: str | None = None, independence: str | None = None,
                   msis: tuple[str, ...] | None = None, publisher: str | None = None,
                   published: str | None = None, note: str | None = None) -> Correction:
    """Validate and append one correction; ``None`` leaves a field as it is.

    ``msis`` are the MSIs the independence is relative to (registry ids; empty = every MSI the
    document discusses). Setting ``kind`` to the MSI's own publication or a commissioned
    evaluation without ``independence`` sets the matching independence too.
    """
    if not reviewer.strip():
        raise SourceError("a correction needs a reviewer name")
    doc_id = resolve_document(store, document)
    changes: dict = {}
    if kind is not None:
        changes["kind"] = normalise_kind(kind)
        if not changes["kind"]:
            raise SourceError("kind may not be empty")
    if independence is not None:
        changes["independence"] = normalise_independence(independence)
        if not changes["independence"]:
            raise SourceError("independence may not be empty")
    elif "kind" in changes:
        changes["independence"] = {"msi_own": "self-reported",
                                   "commissioned_evaluation": "commissioned"
                                   }.get(changes["kind"], "independent")
    if msis is not None:
        if registry is not None:
            for msi in msis:
                registry.check_msi(msi)
        changes["about_msis"] = tuple(dict.fromkeys(msis))
    if publisher is not None:
        changes["publisher"] = publisher.strip()[:200]
    if published is not None:
        value = published.strip()
        if value and not _DATE.match(value):
            raise SourceError(f"published {published!r}: write YYYY, YYYY-MM or YYYY-MM-DD")
        changes["published"] = value
    if not changes:
        raise SourceError("nothing to change: give --kind, --independence, --msi, --publisher "
                          "or --published")
    correction_id = source_store.add_correction(store, doc_id, reviewer.strip(), note or None,
                                                **changes)
    return Correction(correction_id, doc_id, changes)
