"""The report renders in headless Chromium: the heat map decodes, nothing is fetched, no script
runs, and a screenshot shows a non-blank page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.headless import CHROMIUM, launch_chromium

from .store_builder import Cand

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not shutil.which("chromium"),
    reason="Debian chromium is not installed (bash .ci/system-deps.sh installs it)")


def test_report_renders_in_chromium(cli, make_store, tmp_path):
    from playwright.sync_api import sync_playwright

    db = make_store([
        Cand("a1", "KPCS", "participation.workers", polarity="supports",
             quote="Workers sit on the board <img src=x onerror=alert(1)>.",
             decisions=[("accept", "alice", {"note": "<script>alert(2)</script>"})]),
        Cand("a2", "EITI", "high_standards.sanctions", polarity="undermines", page=2,
             decisions=[("accept", "alice", {})]),
        Cand("r1", "EITI", "participation.workers", decisions=[("reject", "bob", {})]),
        Cand("p1", "FLA", "transformation.theory_of_change"),
    ])
    out = tmp_path / "report.html"
    assert cli("report", "--db", db, "--out", out) == 0

    requests, dialogs, errors = [], [], []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.as_uri())
            page.wait_for_load_state("load")
            size = page.evaluate("""() => {
                const img = document.getElementById('heatmap');
                return [img.complete, img.naturalWidth, img.naturalHeight, img.clientWidth];
            }""")
            quotes = page.locator("blockquote").all_inner_texts()
            headings = page.locator("h2").all_inner_texts()
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

    complete, natural_width, natural_height, shown_width = size
    assert complete and natural_width > 400 and natural_height > 150 and shown_width > 300
    assert len(quotes) == 2
    assert any("<img src=x onerror=alert(1)>" in q for q in quotes)  # shown as text
    assert dialogs == []  # no injected script ran
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert any("Kimberley" in h for h in headings) and any("Fair Labor" in h for h in headings)
    assert shot.stat().st_size > 20_000
