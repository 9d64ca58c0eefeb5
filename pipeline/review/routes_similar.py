"""More like this: a card's similar passages (page and JSON) and pulling one into the queue.

Pulling goes through the one writer ``pipeline.store.proposals.propose_passage`` as the
signed-in reviewer, behind the same CSRF token (pages) or X-CSRF-Token header (API) and the
Origin check of every POST (``SecurityMiddleware``). It is idempotent: the candidate's id is
fixed by the passage, consideration and MSI.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from pipeline.errors import UnknownCandidateError
from pipeline.review.app import ReviewContext, context, signed_form
from pipeline.review.auth import Session
from pipeline.review.queue import Filters
from pipeline.review.routes_api import Reader, Writer
from pipeline.review.routes_html import render, to_login, with_qs
from pipeline.review.similar import MAX_NEIGHBOURS, SimilarResult
from pipeline.store.proposals import Proposal, ProposalError, propose_passage
from pipeline.store.queue import candidate_exists

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["review"])
DEFAULT_K = 9  # one digit key per row


def _k(value: str | int | None) -> int:
    try:
        return max(1, min(int(value or DEFAULT_K), MAX_NEIGHBOURS))
    except ValueError:
        return DEFAULT_K


def pull(ctx: ReviewContext, session: Session, candidate_id: str, passage_id: str) -> Proposal:
    """Pull ``passage_id`` into the queue under the card's reference point, as ``session``'s
    reviewer, scored by its cosine to the card's passage, quoting its sentence nearest to the
    card's quote (raises ProposalError, UnknownCandidateError)."""
    similarity, model = ctx.similar.similarity(candidate_id, passage_id)  # after prepare()
    return propose_passage(ctx.store, passage_id, like=candidate_id, reviewer=session.reviewer,
                           similarity=similarity, model=model or None,
                           quote_span=ctx.similar.best_sentence(candidate_id, passage_id))


@router.get("/card/{candidate_id}/similar")
async def similar_page(request: Request, candidate_id: str):
    ctx = context(request)
    session = ctx.session(request)
    if not session:
        return to_login(request)
    await run_in_threadpool(ctx.similar.prepare, candidate_id)
    result = ctx.similar.similar(candidate_id, _k(request.query_params.get("k")))
    if result is None:
        return render(request, "message.html", status=404, title="Not found",
                      text="No such candidate. Go back to the queue.")
    filters = Filters.from_params(request.query_params)
    pulled = request.query_params.get("pulled") or ""
    return render(
        request, "similar.html", result=result, filters=filters, qs=filters.query_string(),
        card=_card_head(ctx, candidate_id),
        pulled=pulled if pulled and candidate_exists(ctx.store, pulled) else "",
        already=request.query_params.get("already") == "1",
    )


def _card_head(ctx: ReviewContext, candidate_id: str) -> dict:
    from pipeline.store.review_reads import card_rows

    rows = card_rows(ctx.store, candidate_id, "")
    return dict(rows.candidate) if rows else {}


@router.post("/card/{candidate_id}/similar")
async def similar_pull(request: Request, candidate_id: str):
    signed = await signed_form(request)
    if isinstance(signed, Response):
        return signed
    ctx, session, form = signed
    filters = Filters.from_params(request.query_params)
    await run_in_threadpool(ctx.similar.prepare, candidate_id)
    try:
        outcome = pull(ctx, session, candidate_id, str(form.get("passage_id") or ""))
    except (ProposalError, UnknownCandidateError) as exc:
        return render(request, "message.html", status=400, title="Not pulled", text=str(exc))
    extra = {"pulled": outcome.candidate_id}
    if not outcome.created:
        extra["already"] = "1"
    return RedirectResponse(with_qs(f"/card/{candidate_id}/similar", filters, **extra),
                            status_code=303)


class PullIn(BaseModel):
    passage_id: str = Field(max_length=200)


def _result_json(result: SimilarResult) -> dict:
    out = asdict(result)
    for n in out["neighbours"]:
        n.pop("text")
    return out


@api_router.get("/candidates/{candidate_id}/similar")
async def api_similar(candidate_id: str, auth: Reader, k: int = DEFAULT_K):
    ctx, _ = auth
    await run_in_threadpool(ctx.similar.prepare, candidate_id)
    result = ctx.similar.similar(candidate_id, _k(k))
    if result is None:
        raise HTTPException(404, f"no candidate {candidate_id!r}")
    return _result_json(result)


@api_router.post("/candidates/{candidate_id}/similar")
async def api_pull(candidate_id: str, body: PullIn, auth: Writer):
    ctx, session = auth
    await run_in_threadpool(ctx.similar.prepare, candidate_id)
    try:
        outcome = pull(ctx, session, candidate_id, body.passage_id)
    except UnknownCandidateError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ProposalError as exc:
        raise HTTPException(400, str(exc)) from exc
    return asdict(outcome)
