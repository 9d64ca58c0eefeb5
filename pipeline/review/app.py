"""The FastAPI application factory.

All handlers are ``async`` and touch SQLite synchronously, so database work runs on the event
loop one request at a time over a single connection (each query takes well under a
millisecond). Only PDF rendering leaves the loop, into a worker thread under the pdfium lock.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from pipeline.errors import StoreError
from pipeline.review.active import PriorityRefitter
from pipeline.review.auth import Session, has_credentials, sign_in
from pipeline.review.config import ReviewConfig
from pipeline.review.ratelimit import LoginLimiter
from pipeline.review.security import SecurityMiddleware
from pipeline.review.similar import SimilarPassages
from pipeline.review.vocabulary import Vocabulary
from pipeline.store import Store, priority
from pipeline.store.priority import PriorityState
from pipeline.store.sessions import Sessions

HERE = Path(__file__).resolve().parent
COOKIE = "msi_review_session"


@dataclass
class ReviewContext:
    config: ReviewConfig
    store: Store
    vocabulary: Vocabulary
    sessions: Sessions
    templates: Environment
    limiter: LoginLimiter
    similar: SimilarPassages
    refitter: PriorityRefitter | None = None

    def active_ordering(self) -> PriorityState | None:
        """Start the background refits of the active order (on the first view that asks for
        it, so a workspace nobody orders that way does no work) and return their state."""
        if self.refitter is None:
            self.refitter = PriorityRefitter(self.store.path).start()
        return priority.priority_state(self.store)

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def sign_in(self, request: Request, name: str, password: str | None) -> Session:
        """Throttled sign-in (see ``pipeline.review.auth.sign_in``) from the request's client."""
        address = request.client.host if request.client else None
        return sign_in(self.store, self.sessions, self.limiter, name, password, address)

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


def make_templates(vocabulary: Vocabulary | None = None) -> Environment:
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
    # Names where reviewers read them (ids stay in filters, links and exports).
    env.filters["msi_name"] = vocabulary.msi_name if vocabulary else str
    env.filters["rp_name"] = (
        (lambda rp_id: getattr(vocabulary.reference_points.get(rp_id), "name", rp_id))
        if vocabulary else str)
    return env


def create_app(
    config: ReviewConfig,
    store: Store | None = None,
    vocabulary: Vocabulary | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Build the app over ``config.db`` (or an open ``store``). ``clock`` (seconds since the
    epoch) drives session expiry and sign-in throttling; tests pass a fake one."""
    from fastapi.staticfiles import StaticFiles

    from pipeline.review import routes_api, routes_html, routes_similar, routes_sources

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
    sessions = Sessions(
        store, idle_s=config.session_idle_s, lifetime_s=config.session_lifetime_s, clock=clock
    )
    limiter = LoginLimiter(
        max_per_name=config.login_max_failures_per_name,
        max_per_address=config.login_max_failures_per_address,
        window_s=config.login_window_s,
        clock=clock,
    )
    app.state.review = ReviewContext(config, store, vocabulary, sessions, make_templates(vocabulary),
                                     limiter, SimilarPassages(store, config.embeddings))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(routes_api.router)
    app.include_router(routes_html.router)
    app.include_router(routes_sources.router)
    app.include_router(routes_similar.router)
    app.include_router(routes_similar.api_router)
    app.add_middleware(SecurityMiddleware, host_names=config.host_names())

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError):
        # e.g. a batch run holds the write lock past the busy timeout: nothing was written
        return PlainTextResponse(f"{exc}", status_code=503)

    return app


async def signed_form(request: Request) -> tuple[ReviewContext, Session, FormData] | Response:
    """(context, session, form) of an HTML form post, or a 403 when the form lacks the session's
    CSRF token (or there is no session)."""
    ctx = context(request)
    session = ctx.session(request)
    form = await request.form()
    if session and ctx.csrf_ok(session, str(form.get("csrf") or "")):
        return ctx, session, form
    return Response("CSRF token missing or wrong: reload the page and try again.", status_code=403)


def context(request: Request) -> ReviewContext:
    return request.app.state.review
