"""The JSON API under ``/api``: the same actions as the pages, for scripts and tests.

Sign in with ``POST /api/login``; then send the session cookie, the returned ``csrf_token`` as
``X-CSRF-Token`` and a same-origin ``Origin`` header with every POST.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pipeline.errors import UnknownCandidateError
from pipeline.review import agreement as agreement_service
from pipeline.review.app import ReviewContext, context
from pipeline.review.auth import LoginThrottled, ReviewerError, Session
from pipeline.review.cards import history, load_card
from pipeline.review.queue import Filters, list_candidates, next_candidate
from pipeline.store import decisions as decision_service
from pipeline.store.overview import overview
from pipeline.store.proposals import proposal_counts
from pipeline.store.queue import candidate_exists, candidate_score

router = APIRouter(prefix="/api", tags=["review"])


class LoginIn(BaseModel):
    name: str
    password: str | None = None


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject", "skip"]
    expected_version: int = Field(
        description="the candidate's version the client saw "
        "(0 when it had no decision); 409 if it changed"
    )
    note: str | None = None
    msi: str | None = None
    consideration_id: str | None = None
    polarity: Literal["supports", "undermines", "neutral"] | None = None
    idempotency_key: str | None = Field(default=None, max_length=200)


class UndoIn(BaseModel):
    expected_decision_id: int | None = None
    idempotency_key: str | None = Field(default=None, max_length=200)


def current(request: Request) -> tuple[ReviewContext, Session]:
    ctx = context(request)
    session = ctx.session(request)
    if session is None:
        raise HTTPException(401, "sign in first: POST /api/login")
    return ctx, session


def writer(request: Request) -> tuple[ReviewContext, Session]:
    ctx, session = current(request)
    if not ctx.csrf_ok(session, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "CSRF token missing or wrong: send X-CSRF-Token from /api/login")
    return ctx, session


Reader = Annotated[tuple[ReviewContext, Session], Depends(current)]
Writer = Annotated[tuple[ReviewContext, Session], Depends(writer)]


def conflict_response(exc: decision_service.Conflict) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc), "candidate_id": exc.candidate_id, "version": exc.version},
        status_code=409,
    )


@router.post("/login")
async def api_login(body: LoginIn, request: Request):
    from pipeline.review.routes_html import set_cookie

    ctx = context(request)
    try:
        session = ctx.sign_in(request, body.name, body.password)
    except LoginThrottled as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)}) from exc
    except ReviewerError as exc:
        raise HTTPException(401, str(exc)) from exc
    response = JSONResponse({"reviewer": session.reviewer, "csrf_token": session.csrf})
    set_cookie(response, session)
    return response


@router.get("/me")
async def api_me(auth: Reader):
    _, session = auth
    return {"reviewer": session.reviewer}


@router.get("/queue")
async def api_queue(request: Request, auth: Reader, offset: int = 0, limit: int = 50):
    ctx, session = auth
    filters = Filters.from_params(request.query_params)
    rows, total = list_candidates(
        ctx.store, filters, session.reviewer, offset=max(0, offset), limit=min(max(1, limit), 500)
    )
    return {"total": total, "filters": filters.as_dict(), "items": rows}


@router.get("/next")
async def api_next(request: Request, auth: Reader):
    ctx, session = auth
    filters = Filters.from_params(request.query_params)
    return {"candidate_id": next_candidate(ctx.store, filters, session.reviewer)}


@router.get("/candidates/{candidate_id}")
async def api_candidate(candidate_id: str, auth: Reader):
    ctx, session = auth
    try:
        card = load_card(ctx.store, ctx.vocabulary, candidate_id, session.reviewer)
    except UnknownCandidateError as exc:
        raise HTTPException(404, str(exc)) from exc
    rp = card.reference_point
    fields = (
        "candidate",
        "document",
        "file_name",
        "page_no",
        "page_label",
        "before",
        "after",
        "section",
        "explanation",
        "history",
        "version",
        "mine",
        "counting",
        "other_reviewers",
        "sources",
    )
    data = {name: getattr(card, name) for name in fields}
    data["explanation"] = card.explanation.to_dict()
    data["segments"] = [{"text": s.text, "mark": s.mark} for s in card.segments]
    data["reference_point"] = (
        None
        if rp is None
        else {
            "id": rp.id,
            "name": rp.name,
            "definition": rp.definition,
            "considerations": [{"id": c.id, "text": c.text} for c in rp.considerations],
        }
    )
    return JSONResponse(data)  # already plain JSON types: skip FastAPI's slower encoder


@router.get("/candidates/{candidate_id}/history")
async def api_history(candidate_id: str, auth: Reader):
    ctx, _ = auth
    if not candidate_exists(ctx.store, candidate_id):
        raise HTTPException(404, f"no candidate {candidate_id!r}")
    return {
        "candidate_id": candidate_id,
        "version": decision_service.version_of(ctx.store, candidate_id),
        "history": history(ctx.store, candidate_id),
    }


@router.post("/candidates/{candidate_id}/decisions", status_code=201)
async def api_decide(candidate_id: str, body: DecisionIn, request: Request, auth: Writer):
    ctx, session = auth
    try:
        outcome = decision_service.decide(
            ctx.store,
            candidate_id,
            body.decision,
            session.reviewer,
            expected_version=body.expected_version,
            note=body.note,
            msi=body.msi,
            consideration_id=body.consideration_id,
            polarity=body.polarity,
            idempotency_key=body.idempotency_key,
            vocabulary=ctx.vocabulary,
        )
    except decision_service.Conflict as exc:
        return conflict_response(exc)
    except UnknownCandidateError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    filters = Filters.from_params(request.query_params)
    score = candidate_score(ctx.store, candidate_id)
    return {
        **asdict(outcome),
        "next_candidate_id": next_candidate(
            ctx.store, filters, session.reviewer, after=(score, candidate_id)
        ),
    }


@router.post("/undo")
async def api_undo(body: UndoIn, auth: Writer):
    ctx, session = auth
    try:
        outcome = decision_service.undo_last(
            ctx.store,
            session.reviewer,
            expected_decision_id=body.expected_decision_id,
            idempotency_key=body.idempotency_key,
        )
    except decision_service.Conflict as exc:
        return conflict_response(exc)
    except decision_service.NothingToUndo as exc:
        raise HTTPException(409, str(exc)) from exc
    return asdict(outcome)


@router.get("/overview")
async def api_overview(auth: Reader):
    ctx, _ = auth
    ov = overview(ctx.store)
    return {
        "total": ov.total,
        "decided": ov.decided,
        "by_reviewer": ov.by_reviewer,
        "matrix": [
            {"msi": m, "reference_point_id": rp, **counts}
            for (m, rp), counts in sorted(ov.cells.items())
        ],
        "by_proposer": proposal_counts(ctx.store),
    }


@router.get("/agreement")
async def api_agreement(auth: Reader):
    ctx, _ = auth
    return {"rows": [asdict(r) for r in agreement_service.agreement(ctx.store)]}


@router.get("/disagreements")
async def api_disagreements(auth: Reader):
    ctx, _ = auth
    return {"rows": [asdict(r) for r in agreement_service.disagreements(ctx.store)]}
