"""Fixtures for the review workspace: a store built by the real pipeline (hashing encoder) over
small generated documents, an app over a private copy of it, and signed-in API clients."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import private_copy, run_hashing_store
from tests.support.headless import launch_chromium

PAYLOAD_SCRIPT = "<script>window.pwned = 'script'</script>"
PAYLOAD_IMG = "<img src=x onerror=\"window.pwned = 'img'\">"
HOSTILE_FILE = "evil<img src=q onerror=window.pwned=1>.txt"
# JavaScript for page.wait_for_function: the page's autofocus has put the caret in a text field (keys
# typed before that, as on a busy machine, are lost).
FOCUSED_INPUT = "document.activeElement && document.activeElement.tagName === 'INPUT'"

PARAGRAPHS = [
    "The Fair Labor Association (FLA) ensures representation of organized and informal workers "
    "on its board. Organized workers and informal workers hold seats, and the representation of "
    "workers is written into the charter of the Fair Labor Association so that workers are heard.",
    "The Fair Labor Association publicly communicates measurable short-term and long-term goals. "
    "Its measurable goals are published each year, and the short-term goals and long-term goals "
    "are reported against publicly, so members know whether the goals were met or missed.",
    "The Extractive Industries Transparency Initiative (EITI) includes representation of "
    "government officials from both consumer and producer countries. Government officials from "
    "producer countries and consumer countries sit together, so government representation "
    "is broad.",
    "The EITI has a clear proposition or theory of change: transparency of payments leads to "
    "accountability. The theory of change is stated clearly, and the proposition is revisited "
    "whenever evaluations show that the change it expects has not happened in practice.",
    "The Fair Labor Association ensures representation of civil society organizations, "
    "including grassroots and local groups. Civil society organizations and grassroots groups "
    "vote on the board, and local groups of civil society are represented in every country.",
    "The EITI has representation and support of business and employers. Business and employers "
    "sit on the board, and the support of business is visible because employers and companies "
    "fund the secretariat and report their payments through the business constituency.",
    "Fairtrade ensures representation of communities, recipients or beneficiaries in its "
    "decisions. Communities and beneficiaries are represented, and recipients of the premium take "
    "part in deciding how the money is spent by the communities that receive it every year.",
    "Fairtrade ensures representation of vulnerable groups (women, migrants, children, informal "
    "workers). Women and migrants have reserved places, and vulnerable groups including children "
    "and informal workers are consulted before standards for vulnerable workers are revised.",
]

HOSTILE = (
    f"The Fair Labor Association {PAYLOAD_SCRIPT} ensures representation of organized "
    f"and informal workers {PAYLOAD_IMG} on its board. Organized workers and informal "
    "workers hold seats, and the representation of workers is written into the charter "
    "of the Fair Labor Association so that workers are heard at every meeting."
)


def write_corpus(folder: Path) -> Path:
    """Three text documents and one PDF, built to produce a few candidates each."""
    from tests.support.pdfgen import write_report_pdf

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labour.txt").write_text(
        "Labour report\n\n" + "\n\n".join(PARAGRAPHS[:2] + PARAGRAPHS[4:5]) + "\n"
    )
    (folder / "governance.txt").write_text(
        "Governance notes\n\n" + "\n\n".join(PARAGRAPHS[2:4] + PARAGRAPHS[5:6]) + "\n"
    )
    (folder / HOSTILE_FILE).write_text(f"Hostile {PAYLOAD_SCRIPT} title\n\n{HOSTILE}\n")
    write_report_pdf(
        folder / "fairtrade.pdf",
        "Fairtrade review",
        [("para", p) for p in PARAGRAPHS[6:]],
        title_page=False,
    )
    return folder


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The pipeline run once (``--model hashing``) over the generated corpus."""
    root = tmp_path_factory.mktemp("review_corpus")
    return run_hashing_store(write_corpus(root / "corpus"), root / "review.sqlite")


@pytest.fixture
def db_path(built_db: Path, tmp_path: Path) -> Path:
    """A private copy of the built store, safe to write decisions into."""
    return private_copy(built_db, tmp_path)


@pytest.fixture
def app(db_path: Path):
    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig

    app = create_app(ReviewConfig(db=str(db_path), allowed_hosts=("testserver",)))
    yield app
    app.state.review.store.close()


ORIGIN = {"Origin": "http://testserver"}


class Reviewer:
    """A signed-in API client for one reviewer."""

    def __init__(self, app, name: str, password: str | None = None):
        from fastapi.testclient import TestClient

        self.name = name
        self.client = TestClient(app, base_url="http://testserver", headers=ORIGIN)
        r = self.client.post("/api/login", json={"name": name, "password": password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf_token"]

    def post(self, url: str, **kwargs):
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.post(url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def card(self, candidate_id: str) -> dict:
        r = self.get(f"/api/candidates/{candidate_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def decide(self, candidate_id: str, decision: str, version: int | None = None, **body):
        if version is None:
            version = self.card(candidate_id)["version"]
        return self.post(
            f"/api/candidates/{candidate_id}/decisions",
            json={"decision": decision, "expected_version": version, **body},
        )


@pytest.fixture
def reviewer(app):
    """``reviewer(name, password=None, app=None)``: a signed-in client (default: the ``app``)."""

    def make(name: str, password: str | None = None, other_app=None) -> Reviewer:
        return Reviewer(other_app or app, name, password)

    return make


@pytest.fixture
def candidate_ids(db_path: Path) -> list[str]:
    """All non-stale candidate ids, highest score first (the queue's order)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT candidate_id FROM candidates WHERE stale = 0 AND twin_of IS NULL"
            " ORDER BY score DESC, candidate_id"
        )
    ]
    conn.close()
    return ids


# -- a live server and a real browser (Debian's chromium driven by Playwright) --

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(db_path):
    """The review app served by uvicorn in a thread on a free loopback port."""
    import uvicorn

    from pipeline.review.app import create_app
    from pipeline.review.config import ReviewConfig

    port = free_port()
    app = create_app(ReviewConfig(db=str(db_path), port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(2000):  # polls, not seconds: a busy machine only makes each one slower
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert server.started, "the review server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    app.state.review.store.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which("chromium"):
        pytest.fail(
            "the browser tests need Debian's chromium: run `bash .ci/system-deps.sh` "
            "(make test does) and never let Playwright download a browser"
        )
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()
