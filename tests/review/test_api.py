"""The JSON API and the HTML form flow against a real store built by the pipeline."""

from __future__ import annotations

import re
import sqlite3

import pytest

ORIGIN = {"Origin": "http://testserver"}


def rows(db_path, sql, *args):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def test_sign_in_is_required(app):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://testserver", headers=ORIGIN)
    assert client.get("/api/me").status_code == 401
    r = client.get("/card/next", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_accept_with_corrections_and_note_is_stored_with_history(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    first = candidate_ids[0]
    card = al.card(first)
    assert card["version"] == 0 and card["history"] == []
    proposed = card["candidate"]["consideration_id"]
    other = (
        "participation.business"
        if proposed != "participation.business"
        else "participation.government"
    )
    polarity = next(p for p in ("supports", "undermines") if p != card["candidate"]["polarity"])
    r = al.decide(
        first, "accept", note="clear case", consideration_id=other, msi="EITI", polarity=polarity
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["next_candidate_id"] == candidate_ids[1]
    [row] = rows(db_path, "SELECT * FROM decisions")
    assert (row["candidate_id"], row["decision"], row["reviewer"], row["note"]) == (
        first,
        "accept",
        "al",
        "clear case",
    )
    assert (row["consideration_id"], row["msi"], row["polarity"]) == (other, "EITI", polarity)
    assert row["replaces_decision_id"] is None and row["decided_at"]
    history = al.get(f"/api/candidates/{first}/history").json()
    assert history["version"] == row["decision_id"]
    assert [h["decision"] for h in history["history"]] == ["accept"]


def test_corrections_equal_to_the_proposal_are_not_stored(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    card = al.card(candidate_ids[0])["candidate"]
    assert (
        al.decide(
            candidate_ids[0], "accept", msi=card["msi"], consideration_id=card["consideration_id"]
        ).status_code
        == 201
    )
    [row] = rows(db_path, "SELECT msi, consideration_id FROM decisions")
    assert row == {"msi": None, "consideration_id": None}


def test_unknown_correction_is_refused(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    r = al.decide(candidate_ids[0], "accept", consideration_id="no.such.thing")
    assert r.status_code == 422 and "unknown consideration" in r.text
    assert rows(db_path, "SELECT * FROM decisions") == []


def test_reject_skip_and_the_queue(reviewer, candidate_ids):
    al = reviewer("al")
    assert al.decide(candidate_ids[0], "reject").status_code == 201
    assert al.decide(candidate_ids[1], "skip").status_code == 201
    todo = al.get("/api/queue").json()
    assert [i["candidate_id"] for i in todo["items"]] == candidate_ids[2:]
    assert al.get("/api/next").json()["candidate_id"] == candidate_ids[2]
    skipped = al.get("/api/queue?status=skipped").json()["items"]
    assert [i["candidate_id"] for i in skipped] == [candidate_ids[1]]
    rejected = al.get("/api/queue?status=rejected").json()["items"]
    assert [i["candidate_id"] for i in rejected] == [candidate_ids[0]]
    # another reviewer's queue is untouched
    bo = reviewer("bo")
    assert bo.get("/api/next").json()["candidate_id"] == candidate_ids[0]


def test_queue_filters_and_order(reviewer, db_path):
    al = reviewer("al")
    everything = al.get("/api/queue?limit=500").json()["items"]
    scores = [i["score"] for i in everything]
    assert scores == sorted(scores, reverse=True) and len(everything) > 5
    fla = al.get("/api/queue?msi=FLA").json()["items"]
    assert fla and {i["msi"] for i in fla} == {"FLA"}
    part = al.get("/api/queue?rp=participation").json()["items"]
    assert part and {i["reference_point_id"] for i in part} == {"participation"}
    doc = everything[0]["doc_id"]
    by_doc = al.get(f"/api/queue?doc={doc}").json()["items"]
    assert by_doc and {i["doc_id"] for i in by_doc} == {doc}
    expected = rows(
        db_path, "SELECT COUNT(*) AS n FROM candidates WHERE stale = 0 AND score >= 0.6"
    )
    high = al.get("/api/queue?min_score=0.6").json()
    assert high["total"] == expected[0]["n"] and all(i["score"] >= 0.6 for i in high["items"])


def test_rededcision_records_what_it_replaced(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    first = al.decide(candidate_ids[0], "accept").json()["decision_id"]
    second = al.decide(candidate_ids[0], "reject").json()["decision_id"]
    [row] = rows(
        db_path, "SELECT replaces_decision_id FROM decisions WHERE decision_id = ?", second
    )
    assert row["replaces_decision_id"] == first
    [current] = rows(
        db_path, "SELECT decision FROM current_decisions WHERE candidate_id = ?", candidate_ids[0]
    )
    assert current["decision"] == "reject"


def test_undo_walks_back_own_decisions(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    a = al.decide(candidate_ids[0], "accept").json()["decision_id"]
    b = al.decide(candidate_ids[1], "skip").json()["decision_id"]
    r = al.post("/api/undo", json={"expected_decision_id": b})
    assert r.status_code == 200, r.text
    assert r.json()["undone_decision_id"] == b and r.json()["candidate_id"] == candidate_ids[1]
    assert al.get("/api/next").json()["candidate_id"] == candidate_ids[1]
    assert al.post("/api/undo", json={}).json()["undone_decision_id"] == a
    assert rows(db_path, "SELECT * FROM current_decisions") == []
    r = al.post("/api/undo", json={})
    assert r.status_code == 409 and "no decision left to undo" in r.text
    undos = rows(
        db_path,
        "SELECT replaces_decision_id FROM decisions WHERE decision = 'undo' ORDER BY decision_id",
    )
    assert [u["replaces_decision_id"] for u in undos] == [b, a]
    history = al.card(candidate_ids[0])["history"]
    assert [(h["decision"], bool(h["undone"])) for h in history] == [
        ("accept", True),
        ("undo", False),
    ]


def test_undo_with_a_stale_expectation_conflicts(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    a = al.decide(candidate_ids[0], "accept").json()["decision_id"]
    al.decide(candidate_ids[1], "accept")
    r = al.post("/api/undo", json={"expected_decision_id": a})
    assert r.status_code == 409
    assert rows(db_path, "SELECT * FROM decisions WHERE decision = 'undo'") == []


def test_a_reviewer_cannot_undo_another_reviewers_decision(reviewer, db_path, candidate_ids):
    al, bo = reviewer("al"), reviewer("bo")
    al.decide(candidate_ids[0], "accept")
    assert bo.post("/api/undo", json={}).status_code == 409  # bo has nothing of his own
    assert rows(db_path, "SELECT decision FROM current_decisions") == [{"decision": "accept"}]
    from pipeline.store import Store

    with Store(db_path) as store, pytest.raises(sqlite3.IntegrityError, match="same reviewer"):
        store.add_decision(candidate_ids[0], "undo", "bo", replaces_decision_id=1)


def test_second_reviewer_from_the_same_state_gets_409(reviewer, db_path, candidate_ids):
    al, bo = reviewer("al"), reviewer("bo")
    target = candidate_ids[0]
    version_seen = al.card(target)["version"]
    assert bo.card(target)["version"] == version_seen
    assert al.decide(target, "accept", version=version_seen).status_code == 201
    r = bo.decide(target, "reject", version=version_seen)
    assert r.status_code == 409
    assert "al (accept)" in r.json()["detail"]
    assert r.json()["version"] != version_seen
    assert rows(db_path, "SELECT reviewer, decision FROM decisions") == [
        {"reviewer": "al", "decision": "accept"}
    ]
    # after reloading, bo may add his own decision: decisions are per reviewer
    assert bo.decide(target, "reject").status_code == 201
    assert len(rows(db_path, "SELECT * FROM decisions")) == 2


def test_retried_request_with_the_same_key_is_stored_once(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    first = al.decide(candidate_ids[0], "accept", version=0, idempotency_key="k-1")
    again = al.decide(candidate_ids[0], "accept", version=0, idempotency_key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["duplicate"] is True
    assert again.json()["decision_id"] == first.json()["decision_id"]
    assert len(rows(db_path, "SELECT * FROM decisions")) == 1
    u1 = al.post("/api/undo", json={"idempotency_key": "u-1"}).json()
    u2 = al.post("/api/undo", json={"idempotency_key": "u-1"}).json()
    assert u1["decision_id"] == u2["decision_id"] and u2["duplicate"] is True
    # another reviewer cannot replay someone else's key
    bo = reviewer("bo")
    assert (
        bo.decide(candidate_ids[1], "accept", version=0, idempotency_key="k-1").status_code == 409
    )


def test_state_changes_need_csrf_token_and_same_origin(app, reviewer, db_path, candidate_ids):
    al = reviewer("al")
    body = {"decision": "accept", "expected_version": 0}
    url = f"/api/candidates/{candidate_ids[0]}/decisions"
    assert al.client.post(url, json=body).status_code == 403  # no token
    assert al.client.post(url, json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    foreign = al.post(url, json=body, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "Cross-origin" in foreign.text
    from fastapi.testclient import TestClient

    bare = TestClient(app, base_url="http://testserver")  # no Origin, no Referer
    assert bare.post("/api/login", json={"name": "al"}).status_code == 403
    form = al.client.post(
        f"/card/{candidate_ids[0]}/decide",
        data={"decision": "accept", "version": "0", "csrf": "nope"},
    )
    assert form.status_code == 403
    assert rows(db_path, "SELECT * FROM decisions") == []


def test_foreign_host_header_is_refused(app):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://attacker.example:8765")
    r = client.get("/login")
    assert r.status_code == 400 and "Host" in r.text


def test_security_headers(reviewer, candidate_ids):
    al = reviewer("al")
    r = al.get(f"/card/{candidate_ids[0]}")
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    cookie = al.client.post("/api/login", json={"name": "al"}).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "<script>" not in re.sub(r'<script src="/static/review.js" defer></script>', "", r.text)
    assert " style=" not in r.text


def test_html_form_flow_decides_and_shows_the_next_card(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    page = al.get(f"/card/{candidate_ids[0]}").text
    fields = dict(re.findall(r'name="(csrf|version|idempotency_key)" value="([^"]*)"', page))
    r = al.client.post(
        f"/card/{candidate_ids[0]}/decide",
        follow_redirects=False,
        data={**fields, "decision": "reject", "note": "not about workers"},
    )
    # the next card, with a confirmation of what was recorded
    assert r.status_code == 303 and r.headers["location"] == f"/card/{candidate_ids[1]}?msg=reject"
    assert "Rejected. Undo takes it back." in al.get(r.headers["location"]).text
    [row] = rows(db_path, "SELECT decision, note FROM decisions")
    assert row == {"decision": "reject", "note": "not about workers"}
    # the same form submitted again (a browser retry) adds nothing
    al.client.post(f"/card/{candidate_ids[0]}/decide", data={**fields, "decision": "reject"})
    assert len(rows(db_path, "SELECT * FROM decisions")) == 1


def test_html_conflict_is_shown_with_409(reviewer, candidate_ids):
    al, bo = reviewer("al"), reviewer("bo")
    page = bo.get(f"/card/{candidate_ids[0]}").text
    fields = dict(re.findall(r'name="(csrf|version|idempotency_key)" value="([^"]*)"', page))
    al.decide(candidate_ids[0], "accept")
    r = bo.client.post(f"/card/{candidate_ids[0]}/decide", data={**fields, "decision": "reject"})
    assert r.status_code == 409
    assert 'id="conflict"' in r.text and "al (accept)" in r.text


def test_card_shows_framework_context_and_escapes_document_text(reviewer, db_path):
    [hostile] = rows(
        db_path,
        "SELECT c.candidate_id FROM candidates c JOIN passages p"
        " USING (passage_id) WHERE p.text LIKE '%<script>%' LIMIT 1",
    )
    al = reviewer("al")
    html = al.get(f"/card/{hostile['candidate_id']}").text
    assert "&lt;script&gt;window.pwned" in html and "<script>window" not in html
    assert "&lt;img src=x onerror=" in html and "<img src=x" not in html
    assert "evil&lt;img src=q onerror=window.pwned=1&gt;.txt" in html
    assert '<mark class="quote">' in html
    assert "Representation of organized and informal workers" in html  # the framework beside it
    for url in (
        "/queue?status=all",
        "/adjudicate",
        "/overview",
        f"/source/{hostile['candidate_id']}",
    ):
        page = al.get(url).text
        assert "<script>window" not in page and "<img src=x" not in page, url


def test_source_view_renders_the_pdf_page_with_the_quote_marked(reviewer, db_path):
    [pdf] = rows(
        db_path,
        "SELECT c.candidate_id FROM candidates c JOIN documents d USING (doc_id)"
        " WHERE d.kind = 'pdf' ORDER BY c.score DESC LIMIT 1",
    )
    al = reviewer("al")
    assert 'id="page-image"' in al.get(f"/source/{pdf['candidate_id']}").text
    r = al.get(f"/source/{pdf['candidate_id']}/page.png")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    import io

    import numpy as np
    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")).astype(int)
    marked = int(
        ((px[..., 0] > 180) & (px[..., 1] > 30) & (px[..., 1] < 90) & (px[..., 2] < 40)).sum()
    )
    assert marked > 100  # the orange outline / margin bar is drawn
    [text] = rows(
        db_path,
        "SELECT c.candidate_id FROM candidates c JOIN documents d USING (doc_id)"
        " WHERE d.kind <> 'pdf' LIMIT 1",
    )
    html = al.get(f"/source/{text['candidate_id']}").text
    assert 'id="surrounding"' in html and '<mark class="quote">' in html


def test_overview_counts_and_export_agree(reviewer, db_path, candidate_ids):
    al = reviewer("al")
    al.decide(candidate_ids[0], "accept", consideration_id="participation.business")
    al.decide(candidate_ids[1], "reject")
    al.decide(candidate_ids[2], "skip")
    ov = al.get("/api/overview").json()
    assert ov["total"] == len(candidate_ids) and ov["decided"] == 2
    assert sum(c["accepted"] for c in ov["matrix"]) == 1
    assert sum(c["pending"] for c in ov["matrix"]) == len(candidate_ids) - 2
    assert ov["by_reviewer"] == [{"reviewer": "al", "accept": 1, "reject": 1, "skip": 1, "rows": 3}]
    from pipeline.export.evidence import evidence_frame
    from pipeline.store import Store

    with Store(db_path) as store:
        df = evidence_frame(store)
    accepted = df[df["status"] == "accepted"]
    assert list(accepted["candidate_id"]) == [candidate_ids[0]]
    assert list(accepted["consideration_id"]) == ["participation.business"]
    assert list(df[df["status"] == "rejected"]["candidate_id"]) == [candidate_ids[1]]


def test_credentials(app, reviewer, db_path):
    from pipeline.review.auth import set_credential

    set_credential(app.state.review.store, "carol", "correct horse")
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://testserver", headers=ORIGIN)
    assert client.post("/api/login", json={"name": "carol"}).status_code == 401
    assert (
        client.post("/api/login", json={"name": "carol", "password": "wrong one"}).status_code
        == 401
    )
    assert (
        client.post("/api/login", json={"name": "dave", "password": "correct horse"}).status_code
        == 401
    )
    assert reviewer("carol", "correct horse").get("/api/me").json() == {"reviewer": "carol"}
    [row] = rows(db_path, "SELECT password_hash FROM reviewers")
    assert "correct horse" not in row["password_hash"]


def test_openapi_lists_the_actions(reviewer):
    schema = reviewer("al").get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/candidates/{candidate_id}/decisions",
        "/api/undo",
        "/api/queue",
        "/api/candidates/{candidate_id}/history",
        "/api/agreement",
    } <= paths


def test_locked_store_is_a_clear_503_and_nothing_is_written(reviewer, db_path, candidate_ids):
    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig
    from pipeline.store import Store

    store = Store(db_path, busy_timeout_s=0.2)
    app = create_app(ReviewConfig(db=str(db_path), allowed_hosts=("testserver",)), store=store)
    al = reviewer("al", other_app=app)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        r = al.decide(candidate_ids[0], "accept", version=0)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert r.status_code == 503 and "locked" in r.text
    assert rows(db_path, "SELECT * FROM decisions") == []
    assert al.decide(candidate_ids[0], "accept", version=0).status_code == 201
    store.close()


def test_todo_queue_continues_below_the_card_and_wraps_around(reviewer, candidate_ids):
    al = reviewer("al")
    assert al.decide(candidate_ids[2], "accept").json()["next_candidate_id"] == candidate_ids[3]
    last = al.decide(candidate_ids[-1], "reject").json()
    assert last["next_candidate_id"] == candidate_ids[0]  # nothing below: back to the top
    for cid in candidate_ids:
        if cid not in (candidate_ids[2], candidate_ids[-1]):
            al.decide(cid, "skip")
    assert al.get("/api/next").json()["candidate_id"] is None
    assert "Nothing left in this queue" in al.get("/card/next").text


def test_favicon_is_served_without_signing_in(app):
    from fastapi.testclient import TestClient

    r = TestClient(app, base_url="http://testserver").get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg")
