"""Sessions kept in the store: they survive a restart, hold no raw token, end on sign-out
everywhere, expire (idle and absolute) and are purged."""

from __future__ import annotations

import re
import sqlite3

import pytest

from pipeline.review.app import COOKIE
from pipeline.store.sessions import token_hash

from .conftest import session_rows


def sign_in(client, name: str, password: str | None = None) -> tuple[str, str]:
    """(cookie token, csrf token) of a fresh API sign-in."""
    r = client.post("/api/login", json={"name": name, "password": password})
    assert r.status_code == 200, r.text
    return r.cookies[COOKIE], r.json()["csrf_token"]


def test_session_and_csrf_survive_a_restart(make_app, client, db_path, candidate_ids):
    first = make_app()
    token, csrf = sign_in(client(first), "al")
    first.state.review.store.close()  # the server stops

    second = make_app()  # ... and starts again over the same file
    c = client(second, cookies={COOKIE: token})
    assert c.get("/api/me").json() == {"reviewer": "al"}
    url = f"/api/candidates/{candidate_ids[0]}/decisions"
    body = {"decision": "accept", "expected_version": 0}
    assert c.post(url, json=body, headers={"X-CSRF-Token": "not-the-token"}).status_code == 403
    r = c.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    page = c.get(f"/card/{candidate_ids[1]}").text
    assert re.search(r'name="csrf" value="([^"]*)"', page).group(1) == csrf
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT reviewer FROM decisions").fetchall() == [("al",)]
    conn.close()


def test_database_holds_only_a_hash_of_the_token(make_app, client, db_path):
    token, csrf = sign_in(client(make_app()), "al")
    [row] = session_rows(db_path)
    assert row["token_hash"] == token_hash(token) and row["reviewer"] == "al"
    assert row["csrf_token"] == csrf
    assert row["created_at"] == row["last_seen_at"] < row["expires_at"]

    def file_bytes() -> bytes:
        return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))

    data = file_bytes()  # main file, -wal and -shm
    assert token_hash(token).encode() in data  # the check looks at the right bytes
    assert token.encode() not in data
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert token_hash(token).encode() in db_path.read_bytes()
    assert token.encode() not in file_bytes()


def test_sign_out_ends_the_session_in_every_instance(make_app, client, db_path):
    a, b = make_app(), make_app()  # two server processes over one database
    token, csrf = sign_in(client(a), "al")
    other_token, _ = sign_in(client(a), "al")  # a second browser of the same reviewer
    on_b = client(b, cookies={COOKIE: token})
    assert on_b.get("/api/me").status_code == 200
    wrong = on_b.post("/logout", data={"csrf": "nope"}, follow_redirects=False)
    assert wrong.status_code == 403 and len(session_rows(db_path)) == 2
    r = on_b.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?msg=signed-out"
    assert client(a, cookies={COOKIE: token}).get("/api/me").status_code == 401
    assert on_b.get("/api/me").status_code == 401
    assert [r["token_hash"] for r in session_rows(db_path)] == [token_hash(other_token)]
    assert client(a, cookies={COOKIE: other_token}).get("/api/me").status_code == 200


def test_idle_session_is_refused_and_its_row_deleted(make_app, client, clock, db_path):
    app = make_app(session_idle_s=10, session_lifetime_s=1000)
    token, _ = sign_in(client(app), "al")
    c = client(app, cookies={COOKIE: token})
    clock.advance(8)
    assert c.get("/api/me").status_code == 200  # activity moves the idle deadline
    clock.advance(8)
    assert c.get("/api/me").status_code == 200  # 16 s after sign-in, 8 s idle
    clock.advance(10.5)
    assert c.get("/api/me").status_code == 401
    assert c.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    assert session_rows(db_path) == []
    # a restarted server refuses it too
    assert client(make_app(), cookies={COOKIE: token}).get("/api/me").status_code == 401


def test_absolute_lifetime_ends_an_active_session(make_app, client, clock):
    app = make_app(session_idle_s=10, session_lifetime_s=30)
    token, _ = sign_in(client(app), "al")
    c = client(app, cookies={COOKIE: token})
    for _ in range(3):
        clock.advance(9)
        assert c.get("/api/me").status_code == 200
    clock.advance(4)  # 31 s after sign-in, 4 s idle
    assert c.get("/api/me").status_code == 401


def test_shorter_timeout_after_restart_applies_to_old_sessions(make_app, client, clock):
    token, _ = sign_in(client(make_app()), "al")  # defaults: 2 h idle
    clock.advance(120)
    restarted = make_app(session_idle_s=60)
    assert client(restarted, cookies={COOKIE: token}).get("/api/me").status_code == 401


def test_expired_rows_are_purged_when_someone_signs_in(make_app, client, clock, db_path):
    app = make_app(session_idle_s=10, session_lifetime_s=1000)
    sign_in(client(app), "al")
    sign_in(client(app), "bo")
    clock.advance(5)
    live, _ = sign_in(client(app), "cy")
    clock.advance(7)  # al and bo are 12 s idle, cy 7 s
    assert len(session_rows(db_path)) == 3  # nobody presented the expired cookies
    dee, _ = sign_in(client(app), "dee")
    assert {r["reviewer"] for r in session_rows(db_path)} == {"cy", "dee"}
    assert client(app, cookies={COOKIE: live}).get("/api/me").status_code == 200


def test_new_password_signs_the_reviewer_out(make_app, client, db_path):
    from pipeline.review.auth import set_credential

    app = make_app()
    store = app.state.review.store
    name_only, _ = sign_in(client(app), "al")  # no passwords yet: a name is enough
    set_credential(store, "carol", "correct horse")
    assert client(app, cookies={COOKIE: name_only}).get("/api/me").status_code == 401
    carol, _ = sign_in(client(app), "carol", "correct horse")
    assert client(app, cookies={COOKIE: carol}).get("/api/me").status_code == 200
    set_credential(store, "carol", "battery staple")
    assert client(app, cookies={COOKIE: carol}).get("/api/me").status_code == 401
    assert session_rows(db_path) == []


def test_cookie_flags_are_unchanged(make_app, client):
    r = client(make_app()).post("/api/login", json={"name": "al"})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "max-age" not in cookie and "expires" not in cookie  # ends with the browser


def test_a_locked_store_does_not_stall_a_page(make_app, client, clock, db_path):
    app = make_app(session_idle_s=100)
    token, _ = sign_in(client(app), "al")
    clock.advance(50)  # the next request would refresh last_seen_at
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        r = client(app, cookies={COOKIE: token}).get("/api/me")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # With the write lock held for the whole request, a page that tried to write would wait
    # out the busy timeout and fail; a 200 shows it answered without writing.
    assert r.status_code == 200
    store = app.state.review.store
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    [row] = session_rows(db_path)
    assert row["last_seen_at"] == row["created_at"]  # the refresh was skipped, not queued


def test_bad_session_settings_are_refused(cli, db_path, capsys):
    from pipeline.review.config import ReviewConfig, ReviewConfigError

    with pytest.raises(ReviewConfigError):
        ReviewConfig(db="x", session_idle_s=0)
    with pytest.raises(ReviewConfigError):
        ReviewConfig(db="x", login_max_failures_per_name=0)
    assert cli("review", "--db", db_path, "--session-max-hours", "-1") == 2
    assert "session timeouts must be positive" in capsys.readouterr().err
