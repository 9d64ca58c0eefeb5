"""Active ordering: the queue's three orders in the store, the refit, and a real browser seeing a
decision change the order of its queue."""

from __future__ import annotations

import re
import sqlite3
import time

from pipeline.review.active import refit_priorities
from pipeline.store import priority
from pipeline.store.queue import QueueQuery, next_candidate, queue_page
from pipeline.store.store import Store
from tests.review.test_browser import press_and_wait, shown, sign_in_with_keyboard


def _ids(rows) -> list[str]:
    return [r["candidate_id"] for r in rows]


def test_orders_and_cursor_in_the_store(db_path, candidate_ids):
    with Store(db_path) as store:
        by_score, total = queue_page(store, QueueQuery("ana"), limit=1000)
        assert _ids(by_score) == candidate_ids and total == len(candidate_ids)
        # no priorities yet: "likely" falls back to the first run's score
        likely, _ = queue_page(store, QueueQuery("ana", order="likely"), limit=1000)
        assert _ids(likely) == candidate_ids
        reversed_priorities = [(cid, i / len(candidate_ids))
                               for i, cid in enumerate(candidate_ids)]
        priority.write_priorities(store, reversed_priorities, 0, 0)
        likely, _ = queue_page(store, QueueQuery("ana", order="likely"), limit=1000)
        assert _ids(likely) == candidate_ids[::-1]
        query = QueueQuery("ana", status="all", order="likely")
        assert next_candidate(store, query) == candidate_ids[-1]
        assert next_candidate(store, query, after=(0.0, candidate_ids[-1])) == candidate_ids[-2]
        doc_rows = store.conn.execute(
            "SELECT c.candidate_id FROM candidates c JOIN passages p USING (passage_id)"
            " WHERE c.stale = 0 AND c.twin_of IS NULL"
            " ORDER BY c.doc_id, p.page_no, p.seq, c.candidate_id").fetchall()
        by_doc, _ = queue_page(store, QueueQuery("ana", order="document"), limit=1000)
        assert _ids(by_doc) == [r[0] for r in doc_rows]
        doc_query = QueueQuery("ana", status="all", order="document")
        assert next_candidate(store, doc_query, after=(0.0, doc_rows[0][0])) == doc_rows[1][0]


def test_refit_learns_from_decisions(db_path, candidate_ids):
    from pipeline.store.decisions import decide

    with Store(db_path) as store:
        state = refit_priorities(store)
        assert state is not None and state.decisions == 0
        first = dict(store.conn.execute("SELECT candidate_id, priority FROM candidate_priority"))
        scores = dict(store.conn.execute("SELECT candidate_id, score FROM candidates"))
        assert all(abs(first[c] - scores[c]) < 1e-9 for c in candidate_ids)
        decide(store, candidate_ids[0], "reject", "ana", expected_version=None)
        decide(store, candidate_ids[-1], "accept", "ana", expected_version=None)
        state = refit_priorities(store)
        assert state.decisions == 2
        assert state.last_decision_id == priority.last_decision_id(store)
        after = dict(store.conn.execute("SELECT candidate_id, priority FROM candidate_priority"))
    assert after[candidate_ids[-1]] > after[candidate_ids[0]]
    rest = candidate_ids[1:-1]
    assert sorted(rest, key=lambda c: (-after[c], -scores[c], c)) != rest


def test_refit_keeps_its_features_while_the_cards_stay_the_same(db_path, candidate_ids):
    from pipeline.store.decisions import decide

    def priorities(store):
        return dict(store.conn.execute("SELECT candidate_id, priority FROM candidate_priority"))

    cache: dict = {}
    with Store(db_path) as store:
        refit_priorities(store, cache)
        first = cache["ranker"]
        decide(store, candidate_ids[0], "reject", "ana", expected_version=None)
        decide(store, candidate_ids[-1], "accept", "ana", expected_version=None)
        refit_priorities(store, cache)
        assert cache["ranker"] is first
        cached = priorities(store)
        refit_priorities(store)  # built afresh: the same figures
        assert priorities(store) == cached
        store.conn.execute("UPDATE candidates SET stale = 1 WHERE candidate_id = ?",
                           (candidate_ids[1],))
        store.conn.commit()
        refit_priorities(store, cache)
        assert cache["ranker"] is not first
        assert candidate_ids[1] not in {c.key for c in cache["ranker"].cards}


def _queue_order(page) -> list[str]:
    return [re.search(r"/card/([^?]+)", href).group(1) for href in
            page.eval_on_selector_all("table.list tbody a", "els => els.map(e => e.href)")]


def _wait_for_refit(page, base: str, decisions: int) -> None:
    for _ in range(600):  # polls, not seconds: a busy machine only makes each one slower
        page.goto(f"{base}/queue?order=likely")
        learnt = page.query_selector("#learnt-from")
        if learnt is not None and learnt.inner_text() == str(decisions):
            return
        time.sleep(0.1)
    raise AssertionError(f"the queue never said it learnt from {decisions} decisions")


def test_a_decision_changes_the_queue_order_in_a_browser(live_server, page, db_path,
                                                         candidate_ids):
    sign_in_with_keyboard(page, live_server, "rita")
    _wait_for_refit(page, live_server, 0)
    assert "most likely evidence first" in page.inner_text("#order-note")
    assert _queue_order(page) == candidate_ids  # nothing learnt: the first run's order
    top, last = candidate_ids[0], candidate_ids[-1]

    page.goto(f"{live_server}/card/{top}?order=likely")
    assert shown(page) == top
    press_and_wait(page, "x")  # reject the first run's favourite
    page.goto(f"{live_server}/card/{last}?order=likely")
    assert shown(page) == last
    press_and_wait(page, "a")  # accept its least favourite

    _wait_for_refit(page, live_server, 2)
    reordered = _queue_order(page)
    remaining = [c for c in candidate_ids if c not in (top, last)]
    assert sorted(reordered) == sorted(remaining)  # todo: the two decided cards left the queue
    assert reordered != remaining  # the decisions changed the order
    conn = sqlite3.connect(db_path)
    (learnt,) = conn.execute("SELECT decisions FROM priority_state").fetchone()
    conn.close()
    assert learnt == 2
    page.goto(f"{live_server}/card/next?order=likely")
    assert shown(page) == reordered[0]  # the card flow follows the active order
