"""The HTML report: heat map embedded, every accepted quote cited, text escaped, no assets.

Expected text is escaped with markupsafe, the escaping Jinja2's autoescape applies."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from pipeline.export.evidence import evidence_frame
from pipeline.export.report import cite
from pipeline.rules.framework import load_framework
from pipeline.store import Store

from .store_builder import Cand

XSS = "<script>alert('quote')</script>"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(text: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


@pytest.fixture
def hostile_report(cli, make_store, tmp_path):
    docs = {"doc-a": ("reports/alpha report.pdf", "Alpha report", ["i", "1", "2"]),
            "doc-x": ("reports/<img src=x onerror=alert(1)>.pdf", "<b>bold</b> title", ["7"])}
    db = make_store([
        Cand("a1", "KPCS", "participation.workers", quote=f"Workers sit on the board {XSS}.",
             doc="doc-x", polarity="supports",
             decisions=[("accept", "<i>eve</i>", {"note": "<img src=x onerror=alert(2)>"})]),
        Cand("a2", "KPCS", "high_standards.sanctions", quote="Members who break rules & lie go.",
             page=3, polarity="undermines", decisions=[("accept", "alice", {})]),
        Cand("a3", "KPCS", "high_standards.sanctions", quote="Rejected text must not appear.",
             decisions=[("reject", "bob", {})]),
        Cand("p1", "<EITI>", "transformation.theory_of_change", quote="Pending text, not shown."),
    ], docs=docs)
    out = tmp_path / "report.html"
    assert cli("report", "--db", db, "--out", out) == 0
    return db, out, out.read_text(encoding="utf-8")


def test_heat_map_is_an_embedded_png(hostile_report):
    _, _, text = hostile_report
    images = [attrs for tag, attrs in _tags(text) if tag == "img"]
    assert len(images) == 1 and images[0]["id"] == "heatmap"
    prefix = "data:image/png;base64,"
    assert images[0]["src"].startswith(prefix)
    png = base64.b64decode(images[0]["src"][len(prefix):])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    assert width > 400 and height > 150


def test_every_accepted_quote_is_cited_and_nothing_else(hostile_report):
    db, _, text = hostile_report
    with Store(db) as store:
        accepted = evidence_frame(store, "accepted")
    assert len(accepted) == 2
    for row in accepted.itertuples():
        assert str(escape(row.quote)) in text
    assert "alpha report.pdf, p. 3 (printed 2)" in text
    assert "Rejected text must not appear." not in text
    assert "Pending text, not shown." not in text
    assert text.count("<blockquote") == 2


def test_document_text_is_escaped(hostile_report):
    _, _, text = hostile_report
    assert "<script" not in text.lower()
    assert "&lt;script&gt;" in text
    assert "onerror=alert" not in re.sub(r"&lt;.*?&gt;", "", text)  # only as escaped text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in text
    assert "&lt;i&gt;eve&lt;/i&gt;" in text
    assert "&lt;EITI&gt;" in text
    assert {tag for tag, _ in _tags(text)} <= {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "section",
        "dl", "dt", "dd", "span", "strong", "ul", "li", "img", "details", "summary", "table",
        "tr", "th", "td", "blockquote", "em", "br", "small", "footer", "code"}


def test_self_contained(hostile_report):
    _, _, text = hostile_report
    for tag, attrs in _tags(text):
        for name in ("src", "href", "action", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, name, value)
        assert tag not in ("link", "script", "iframe", "object")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_states_are_told_apart(hostile_report):
    _, _, text = hostile_report
    assert "Pending is not the same as no evidence" in text
    assert "No accepted evidence yet: 1 candidate(s) await review" in text
    # sections in coverage order: "<EITI>" sorts before "KPCS"
    eiti = text[text.index('id="msi-&lt;EITI&gt;"'):text.index('id="msi-KPCS"')]
    assert "Awaiting review (pending candidates):</strong> Transformation and Change focus (1)" in eiti
    kpcs = text[text.index('id="msi-KPCS"'):]
    assert "No candidates found:</strong> Commodity focus;" in kpcs
    assert "Awaiting review" not in kpcs


def test_report_on_sample_corpus(cli, capsys, corpus_db, tmp_path):
    out = tmp_path / "corpus.html"
    assert cli("report", "--db", corpus_db, "--out", out) == 0
    assert "accepted quote(s)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    framework = load_framework()
    with Store(corpus_db) as store:
        accepted = evidence_frame(store, "accepted")
    assert len(accepted) > 0
    for row in accepted.itertuples():
        assert str(escape(row.quote)) in text
        assert str(escape(cite(row.file, row.page, row.page_label))) in text
    assert f"{framework.id}, version {framework.version}" in text
    assert "hashing-256" in text and "data:image/png;base64," in text


def test_cite():
    assert cite("a.pdf", 3, "1") == "a.pdf, p. 3 (printed 1)"
    assert cite("a.pdf", 3, "3") == "a.pdf, p. 3"
    assert cite("a.txt", 1, None) == "a.txt, p. 1"
