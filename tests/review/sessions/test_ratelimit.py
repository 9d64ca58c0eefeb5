"""Failed sign-ins are throttled per reviewer name and per client address (HTTP 429)."""

from __future__ import annotations

import pytest

from pipeline.review import auth
from pipeline.review.ratelimit import LoginLimiter

from .conftest import session_rows

WINDOW = 15 * 60


@pytest.fixture
def app(make_app):
    app = make_app()
    auth.set_credential(app.state.review.store, "carol", "correct horse")
    auth.set_credential(app.state.review.store, "dave", "battery staple")
    return app


def login(c, name: str, password: str):
    return c.post("/api/login", json={"name": name, "password": password})


def test_sixth_failure_is_429_even_with_the_right_password(
    app, client, clock, db_path, monkeypatch
):
    c = client(app)
    for _ in range(5):
        assert login(c, "carol", "wrong guess").status_code == 401
        clock.advance(10)
    r = login(c, "carol", "wrong guess")
    assert r.status_code == 429
    assert r.headers["retry-after"] == str(WINDOW - 50)
    assert "Try again in 15 minutes" in r.json()["detail"]

    checked = []
    real_verify = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda *a: checked.append(a) or real_verify(*a))
    right = login(c, "carol", "correct horse")
    assert right.status_code == 429 and checked == []  # refused before the password check
    assert login(c, "Carol", "correct horse").status_code == 429  # names are case-folded
    assert session_rows(db_path) == []
    assert login(client(app, address="10.0.0.9"), "carol", "correct horse").status_code == 429
    assert login(c, "dave", "battery staple").status_code == 200  # other names are not paused

    clock.advance(WINDOW - 50 - 1)
    assert login(c, "carol", "correct horse").status_code == 429
    clock.advance(1)  # the first failure leaves the window
    r = login(c, "carol", "correct horse")
    assert r.status_code == 200 and checked  # the password is checked again
    assert r.json()["reviewer"] == "carol"


def test_refused_attempts_do_not_extend_the_pause(app, client, clock):
    c = client(app)
    for _ in range(5):
        login(c, "carol", "wrong guess")
    for _ in range(10):
        clock.advance(60)
        assert login(c, "carol", "wrong guess").status_code == 429
    clock.advance(WINDOW - 600)
    assert login(c, "carol", "correct horse").status_code == 200


def test_success_resets_the_names_counter(app, client):
    c = client(app)
    for _ in range(4):
        assert login(c, "carol", "wrong guess").status_code == 401
    assert login(c, "carol", "correct horse").status_code == 200
    for _ in range(4):
        assert login(c, "carol", "wrong guess").status_code == 401
    assert login(c, "carol", "correct horse").status_code == 200


def test_one_address_trying_many_names_is_paused(make_app, client, clock):
    app = make_app(login_max_failures_per_address=6)
    auth.set_credential(app.state.review.store, "carol", "correct horse")
    sprayer = client(app, address="203.0.113.7")
    for i in range(6):
        assert login(sprayer, f"guess{i}", "password1").status_code == 401
    r = login(sprayer, "carol", "correct horse")
    assert r.status_code == 429 and int(r.headers["retry-after"]) == WINDOW
    assert login(client(app, address="198.51.100.2"), "carol", "correct horse").status_code == 200
    clock.advance(WINDOW)
    assert login(sprayer, "carol", "correct horse").status_code == 200


def test_html_sign_in_form_shows_when_to_retry(app, client):
    c = client(app)
    form = {"name": "carol", "password": "wrong guess", "next": "/queue"}
    for _ in range(5):
        assert c.post("/login", data=form).status_code == 401
    r = c.post("/login", data={**form, "password": "correct horse"}, follow_redirects=False)
    assert r.status_code == 429 and r.headers["retry-after"] == str(WINDOW)
    assert "Too many failed sign-ins" in r.text and "Try again in 15 minutes" in r.text
    assert "set-cookie" not in r.headers


def test_limiter_window_arithmetic_and_memory_bound():
    now = [1000.0]
    limiter = LoginLimiter(
        max_per_name=3, max_per_address=100, window_s=60, clock=lambda: now[0], max_keys=50
    )
    for step in (0, 10, 20):
        now[0] = 1000 + step
        assert limiter.retry_after("al", "a") is None
        limiter.failed("al", "a")
    assert limiter.retry_after("al", "a") == pytest.approx(40)  # 1000 + 60 - 1020
    now[0] = 1060
    assert limiter.retry_after("al", "b") is None  # the first failure has left the window
    limiter.failed("al", "b")
    assert limiter.retry_after("al", "c") == pytest.approx(10)  # 1010 + 60 - 1060
    for i in range(200):
        limiter.failed(f"name{i}", f"addr{i}")
    assert len(limiter._failures) <= 50
    assert limiter.retry_after("name199", None) is None  # one failure is below the limit
