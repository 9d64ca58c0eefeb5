"""Find the input files under the paths a user gives, without leaving the corpus.

Folders are walked recursively. Symbolic links are followed only when they point inside the
folder being walked, so a link to a system file is never read. Hidden entries, Office lock
files (``~$...``), the manifest and a ``gold/`` folder of labels are not documents, and neither
are SQLite files with their journals (a store or embedding cache kept beside the corpus).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.run.manifest import MANIFEST_NAMES

NOT_DOCUMENTS_DIRS = {"gold", "__pycache__"}
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def is_sqlite_file(path: Path) -> bool:
    """A SQLite database (by its header) or one of its write-ahead/journal side files."""
    if path.name.endswith(SQLITE_SIDE_FILES):
        base = path.with_name(path.name.rsplit("-", 1)[0])
        if base.suffix in (".sqlite", ".sqlite3", ".db") or is_sqlite_file(base):
            return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def discover(paths: list[str]) -> tuple[list[str], list[Skipped]]:
    """Return (resolved file paths in a stable order, skipped entries with the reason)."""
    files: list[str] = []
    skipped: list[Skipped] = []
    for given in paths:
        p = Path(given)
        if not p.exists() and not p.is_symlink():
            skipped.append(Skipped(given, "does not exist"))
            continue
        if p.is_file():
            files.append(str(p.resolve()))
            continue
        if not p.is_dir():
            skipped.append(Skipped(given, "not a regular file or folder"))
            continue
        root = p.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and d not in NOT_DOCUMENTS_DIRS)
            for name in sorted(filenames):
                if name.startswith(".") or name in MANIFEST_NAMES or name.startswith("~$"):
                    continue
                full = Path(dirpath) / name
                if full.is_symlink():
                    target = full.resolve()
                    if not target.is_relative_to(root):
                        skipped.append(Skipped(str(full), "symlink pointing outside the corpus (not followed)"))
                        continue
                    if not target.is_file():
                        skipped.append(Skipped(str(full), "symlink to something that is not a file"))
                        continue
                    files.append(str(target))
                elif full.is_file():
                    if not is_sqlite_file(full):
                        files.append(str(full))
                else:
                    skipped.append(Skipped(str(full), "not a regular file"))
    return list(dict.fromkeys(files)), skipped


def manifests_for(paths: list[str]) -> list[Path]:
    """The manifest at the top of each given folder (manifest.csv, else manifest.xlsx)."""
    found = []
    for given in paths:
        if not Path(given).is_dir():
            continue
        candidate = next((Path(given) / n for n in MANIFEST_NAMES if (Path(given) / n).is_file()),
                         None)
        if candidate is not None:
            found.append(candidate)
    return found
