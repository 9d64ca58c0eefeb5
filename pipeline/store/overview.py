"""The overview: status counts in an MSI x reference point matrix, progress, per reviewer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pipeline.store import Store


@dataclass(frozen=True)
class Overview:
    msis: list[str]
    reference_points: list[tuple[str, str]]
    cells: dict[tuple[str, str], dict[str, int]]  # (msi, rp) -> {accepted, rejected, pending}
    total: int  # candidates that are not stale
    decided: int  # with a decision that counts (accept/reject)
    by_reviewer: list[dict]


def overview(store: Store) -> Overview:
    conn = store.conn
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"accepted": 0, "rejected": 0, "pending": 0}
    )
    rp_names: dict[str, str] = {}
    for r in conn.execute(
        "SELECT msi, reference_point_id, MAX(reference_point), COUNT(*)"
        " FROM candidates WHERE stale = 0 GROUP BY 1, 2"
    ):
        cells[(r[0], r[1])]["pending"] = r[3]
        rp_names[r[1]] = r[2] or r[1]
    for r in conn.execute(
        "SELECT c.msi, c.reference_point_id, cd.decision, COUNT(*)"
        " FROM current_decisions cd"
        " JOIN candidates c ON c.candidate_id = cd.candidate_id"
        " WHERE c.stale = 0 GROUP BY 1, 2, 3"
    ):
        cell = cells[(r[0], r[1])]
        key = "accepted" if r[2] == "accept" else "rejected"
        cell[key] += r[3]
        cell["pending"] -= r[3]
    total = sum(c["accepted"] + c["rejected"] + c["pending"] for c in cells.values())
    decided = sum(c["accepted"] + c["rejected"] for c in cells.values())
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"accept": 0, "reject": 0, "skip": 0, "rows": 0}
    )
    for r in conn.execute("SELECT reviewer, decision, COUNT(*) FROM reviewer_state GROUP BY 1, 2"):
        counts[r[0]][r[1]] = r[2]
    for r in conn.execute("SELECT reviewer, COUNT(*) FROM decisions GROUP BY 1"):
        counts[r[0]]["rows"] = r[1]
    by_reviewer = [{"reviewer": name, **values} for name, values in sorted(counts.items())]
    return Overview(
        msis=sorted({m for m, _ in cells}),
        reference_points=sorted(rp_names.items()),
        cells=dict(cells),
        total=total,
        decided=decided,
        by_reviewer=by_reviewer,
    )
