"""Cost of keeping review sessions in SQLite instead of a dict in server memory.

Creates a store (schema only), fills ``review_sessions`` with N live sessions, then times:

* lookup: ``Sessions.get`` of a valid cookie (one indexed SELECT; no write, as last-seen was
  refreshed less than a minute ago) against a plain dict lookup, the former in-memory design;
* lookup+touch: ``Sessions.get`` when last-seen is due for its refresh (a write transaction),
  which happens at most once a minute per session;
* sign-in: ``Sessions.create`` (a write transaction that also purges expired rows);
* sign-out: ``Sessions.drop``.

    .venv/bin/python benchmarks/bench_review_sessions.py [--sessions 1000] [--iterations 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def timed(fn, n: int) -> tuple[float, float]:
    """(median, p95) microseconds per call."""
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()

    from pipeline.store import Store
    from pipeline.store.sessions import Sessions

    clock = [time.time()]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite", busy_timeout_s=5.0)
        # long timeouts: the refresh scenario moves the clock by a minute per call
        sessions = Sessions(store, idle_s=1e7, lifetime_s=1e7, clock=lambda: clock[0])
        made = [sessions.create(f"reviewer{i % 20}") for i in range(args.sessions)]
        memory = {s.token: s for s in made}
        n = args.iterations
        rows = []

        rows.append(
            (
                "lookup, dict in memory (old)",
                *timed(lambda i: memory.get(made[i % len(made)].token), n),
            )
        )
        rows.append(
            ("lookup, SQLite", *timed(lambda i: sessions.get(made[i % len(made)].token), n))
        )

        def touch(i: int) -> None:
            clock[0] += 61  # every lookup is due for its last-seen refresh
            sessions.get(made[i % len(made)].token)

        rows.append(("lookup + last-seen refresh", *timed(touch, min(n, 500))))
        rows.append(
            ("sign-in (create + purge)", *timed(lambda i: sessions.create("al"), min(n, 500)))
        )
        extra = [sessions.create("bo") for _ in range(min(n, 500))]
        rows.append(
            ("sign-out (delete row)", *timed(lambda i: sessions.drop(extra[i].token), len(extra)))
        )
        store.close()

    print(f"{args.sessions} sessions in the table; times per call in microseconds")
    print(f"{'operation':32} {'median':>10} {'p95':>10}")
    for name, median, p95 in rows:
        print(f"{name:32} {median:10.1f} {p95:10.1f}")


if __name__ == "__main__":
    main()
