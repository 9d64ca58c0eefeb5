"""The review_sessions migration applies to a store created before it existed."""

from __future__ import annotations

import sqlite3

from pipeline.review.app import COOKIE
from pipeline.store import Store
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION
from pipeline.store.store import _split_sql

from .conftest import session_rows


def sessions_migration() -> int:
    """Index (= schema version before it) of the migration that adds review_sessions."""
    [index] = [i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE review_sessions" in sql]
    return index


def old_store(path, version: int) -> None:
    """A database exactly as a program at schema ``version`` left it, with a reviewer in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for sql in MIGRATIONS[:version]:
        for statement in _split_sql(sql):
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
    conn.execute(
        "INSERT INTO reviewers (name, password_hash, created_at) VALUES ('al', NULL, '2026-01-01')"
    )
    conn.close()


def test_migration_adds_the_sessions_table_to_an_older_store(tmp_path):
    version = sessions_migration()
    db = tmp_path / "old.sqlite"
    old_store(db, version)
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "review_sessions" not in tables and "reviewers" in tables

    with Store(db, create=False) as store:  # how `msi-evidence review` opens it
        assert store.schema_version() == SCHEMA_VERSION > version
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(review_sessions)")]
        assert columns == [
            "token_hash",
            "reviewer",
            "csrf_token",
            "created_at",
            "last_seen_at",
            "expires_at",
        ]
        assert [r[0] for r in store.conn.execute("SELECT name FROM reviewers")] == ["al"]
        assert store.integrity_check() == "ok"


def test_review_server_signs_in_over_a_migrated_store(tmp_path, clock, client):
    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig

    db = tmp_path / "old.sqlite"
    old_store(db, sessions_migration())
    app = create_app(ReviewConfig(db=str(db), allowed_hosts=("testserver",)), clock=clock)
    try:
        r = client(app).post("/api/login", json={"name": "al"})
        assert r.status_code == 200
        assert client(app, cookies={COOKIE: r.cookies[COOKIE]}).get("/api/me").status_code == 200
        assert [row["reviewer"] for row in session_rows(db)] == ["al"]
    finally:
        app.state.review.store.close()
