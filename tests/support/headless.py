"""Headless Chromium settings for browser tests and screenshots (Debian's ``chromium``).

The browser is never downloaded: Playwright drives the system binary. The flags keep it from
reaching the network on its own (background updates, sync), which this machine refuses anyway.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright):
    """Start headless Chromium through a Playwright instance (``sync_playwright()``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
