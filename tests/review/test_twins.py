"""Twins end to end: one report as text, as PDF and as a syndicated copy with an edited word
becomes one card per quote that lists every source; one decision covers them all."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from pipeline.store.twin_groups import TwinCandidate, normalise, twin_groups
from tests.conftest import private_copy, run_hashing_store
from tests.review.conftest import FOCUSED_INPUT, PARAGRAPHS

SYNDICATED_EDIT = ("publicly communicates", "openly communicates")


def _rows(db: Path, sql: str, args=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def twin_store(tmp_path_factory) -> Path:
    from tests.support.pdfgen import write_report_pdf

    root = tmp_path_factory.mktemp("twins")
    corpus = root / "corpus"
    corpus.mkdir()
    body = PARAGRAPHS[:3]
    (corpus / "labour_report.txt").write_text("Labour report\n\n" + "\n\n".join(body) + "\n")
    write_report_pdf(corpus / "labour_report.pdf", "Labour report", [("para", p) for p in body],
                     title_page=False)
    (corpus / "syndicated_copy.txt").write_text(
        "Reposted: labour report\n\n"
        + "\n\n".join(p.replace(*SYNDICATED_EDIT) for p in body) + "\n")
    (corpus / "other.txt").write_text("Other notes\n\n" + PARAGRAPHS[6] + "\n")
    return run_hashing_store(corpus, root / "twins.sqlite")


@pytest.fixture
def db_path(twin_store: Path, tmp_path: Path) -> Path:
    """A private copy of the twin store (overrides the review fixtures' store)."""
    return private_copy(twin_store, tmp_path)


def _groups(db: Path) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for cid, lead in _rows(db, "SELECT candidate_id, twin_of FROM candidates"
                               " WHERE stale = 0 AND twin_of IS NOT NULL"):
        groups.setdefault(lead, [lead]).append(cid)
    return groups


def _files(db: Path, ids: list[str]) -> set[str]:
    marks = ",".join("?" * len(ids))
    return {Path(p).name for (p,) in _rows(
        db, "SELECT dp.path FROM candidates c JOIN document_paths dp USING (doc_id)"
            f" WHERE c.candidate_id IN ({marks})", ids)}


def test_each_quote_of_the_three_copies_is_one_group(db_path):
    groups = _groups(db_path)
    assert groups, "the same report in three files must give twins"
    three = [g for g in groups.values() if len(g) == 3]
    assert three, "text, PDF and the edited copy of one sentence form one group"
    for members in three:
        assert _files(db_path, members) == {"labour_report.txt", "labour_report.pdf",
                                            "syndicated_copy.txt"}
    # nothing from the unrelated document is merged
    assert "other.txt" not in _files(db_path, [c for g in groups.values() for c in g])
    (summary,), = _rows(db_path, "SELECT summary FROM runs ORDER BY started_at DESC LIMIT 1")
    assert f'"twins_merged": {sum(len(g) - 1 for g in groups.values())}' in summary


def test_queue_shows_one_card_per_group_and_a_decision_covers_every_twin(db_path, reviewer):
    from pipeline.store import Store
    from pipeline.store.decisions import undo_last

    groups = _groups(db_path)
    lead, members = next((k, v) for k, v in groups.items() if len(v) == 3)
    alice = reviewer("alice")
    queue = alice.get("/api/queue?status=all&limit=500").json()
    listed = {row["candidate_id"] for row in queue["items"]}
    assert lead in listed and not (set(members) - {lead}) & listed
    live = _rows(db_path, "SELECT COUNT(*) FROM candidates WHERE stale = 0")[0][0]
    assert queue["total"] == live - sum(len(g) - 1 for g in groups.values())
    card = alice.card(lead)
    assert {s["file_name"] for s in card["sources"]} == _files(db_path, members)

    r = alice.decide(lead, "accept", note="seen in all three")
    assert r.status_code == 201, r.text
    assert r.json()["twins"] == 2
    decided = _rows(db_path, "SELECT candidate_id, decision, reviewer, note, twin_of_decision"
                             " FROM current_decisions ORDER BY decision_id")
    assert {d[0] for d in decided} == set(members)
    assert {(d[1], d[2], d[3]) for d in decided} == {("accept", "alice", "seen in all three")}
    first = min(d[0] for d in decided if d[4] is None)
    assert first == lead and all(d[4] is not None for d in decided if d[0] != lead)

    store = Store(db_path)
    try:
        outcome = undo_last(store, "alice")
    finally:
        store.close()
    assert outcome.candidate_id == lead
    assert _rows(db_path, "SELECT COUNT(*) FROM current_decisions")[0][0] == 0


def test_cli_decision_export_and_coverage_count_a_group_once(db_path, tmp_path, cli, capsys):
    groups = _groups(db_path)
    lead, members = next((k, v) for k, v in groups.items() if len(v) == 3)
    assert cli("decide", "--db", db_path, lead, "accept", "--reviewer", "bo") == 0
    assert "and on its 2 twin(s)" in capsys.readouterr().out
    out, coverage = tmp_path / "accepted.csv", tmp_path / "coverage.csv"
    assert cli("export", "--db", db_path, "--out", out, "--status", "accepted") == 0
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["candidate_id"] for r in rows) == sorted(members)
    assert {r["file"] for r in rows} == _files(db_path, members)  # each source is listed
    assert {r["twin_of"] for r in rows if r["candidate_id"] != lead} == {lead}
    assert [r["twin_of"] for r in rows if r["candidate_id"] == lead] == [""]
    (msi, rp), = _rows(db_path, "SELECT msi, reference_point_id FROM candidates"
                                " WHERE candidate_id = ?", (lead,))
    assert cli("export", "--db", db_path, "--coverage", coverage) == 0
    with coverage.open(encoding="utf-8-sig") as handle:
        cell = next(r for r in csv.DictReader(handle)
                    if r["msi"] == msi and r["reference_point_id"] == rp)
    assert cell["accepted"] == "1"


