"""Overlapping stages: each runs ahead in its own thread and hands its items over a bounded queue.

The local executor chains three stages (prepare and group documents, embed a batch, match a
batch) so that each works while the next one does: parse workers read the next documents while a
batch embeds, and a batch is matched and written while the next one embeds. A stage's queue holds
at most ``depth`` items, so a fast stage waits for a slow one instead of piling up results, and
memory stays bounded whatever the corpus size. Items keep their order.

An error in a stage is raised, in order, where its items are consumed; leaving the ``with`` block
early (an error, Ctrl-C, a consumer that stops) tells every stage to stop after its current item.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"
POLL_S = 0.1  # how often a waiting stage looks whether it should stop


class _Stopped(Exception):
    """The pipeline was told to stop while this stage waited."""


class Overlap:
    """A set of stages that stop together (use as a context manager)."""

    def __init__(self, depth: int = 1, join_s: float = 5.0):
        self.depth = max(1, depth)
        self.join_s = join_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def stage(self, source: Iterable[T], name: str) -> Iterator[T]:
        """Iterate ``source`` in a new thread, at most ``depth`` items ahead of the consumer."""
        queue: Queue = Queue(maxsize=self.depth)
        thread = threading.Thread(target=self._run, args=(iter(source), queue), name=name,
                                  daemon=True)
        thread.start()
        self._threads.append(thread)
        return self._drain(queue)

    def _run(self, source: Iterator, queue: Queue) -> None:
        try:
            for item in source:
                self._put(queue, (_ITEM, item))
            self._put(queue, (_END, None))
        except _Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            with contextlib.suppress(_Stopped):
                self._put(queue, (_ERROR, exc))
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def _put(self, queue: Queue, entry: tuple) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                queue.put(entry, timeout=POLL_S)
                return
            except Full:
                continue

    def _drain(self, queue: Queue) -> Iterator:
        while True:
            try:
                kind, payload = queue.get(timeout=POLL_S)
            except Empty:
                if self._stop.is_set():
                    raise _Stopped from None
                continue
            if kind == _END:
                return
            if kind == _ERROR:
                raise payload
            yield payload

    def close(self) -> None:
        """Tell every stage to stop; wait a little for each (a stage in the middle of a parse or
        an encoder call finishes it first; its thread is a daemon)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.join_s)

    def __enter__(self) -> Overlap:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
