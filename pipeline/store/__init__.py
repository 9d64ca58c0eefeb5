"""The SQLite store: runs, documents, pages, passages, candidates and append-only decisions."""

from pipeline.store.store import Store

__all__ = ["Store"]
