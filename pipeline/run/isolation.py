"""Parse untrusted files in a worker process with a wall-clock limit and a memory limit.

PDF libraries are not thread-safe and can hang or eat memory on one bad file. Each
:class:`IsolatedParser` owns one long-lived child process (spawned, so no parent state such as
torch threads is inherited) that parses one document at a time. A document that runs past
the time limit gets ``timeout``; one that hits the memory limit (``RLIMIT_AS`` in the child)
gets ``resource_limit``; a child that dies gets ``crashed``. The child is then replaced.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection

from pipeline.ingest import ParseLimits, ingest_file
from pipeline.records import DocStatus, Document

STARTUP_TIMEOUT_S = 300.0  # a worker's imports and warm-up, on a slow or busy machine


def _hide_torch() -> None:
    """Keep torch out of the parse child: it never embeds, but thinc (under spaCy) imports torch
    whenever it can, which costs a parse worker about 180 MB and two seconds of start-up. Only a
    fresh (spawned) child is changed; one that already holds torch keeps it."""
    if "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # ``import torch`` raises ImportError


def _child_main(conn: Connection, memory_mb: int, prepare: Callable | None = None) -> None:
    _hide_torch()
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    # Load what every job needs (e.g. spaCy for ``prepare``) before the parent starts the clock:
    # the --timeout limit is for one document, not for the worker's start-up.
    warm_up = getattr(prepare, "warm_up", None)
    if warm_up is not None:
        with contextlib.suppress(Exception):  # a real failure shows on the first document
            warm_up()
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            job = None
        if job is None:
            # Every reply is sent: leave at once rather than spend seconds tearing down the
            # interpreter (spaCy, pdfium) while the parent waits to join.
            conn.close()
            os._exit(0)
        path, doc_id, limits = job
        try:
            document = ingest_file(path, limits, doc_id)
            reply = ("ok", prepare(document) if prepare is not None else document)
        except MemoryError:
            reply = ("memory", "MemoryError")
        except RecursionError as exc:
            reply = ("error", ("RecursionError", f"too deeply nested structure: {exc}"))
        except Exception as exc:  # every failure becomes data for the parent
            reply = ("error", (type(exc).__name__, f"{exc}".strip() or traceback.format_exc(limit=3)))
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", "MemoryError while sending the result"))
        if reply[0] == "memory":
            return  # the heap may be in a bad state: let the parent start a fresh child


class IsolatedParser:
    """One parse worker process, restarted after a timeout, a memory error or a crash."""

    def __init__(self, limits: ParseLimits | None = None, prepare: Callable | None = None):
        """``prepare``, a picklable callable, runs in the child on each parsed Document and its
        return value replaces the Document (the local executor segments and attributes there).
        Failures (timeout, memory, crash, parse error) still come back as a Document."""
        self.limits = limits or ParseLimits()
        self.prepare = prepare
        self._ctx = mp.get_context("spawn")
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=_child_main, args=(child, self.limits.memory_mb, self.prepare), daemon=True,
            name="msi-parse-worker",
        )
        self._proc.start()
        child.close()
        self._conn = parent
        # Wait for the child's start-up (imports, warm-up) outside the per-document time limit;
        # a child that dies meanwhile is noticed (and reported) by the next parse().
        if parent.poll(STARTUP_TIMEOUT_S):
            with contextlib.suppress(EOFError, OSError):
                parent.recv()

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(2)
            except (BrokenPipeError, OSError):
                pass
        self._kill()

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def parse(self, path: str, doc_id: str) -> Document:
        """Parse one file; always returns a Document whose status says how it went."""

        def failed(status: DocStatus, message: str, error_class: str = "") -> Document:
            return Document(doc_id, path, "unknown", os.path.basename(path), (),
                            status=status, message=message, error_class=error_class)

        if self._proc is None or not self._proc.is_alive():
            self._kill()
            self._start()
        assert self._conn is not None and self._proc is not None
        try:
            self._conn.send((path, doc_id, self.limits))
            if not self._conn.poll(self.limits.timeout_s):
                self._kill()
                return failed(DocStatus.TIMEOUT,
                              f"parsing took longer than {self.limits.timeout_s:g} s (--timeout)",
                              "TimeoutError")
            kind, payload = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode
            self._kill()
            if code is not None and code < 0 and -code == 9:
                return failed(DocStatus.RESOURCE_LIMIT,
                              "the parser was killed (SIGKILL), most likely for memory")
            if code == -6:  # pdfium aborts when an allocation fails under RLIMIT_AS
                return failed(DocStatus.RESOURCE_LIMIT,
                              f"the parser aborted (SIGABRT), most likely out of memory under the "
                              f"{self.limits.memory_mb} MB limit (--memory-mb); a decompression "
                              f"bomb or a very large page", "WorkerAborted")
            return failed(DocStatus.CRASHED, f"the parser process died (exit code {code})",
                          "WorkerDied")
        if kind == "ok":
            return payload
        if kind == "memory":
            self._kill()
            return failed(DocStatus.RESOURCE_LIMIT,
                          f"parsing needed more than {self.limits.memory_mb} MB (--memory-mb)",
                          "MemoryError")
        error_class, message = payload
        return failed(DocStatus.PARSE_ERROR, f"{error_class}: {message}", error_class)
