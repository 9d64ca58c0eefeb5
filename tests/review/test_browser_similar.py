"""More like this in real headless Chromium against a live server: from a card, `s` opens the
similar passages, `1` pulls the first into the queue, and the queue shows it as the reviewer's
proposal."""

from __future__ import annotations

import sqlite3

from pipeline.review.similar import SimilarPassages
from pipeline.store import Store
from tests.review.test_browser import press_and_wait, shown, sign_in_with_keyboard


def card_with_a_pullable_first_neighbour(db_path, candidate_ids):
    with Store(db_path, create=False) as store:
        similar = SimilarPassages(store)
        for cid in candidate_ids:
            first = similar.similar(cid).neighbours[0]
            if first.here is None:
                return cid, first
    raise AssertionError("the review corpus must offer a card whose nearest passage is new to it")


def test_pull_a_similar_passage_into_the_queue_with_the_keyboard(live_server, page, db_path,
                                                                 candidate_ids):
    cid, first = card_with_a_pullable_first_neighbour(db_path, candidate_ids)
    sign_in_with_keyboard(page, live_server, "rita")
    page.goto(f"{live_server}/card/{cid}")
    assert shown(page) == cid
    assert "s similar passages" in page.inner_text(".hint.keys")

    press_and_wait(page, "s")
    assert page.url.startswith(f"{live_server}/card/{cid}/similar")
    rows = page.locator("#similar-list tbody tr")
    assert rows.first.get_attribute("data-passage") == first.passage_id
    assert first.file_name in rows.first.inner_text()
    assert page.locator("#similar-missing").count() == 0

    press_and_wait(page, "1")  # pull the nearest passage
    flash = page.inner_text("#pulled")
    assert "Pulled into the queue as a candidate proposed by you" in flash
    pulled = page.inner_text("#pulled a")
    # The row now links to the new card instead of offering to pull it again.
    row = page.locator(f'#similar-list tr[data-passage="{first.passage_id}"]')
    assert "in the queue (pending)" in row.inner_text()
    assert row.locator("button").count() == 0

    press_and_wait(page, "s")  # back to the card
    assert shown(page) == cid

    conn = sqlite3.connect(db_path)
    doc_id, proposed_by, count = conn.execute(
        "SELECT doc_id, proposed_by, (SELECT COUNT(*) FROM candidates WHERE passage_id = ?"
        " AND stale = 0 AND proposed_by <> 'model') FROM candidates WHERE candidate_id = ?",
        (first.passage_id, pulled)).fetchone()
    conn.close()
    assert (proposed_by, count) == ("reviewer:rita", 1)

    page.goto(f"{live_server}/queue?doc={doc_id}")
    link = page.locator(f'a[href^="/card/{pulled}"]')
    assert link.count() == 1
    queue_row = page.locator("table.list tbody tr", has=link)
    assert "reviewer:rita" in queue_row.locator("td.proposer").inner_text()
    with page.expect_navigation():
        link.click()
    assert shown(page) == pulled
    assert page.inner_text("#proposed-by") == "proposed by rita"
    assert page.dialogs == []
    assert page.evaluate("window.pwned") is None  # the hostile document's text stayed text
