"""Framework vectors cached once per model and framework text, in a per-user folder.

Every new store used to embed the framework's ~1,200 evidence texts again (tens of seconds on
a laptop). The vectors depend only on the encoder and the exact texts, so they are kept under
``$MSI_EVIDENCE_CACHE`` (default ``$XDG_CACHE_HOME/msi-evidence`` or ``~/.cache/msi-evidence``),
one ``.npz`` file per (encoder, texts) digest, holding the vectors and what is fitted on them. The cache is best effort: a folder that cannot be
written, or a file that is damaged, only costs the time to embed again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline.embed import CACHE_ENV, user_cache_dir  # noqa: F401 - CACHE_ENV: tests set it

CACHE_PROBE = "A multi-stakeholder initiative publishes independent audit results."
log = logging.getLogger(__name__)


def texts_digest(encoder_name: str, texts: list[str]) -> str:
    """The cache key of an encoder's vectors for exactly these texts, in this order."""
    digest = hashlib.sha256(encoder_name.encode())
    for text in texts:
        digest.update(b"\x1f" + text.encode())
    return digest.hexdigest()[:32]


def cached_arrays(key: str, compute: Callable[[], dict[str, np.ndarray]],
                  folder: Path | None = None) -> dict[str, np.ndarray]:
    """``compute()``'s named arrays, read from / written to ``FOLDER/KEY.npz``."""
    folder = folder or user_cache_dir() / "framework-vectors"
    path = folder / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("ignoring damaged framework vector cache %s (%s)", path, exc)
    arrays = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed, so parallel runs never read half a file.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            np.savez(handle, **arrays)
        os.replace(handle.name, path)
    except OSError as exc:
        log.warning("could not write the framework vector cache in %s (%s); continuing", folder, exc)
    return arrays
