"""The manifest beside a corpus: per-file metadata and a default MSI, as people write it.

A ``manifest.csv`` (or ``manifest.xlsx``) has one row per file. Known columns: file (relative
to the manifest; required), title, kind, publisher, date, msi, source_url, independence
(self-reported, commissioned or independent relative to the MSI; with kind, publisher and date
it feeds the document's source record, ``pipeline.sources``); headers are matched
case-insensitively and a few usual synonyms are understood ("filename", "url", "MSIs"). Any
other column is kept as document metadata and exported. ``msi`` takes registry ids, names,
aliases or acronyms, several separated by ``;`` (see :mod:`pipeline.rules.msi_names`); the first MSI
it resolves is the default for passages that name none. Dates are read in the usual formats
(:mod:`pipeline.run.dates`).

Nothing here refuses a whole run: a problem is reported with its line, and only a row that
cannot be used at all (no file name, a file that does not exist) is left out.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.records import GENERAL
from pipeline.rules.msi_names import MsiNameResolver, Resolution
from pipeline.rules.registry import Registry
from pipeline.run.dates import parse_date
from pipeline.sources.model import INDEPENDENCE, normalise_independence

MANIFEST_NAME = "manifest.csv"
MANIFEST_NAMES = (MANIFEST_NAME, "manifest.xlsx")
COLUMNS = ("file", "title", "kind", "publisher", "date", "msi", "source_url", "independence")
SYNONYMS = {
    "filename": "file", "file_name": "file", "path": "file", "document": "file",
    "msis": "msi", "msi_id": "msi", "msi_ids": "msi", "initiative": "msi", "initiatives": "msi",
    "url": "source_url", "source": "source_url", "link": "source_url",
    "type": "kind", "doc_type": "kind", "document_type": "kind",
    "publication_date": "date", "published": "date", "year": "date",
    "author": "publisher", "organisation": "publisher", "organization": "publisher",
}


@dataclass(frozen=True)
class ManifestProblem:
    """One thing wrong with a manifest. ``line`` 1 is the header; 0 the file as a whole."""

    source: str
    line: int
    column: str
    severity: str  # "error": the row is not used; "warning": used, with the value as given
    message: str

    def __str__(self) -> str:
        where = f"{Path(self.source).name}:{self.line}" if self.line else Path(self.source).name
        return f"{where} [{self.column}] {self.severity}: {self.message}"


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # resolved absolute path
    title: str = ""
    kind: str = ""
    publisher: str = ""
    date: str = ""  # ISO 8601 at the precision given, or the text as given if unreadable
    msi: str = ""  # the default MSI: a registry id, GENERAL, or "" for none
    source_url: str = ""
    independence: str = ""  # as written, when it names one of pipeline.sources' values
    msis: tuple[str, ...] = ()  # every registry id the msi cell resolved to
    msi_given: str = ""  # the msi cell as written
    unresolved: tuple[str, ...] = ()  # names in the msi cell the registry does not know
    extra: tuple[tuple[str, str], ...] = ()  # other columns, as (header, value)
    line: int = 0

    def metadata(self) -> dict[str, object]:
        """What is stored with the document and exported (empty values left out)."""
        out: dict[str, object] = {k: getattr(self, k) for k in
                                  ("title", "kind", "publisher", "date", "source_url", "independence")
                                  if getattr(self, k)}
        if self.msi_given:
            out["msi_given"] = self.msi_given
        if self.msis:
            out["msi_ids"] = list(self.msis)
        if self.unresolved:
            out["msi_unresolved"] = list(self.unresolved)
        out.update(self.extra)
        return out

    def fingerprint_text(self) -> str:
        return f"{self.msi}|{self.title}|{json.dumps(self.metadata(), sort_keys=True)}"


@dataclass(frozen=True)
class Manifest:
    path: str
    entries: dict[str, ManifestEntry] = field(default_factory=dict)  # by resolved file path
    problems: tuple[ManifestProblem, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    unresolved: tuple[Resolution, ...] = ()  # one per distinct unresolved name

    @property
    def errors(self) -> list[ManifestProblem]:
        return [p for p in self.problems if p.severity == "error"]


def _header_key(name: str) -> str:
    key = "_".join(str(name or "").strip().lower().replace("-", " ").split())
    return SYNONYMS.get(key, key)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """(header, [(line number, cells)]) from a CSV or XLSX manifest."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book["manifest"] if "manifest" in book.sheetnames else book.worksheets[0]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        from pipeline.ingest.text import decode_bytes

        text, _ = decode_bytes(path.read_bytes())
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        delimiter = max(",;\t", key=first.count)
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))
    if not rows:
        return [], []
    header = [_cell_text(h) for h in rows[0]]
    return header, [(n, r) for n, r in enumerate(rows[1:], start=2)
                    if any(_cell_text(c) for c in r)]


