"""Active ordering in the review workspace: a background thread refits the active model
(:class:`pipeline.learn.active.ActiveRanker`) whenever decisions have arrived and leaves each
card's probability of being accepted in the store, where the queue's "most likely evidence
first" order reads it. A refit reads and writes through its own connection, in one short write
transaction, so it never holds up a decision.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from pipeline.learn.active import ActiveRanker, Card
from pipeline.store import priority
from pipeline.store.store import Store

log = logging.getLogger(__name__)


def refit_priorities(store: Store) -> priority.PriorityState | None:
    """Score every live card from the decisions so far and store the priorities."""
    last = priority.last_decision_id(store)
    rows = priority.live_cards(store)
    if not rows:
        return priority.priority_state(store)
    cards = [Card(*row) for row in rows]
    position = {c.key: i for i, c in enumerate(cards)}
    decided = [(position[cid], ok) for cid, ok in priority.card_decisions(store)
               if cid in position]
    ranker = ActiveRanker(cards)
    scores = ranker.scores(np.array([i for i, _ in decided], dtype=int),
                           np.array([ok for _, ok in decided], dtype=bool))
    priority.write_priorities(store, [(c.key, float(p)) for c, p in zip(cards, scores,
                                                                          strict=True)],
                              len(decided), last)
    return priority.priority_state(store)


class PriorityRefitter:
    """Refits in a daemon thread when the store holds decisions the priorities have not seen, or
    live cards they do not cover (checked every ``interval_s`` seconds)."""

    def __init__(self, db: str | Path, interval_s: float = 1.0):
        self.db = str(db)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> PriorityRefitter:
        self._thread = threading.Thread(target=self._loop, name="priority-refit", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        try:
            store = Store(self.db, busy_timeout_s=5.0, create=False)
        except Exception:  # noqa: BLE001 - no store, no ordering; the app reports the store
            log.exception("active ordering is off: cannot open %s", self.db)
            return
        try:
            while not self._stop.is_set():
                try:
                    if priority.stale(store):
                        refit_priorities(store)
                except Exception:  # noqa: BLE001 - keep serving; the next round tries again
                    log.exception("active ordering: refit failed; the queue keeps its order")
                self._stop.wait(self.interval_s)
        finally:
            store.close()
