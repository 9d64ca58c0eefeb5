"""The review server under pressure: killed during a burst of decisions, many reviewers at once,
two reviewers on one candidate, and a batch run writing to the same store."""

from __future__ import annotations

import multiprocessing as mp
import random
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import cli_in_process, query, write_evidence_corpus
from rel_server import Reviewer, ReviewServer, burst, clone_candidates, read_journal

FORK = mp.get_context("fork")


def _decisions(db: Path, prefix: str = "bulk") -> list:
    return query(db, "SELECT decision_id, candidate_id, decision, reviewer, note, decided_at,"
                     " idempotency_key FROM decisions WHERE candidate_id LIKE ?", (f"{prefix}%",))


@pytest.mark.reliability_long
def test_killed_server_loses_no_decision_and_retries_do_not_duplicate(store_copy, tmp_path):
    ids = clone_candidates(store_copy, 900)
    rng = random.Random(9)
    server = ReviewServer(store_copy, tmp_path / "server.log")
    journal = tmp_path / "journal.jsonl"
    batches = [ids[i * 300:(i + 1) * 300] for i in range(3)]
    acked: set[str] = set()
    sent: dict[str, str] = {}
    try:
        for round_no, batch in enumerate(batches):
            server.start()
            client = FORK.Process(target=burst, args=(server.base, "kim", batch, str(journal)))
            client.start()
            # Kill once the burst is under way: after some decisions, before it can finish.
            for _ in range(3000):  # polls; the kill comes either way
                if sum(1 for e in read_journal(journal) if "done" in e) >= 20 * (round_no + 1):
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0.05, 0.5))
            server.kill()
            client.join(60)
            assert not client.is_alive()
            entries = read_journal(journal)
            sent.update({e["sent"]: e["cid"] for e in entries if "sent" in e})
            acked |= {e["done"] for e in entries if e.get("status") == 201}
            assert all(e.get("status") in (None, 201) for e in entries), "server error"

            assert query(store_copy, "PRAGMA integrity_check")[0][0] == "ok"
            rows = {r["idempotency_key"]: r for r in _decisions(store_copy)}
            assert acked <= set(rows), "an acknowledged decision was lost"
            for key, row in rows.items():  # each stored decision is complete, never torn
                assert row["candidate_id"] == sent[key] and row["reviewer"] == "kim"
                assert row["decision"] == "accept" and row["note"] == f"note {key}"
                assert row["decided_at"]
            in_flight = set(sent) - set(rows)
            assert len(rows) < len(ids), "the kill came too late to test anything"

        # Restart and retry every request ever sent, with its original idempotency key.
        server.start()
        reviewer = Reviewer(server.base, "kim")
        statuses = {}
        for key, cid in sent.items():
            statuses[key] = reviewer.decide(cid, key=key, note=f"note {key}")
        reviewer.close()
        assert {r.status_code for r in statuses.values()} == {201}
        assert sum(r.json()["duplicate"] for r in statuses.values()) >= len(acked)
        rows = _decisions(store_copy)
        assert len(rows) == len(sent), "a retry created a duplicate (or a decision is missing)"
        assert len({r["candidate_id"] for r in rows}) == len(rows)
        print(f"\nkilled server: {len(sent)} sent, {len(acked)} acknowledged before the kills, "
              f"{len(in_flight)} in flight at the last kill; after retries {len(rows)} decisions")
    finally:
        server.stop()


def _reviewer_process(base: str, name: str, ids: list[str], journal: str) -> None:
    burst(base, name, ids, journal)


@pytest.mark.reliability_long
def test_eight_reviewers_2000_decisions_exactly_once(store_copy, tmp_path):
    ids = clone_candidates(store_copy, 2000)
    with ReviewServer(store_copy, tmp_path / "server.log") as server:
        started = time.perf_counter()
        procs = []
        for i in range(8):
            journal = tmp_path / f"reviewer_{i}.jsonl"
            proc = FORK.Process(target=_reviewer_process,
                                args=(server.base, f"reviewer{i}", ids[i * 250:(i + 1) * 250],
                                      str(journal)))
            proc.start()
            procs.append((proc, journal))
        for proc, _ in procs:
            proc.join(300)
        wall = time.perf_counter() - started
    statuses = [e.get("status") for _, j in procs for e in read_journal(j) if "done" in e]
    errors = [e for _, j in procs for e in read_journal(j) if "error" in e]
    assert not errors, errors[:3]
    assert len(statuses) == 2000 and set(statuses) == {201}
    rows = _decisions(store_copy)
    assert len(rows) == 2000
    assert len({r["candidate_id"] for r in rows}) == 2000
    for r in rows:
        assert r["reviewer"] == f"reviewer{ids.index(r['candidate_id']) // 250}"
    print(f"\n8 reviewers x 250 decisions: {wall:.1f} s, {2000 / wall:.0f} decisions/s")


def test_two_reviewers_same_candidate_one_409(store_copy, tmp_path):
    ids = clone_candidates(store_copy, 25, prefix="race")
    with ReviewServer(store_copy, tmp_path / "server.log") as server:
        a, b = Reviewer(server.base, "ana"), Reviewer(server.base, "ben")
        outcomes = []
        for cid in ids:
            barrier = threading.Barrier(2)
            results = {}

            def go(reviewer, decision, cid=cid, barrier=barrier, results=results):
                barrier.wait()
                results[reviewer.name] = reviewer.decide(cid, decision, version=0,
                                                         note=f"{reviewer.name} says {decision}")

            threads = [threading.Thread(target=go, args=(a, "accept")),
                       threading.Thread(target=go, args=(b, "reject"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            outcomes.append(sorted(r.status_code for r in results.values()))
            loser = next(r for r in results.values() if r.status_code == 409)
            assert "changed while you were looking" in loser.json()["detail"]
        a.close()
        b.close()
    assert all(o == [201, 409] for o in outcomes), outcomes
    rows = _decisions(store_copy, "race")
    assert len(rows) == len(ids)  # the loser wrote nothing
    assert len({r["candidate_id"] for r in rows}) == len(ids)


@pytest.mark.reliability_long
def test_batch_run_and_review_server_write_at_once(store_copy, tmp_path, forked_parse_workers):
    ids = clone_candidates(store_copy, 400)
    corpus = tmp_path / "new_reports"
    write_evidence_corpus(corpus, 25, start=100)
    docs_before = query(store_copy, "SELECT COUNT(*) FROM documents")[0][0]
    journal = tmp_path / "journal.jsonl"
    with ReviewServer(store_copy, tmp_path / "server.log") as server:
        client = FORK.Process(target=burst, args=(server.base, "lee", ids, str(journal)))
        client.start()
        code, out, err = cli_in_process("run", corpus, "--db", store_copy, "--model", "hashing",
                                        "--no-progress", "--busy-timeout", "60")
        client.join(300)
    assert code == 0, out + err
    entries = read_journal(journal)
    assert not [e for e in entries if "error" in e]
    assert [e["status"] for e in entries if "done" in e] == [201] * len(ids)
    assert len(_decisions(store_copy)) == len(ids)
    assert query(store_copy, "SELECT COUNT(*) FROM documents")[0][0] == docs_before + 25
    assert query(store_copy, "PRAGMA integrity_check")[0][0] == "ok"
