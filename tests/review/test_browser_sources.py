"""Real headless Chromium: a reviewer corrects a document's independence on a card, sees the
card's badge change, and sees the coverage (overview and coverage matrix) move with it."""

from __future__ import annotations

import sqlite3

from tests.review.test_browser import sign_in_with_keyboard


def governance_candidate(db_path) -> tuple[str, str]:
    """An EITI candidate of governance.txt (a document with no publisher cues: independent)."""
    conn = sqlite3.connect(db_path)
    row = conn.execute(
        "SELECT c.candidate_id, c.reference_point_id FROM candidates c"
        " JOIN document_paths p USING (doc_id)"
        " WHERE p.path LIKE '%governance.txt' AND c.msi = 'EITI' AND c.stale = 0"
        " ORDER BY c.score DESC LIMIT 1").fetchone()
    conn.close()
    assert row, "fixture: governance.txt must yield an EITI candidate"
    return row[0], row[1]


def coverage_cell(db_path, rp: str) -> dict:
    from pipeline.export.coverage import coverage_frame
    from pipeline.export.evidence import evidence_frame
    from pipeline.rules.framework import load_framework
    from pipeline.store import Store

    with Store(db_path) as store:
        cov = coverage_frame(evidence_frame(store), load_framework())
    return cov[(cov["msi"] == "EITI") & (cov["reference_point_id"] == rp)].iloc[0].to_dict()


def overview_cell(tab, base: str, rp: str) -> dict:
    tab.goto(f"{base}/overview")
    row = tab.locator(f'#independence-matrix tr[data-msi="EITI"][data-rp="{rp}"]')
    return {k: int(row.locator(f"td.{k}").inner_text()) for k in
            ("self-reported", "commissioned", "independent")}


def test_correcting_independence_moves_badge_and_coverage(live_server, page, db_path):  # noqa: F811
    from pipeline.store import Store

    candidate, rp = governance_candidate(db_path)
    with Store(db_path) as store:
        store.add_decision(candidate, "accept", "rita")
    before = coverage_cell(db_path, rp)
    assert before["accepted_independent"] >= 1 and before["accepted_self_reported"] == 0
    assert before["flags"] == ""

    sign_in_with_keyboard(page, live_server, "rita")
    page.goto(f"{live_server}/card/{candidate}")
    assert page.inner_text("#source-badge").startswith("independent")
    seen = overview_cell(page, live_server, rp)
    assert seen["independent"] >= 1 and seen["self-reported"] == 0

    page.goto(f"{live_server}/card/{candidate}")
    page.click(".source-form summary")
    page.select_option("#source-independence", "self-reported")
    page.select_option("#source-msi", "EITI")
    page.fill("#source-publisher", "EITI International Secretariat")
    with page.expect_navigation():
        page.click("#source-save")
    assert page.get_attribute("#card", "data-candidate") == candidate  # back on the same card
    assert page.inner_text("#source-badge").startswith("self-reported")
    assert "corrected by rita" in page.inner_text("#source-origin")
    assert page.dialogs == []

    after_view = overview_cell(page, live_server, rp)
    assert after_view["self-reported"] == seen["self-reported"] + seen["independent"]
    assert after_view["independent"] == 0
    after = coverage_cell(db_path, rp)
    assert after["accepted_self_reported"] == before["accepted_independent"]
    assert after["accepted_independent"] == 0 and after["flags"] == "self_reported_only"

    conn = sqlite3.connect(db_path)
    log = conn.execute("SELECT independence, about_msis, publisher, reviewer"
                       " FROM source_corrections").fetchall()
    conn.close()
    assert log == [("self-reported", '["EITI"]', "EITI International Secretariat", "rita")]

    # The queue filter by independence now finds the candidate under self-reported.
    page.goto(f"{live_server}/queue?independence=self-reported&status=all")
    assert candidate in page.content()
    page.goto(f"{live_server}/queue?independence=independent&status=all&msi=EITI")
    assert f"/card/{candidate}" not in page.content()
