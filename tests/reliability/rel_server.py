"""Run the real review server (``msi-evidence review``) in a child process and talk to it."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

MSI_EVIDENCE = Path(sys.executable).parent / "msi-evidence"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReviewServer:
    """``msi-evidence review --db DB --port PORT`` as a separate program (a real uvicorn)."""

    def __init__(self, db: Path, log: Path, *extra: str):
        self.db, self.log, self.extra = db, log, extra
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, attempts: int = 900) -> ReviewServer:
        """Start the server and poll /login until it answers (``attempts`` polls, each waiting
        up to 2 s for an answer, 0.1 s apart; bounded by count, not by the clock)."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(MSI_EVIDENCE), "review", "--db", str(self.db), "--port", str(self.port),
                 *self.extra], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(attempts):
            if self.proc.poll() is not None:
                raise RuntimeError(f"review server exited {self.proc.returncode}: "
                                   f"{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.base}/login", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"review server did not answer after {attempts} polls")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush, exactly like a crash or the OOM killer."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Reviewer:
    """A signed-in API client: session cookie, CSRF token and a same-origin Origin header."""

    def __init__(self, base: str, name: str, timeout: float = 30):
        self.base, self.name = base, name
        self.client = httpx.Client(base_url=base, timeout=timeout, headers={"Origin": base})
        response = self.client.post("/api/login", json={"name": name})
        response.raise_for_status()
        self.csrf = response.json()["csrf_token"]

    def decide(self, candidate_id: str, decision: str = "accept", *, version: int = 0,
               key: str | None = None, note: str | None = None) -> httpx.Response:
        return self.client.post(
            f"/api/candidates/{candidate_id}/decisions", headers={"X-CSRF-Token": self.csrf},
            json={"decision": decision, "expected_version": version, "idempotency_key": key,
                  "note": note})

    def close(self) -> None:
        self.client.close()


def clone_candidates(db: Path, n: int, prefix: str = "bulk") -> list[str]:
    """Add ``n`` copies of a real candidate under new ids (same passage, document and fields):
    enough distinct candidates for thousands of decisions without a corpus that large.

    Each copy's quote is its own short text, so a twin regrouping (after any run that writes
    documents, perhaps mid-test) never folds the copies into one card whose decision would
    answer the later ones with 409."""
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(candidates)")]
        source = conn.execute("SELECT candidate_id FROM candidates ORDER BY candidate_id"
                              " LIMIT 1").fetchone()[0]
        others = ", ".join(c for c in columns if c not in ("candidate_id", "quote"))
        ids = [f"{prefix}{i:05d}" for i in range(n)]
        conn.execute("BEGIN IMMEDIATE")
        for cid in ids:
            conn.execute(f"INSERT INTO candidates (candidate_id, quote, {others})"
                         f" SELECT ?, ?, {others} FROM candidates WHERE candidate_id = ?",
                         (cid, f"copy {cid}", source))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return ids


def burst(base: str, name: str, candidate_ids: list[str], journal: str,
          note_prefix: str = "note") -> None:
    """Decide each candidate once, writing ``sent KEY`` before and ``done KEY STATUS`` after
    each request to ``journal`` (one JSON object per line). Stops at the first network error."""
    with open(journal, "a", buffering=1) as out:
        try:
            reviewer = Reviewer(base, name)
        except httpx.HTTPError as exc:
            out.write(json.dumps({"error": repr(exc)}) + "\n")
            return
        for cid in candidate_ids:
            key = f"{name}:{cid}"
            out.write(json.dumps({"sent": key, "cid": cid}) + "\n")
            try:
                response = reviewer.decide(cid, key=key, note=f"{note_prefix} {key}")
            except httpx.HTTPError as exc:
                out.write(json.dumps({"error": repr(exc), "key": key}) + "\n")
                return
            out.write(json.dumps({"done": key, "status": response.status_code}) + "\n")
        reviewer.close()


def read_journal(path: str | Path) -> list[dict]:
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