def test_a_twin_that_arrives_later_inherits_the_decision(db_path, tmp_path, twin_store, cli):
    groups = _groups(db_path)
    lead, members = next((k, v) for k, v in groups.items() if len(v) == 3)
    assert cli("decide", "--db", db_path, lead, "reject", "--reviewer", "cy") == 0
    corpus = twin_store.parent / "corpus"
    later = tmp_path / "corpus"
    shutil.copytree(corpus, later)
    (later / "fourth_copy.txt").write_text((corpus / "labour_report.txt").read_text() + "\nEnd.\n")
    assert cli("run", later, "--db", db_path, "--model", "hashing", "--no-progress") == 0
    group = _groups(db_path)[lead]
    assert "fourth_copy.txt" in _files(db_path, group)
    decided = dict(_rows(db_path, "SELECT candidate_id, decision FROM current_decisions"))
    assert {decided.get(c) for c in group} == {"reject"}


def test_grouping_rules():
    text = ("The Kimberley Process has no independent monitoring of its member states, "
            "critics said in 2019 after the review, and the civil society coalition left the "
            "scheme because its reform proposals were blocked by the governments again.")
    hyphenated = text.replace("monitoring", "moni-\ntoring").replace(".", "!")
    edited = text.replace("critics said", "critics wrote")
    other = "RSPO audits missed forced labour on plantations in Sabah, according to the report."
    assert normalise(text) == normalise(hyphenated)
    items = [TwinCandidate("a", "KPCS", "rv", text, 0.5),
             TwinCandidate("b", "KPCS", "rv", hyphenated, 0.9),
             TwinCandidate("c", "KPCS", "rv", edited, 0.4, decided=True),
             TwinCandidate("d", "KPCS", "rv", other, 0.9),
             TwinCandidate("e", "RSPO", "rv", text, 0.9),  # another MSI: not a twin
             TwinCandidate("f", "KPCS", "participation", text, 0.9)]  # another reference point
    lead_of = twin_groups(items)
    assert lead_of == {"a": "c", "b": "c", "c": "c"}  # the decided one leads
    assert twin_groups(items[:2]) == {"a": "b", "b": "b"}  # else the best score


def test_browser_shows_every_source_on_the_twin_card_and_confirms_the_decision(
        live_server, page, db_path):
    lead, members = next((k, v) for k, v in _groups(db_path).items() if len(v) == 3)
    page.goto(f"{live_server}/card/{lead}")
    page.wait_for_function(FOCUSED_INPUT)  # the sign-in form's autofocus has taken effect
    page.keyboard.type("dana")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("#card", "data-candidate") == lead
    listed = page.locator("#twins li")
    assert listed.count() == 3
    assert {listed.nth(i).get_attribute("data-candidate") for i in range(3)} == set(members)
    assert "3 sources" in page.inner_text("#twins")
    assert "syndicated_copy.txt" in page.inner_text("#twins")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert "Accepted, for every source of the quote" in page.inner_text(".flash")
    decided = dict(_rows(db_path, "SELECT candidate_id, reviewer FROM current_decisions"))
    assert decided == {c: "dana" for c in members}


def test_make_review_serves_the_store_that_a_browser_can_review(db_path, page):
    """`make review DB=...` (the README's step after `make run`) prints its URL and serves."""
    import os
    import signal
    import socket
    import subprocess
    import time

    from tests.conftest import REPO
    from tests.review.conftest import free_port

    if not (REPO / ".venv" / ".installed").exists():
        pytest.skip("`make review` needs the project's .venv (made by `make install`)")
    port = free_port()
    proc = subprocess.Popen(["make", "-s", "review", f"DB={db_path}", f"PORT={port}"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        line = ""
        for _ in range(200):  # lines, not seconds
            line = proc.stdout.readline()
            if "Review workspace on" in line or not line:
                break
        url = f"http://127.0.0.1:{port}/"
        assert url in line, line
        for _ in range(600):  # connection attempts, not seconds
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        page.goto(url)
        page.wait_for_function(FOCUSED_INPUT)
        page.keyboard.type("eve")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        first = page.get_attribute("#card", "data-candidate")
        (top,), = _rows(db_path, "SELECT candidate_id FROM candidates WHERE stale = 0 AND"
                                 " twin_of IS NULL ORDER BY score DESC, candidate_id LIMIT 1")
        assert first == top
        page.goto(f"{url}queue?status=all")
        assert "Fair Labor Association" in page.inner_text("table")  # names, not ids
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_an_unchanged_rerun_keeps_the_groups_and_reports_them(db_path, twin_store, cli, capsys):
    before = _groups(db_path)
    assert cli("run", twin_store.parent / "corpus", "--db", db_path, "--model", "hashing",
               "--no-progress") == 0
    out = capsys.readouterr().out
    assert "0 processed" in out
    merged = sum(len(g) - 1 for g in before.values())
    assert f"twins merged: {merged} candidate(s)" in out
    assert _groups(db_path) == before
