"""Active ordering's reads and writes: the cards a refit scores, the decisions it learns from,
and the priorities it leaves for the queue (``candidate_priority``, ``priority_state``)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.store.store import Store, utc_now


@dataclass(frozen=True)
class PriorityState:
    decisions: int  # decisions the current priorities were learnt from
    last_decision_id: int  # the newest decision seen by that refit
    fitted_at: str


def live_cards(store: Store) -> list[tuple[str, str, str, float, str, str]]:
    """(candidate_id, quote, reference point id, first-run score, document id, passage id) of
    every live card (a twin is decided on its lead's card)."""
    return [(r[0], r[1], r[2], float(r[3]), r[4], r[5]) for r in store.conn.execute(
        "SELECT candidate_id, quote, reference_point_id, score, doc_id, passage_id"
        " FROM candidates"
        " WHERE stale = 0 AND twin_of IS NULL ORDER BY candidate_id")]


def card_decisions(store: Store) -> list[tuple[str, bool]]:
    """(candidate_id, accepted) of every live card's current accept or reject."""
    return [(r[0], r[1] == "accept") for r in store.conn.execute(
        "SELECT d.candidate_id, d.decision FROM current_decisions d"
        " JOIN candidates c ON c.candidate_id = d.candidate_id"
        " WHERE c.stale = 0 AND c.twin_of IS NULL ORDER BY d.candidate_id")]


def last_decision_id(store: Store) -> int:
    return int(store.conn.execute("SELECT COALESCE(MAX(decision_id), 0) FROM decisions")
               .fetchone()[0])


def priority_state(store: Store) -> PriorityState | None:
    row = store.conn.execute("SELECT decisions, last_decision_id, fitted_at FROM priority_state"
                             " WHERE id = 1").fetchone()
    return PriorityState(int(row[0]), int(row[1]), row[2]) if row else None


def write_priorities(store: Store, priorities: list[tuple[str, float]], decisions: int,
                     last_decision: int) -> None:
    """Replace every priority in one short transaction."""
    with store.write() as conn:
        conn.execute("DELETE FROM candidate_priority")
        conn.executemany("INSERT INTO candidate_priority (candidate_id, priority) VALUES (?, ?)",
                         priorities)
        conn.execute("INSERT OR REPLACE INTO priority_state (id, decisions, last_decision_id,"
                     " fitted_at) VALUES (1, ?, ?, ?)", (decisions, last_decision, utc_now()))


def stale(store: Store) -> bool:
    """Are there decisions or live cards (e.g. from a new run) the priorities have not seen?"""
    state = priority_state(store)
    if state is None:
        return True
    if state.last_decision_id < last_decision_id(store):
        return True
    covered, live = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM candidate_priority),"
        " (SELECT COUNT(*) FROM candidates WHERE stale = 0 AND twin_of IS NULL)").fetchone()
    return covered != live
