"""Real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a live
review server: keyboard-only reviewing, hostile document text, cross-origin POSTs."""

from __future__ import annotations

import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.review.conftest import FOCUSED_INPUT, free_port


def sign_in_with_keyboard(page, base: str, name: str) -> None:
    page.goto(f"{base}/card/next")
    assert "/login" in page.url
    # The name field has autofocus; on a busy machine it may take focus after the page's load
    # event, and keys typed before that are lost: wait for it (no wall-clock assertion).
    page.wait_for_function(FOCUSED_INPUT)
    page.keyboard.type(name)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shown(page) -> str:
    return page.get_attribute("#card", "data-candidate")


def press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_keyboard_only_review_session(live_server, page, db_path, candidate_ids):
    from pipeline.rules.framework import load_framework

    order = [c.id for _, c in load_framework().considerations]
    conn = sqlite3.connect(db_path)
    proposed = dict(conn.execute("SELECT candidate_id, consideration_id FROM candidates"))
    conn.close()
    c1, c2, c3, c4 = candidate_ids[:4]
    assert proposed[c3] != order[-1], "fixture: the third card must not hold the last option"
    changed = order[order.index(proposed[c3]) + 1]

    sign_in_with_keyboard(page, live_server, "rita")
    assert shown(page) == c1
    press_and_wait(page, "a")  # accept c1
    assert shown(page) == c2
    page.keyboard.press("n")  # focus the note
    page.keyboard.type("checked the <b>source</b> page")
    page.keyboard.press("Enter")  # leaves the field, does not submit
    assert shown(page) == c2
    press_and_wait(page, "x")  # reject c2 with the note
    assert shown(page) == c3
    page.keyboard.press("c")  # focus the consideration menu
    page.keyboard.press("ArrowDown")  # next consideration
    page.keyboard.press("Escape")
    assert page.input_value("#consideration") == changed
    press_and_wait(page, "a")  # accept c3 with the corrected consideration
    assert shown(page) == c4
    press_and_wait(page, " ")  # skip c4
    assert shown(page) == candidate_ids[4]
    press_and_wait(page, "u")  # undo the skip: c4 comes back
    assert shown(page) == c4
    assert "Undone" in page.inner_text(".flash")
    press_and_wait(page, "x")  # reject c4 instead
    assert shown(page) == candidate_ids[4]
    assert page.dialogs == []

    conn = sqlite3.connect(db_path)
    log = conn.execute(
        "SELECT decision_id, candidate_id, decision, reviewer, note, consideration_id,"
        " replaces_decision_id FROM decisions ORDER BY decision_id"
    ).fetchall()
    current = dict(conn.execute("SELECT candidate_id, decision FROM current_decisions"))
    conn.close()
    assert log == [
        (1, c1, "accept", "rita", None, None, None),
        (2, c2, "reject", "rita", "checked the <b>source</b> page", None, None),
        (3, c3, "accept", "rita", None, changed, None),
        (4, c4, "skip", "rita", None, None, None),
        (5, c4, "undo", "rita", None, None, 4),
        (6, c4, "reject", "rita", None, None, None),
    ]
    assert current == {c1: "accept", c2: "reject", c3: "accept", c4: "reject"}
    # the history on the card shows the note as text
    page.goto(f"{live_server}/card/{c2}?status=all")
    assert "checked the <b>source</b> page" in page.inner_text("#history")


def test_hostile_document_text_renders_as_text_and_runs_nothing(live_server, page, db_path):
    conn = sqlite3.connect(db_path)
    [(hostile,)] = conn.execute(
        "SELECT c.candidate_id FROM candidates c JOIN passages p"
        " USING (passage_id) WHERE p.text LIKE '%<script>%'"
        " ORDER BY c.score DESC LIMIT 1"
    ).fetchall()
    conn.close()
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    sign_in_with_keyboard(page, live_server, "rita")
    for url in (f"/card/{hostile}", f"/source/{hostile}", "/queue?status=all", "/overview"):
        page.goto(live_server + url)
        assert page.evaluate("typeof window.pwned") == "undefined", url
        assert page.locator("main script, main img[onerror]").count() == 0, url
    page.goto(f"{live_server}/card/{hostile}")
    text = page.inner_text("#passage")
    assert "<script>window.pwned = 'script'</script>" in text
    assert "<img src=x onerror=\"window.pwned = 'img'\">" in text
    assert "evil<img src=q onerror=window.pwned=1>.txt" in page.inner_text(".where")
    assert page.dialogs == []


EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{target}/card/{cid}/decide">
<input name="decision" value="accept"><input name="version" value="0">
<input name="csrf" value="guessed"></form>
<script>
fetch("{target}/api/candidates/{cid}/decisions", {{method: "POST", mode: "no-cors",
  credentials: "include", headers: {{"Content-Type": "text/plain"}},
  body: JSON.stringify({{decision: "reject", expected_version: 0}})}})
  .finally(function () {{ document.getElementById("f").submit(); }});
</script></body></html>"""


def test_cross_origin_post_is_refused(live_server, page, db_path, candidate_ids):
    sign_in_with_keyboard(page, live_server, "rita")  # the browser holds a valid session
    html = EVIL_PAGE.format(target=live_server, cid=candidate_ids[0]).encode()

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    evil = ThreadingHTTPServer(("127.0.0.1", free_port()), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with page.expect_response(lambda r: "/decide" in r.url) as info:
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        response = info.value
        assert response.status == 403
        assert "Cross-origin request refused" in response.text()
    finally:
        evil.shutdown()
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0
    conn.close()


def test_conflict_is_shown_to_the_second_reviewer(live_server, browser, db_path, candidate_ids):
    pages = []
    for name in ("rita", "sam"):
        context = browser.new_context()
        pages.append(context.new_page())
        sign_in_with_keyboard(pages[-1], live_server, name)
    rita, sam = pages
    assert shown(rita) == shown(sam) == candidate_ids[0]  # same card, same starting state
    press_and_wait(rita, "a")
    press_and_wait(sam, "x")
    banner = sam.inner_text("#conflict")
    assert "Conflict (409)" in banner and "rita (accept)" in banner
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT reviewer, decision FROM decisions").fetchall() == [
        ("rita", "accept")
    ]
    conn.close()
    # the reloaded card carries the new version: sam's second try is his own decision
    press_and_wait(sam, "x")
    assert shown(sam) == candidate_ids[1]
    for p in pages:
        p.context.close()


def test_accept_under_another_reference_point_with_one_key(live_server, page, db_path,
                                                           candidate_ids):
    """The card offers the passage's next reference points; key 1 accepts the candidate under
    the first of them (an accept whose consideration is corrected), key 2 under the second."""
    import json

    conn = sqlite3.connect(db_path)
    explained = dict(conn.execute("SELECT candidate_id, explanation FROM candidates"))
    conn.close()
    c1, c2 = candidate_ids[:2]
    first = json.loads(explained[c1])["alternatives"]
    second = json.loads(explained[c2])["alternatives"]
    assert first and len(second) >= 2, "fixture: the first cards must offer alternatives"

    sign_in_with_keyboard(page, live_server, "rita")
    assert shown(page) == c1
    buttons = page.locator("#alternatives button.accept-as")
    assert buttons.count() == len(first)
    assert first[0]["consideration_id"] in buttons.first.inner_text()
    press_and_wait(page, "1")
    assert shown(page) == c2
    press_and_wait(page, "2")
    assert shown(page) == candidate_ids[2]

    conn = sqlite3.connect(db_path)
    log = conn.execute("SELECT candidate_id, decision, consideration_id FROM decisions"
                       " ORDER BY decision_id").fetchall()
    conn.close()
    assert log == [(c1, "accept", first[0]["consideration_id"]),
                   (c2, "accept", second[1]["consideration_id"])]