def read_manifest(path: str | Path, registry: Registry) -> Manifest:
    """Read a manifest, resolving MSIs and dates; every problem is collected, none raised."""
    path = Path(path)
    source = str(path)
    problems: list[ManifestProblem] = []

    def problem(line: int, column: str, severity: str, message: str) -> None:
        problems.append(ManifestProblem(source, line, column, severity, message))

    try:
        header, rows = _read_rows(path)
    except Exception as exc:  # unreadable file: no row can be used
        problem(0, "file", "error", f"cannot read the manifest ({type(exc).__name__}: {exc}); "
                                    "save it as CSV (UTF-8) or XLSX")
        return Manifest(source, problems=tuple(problems))
    keys = [_header_key(h) for h in header]
    if "file" not in keys:
        problem(1, "header", "error", f"no 'file' column (columns: {header}); add one with each "
                                      "document's path relative to the manifest")
        return Manifest(source, problems=tuple(problems))
    unknown = tuple(h for h, k in zip(header, keys, strict=True) if h and k not in COLUMNS)
    resolver = MsiNameResolver(registry)
    entries: dict[str, ManifestEntry] = {}
    unresolved: dict[str, Resolution] = {}
    for line, cells in rows:
        row: dict[str, object] = {}
        extra: list[tuple[str, str]] = []
        for name, key, value in zip(header, keys, cells, strict=False):
            if key in COLUMNS:
                row.setdefault(key, value)
            elif name and _cell_text(value):
                extra.append((name, _cell_text(value)))
        name = _cell_text(row.get("file")).replace("\\", "/")
        if not name:
            problem(line, "file", "error", "no file name; this row is not used")
            continue
        resolved = (path.parent / name).resolve()
        if not resolved.is_file():
            problem(line, "file", "error", f"{name!r} does not exist (looked for {resolved}); fix "
                                           "the path or remove the row; this row is not used")
            continue
        if str(resolved) in entries:
            problem(line, "file", "warning", f"{name!r} is listed again (first on line "
                                             f"{entries[str(resolved)].line}); this row is ignored")
            continue
        msi_given = _cell_text(row.get("msi"))
        found = resolver.resolve_list(msi_given) if msi_given else []
        ids = list(dict.fromkeys(r.msi_id for r in found if r.msi_id))
        specific = [i for i in ids if i != GENERAL]
        missing = tuple(dict.fromkeys(r.given.strip() for r in found if r.msi_id is None))
        for r in found:
            if r.msi_id is None:
                unresolved.setdefault(r.given.strip().casefold(), r)
                problem(line, "msi", "warning",
                        f"{r.given.strip()!r} is {r.how}: kept as given in the metadata, not used "
                        "as the default MSI (add it to the registry: see the YAML below)")
        date = parse_date(row.get("date"))
        if date.note:
            problem(line, "date", "warning", date.note)
        independence = _cell_text(row.get("independence"))
        if independence and not normalise_independence(independence, strict=False):
            problem(line, "independence", "warning",
                    f"{independence!r} is not one of {', '.join(INDEPENDENCE)}; ignored")
            independence = ""
        entries[str(resolved)] = ManifestEntry(
            path=str(resolved), msi=(specific or ids or [""])[0], msis=tuple(specific or ids),
            msi_given=msi_given, unresolved=missing, extra=tuple(extra), line=line,
            date=date.iso or _cell_text(row.get("date")),
            independence=independence,
            **{k: _cell_text(row.get(k)) for k in ("title", "kind", "publisher", "source_url")})
    return Manifest(source, entries, tuple(problems), unknown, tuple(unresolved.values()))


def load_manifest(path: str | Path, registry: Registry) -> dict[str, ManifestEntry]:
    """The usable entries of a manifest, keyed by resolved file path (problems left out)."""
    return read_manifest(path, registry).entries


def format_manifest_notes(manifest: Manifest) -> str:
    """Everything a user should read about a manifest: one notice for extra columns, each
    problem with its line, and registry entries to paste for the names that did not resolve."""
    lines: list[str] = []
    name = Path(manifest.path).name
    if manifest.unknown_columns:
        lines.append(f"{name}: note: column(s) {', '.join(repr(c) for c in manifest.unknown_columns)}"
                     " are not manifest fields; kept as document metadata (exported in the "
                     "document_metadata column)")
    lines += [str(p) for p in manifest.problems]
    if manifest.unresolved:
        lines.append(f"{name}: {len(manifest.unresolved)} MSI name(s) are not in the registry. "
                     "To attribute passages to them, paste entries like these under `msis:` in "
                     "evidence_rules/msi_registry.yaml (or give --registry), then re-run:")
        lines.append(unresolved_yaml(manifest.unresolved))
    return "\n".join(lines)


def unresolved_yaml(names: tuple[Resolution, ...]) -> str:
    from pipeline.attribution.suggest import Suggestion, suggestion_yaml

    out = []
    for r in names:
        title = r.given.strip()
        if r.acronym:
            title = title.replace(f"({r.acronym})", "").strip()
        out += suggestion_yaml(Suggestion(title, acronyms=[r.acronym] if r.acronym else []))
    return "\n".join(out)


def load_manifests(given: str | None, paths: list[str],
                   registry: Registry) -> tuple[dict[str, ManifestEntry], str]:
    """The entries of ``given`` (or of the manifest at the top of each folder in ``paths``), and
    the notes to show the user (empty when there is nothing to say)."""
    from pipeline.run.discover import manifests_for

    entries: dict[str, ManifestEntry] = {}
    notes = []
    for path in [Path(given)] if given else manifests_for(paths):
        if not path.is_file():
            notes.append(f"{path}: error: no such manifest; running without it")
            continue
        manifest = read_manifest(path, registry)
        entries.update(manifest.entries)
        if text := format_manifest_notes(manifest):
            notes.append(text)
    return entries, "\n".join(notes)
