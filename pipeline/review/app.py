"""The FastAPI application factory.

All handlers are ``async`` and touch SQLite synchronously, so database work runs on the event
loop one request at a time over a single connection (each query takes well under a
millisecond). Only PDF rendering leaves the loop, into a worker thread under the pdfium lock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.errors import StoreError
from pipeline.review.auth import Session, Sessions, has_credentials
from pipeline.review.config import ReviewConfig
from pipeline.review.security import SecurityMiddleware
from pipeline.review.vocabulary import Vocabulary
from pipeline.store import Store

HERE = Path(__file__).resolve().parent
COOKIE = "msi_review_session"


@dataclass
class ReviewContext:
    config: ReviewConfig
    store: Store
    vocabulary: Vocabulary
    sessions: Sessions
    templates: Environment

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(session.csrf, token)

    def credentials_required(self) -> bool:
        return has_credentials(self.store)


def plain(value) -> str:
    """An explanation value as short plain text (numbers rounded; nested values flattened)."""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) if value else "–"
    return str(value)


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = lambda v: "" if v is None else f"{v:.3f}"
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.1f}%"
    env.filters["plain"] = plain
    env.filters["kappa"] = lambda v: "–" if v is None else f"{v:.3f}"
    return env


def create_app(
    config: ReviewConfig, store: Store | None = None, vocabulary: Vocabulary | None = None
) -> FastAPI:
    """Build the app over ``config.db`` (or an open ``store``)."""
    from fastapi.staticfiles import StaticFiles

    from pipeline.review import routes_api, routes_html

    store = store or Store(config.db, busy_timeout_s=5.0, create=False)
    vocabulary = vocabulary or Vocabulary.load(config.framework, config.registry)
    app = FastAPI(
        title="MSI Evidence Miner — review API",
        version="1",
        docs_url=None,
        redoc_url=None,  # their pages need inline scripts (CSP)
        description="JSON API for the review workspace. Sign in with POST /api/login; "
        "send the returned csrf_token as X-CSRF-Token and a same-origin "
        "Origin header on every POST.",
    )
    app.state.review = ReviewContext(config, store, vocabulary, Sessions(), make_templates())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(routes_api.router)
    app.include_router(routes_html.router)
    app.add_middleware(SecurityMiddleware, host_names=config.host_names())

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError):
        # e.g. a batch run holds the write lock past the busy timeout: nothing was written
        return PlainTextResponse(f"{exc}", status_code=503)

    return app


def context(request: Request) -> ReviewContext:
    return request.app.state.review
