"""Optional ``manifest.csv`` beside the corpus: per-file metadata and a default MSI.

Columns: file (relative to the manifest), title, kind, publisher, date, msi, source_url,
independence. Only ``file`` is required. ``msi`` must be a registry id (or empty, or GENERAL).
``kind``, ``publisher``, ``date`` and ``independence`` (self-reported, commissioned or
independent, relative to ``msi``) feed the document's source record (``pipeline.sources``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import RulesError
from pipeline.records import GENERAL
from pipeline.registry import Registry
from pipeline.sources.model import INDEPENDENCE, normalise_independence

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "title", "kind", "publisher", "date", "msi", "source_url", "independence")


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # resolved absolute path
    title: str = ""
    kind: str = ""
    publisher: str = ""
    date: str = ""
    msi: str = ""
    source_url: str = ""
    independence: str = ""


def load_manifest(path: str | Path, registry: Registry) -> dict[str, ManifestEntry]:
    """Entries keyed by resolved file path; every problem is reported at once."""
    path = Path(path)
    problems: list[str] = []
    entries: dict[str, ManifestEntry] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or ()) - set(COLUMNS)
        if "file" not in (reader.fieldnames or ()):
            raise RulesError(str(path), ["[header] column 'file' is required"])
        if unknown:
            problems.append(f"[header] unknown column(s) {sorted(unknown)}; allowed: {list(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                problems.append(f"[line {line} -> file] empty")
                continue
            msi = (row.get("msi") or "").strip()
            if msi and msi != GENERAL and msi not in registry.by_id:
                problems.append(f"[line {line} -> msi] {msi!r} is not an id in the MSI registry")
            independence = (row.get("independence") or "").strip()
            if independence and not normalise_independence(independence, strict=False):
                problems.append(f"[line {line} -> independence] {independence!r} is not one of "
                                f"{', '.join(INDEPENDENCE)}")
            resolved = str((path.parent / name).resolve())
            entries[resolved] = ManifestEntry(
                path=resolved, msi=msi,
                **{k: (row.get(k) or "").strip() for k in ("title", "kind", "publisher", "date", "source_url",
                                                          "independence")},
            )
    if problems:
        raise RulesError(str(path), problems)
    return entries
