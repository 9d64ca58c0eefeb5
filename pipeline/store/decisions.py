"""Recording decisions with optimistic concurrency and idempotent retries.

The version of a candidate is the id of its latest decision row (0 when it has none), kept in
``candidate_versions`` by a trigger. A client sends the version it saw; if another decision
landed meanwhile the write is refused with ``Conflict`` (HTTP 409) and nothing is stored. A
retried request with the same idempotency key returns the first decision instead of adding one.
Every row records who decided, when, and which of the reviewer's decisions it replaced.

A decision on a card decides its twins too (``pipeline.store.twin_groups``): one row per twin, pointing at
the decision it mirrors; undoing the decision undoes those rows with it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Protocol

from pipeline.errors import MsiEvidenceError, UnknownCandidateError
from pipeline.store.store import Store, utc_now

RATINGS = ("accept", "reject", "skip")


class CorrectionCheck(Protocol):
    """What the writer asks of the vocabulary (``pipeline.review.vocabulary.Vocabulary``):
    raise ValueError, with a did-you-mean, when a correction names no known MSI,
    consideration or polarity."""

    def check_correction(self, *, msi: str | None, consideration_id: str | None,
                         polarity: str | None) -> None: ...


class Conflict(MsiEvidenceError):
    """The candidate changed since the client loaded it (or a key was reused)."""

    def __init__(self, message: str, *, candidate_id: str, version: int):
        super().__init__(message)
        self.candidate_id = candidate_id
        self.version = version


class NothingToUndo(MsiEvidenceError):
    """The reviewer has no decision left that could be undone."""


@dataclass(frozen=True)
class Outcome:
    decision_id: int
    candidate_id: str
    decision: str
    version: int  # the candidate's version after this write
    duplicate: bool = False  # True when an idempotency key matched an earlier request
    undone_decision_id: int | None = None
    twins: int = 0  # twins of the candidate that the decision was recorded on too


def version_of(store: Store, candidate_id: str) -> int:
    row = store.conn.execute(
        "SELECT last_decision_id FROM candidate_versions WHERE candidate_id = ?", (candidate_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def _replay(conn: sqlite3.Connection, key: str | None, reviewer: str) -> Outcome | None:
    if not key:
        return None
    row = conn.execute(
        "SELECT decision_id, candidate_id, decision, reviewer, replaces_decision_id"
        " FROM decisions WHERE idempotency_key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return None
    if row["reviewer"] != reviewer:
        raise Conflict(
            "this idempotency key was already used by another reviewer; "
            "reload the page to get a fresh one",
            candidate_id=row["candidate_id"],
            version=-1,
        )
    version = conn.execute(
        "SELECT last_decision_id FROM candidate_versions WHERE candidate_id = ?",
        (row["candidate_id"],),
    ).fetchone()
    undone = row["replaces_decision_id"] if row["decision"] == "undo" else None
    return Outcome(
        int(row["decision_id"]),
        row["candidate_id"],
        row["decision"],
        int(version[0]) if version else 0,
        duplicate=True,
        undone_decision_id=undone,
    )


def decide(
    store: Store,
    candidate_id: str,
    decision: str,
    reviewer: str,
    *,
    expected_version: int | None,
    note: str | None = None,
    msi: str | None = None,
    consideration_id: str | None = None,
    polarity: str | None = None,
    idempotency_key: str | None = None,
    vocabulary: CorrectionCheck | None = None,
) -> Outcome:
    """Append ``decision`` (accept, reject or skip) by ``reviewer``: the one decision writer of
    the CLI (``msi-evidence decide``) and the review workspace.

    Corrections (MSI, consideration, polarity) are kept only when they differ from the
    machine's proposal. ``expected_version=None`` skips the concurrency check (CLI use).
    """
    if decision not in RATINGS:
        raise ValueError(f"decision must be one of {', '.join(RATINGS)}; use undo to take one back")
    note = note[:5000] if note and note.strip() else None  # kept as typed; exports neutralise
    with store.write() as conn:
        replay = _replay(conn, idempotency_key, reviewer)
        if replay is not None:
            return replay
        cand = conn.execute(
            "SELECT msi, consideration_id, polarity FROM candidates WHERE candidate_id = ?",
            (candidate_id,),
        ).fetchone()
        if cand is None:
            raise UnknownCandidateError(f"no candidate {candidate_id!r}; go back to the queue")
        row = conn.execute(
            "SELECT last_decision_id FROM candidate_versions WHERE candidate_id = ?",
            (candidate_id,),
        ).fetchone()
        current = int(row[0]) if row else 0
        if expected_version is not None and expected_version != current:
            last = conn.execute(
                "SELECT reviewer, decision FROM decisions WHERE decision_id = ?", (current,)
            ).fetchone()
            who = f"{last['reviewer']} ({last['decision']})" if last else "someone"
            raise Conflict(
                f"this candidate changed while you were looking at it: {who} "
                "recorded a decision first. Nothing was saved; reload to see it, "
                "then decide again.",
                candidate_id=candidate_id,
                version=current,
            )
        if vocabulary is not None:  # checked before anything is dropped: a typo is an error
            vocabulary.check_correction(
                msi=msi, consideration_id=consideration_id, polarity=polarity
            )
        if decision == "skip":  # a skip says nothing about the evidence
            msi = consideration_id = polarity = None
        decision_id = _record(conn, cand, candidate_id, decision, reviewer, note, msi,
                              consideration_id, polarity, idempotency_key)
        twins = conn.execute(
            "SELECT candidate_id, msi, consideration_id, polarity FROM candidates"
            " WHERE twin_of = ? AND stale = 0 ORDER BY candidate_id", (candidate_id,)
        ).fetchall()
        for twin in twins:
            _record(conn, twin, twin["candidate_id"], decision, reviewer, note, msi,
                    consideration_id, polarity, None, twin_of_decision=decision_id)
        return Outcome(decision_id, candidate_id, decision, decision_id, twins=len(twins))


def _record(conn: sqlite3.Connection, proposal, candidate_id: str, decision: str, reviewer: str,
            note: str | None, msi: str | None, consideration_id: str | None,
            polarity: str | None, key: str | None, *, twin_of_decision: int | None = None) -> int:
    """Insert the reviewer's decision on one candidate, keeping only the corrections that
    differ from the machine's ``proposal`` and linking the reviewer's previous decision."""
    mine = conn.execute(
        "SELECT decision_id FROM reviewer_state WHERE candidate_id = ? AND reviewer = ?",
        (candidate_id, reviewer),
    ).fetchone()
    return insert_decision(
        conn, candidate_id, decision, reviewer, note, int(mine[0]) if mine else None,
        msi if msi != proposal["msi"] else None,
        consideration_id if consideration_id != proposal["consideration_id"] else None,
        polarity if polarity != proposal["polarity"] else None,
        key, twin_of_decision=twin_of_decision)


def last_undoable(store: Store, reviewer: str):
    """The reviewer's latest accept/reject/skip that no undo has cancelled, or None. Copies on
    twins are not undone on their own but with the decision they mirror."""
    return store.conn.execute(
        "SELECT d.decision_id, d.candidate_id, d.decision FROM decisions d"
        " WHERE d.reviewer = ? AND d.decision <> 'undo' AND d.twin_of_decision IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM decisions u"
        "  WHERE u.decision = 'undo' AND u.replaces_decision_id = d.decision_id)"
        " ORDER BY d.decision_id DESC LIMIT 1",
        (reviewer,),
    ).fetchone()


def undo_last(
    store: Store,
    reviewer: str,
    *,
    expected_decision_id: int | None = None,
    idempotency_key: str | None = None,
) -> Outcome:
    """Cancel the reviewer's latest not-yet-undone decision (an ``undo`` row pointing at it).

    A reviewer can only undo their own decisions. ``expected_decision_id``, when given, must be
    the decision the client believes is the latest; otherwise ``Conflict``.
    """
    with store.write() as conn:
        replay = _replay(conn, idempotency_key, reviewer)
        if replay is not None:
            return replay
        target = last_undoable(store, reviewer)
        if target is None:
            raise NothingToUndo(f"{reviewer} has no decision left to undo")
        if expected_decision_id is not None and expected_decision_id != target["decision_id"]:
            raise Conflict(
                f"your latest decision is now #{target['decision_id']}, not "
                f"#{expected_decision_id} (another tab?). Nothing was undone; reload.",
                candidate_id=target["candidate_id"],
                version=version_of(store, target["candidate_id"]),
            )
        decision_id = insert_decision(conn, target["candidate_id"], "undo", reviewer, None,
                                      int(target["decision_id"]), None, None, None,
                                      idempotency_key)
        for copy in conn.execute(
            "SELECT d.decision_id, d.candidate_id FROM decisions d WHERE d.twin_of_decision = ?"
            " AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.decision = 'undo'"
            " AND u.replaces_decision_id = d.decision_id)", (int(target["decision_id"]),)
        ).fetchall():
            insert_decision(conn, copy["candidate_id"], "undo", reviewer, None,
                            int(copy["decision_id"]), None, None, None, None,
                            twin_of_decision=decision_id)
        return Outcome(
            decision_id,
            target["candidate_id"],
            "undo",
            decision_id,
            undone_decision_id=int(target["decision_id"]),
        )


def insert_decision(conn, candidate_id: str, decision: str, reviewer: str, note: str | None,
                    replaces: int | None, msi: str | None, consideration_id: str | None,
                    polarity: str | None, key: str | None, *,
                    twin_of_decision: int | None = None) -> int:
    """Append one decision row (inside the caller's write transaction); returns its id."""
    cur = conn.execute(
        "INSERT INTO decisions (candidate_id, decision, reviewer, note, decided_at,"
        " replaces_decision_id, msi, consideration_id, polarity, idempotency_key,"
        " twin_of_decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (candidate_id, decision, reviewer, note or None, utc_now(), replaces, msi or None,
         consideration_id or None, polarity or None, key or None, twin_of_decision))
    return int(cur.lastrowid)
