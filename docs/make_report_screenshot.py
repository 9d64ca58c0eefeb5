"""Regenerate docs/report.png: the sample corpus (hashing encoder), a fixed pattern of reviewer
decisions, ``msi-evidence report``, and a headless-Chromium screenshot of the top of the page.

    .venv/bin/python docs/make_report_screenshot.py [--out docs/report.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.cli import main as cli  # noqa: E402
from pipeline.store import Store  # noqa: E402
from tests.support.headless import launch_chromium  # noqa: E402


def decide_some(db: Path) -> None:
    """Per (MSI, reference point): accept the best candidate (supports or undermines), reject
    all, or leave all pending, by a fixed hash of the pair, so every state shows up."""
    with Store(db) as store:
        rows = store.conn.execute("SELECT candidate_id, msi, reference_point_id FROM candidates"
                                  " ORDER BY score DESC, candidate_id").fetchall()
        seen: dict[tuple[str, str], int] = {}
        for cid, msi, rp in rows:
            seen[(msi, rp)] = seen.get((msi, rp), 0) + 1
            first = seen[(msi, rp)] == 1
            kind = sum(map(ord, msi + rp)) % 4
            if kind == 0 and first:
                store.add_decision(cid, "accept", "alice", "clear statement", polarity="supports")
            elif kind == 1 and first:
                store.add_decision(cid, "accept", "bob", None, polarity="undermines")
            elif kind == 2:
                store.add_decision(cid, "reject", "alice", "off topic")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "report.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db, html = Path(tmp) / "corpus.sqlite", Path(tmp) / "report.html"
        cli(["run", str(REPO / "corpus"), "--db", str(db), "--model", "hashing", "--no-progress"])
        decide_some(db)
        cli(["report", "--db", str(db), "--out", str(html)])
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1200, "height": 2200})
            page.goto(html.as_uri())
            page.screenshot(path=args.out)
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
