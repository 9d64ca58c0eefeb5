"""Fixtures for persisted review sessions and sign-in throttling: a store built by the real
pipeline (hashing encoder), app instances over one database file (a second instance stands in
for a restarted server), and a fake clock that the tests move forward."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

# The review suite's store, built once per test session, and the queue's order.
from review.conftest import built_db, candidate_ids  # noqa: F401  (fixtures)

ORIGIN = {"Origin": "http://testserver"}


class FakeClock:
    """Seconds since the epoch, moved only by the test."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def db_path(built_db: Path, tmp_path: Path) -> Path:  # noqa: F811  (built_db: the imported fixture)
    dest = tmp_path / "review.sqlite"
    shutil.copy2(built_db, dest)
    return dest


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_app(db_path: Path, clock: FakeClock):
    """``make_app(**config)``: a new app instance with its own Store over ``db_path``."""
    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig

    made = []

    def make(**config):
        app = create_app(
            ReviewConfig(db=str(db_path), allowed_hosts=("testserver",), **config), clock=clock
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.state.review.store.close()


@pytest.fixture
def client():
    """``client(app, cookies=None, address="testclient")``: a same-origin test client."""
    from fastapi.testclient import TestClient

    def make(app, cookies: dict | None = None, address: str = "testclient"):
        c = TestClient(app, base_url="http://testserver", headers=ORIGIN, client=(address, 50000))
        for name, value in (cookies or {}).items():
            c.cookies.set(name, value)
        return c

    return make


def session_rows(db_path: Path) -> list[dict]:
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM review_sessions ORDER BY created_at")]
    conn.close()
    return rows
