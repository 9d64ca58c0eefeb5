"""Security as tests: hostile text stays inert in a real browser, exports never carry a live
formula, the review server refuses foreign Host and Origin headers and path tricks, and the
dependency floors that close known holes are installed and pinned."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest
import rel_inputs as gen
from rel_helpers import cli_in_process, fork_parse_workers, query
from rel_server import Reviewer, ReviewServer, free_port

from tests.support.headless import CHROMIUM as CHROMIUM_BINARY
from tests.support.headless import launch_chromium

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(CHROMIUM_BINARY)
XSS_NAME = "<img src=x onerror=window.__xss=1>.txt"
XSS_TEXT = ' <img src=x onerror="window.__xss=3"> <script>window.__xss=2</script> "><svg onload=window.__xss=4>'
XSS_NOTE = "<script>window.__xss=5</script><img src=x onerror=alert(5)>"
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
            "=HYPERLINK(\"http://evil.example\",\"click\")"]


# -- dependency floors ----------------------------------------------------------------------


def test_pdfminer_floor_installed_and_pinned():
    """pdfminer.six 20251230 stopped loading CMaps with pickle (arbitrary code on load)."""
    assert int(importlib.metadata.version("pdfminer.six")) >= 20251230
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in deps if re.match(r"pdfminer\.six\s*>=", d)]
    assert pins and int(re.search(r">=\s*(\d+)", pins[0]).group(1)) >= 20251230
    requires = importlib.metadata.requires("pdfplumber") or []
    assert any(r.startswith("pdfminer.six") for r in requires)  # the floor applies through it


# -- a small hostile corpus, processed once -------------------------------------------------


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    hits = gen.evidence_paragraphs()
    (corpus / XSS_NAME).write_text(f"Report\n\n{hits[0]}{XSS_TEXT}\n\n{hits[1]}\n", encoding="utf-8")
    (corpus / "=cmd|' -C calc'!A0.txt").write_text(f"Other\n\n{hits[2]}\n", encoding="utf-8")
    db = root / "store.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        fork_parse_workers(patch)
        code, out, err = cli_in_process("run", corpus, "--db", db, "--model", "hashing",
                                        "--no-progress")
    assert code == 0, out + err
    ids = [r[0] for r in query(db, "SELECT candidate_id FROM candidates ORDER BY candidate_id")]
    assert len(ids) >= 2
    for cid, formula in zip(ids, FORMULAS, strict=False):
        assert cli_in_process("decide", "--db", db, cid, "accept", "--reviewer", "sec",
                              f"--note={formula}")[0] == 0
    return db


def test_csv_and_xlsx_exports_carry_no_live_formula(hostile_store, tmp_path):
    csv_out, xlsx_out = tmp_path / "e.csv", tmp_path / "e.xlsx"
    assert cli_in_process("export", "--db", hostile_store, "--out", csv_out)[0] == 0
    assert cli_in_process("export", "--db", hostile_store, "--out", xlsx_out)[0] == 0
    raw = csv_out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    df = pd.read_csv(csv_out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for column in df.columns:
        for value in df[column]:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (column, value)
            if value.startswith("-"):  # only a number may start with a minus
                float(value)
    notes = set(df["note"])
    applied = FORMULAS[:len(df)]
    assert len(applied) >= 5
    for formula in applied:
        assert "'" + formula in notes
    assert "'=cmd|' -C calc'!A0.txt" in set(df["file"])
    assert pd.to_numeric(df["score"]).notna().all()  # numeric columns stay numbers
    sheet = openpyxl.load_workbook(xlsx_out)["evidence"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert isinstance(row[header.index("score")].value, float)


# -- the review server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(hostile_store, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    with ReviewServer(hostile_store, log) as running:
        yield running


def test_foreign_host_is_refused(server):
    for host in ("evil.example", "evil.example:80", f"127.0.0.1.evil.example:{server.port}"):
        response = httpx.get(f"{server.base}/login", headers={"Host": host})
        assert response.status_code == 400 and "DNS-rebinding" in response.text


def test_state_changes_need_same_origin_and_csrf(server, hostile_store):
    cid = query(hostile_store, "SELECT candidate_id FROM candidates LIMIT 1")[0][0]
    before = query(hostile_store, "SELECT COUNT(*) FROM decisions")[0][0]
    foreign = httpx.post(f"{server.base}/api/login", json={"name": "mallory"},
                         headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    reviewer = Reviewer(server.base, "eve")
    url = f"/api/candidates/{cid}/decisions"
    body = {"decision": "reject", "expected_version": 0}
    no_csrf = reviewer.client.post(url, json=body)
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    wrong_origin = reviewer.client.post(url, json=body, headers={
        "X-CSRF-Token": reviewer.csrf, "Origin": "http://evil.example"})
    assert wrong_origin.status_code == 403
    no_origin = httpx.post(f"{server.base}{url}", json=body, cookies=reviewer.client.cookies,
                           headers={"X-CSRF-Token": reviewer.csrf})
    assert no_origin.status_code == 403
    reviewer.close()
    assert query(hostile_store, "SELECT COUNT(*) FROM decisions")[0][0] == before


def test_cookie_and_headers(server):
    response = httpx.post(f"{server.base}/api/login", json={"name": "hdr"},
                          headers={"Origin": server.base})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp


TRAVERSALS = [
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/....//....//etc/passwd",
    "/source/..%2f..%2f..%2fetc%2fpasswd", "/source/%2e%2e%2f%2e%2e%2fetc%2fpasswd/page.png",
    "/card/..%2f..%2fetc%2fpasswd", "/api/candidates/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%252e%252e/%252e%252e/etc/passwd", "/static//etc/passwd",
    "/static/..%5c..%5c..%5cetc%5cpasswd", "/api/candidates/%00/history",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_reads_nothing(server, path):
    reviewer = Reviewer(server.base, "walker")
    response = reviewer.client.get(path)
    reviewer.close()
    assert response.status_code in (400, 401, 404, 405, 422), (path, response.status_code)
    assert "root:x:0:0" not in response.text
    assert "import sqlite3" not in response.text  # no source file of the package either


def test_refuses_to_listen_beyond_loopback_without_passwords(hostile_store, tmp_path):
    code, out, err = cli_in_process("review", "--db", hostile_store, "--host", "0.0.0.0",
                                    "--port", free_port())
    assert code == 2 and "refusing to listen on 0.0.0.0" in err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (.ci/system-deps.sh)")
def test_xss_payloads_are_inert_in_a_real_browser(server, hostile_store):
    from playwright.sync_api import sync_playwright

    cid = query(hostile_store, "SELECT c.candidate_id FROM candidates c JOIN document_paths dp"
                " USING (doc_id) WHERE dp.path LIKE ? AND c.quote LIKE '%<img%' LIMIT 1",
                (f"%{XSS_NAME}",)) or query(
        hostile_store, "SELECT c.candidate_id FROM candidates c JOIN document_paths dp"
        " USING (doc_id) WHERE dp.path LIKE ? LIMIT 1", (f"%{XSS_NAME}",))
    assert cid, "no candidate from the hostile document"
    cid = cid[0][0]
    writer = Reviewer(server.base, "xss")
    assert writer.decide(cid, "accept", version=writer.client.get(
        f"/api/candidates/{cid}/history").json()["version"], note=XSS_NOTE).status_code == 201
    writer.close()
    dialogs, console = [], []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console.append(m.text))
            page.goto(f"{server.base}/login")
            page.fill("input[name=name]", "browser")
            page.press("input[name=name]", "Enter")
            page.wait_for_load_state()
            for path in (f"/card/{cid}", f"/source/{cid}", "/queue", "/overview"):
                response = page.goto(f"{server.base}{path}")
                assert response is not None and response.status == 200, path
                page.wait_for_load_state("load")
                assert page.evaluate("window.__xss") is None, path
                assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0
            page.goto(f"{server.base}/card/{cid}")
            text = page.inner_text("body")
            assert "<img src=x onerror=window.__xss=1>" in text  # the file name, as text
            assert "<script>window.__xss=5</script>" in text  # the note, as text
        finally:
            browser.close()
    assert dialogs == []
