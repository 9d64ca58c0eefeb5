"""Regenerate docs/review-card.png and docs/review-overview.png.

Runs the pipeline (hashing encoder, fast) over the sample corpus into a temporary store,
records a few decisions by two reviewers so the overview has progress and agreement, serves
the review app on a free loopback port and photographs two pages in headless Chromium.

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from pipeline.cli import main as cli
    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig
    from pipeline.store.decisions import decide
    from pipeline.store import Store
    from tests.support.headless import launch_chromium

    tmp = Path(tempfile.mkdtemp(prefix="review_shots_"))
    db = tmp / "shots.sqlite"
    assert (
        cli(["run", str(REPO / "corpus"), "--db", str(db), "--model", "hashing", "--no-progress"])
        == 0
    )
    with Store(db) as store:
        ids = [
            r[0]
            for r in store.conn.execute(
                "SELECT candidate_id FROM candidates WHERE stale = 0 ORDER BY score DESC"
            )
        ]
        featured = store.conn.execute(
            "SELECT c.candidate_id FROM candidates c JOIN documents d USING (doc_id)"
            " WHERE d.kind = 'pdf' AND length(c.quote) > 120 ORDER BY c.score DESC"
            " LIMIT 1"
        ).fetchone()[0]
        votes = {
            "amina": ["accept", "accept", "reject", "accept", "reject", "accept", "reject"],
            "jonas": ["accept", "reject", "reject", "accept", "reject", "accept", "accept"],
        }
        for name, decisions in votes.items():
            for cid, d in zip([i for i in ids if i != featured], decisions, strict=False):
                decide(
                    store,
                    cid,
                    d,
                    name,
                    expected_version=None,
                    note="seen in the source" if d == "reject" else None,
                )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(ReviewConfig(db=str(db), port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{base}/login?next=/card/{featured}")
            page.fill("input[name=name]", "amina")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.screenshot(path=str(REPO / "docs" / "review-card.png"), full_page=True)
            page.goto(f"{base}/overview")
            page.screenshot(path=str(REPO / "docs" / "review-overview.png"), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        app.state.review.store.close()
    print("wrote docs/review-card.png and docs/review-overview.png")


if __name__ == "__main__":
    main()
