"""The embedding cache: vectors keyed by (model, text hash) in their own SQLite file.

Used by ``pipeline.embed.CachedEncoder``; separate from the evidence store so that one cache
serves many stores.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import numpy as np


def text_hash(text: str) -> str:
    """The cache key of a text (the first 32 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Vectors keyed by (model, text hash) in their own SQLite file; survives between runs."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, text_hash TEXT NOT NULL,"
            " dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash))"
        )
        self._conn.commit()

    @classmethod
    def open_existing(cls, path: str | Path) -> EmbeddingCache | None:
        """The cache at ``path``, or None when there is no such file (nothing is created)."""
        return cls(path) if Path(path).is_file() else None

    def models(self) -> list[str]:
        """The models that have vectors in this cache."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT model FROM embeddings ORDER BY 1")]

    def get_many(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
                [model, *chunk],
            )
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors; best effort: a cache that cannot be written (full disk, locked file)
        only costs speed, so the error is logged and the document carries on."""
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR IGNORE INTO embeddings (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)",
                    [(model, h, int(v.shape[0]), v.astype(np.float32).tobytes()) for h, v in items.items()],
                )
        except sqlite3.OperationalError as exc:
            logging.getLogger(__name__).warning(
                "could not write the embedding cache %s (%s); continuing without caching",
                self.path, exc)

    def close(self) -> None:
        self._conn.close()
