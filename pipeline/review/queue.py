"""The review queue: candidates filtered by MSI, reference point, document, status and score,
highest score first. Status is from the signed-in reviewer's point of view."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from pipeline.review.sources import INDEPENDENCE_CHOICES, candidate_filter
from pipeline.sources.model import KINDS
from pipeline.store import Store
from pipeline.store import queue as queue_store
from pipeline.store.queue import ORDERS, QueueQuery

STATUSES = ("todo", "skipped", "accepted", "rejected", "all", "stale")
ORDER_NAMES = {"score": "by score of the first run", "likely": "most likely evidence first",
               "document": "by document and page"}


@dataclass(frozen=True)
class Filters:
    msi: str = ""
    reference_point_id: str = ""
    doc_id: str = ""
    status: str = "todo"
    min_score: float | None = None
    independence: str = ""  # of the document from the candidate's MSI (pipeline.sources)
    source_kind: str = ""
    order: str = "score"  # score (first run), likely (active model), document (and page)

    @classmethod
    def from_params(cls, params) -> Filters:
        """From query parameters (unknown values fall back to the defaults)."""
        status = params.get("status") or "todo"
        if status not in STATUSES:
            status = "todo"
        try:
            min_score = float(params["min_score"]) if params.get("min_score") else None
        except ValueError:
            min_score = None
        return cls(
            msi=params.get("msi") or "",
            reference_point_id=params.get("rp") or "",
            doc_id=params.get("doc") or "",
            status=status,
            min_score=min_score,
            independence=_choice(params.get("independence"), INDEPENDENCE_CHOICES),
            source_kind=_choice(params.get("kind"), tuple(KINDS)),
            order=_choice(params.get("order"), ORDERS) or "score",
        )

    def query_string(self) -> str:
        params = {
            "msi": self.msi,
            "rp": self.reference_point_id,
            "doc": self.doc_id,
            "status": "" if self.status == "todo" else self.status,
            "min_score": "" if self.min_score is None else f"{self.min_score:g}",
            "independence": self.independence,
            "kind": self.source_kind,
            "order": "" if self.order == "score" else self.order,
        }
        return urlencode({k: v for k, v in params.items() if v})

    def as_dict(self) -> dict:
        return asdict(self)


def _choice(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def query_for(filters: Filters, reviewer: str, store: Store | None = None) -> QueueQuery:
    """The store's query for ``filters`` as seen by ``reviewer``."""
    terms = candidate_filter(store, filters.independence, filters.source_kind) \
        if store is not None else None
    return QueueQuery(reviewer, filters.status, filters.msi, filters.reference_point_id,
                      filters.doc_id, filters.min_score,
                      tuple(terms) if terms is not None else None, filters.order)


def next_candidate(
    store: Store, filters: Filters, reviewer: str, after: tuple[float, str] | None = None
) -> str | None:
    """The id of the next candidate to show (see :func:`pipeline.store.queue.next_candidate`)."""
    return queue_store.next_candidate(store, query_for(filters, reviewer, store), after)


def list_candidates(
    store: Store, filters: Filters, reviewer: str, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict], int]:
    """One page of the queue and the total number of matching candidates."""
    return queue_store.queue_page(store, query_for(filters, reviewer, store), offset=offset,
                                  limit=limit)


def filter_options(store: Store) -> dict[str, list]:
    """Values offered in the queue's filter menus."""
    values = queue_store.filter_values(store)
    return {
        "msis": values.msis,
        "reference_points": values.reference_points,
        "documents": values.documents,
        "statuses": list(STATUSES),
        "independence": list(INDEPENDENCE_CHOICES),
        "kinds": list(KINDS.items()),
        "orders": [(o, ORDER_NAMES[o]) for o in ORDERS],
    }
