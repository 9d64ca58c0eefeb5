"""Executors run the per-document stage over many documents and yield ``DocumentResult``s.

``local`` (parse workers + batched embedding in this process) and ``dask`` (the same stage on a
Dask cluster). Both only *produce* results; :func:`pipeline.run.runner.run_corpus` writes them to the
store, one transaction per document, in the driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from pipeline.records import DocumentResult

EXECUTORS = ("local", "dask")


class Executor(Protocol):
    name: str

    def results(self, jobs: list[tuple[str, str]], context) -> Iterator[DocumentResult]: ...

    def describe(self) -> dict: ...

    def close(self) -> None: ...


def make_executor(name: str = "local", *, workers: int = 1, scheduler: str | None = None,
                  torch_threads: int | None = None, batch_size: int | None = None) -> Executor:
    """The executor for ``--executor``; heavy imports (dask) happen only when it is used."""
    if name == "local":
        from pipeline.run.executors.local import LocalExecutor

        return LocalExecutor(workers=workers)
    if name == "dask":
        from pipeline.run.executors.dask import DaskExecutor

        return DaskExecutor(scheduler=scheduler, n_workers=workers if workers > 1 else None,
                            torch_threads=torch_threads, batch_size=batch_size)
    raise ValueError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
