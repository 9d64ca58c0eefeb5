"""Run metadata for exports and reports: which corpus, framework, model and runs a store holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pipeline.rules.framework import Framework
from pipeline.store import Store
from pipeline.store.reports import store_facts


def store_metadata(store: Store, framework: Framework) -> dict[str, str]:
    """Key facts as display strings, in a stable order (for the XLSX ``about`` sheet and the
    HTML report). Values come from the store's ``runs``, ``documents`` and ``candidates``."""
    facts = store_facts(store)
    runs = facts.runs
    corpus: list[str] = []
    for run in runs:
        try:
            paths = json.loads(run["settings"] or "{}").get("paths") or []
        except (ValueError, AttributeError):
            paths = []
        corpus.extend(p for p in paths if p not in corpus)
    cand_models, cand_frameworks = facts.candidate_models, facts.candidate_frameworks
    statuses = facts.statuses
    last = runs[-1] if runs else None
    return {
        "database": store.path,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "corpus": ", ".join(corpus) or "(unknown)",
        "documents": ", ".join(f"{n} {s}" for s, n in statuses) or "0",
        "framework": f"{framework.framework.name} ({framework.id}, version {framework.version})",
        "frameworks_in_store": ", ".join(cand_frameworks) or "(no candidates)",
        "model": ", ".join(cand_models) or (last["model"] if last and last["model"] else "(unknown)"),
        "runs": str(len(runs)),
        "last_run": (f"{last['run_id']} ({last['status']}), started {last['started_at']}"
                     if last else "(none)"),
        "candidates": str(store.count("candidates")),
        "decisions": str(store.count("decisions")),
    }
