"""Twins in the store: which live candidates repeat each other, and their decisions.

The grouping itself is ``pipeline.store.twin_groups``; this module reads the candidates it needs, writes
each twin's lead (``candidates.twin_of``) and records a lead's decisions for twins that joined
the group after the reviewer decided (a decision covers every copy of the text).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.store.decisions import insert_decision
from pipeline.store.store import Store
from pipeline.store.twin_groups import TwinCandidate, twin_groups


@dataclass(frozen=True)
class TwinReport:
    groups: int  # cards that stand for more than one candidate
    merged: int  # candidates shown on another candidate's card
    documents: int  # documents with at least one merged candidate


def mark_twins(store: Store) -> TwinReport:
    """Recompute the twin groups of all live candidates and bring decisions in line."""
    conn = store.conn
    rows = conn.execute(
        "SELECT c.candidate_id, c.msi, c.reference_point_id, c.quote, c.score,"
        " EXISTS (SELECT 1 FROM reviewer_state s WHERE s.candidate_id = c.candidate_id) AS decided"
        " FROM candidates c WHERE c.stale = 0").fetchall()
    lead_of = twin_groups(TwinCandidate(r[0], r[1], r[2], r[3], float(r[4]), bool(r[5]))
                          for r in rows)
    with store.write() as conn:
        conn.execute("UPDATE candidates SET twin_of = NULL WHERE twin_of IS NOT NULL")
        conn.executemany("UPDATE candidates SET twin_of = ? WHERE candidate_id = ?",
                         [(lead, cid) for cid, lead in lead_of.items() if cid != lead])
        _copy_lead_decisions(conn)
    return twin_report(store)


def twin_report(store: Store) -> TwinReport:
    """The twin groups as they stand in the store."""
    groups, merged, documents = store.conn.execute(
        "SELECT COUNT(DISTINCT twin_of), COUNT(*), COUNT(DISTINCT doc_id) FROM candidates"
        " WHERE twin_of IS NOT NULL AND stale = 0").fetchone()
    return TwinReport(int(groups), int(merged), int(documents))


def _copy_lead_decisions(conn) -> None:
    """Each reviewer's effective decision on a lead, recorded on its twins that nobody has
    decided yet (a twin someone decided on its own keeps that decision alone)."""
    missing = conn.execute(
        "SELECT t.candidate_id, d.decision_id, d.decision, d.reviewer, d.note, d.msi,"
        " d.consideration_id, d.polarity FROM candidates t"
        " JOIN reviewer_state s ON s.candidate_id = t.twin_of"
        " JOIN decisions d ON d.decision_id = s.decision_id"
        " WHERE t.twin_of IS NOT NULL AND t.stale = 0 AND NOT EXISTS ("
        "  SELECT 1 FROM reviewer_state m WHERE m.candidate_id = t.candidate_id)"
        " ORDER BY t.candidate_id, d.decision_id").fetchall()
    for twin, lead_decision, decision, reviewer, note, msi, consideration_id, polarity in missing:
        insert_decision(conn, twin, decision, reviewer, note, None, msi, consideration_id,
                        polarity, None, twin_of_decision=lead_decision)
