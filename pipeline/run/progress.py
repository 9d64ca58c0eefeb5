"""Progress of a batch run: a bar on a terminal, one line per finished document otherwise.

A run whose output goes to a log file or a CI console used to print nothing until the end;
now each document that finishes prints its status, pages, candidates and time, e.g.
``[3/12] ok       report.pdf  14 pages  37 candidates  2.4 s``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from pipeline.records import DocumentResult


class Progress:
    """Reports finished documents; ``enabled=False`` is silent, ``stream`` defaults to stderr."""

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.terminal = self.enabled and _is_terminal(self.stream)
        self._last = time.perf_counter()
        self._bar = None
        if self.terminal:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="documents", dynamic_ncols=True,
                             desc="processing", file=self.stream)

    def finished(self, result: DocumentResult) -> None:
        self.done += 1
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"{len(result.passages)} passages")
        elif self.enabled:
            print(document_line(result, self.done, self.total, elapsed), file=self.stream,
                  flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def document_line(result: DocumentResult, done: int, total: int, elapsed_s: float) -> str:
    """One finished document as a log line."""
    pages = len(result.document.pages) if result.document else 0
    width = len(str(total))
    line = (f"[{done:>{width}}/{total}] {result.status.value:<12} {Path(result.path).name}  "
            f"{pages} page{'s' * (pages != 1)}  {len(result.candidates)} "
            f"candidate{'s' * (len(result.candidates) != 1)}  {elapsed_s:.1f} s")
    if result.message and result.status.value != "ok":
        line += f"  ({result.message[:120]})"
    return line


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
