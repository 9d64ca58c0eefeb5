"""The review workspace's source correction: POST /document/{doc_id}/source (CSRF-checked),
then back to the card it was made from."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.review.app import signed_form
from pipeline.rules.registry import UnknownMsiError
from pipeline.sources.corrections import correct_source
from pipeline.sources.model import SourceError

router = APIRouter(include_in_schema=False)


@router.post("/document/{doc_id}/source")
async def correct_document_source(request: Request, doc_id: str):
    signed = await signed_form(request)
    if isinstance(signed, Response):
        return signed
    ctx, session, form = signed
    independence = str(form.get("independence") or "")
    msi = str(form.get("msi") or "")
    try:
        correct_source(
            ctx.store, doc_id, session.reviewer, registry=ctx.vocabulary.registry,
            kind=str(form.get("kind") or "") or None,
            independence=independence or None,
            # "independent" holds for every MSI; otherwise it is relative to the chosen MSI.
            msis=() if independence == "independent" or not msi or msi == "GENERAL" else (msi,),
            publisher=str(form["publisher"]) if "publisher" in form else None,
            published=str(form["published"]) if "published" in form else None,
            note=str(form.get("note") or "") or None)
    except (SourceError, UnknownMsiError, ValueError) as exc:
        return Response(f"The source was not changed: {exc}", status_code=400)
    params = {k: v for k, v in request.query_params.items() if k != "candidate"}
    candidate = request.query_params.get("candidate")
    target = f"/card/{candidate}" if candidate else "/queue"
    query = urlencode(params)
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=303)
