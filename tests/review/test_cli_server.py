"""`msi-evidence review` start-up checks and `msi-evidence reviewer`."""

from __future__ import annotations

import io
import sys

import pytest

from pipeline.review.config import ReviewConfig, ReviewConfigError, is_loopback, parse_keys


def test_refuses_to_listen_beyond_loopback_without_credentials(db_path, cli, capsys):
    assert cli("review", "--db", db_path, "--host", "0.0.0.0", "--port", "1") == 2
    err = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0" in err and "msi-evidence reviewer add" in err


def test_credentials_allow_listening_beyond_loopback(db_path, cli, monkeypatch, capsys):
    from pipeline.review.server import check_startup
    from pipeline.store import Store

    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-password\n"))
    assert cli("reviewer", "add", "alice", "--db", db_path, "--password-stdin") == 0
    assert cli("reviewer", "list", "--db", db_path) == 0
    assert "alice" in capsys.readouterr().out
    with Store(db_path) as store:
        check_startup(ReviewConfig(db=str(db_path), host="0.0.0.0"), store)  # no error


def test_short_password_is_refused(db_path, cli, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli("reviewer", "add", "alice", "--db", db_path, "--password-stdin") == 2
    assert "at least 8" in capsys.readouterr().err


def test_missing_database_is_a_clear_error(tmp_path, cli, capsys):
    assert cli("review", "--db", tmp_path / "nope.sqlite") == 2
    assert "no database" in capsys.readouterr().err


def test_key_map_and_loopback():
    assert parse_keys("accept=y,skip=space") == {
        "accept": "y",
        "reject": "x",
        "skip": " ",
        "undo": "u",
    }
    with pytest.raises(ReviewConfigError):
        parse_keys("accept=x")  # same key as reject
    with pytest.raises(ReviewConfigError):
        parse_keys("launch=l")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert "evil.example" not in ReviewConfig(db="x").host_names()
