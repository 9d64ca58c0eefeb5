"""Server-rendered pages. Forms post back with a CSRF token; every text is escaped by Jinja."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pipeline.errors import UnknownCandidateError
from pipeline.review import agreement as agreement_service
from pipeline.review.app import COOKIE, ReviewContext, context, signed_form
from pipeline.review.auth import LoginThrottled, ReviewerError, Session
from pipeline.review.cards import load_card
from pipeline.review.queue import (
    ORDER_NAMES,
    Filters,
    filter_options,
    list_candidates,
    next_candidate,
)
from pipeline.review.source import render_pdf_page, source_info, text_context
from pipeline.review.sources import accepted_by_independence, card_source
from pipeline.review.vocabulary import POLARITIES
from pipeline.sources.model import INDEPENDENCE, KINDS
from pipeline.store import decisions as decision_service
from pipeline.store.overview import overview
from pipeline.store.proposals import proposal_counts
from pipeline.store.queue import candidate_score

router = APIRouter(include_in_schema=False)
MESSAGES = {
    "undone": "Undone. The candidate is back in front of you.",
    "nothing-to-undo": "There is nothing left to undo.",
    "signed-out": "Signed out.",
    "accept": "Accepted. Undo takes it back.",
    "reject": "Rejected. Undo takes it back.",
    "skip": "Skipped: the card stays in your skipped list.",
    "accept-twins": "Accepted, for every source of the quote. Undo takes it back.",
    "reject-twins": "Rejected, for every source of the quote. Undo takes it back.",
    "skip-twins": "Skipped: the card stays in your skipped list.",
}
PAGE_SIZE = 50


def render(request: Request, name: str, status: int = 200, **values) -> HTMLResponse:
    ctx: ReviewContext = context(request)
    session = ctx.session(request)
    html = ctx.templates.get_template(name).render(
        request_path=request.url.path,
        session=session,
        csrf=session.csrf if session else "",
        keys=ctx.config.keys,
        message=MESSAGES.get(request.query_params.get("msg", "")),
        **values,
    )
    return HTMLResponse(html, status_code=status)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def local_target(value: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/card/next"


def with_qs(path: str, filters: Filters, **extra: str) -> str:
    qs = filters.query_string()
    more = "&".join(f"{k}={quote(v)}" for k, v in extra.items())
    joined = "&".join(p for p in (qs, more) if p)
    return f"{path}?{joined}" if joined else path


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/card/next", status_code=303)


FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
           '<rect x="2" y="1" width="12" height="14" rx="1" fill="#fff" stroke="#333"/>'
           '<path d="M4 5h8M4 8h8M4 11h5" stroke="#1f6feb" stroke-width="1.5"/></svg>')


@router.get("/favicon.ico")
async def favicon() -> Response:
    """The tab icon (browsers ask for it on every page; a 404 clutters logs)."""
    return Response(FAVICON, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/login")
async def login_page(request: Request):
    ctx = context(request)
    if ctx.session(request):
        return RedirectResponse(local_target(request.query_params.get("next")), status_code=303)
    return render(
        request,
        "login.html",
        next=local_target(request.query_params.get("next")),
        need_password=ctx.credentials_required(),
        error=None,
    )


@router.post("/login")
async def login(request: Request):
    ctx = context(request)
    form = await request.form()
    target = local_target(str(form.get("next") or ""))
    try:
        session = ctx.sign_in(request, str(form.get("name") or ""), str(form.get("password") or ""))
    except (ReviewerError, LoginThrottled) as exc:
        throttled = isinstance(exc, LoginThrottled)
        response = render(
            request,
            "login.html",
            status=429 if throttled else 401,
            next=target,
            need_password=ctx.credentials_required(),
            error=str(exc),
        )
        if throttled:
            response.headers["retry-after"] = str(exc.retry_after_s)
        return response
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, session)
    return response


def set_cookie(response: Response, session: Session) -> None:
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="strict", path="/")


@router.post("/logout")
async def logout(request: Request):
    ctx = context(request)
    session = ctx.session(request)
    form = await request.form()
    if session and not ctx.csrf_ok(session, str(form.get("csrf") or "")):
        return Response("CSRF token missing or wrong", status_code=403)
    ctx.sessions.drop(request.cookies.get(COOKIE))
    response = RedirectResponse("/login?msg=signed-out", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/card/next")
async def card_next(request: Request):
    ctx = context(request)
    session = ctx.session(request)
    if not session:
        return to_login(request)
    filters = Filters.from_params(request.query_params)
    if filters.order == "likely":
        ctx.active_ordering()
    candidate_id = next_candidate(ctx.store, filters, session.reviewer)
    if candidate_id is None:
        return render(request, "done.html", filters=filters, qs=filters.query_string())
    extra = {"msg": request.query_params["msg"]} if request.query_params.get("msg") else {}
    return RedirectResponse(with_qs(f"/card/{candidate_id}", filters, **extra), status_code=303)


def card_response(
    request: Request,
    session: Session,
    candidate_id: str,
    *,
    status: int = 200,
    conflict: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    ctx = context(request)
    filters = Filters.from_params(request.query_params)
    try:
        card = load_card(ctx.store, ctx.vocabulary, candidate_id, session.reviewer)
    except UnknownCandidateError:
        return render(
            request,
            "message.html",
            status=404,
            title="Not found",
            text="No such candidate. Go back to the queue.",
        )
    vocab = ctx.vocabulary
    source = card_source(ctx.store, card.candidate["doc_id"], card.candidate["msi"],
                         card.candidate["quote"])
    return render(
        request,
        "card.html",
        source=source,
        source_kinds=list(KINDS.items()),
        independence_values=list(INDEPENDENCE),
        status=status,
        card=card,
        c=card.candidate,
        filters=filters,
        qs=filters.query_string(),
        conflict=conflict,
        error=error,
        idempotency_key=secrets.token_urlsafe(18),
        vocab=vocab,
        msi_name=vocab.msi_name(card.candidate["msi"]),
        polarities=POLARITIES,
        consideration_text=vocab.consideration_text,
    )


@router.get("/card/{candidate_id}")
async def card_page(request: Request, candidate_id: str):
    session = context(request).session(request)
    if not session:
        return to_login(request)
    return card_response(request, session, candidate_id)


@router.post("/card/{candidate_id}/decide")
async def card_decide(request: Request, candidate_id: str):
    signed = await signed_form(request)
    if isinstance(signed, Response):
        return signed
    ctx, session, form = signed
    filters = Filters.from_params(request.query_params)
    try:
        version = int(str(form.get("version") or ""))
    except ValueError:
        version = None
    if version is None:
        return card_response(
            request,
            session,
            candidate_id,
            status=400,
            error="The form lacked the candidate's version; reload the page.",
        )
    # "Accept under another reference point" buttons send the consideration as accept_as.
    accept_as = str(form.get("accept_as") or "")
    try:
        outcome = decision_service.decide(
            ctx.store,
            candidate_id,
            "accept" if accept_as else str(form.get("decision") or ""),
            session.reviewer,
            expected_version=version,
            note=str(form.get("note") or ""),
            msi=str(form.get("msi") or ""),
            consideration_id=accept_as or str(form.get("consideration_id") or ""),
            polarity=str(form.get("polarity") or ""),
            idempotency_key=str(form.get("idempotency_key") or "") or None,
            vocabulary=ctx.vocabulary,
        )
    except decision_service.Conflict as exc:
        return card_response(request, session, candidate_id, status=409, conflict=str(exc))
    except UnknownCandidateError:
        return render(
            request,
            "message.html",
            status=404,
            title="Not found",
            text="No such candidate. Go back to the queue.",
        )
    except ValueError as exc:
        return card_response(request, session, candidate_id, status=400, error=str(exc))
    score = candidate_score(ctx.store, outcome.candidate_id)
    following = next_candidate(
        ctx.store, filters, session.reviewer, after=(score, outcome.candidate_id)
    )
    done = outcome.decision + ("-twins" if outcome.twins else "")
    if following is None:
        return RedirectResponse(with_qs("/card/next", filters, msg=done), status_code=303)
    return RedirectResponse(with_qs(f"/card/{following}", filters, msg=done), status_code=303)


@router.post("/undo")
async def undo(request: Request):
    signed = await signed_form(request)
    if isinstance(signed, Response):
        return signed
    ctx, session, form = signed
    filters = Filters.from_params(request.query_params)
    try:
        outcome = decision_service.undo_last(
            ctx.store,
            session.reviewer,
            idempotency_key=str(form.get("idempotency_key") or "") or None,
        )
    except decision_service.NothingToUndo:
        return RedirectResponse(
            with_qs("/card/next", filters, msg="nothing-to-undo"), status_code=303
        )
    except decision_service.Conflict as exc:
        return render(request, "message.html", status=409, title="Conflict", text=str(exc))
    return RedirectResponse(
        with_qs(f"/card/{outcome.candidate_id}", filters, msg="undone"), status_code=303
    )


@router.get("/queue")
async def queue_page(request: Request):
    ctx = context(request)
    session = ctx.session(request)
    if not session:
        return to_login(request)
    filters = Filters.from_params(request.query_params)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    ordering = ctx.active_ordering() if filters.order == "likely" else None
    rows, total = list_candidates(
        ctx.store, filters, session.reviewer, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        request,
        "queue.html",
        ordering=ordering,
        order_name=ORDER_NAMES[filters.order],
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        qs=filters.query_string(),
        options=filter_options(ctx.store),
    )


@router.get("/overview")
async def overview_page(request: Request):
    ctx = context(request)
    if not ctx.session(request):
        return to_login(request)
    return render(
        request,
        "overview.html",
        ov=overview(ctx.store),
        by_independence=accepted_by_independence(ctx.store),
        proposers=proposal_counts(ctx.store),
        agreement=agreement_service.agreement(ctx.store),
        n_disagreements=len(agreement_service.disagreements(ctx.store)),
    )


@router.get("/adjudicate")
async def adjudicate_page(request: Request):
    ctx = context(request)
    if not ctx.session(request):
        return to_login(request)
    return render(request, "adjudicate.html", rows=agreement_service.disagreements(ctx.store))


@router.get("/source/{candidate_id}")
async def source_page(request: Request, candidate_id: str):
    ctx = context(request)
    if not ctx.session(request):
        return to_login(request)
    info = source_info(ctx.store, candidate_id)
    if info is None:
        return render(
            request, "message.html", status=404, title="Not found", text="No such candidate."
        )
    is_pdf = info.kind == "pdf" and info.path is not None
    return render(
        request,
        "source.html",
        info=info,
        is_pdf=is_pdf,
        segments=None if is_pdf else text_context(info),
        filters=Filters.from_params(request.query_params),
    )


@router.get("/source/{candidate_id}/page.png")
async def source_png(request: Request, candidate_id: str):
    ctx = context(request)
    if not ctx.session(request):
        return Response("sign in first", status_code=401)
    info = source_info(ctx.store, candidate_id)
    if info is None or info.kind != "pdf" or info.path is None:
        return Response("no PDF page for this candidate", status_code=404)
    try:
        png, _ = await run_in_threadpool(render_pdf_page, info.path, info.page_no, info.quote)
    except Exception as exc:  # pdfium errors on a damaged or changed file
        return Response(f"could not render the page: {type(exc).__name__}", status_code=500)
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})
