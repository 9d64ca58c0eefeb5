"""Active ordering in the review workspace: a background process refits the active model
(:class:`pipeline.learn.active.ActiveRanker`) whenever decisions have arrived and leaves each
card's probability of being accepted in the store, where the queue's "most likely evidence
first" order reads it. A refit reads and writes through its own connection, in one short write
transaction, so it never holds up a decision.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path

import numpy as np

from pipeline.learn.active import ActiveRanker, Card
from pipeline.store import priority
from pipeline.store.store import Store

log = logging.getLogger(__name__)


def refit_priorities(store: Store, cache: dict | None = None) -> priority.PriorityState | None:
    """Score every live card from the decisions so far and store the priorities.

    ``cache``, a dict the caller keeps between calls, holds the last model: its features (the
    word vocabularies over every card, seconds at 100,000 cards) are built again only when the
    live cards have changed, so a refit after a decision is one logistic regression."""
    last = priority.last_decision_id(store)
    rows = priority.live_cards(store)
    if not rows:
        return priority.priority_state(store)
    cards = [Card(*row) for row in rows]
    position = {c.key: i for i, c in enumerate(cards)}
    decided = [(position[cid], ok) for cid, ok in priority.card_decisions(store)
               if cid in position]
    ranker = cache.get("ranker") if cache is not None else None
    if ranker is None or ranker.cards != cards:
        ranker = ActiveRanker(cards)
        if cache is not None:
            cache["ranker"] = ranker
    scores = ranker.scores(np.array([i for i, _ in decided], dtype=int),
                           np.array([ok for _, ok in decided], dtype=bool))
    priority.write_priorities(store, [(c.key, float(p)) for c, p in zip(cards, scores,
                                                                          strict=True)],
                              len(decided), last)
    return priority.priority_state(store)


class PriorityRefitter:
    """Refits in a background process when the store holds decisions the priorities have not
    seen, or live cards they do not cover (checked every ``interval_s`` seconds).

    A process, not a thread: a refit at 100,000 cards is seconds of Python and numpy work, and
    in a thread it held the interpreter lock that the server's request handling needs (the
    decide-and-load-next tail). The process reads and writes the store through its own
    connection and ends when it is stopped or when the server's process is gone."""

    def __init__(self, db: str | Path, interval_s: float = 1.0):
        self.db = str(db)
        self.interval_s = interval_s
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._process = context.Process(target=refit_loop,
                                         args=(self.db, self.interval_s, self._stop,
                                               os.getpid()),
                                         name="priority-refit", daemon=True)

    def start(self) -> PriorityRefitter:
        self._process.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


def refit_loop(db: str, interval_s: float, stop, parent: int) -> None:
    """The refitter's process: refit whenever the priorities are stale, until ``stop`` is set
    or the parent process has gone (a killed server must not leave it running)."""
    try:
        store = Store(db, busy_timeout_s=5.0, create=False)
    except Exception:  # noqa: BLE001 - no store, no ordering; the app reports the store
        log.exception("active ordering is off: cannot open %s", db)
        return
    cache: dict = {}
    try:
        while not stop.is_set() and os.getppid() == parent:
            try:
                if priority.stale(store):
                    refit_priorities(store, cache)
            except Exception:  # noqa: BLE001 - keep serving; the next round tries again
                log.exception("active ordering: refit failed; the queue keeps its order")
            stop.wait(interval_s)
    finally:
        store.close()
