"""Heavy objects cached once per process: spaCy attributors, encoders, processing contexts.

This module is imported by parse-worker processes and Dask workers. A cache must live in an
importable module: a function or dict defined in ``__main__`` is pickled *by value* when sent to
a Dask worker, so a cache there would be rebuilt (and the model reloaded) on every task. Here the
task pickles only a reference (``pipeline.run.executors.worker_cache.context_for``) and the cache
survives from one task to the next in the same worker process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_cache: dict[tuple, Any] = {}
_lock = threading.RLock()  # re-entrant: a factory may build other cached objects
_builds: dict[str, int] = {}  # how many objects of each kind this process built (for tests)


def cached(key: tuple, factory: Callable[[], T]) -> T:
    """The object stored under ``key``, built by ``factory`` on first use in this process."""
    with _lock:
        if key not in _cache:
            _cache[key] = factory()
            _builds[key[0]] = _builds.get(key[0], 0) + 1
        return _cache[key]


def builds() -> dict[str, int]:
    """Objects built in this process so far, by kind (``{"context": 1, ...}``)."""
    with _lock:
        return dict(_builds)


def clear() -> None:
    """Close what can be closed (parse processes) and forget everything cached here."""
    with _lock:
        for value in _cache.values():
            close = getattr(value, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):  # best effort at shutdown
                    close()
        _cache.clear()
        _builds.clear()


def attributor_for(registry):
    """One MsiAttributor (a spaCy pipeline) per registry content, per process."""
    from pipeline.attribution import MsiAttributor

    return cached(("attributor", registry.fingerprint()), lambda: MsiAttributor(registry))


def encoder_for(model: str | None, batch_size: int | None = None,
                torch_threads: int | None = None):
    """One encoder per (model, batch size, threads), per process; the model loads on first use."""
    from pipeline.embed import make_encoder

    return cached(("encoder", model, batch_size, torch_threads),
                  lambda: make_encoder(model, batch_size=batch_size, torch_threads=torch_threads))


def context_for(spec):
    """One ProcessingContext per WorkerSpec, per process (see :mod:`pipeline.run.executors.dask`)."""

    def build():
        from pipeline.run.process import ProcessingContext

        encoder = encoder_for(spec.model, spec.batch_size, spec.torch_threads)
        return ProcessingContext(framework=spec.framework, registry=spec.registry, encoder=encoder,
                                 segment=spec.segment, limits=spec.limits, manifest=spec.manifest)

    return cached(("context", spec.key), build)
