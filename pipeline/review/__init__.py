"""The browser review workspace: a FastAPI app over the SQLite store.

``create_app(config)`` builds the app; ``serve(config)`` runs it with uvicorn. The services
(queue, cards, decisions, agreement, overview, source) are plain functions over a ``Store`` and
are used by both the HTML routes and the JSON API under ``/api``.
"""

from __future__ import annotations

from pipeline.review.config import ReviewConfig

__all__ = ["ReviewConfig"]
