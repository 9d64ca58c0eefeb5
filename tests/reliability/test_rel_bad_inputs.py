"""Every bad input of QUALITY.md in one batch: each ends with its status and message, nothing
outside the corpus is read, and the good documents of the same batch finish with their evidence.

One ``msi-evidence run --model hashing`` over the whole corpus (built once per module), with
small limits so that the wall-clock, memory and size caps are reached quickly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rel_inputs as gen
from rel_helpers import cli_in_process, query

SECRET_MARKER = "OUTSIDE-THE-CORPUS-SECRET-7c1f"
TIMEOUT_S = 4
MEMORY_MB = 1024
MAX_FILE_MB = 1

HOSTILE_NAMES = {
    "formula": "=cmd|' -C calc'!A0.txt",  # no '/' in a file name
    "html": "<img src=x onerror=alert(1)>.txt",
    "rtl": "report\u202egpj.txt",
}


def _build_corpus(root: Path) -> dict[str, Path]:
    corpus = root / "corpus"
    corpus.mkdir()
    files: dict[str, bytes] = {
        "good_a.txt": gen.evidence_doc(0).encode(),
        "good_b.pdf": gen.text_pdf(gen.evidence_doc(1).split("\n\n"), "Good PDF report"),
        "empty.txt": b"",
        "truncated.pdf": gen.truncated_pdf(),
        "random_after_header.pdf": gen.random_after_header(),
        "pdf_named.txt": gen.text_pdf(gen.evidence_doc(2).split("\n\n"), "A PDF in disguise"),
        "text_named.pdf": gen.evidence_doc(3).encode(),
        "encrypted.pdf": gen.encrypted_pdf(),
        "no_extract.pdf": gen.no_extract_pdf(),
        "scanned.pdf": gen.scanned_pdf(),
        "bomb.pdf": gen.decompression_bomb(1024),
        "blank_pages.pdf": gen.blank_pages_pdf(2500),
        "many_ops.pdf": gen.many_text_ops_pdf(600_000),
        "self_ref_xobject.pdf": gen.self_referencing_xobject_pdf(),
        "cid_font.pdf": gen.cid_font_pdf(),
        "hostile.html": gen.hostile_html(),
        "latin1.txt": gen.latin1_text(),
        "utf16.txt": gen.utf16_text(),
        "nul.txt": gen.nul_text(),
        "huge.txt": (gen.evidence_doc(5) * 2000).encode()[: (MAX_FILE_MB + 1) * 2**20],
        "dup_a.txt": gen.evidence_doc(6).encode(),
        "dup_b.txt": gen.evidence_doc(6).encode(),
    }
    for i, name in enumerate(HOSTILE_NAMES.values()):
        files[name] = gen.evidence_doc(7 + i).encode()
    paths = {}
    for name, data in files.items():
        (corpus / name).write_bytes(data)
        paths[name] = corpus / name
    outside = root / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"{SECRET_MARKER}\n\n" + gen.evidence_doc(11), encoding="utf-8")
    (corpus / "link_to_secret.txt").symlink_to(secret)
    paths["link_to_secret.txt"] = corpus / "link_to_secret.txt"
    paths["secret"] = secret
    return paths


class Batch:
    def __init__(self, root: Path):
        self.root = root
        self.paths = _build_corpus(root)
        self.digests = {n: hashlib.sha256(p.read_bytes()).hexdigest()
                        for n, p in self.paths.items() if not p.is_symlink()}
        self.db = root / "store.sqlite"
        self.code, self.out, self.err = cli_in_process(
            "run", root / "corpus", "--db", self.db, "--model", "hashing", "--no-progress",
            "--timeout", TIMEOUT_S, "--memory-mb", MEMORY_MB, "--max-file-mb", MAX_FILE_MB)

    def doc(self, name: str):
        path = str(self.paths[name].resolve())
        rows = query(self.db, "SELECT d.*, (SELECT COUNT(*) FROM candidates c WHERE c.doc_id ="
                     " d.doc_id AND c.stale = 0) AS n_candidates, (SELECT COUNT(*) FROM passages p"
                     " WHERE p.doc_id = d.doc_id AND p.stale = 0) AS n_passages FROM documents d"
                     " JOIN document_paths dp USING (doc_id) WHERE dp.path = ?", (path,))
        assert len(rows) == 1, f"{name}: expected one document row for {path}, got {len(rows)}"
        return rows[0]

    def text(self, name: str) -> str:
        row = self.doc(name)
        return "\n".join(r[0] for r in query(
            self.db, "SELECT text FROM pages WHERE doc_id = ? ORDER BY page_no", (row["doc_id"],)))


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    return Batch(tmp_path_factory.mktemp("bad_inputs"))


# (file, status, words that must appear in the stored message (case-insensitive))
EXPECTED = [
    ("empty.txt", "unsupported", ["empty"]),
    ("truncated.pdf", "parse_error", ["pdfium could not open"]),
    ("random_after_header.pdf", "parse_error", ["pdfium could not open"]),
    ("encrypted.pdf", "encrypted", ["password", "--decrypt"]),
    ("scanned.pdf", "empty_text_layer", ["no text layer", "ocr"]),
    ("blank_pages.pdf", "partial", ["page cap: read 2000 of 2500", "--max-pages"]),
    ("many_ops.pdf", "timeout", [f"longer than {TIMEOUT_S} s", "--timeout"]),
    ("huge.txt", "unsupported", [f"over the {MAX_FILE_MB} MB cap", "--max-file-mb"]),
]


# The bomb is stopped by whichever limit it reaches first: the memory cap, or on a busy machine
# the wall-clock one (a parse worker without torch has more address space left to fill).
# tests/ingest/pdf/test_statuses.py checks the memory path alone, with a long timeout.
BOMB_STOPS = {"resource_limit": ["memory", "--memory-mb"],
              "timeout": [f"longer than {TIMEOUT_S} s", "--timeout"]}


def test_bomb_is_stopped_by_a_limit(batch):
    row = batch.doc("bomb.pdf")
    assert row["status"] in BOMB_STOPS, f"bomb.pdf: {row['status']} ({row['message']})"
    for word in BOMB_STOPS[row["status"]]:
        assert word.lower() in (row["message"] or "").lower(), row["message"]
    assert row["n_candidates"] == 0


@pytest.mark.parametrize(("name", "status", "words"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_failed_input_has_status_and_message(batch, name, status, words):
    row = batch.doc(name)
    assert row["status"] == status, f"{name}: {row['status']} ({row['message']})"
    for word in words:
        assert word.lower() in (row["message"] or "").lower(), f"{name}: {row['message']!r}"
    if status != "partial":
        assert row["n_candidates"] == 0


READABLE = ["good_a.txt", "good_b.pdf", "pdf_named.txt", "text_named.pdf", "no_extract.pdf",
            "self_ref_xobject.pdf", "cid_font.pdf", "hostile.html", "latin1.txt", "utf16.txt",
            "nul.txt", "dup_a.txt", *HOSTILE_NAMES.values()]


@pytest.mark.parametrize("name", READABLE, ids=lambda n: n.encode("unicode_escape").decode())
def test_readable_input_is_ok_with_passages(batch, name):
    row = batch.doc(name)
    assert row["status"] == "ok", f"{name}: {row['status']} ({row['message']})"
    assert row["n_passages"] > 0


@pytest.mark.parametrize("name", ["good_a.txt", "good_b.pdf", "pdf_named.txt", "text_named.pdf",
                                  "dup_a.txt", *HOSTILE_NAMES.values()],
                         ids=lambda n: n.encode("unicode_escape").decode())
def test_good_documents_of_the_batch_keep_their_evidence(batch, name):
    assert batch.doc(name)["n_candidates"] > 0


def test_batch_finishes_and_exit_code_says_not_all_ok(batch):
    # A 1 GB bomb, a page of a million text operations, 2,500 pages: each is stopped by its
    # limit (the statuses below), so the batch ends; its wall time is a benchmark figure.
    assert batch.code == 1, batch.out + batch.err
    for status in ("unsupported", "parse_error", "encrypted", "empty_text_layer", "partial",
                   "timeout", "ok"):
        assert status in batch.out
    assert batch.doc("bomb.pdf")["status"] in batch.out
    assert "Traceback" not in batch.err


def test_every_file_ends_with_exactly_one_known_status(batch):
    rows = query(batch.db, "SELECT dp.path, d.status FROM document_paths dp JOIN documents d"
                 " USING (doc_id)")
    known = {"ok", "partial", "empty_text_layer", "encrypted", "unsupported", "parse_error",
             "timeout", "resource_limit", "crashed"}
    by_path = {r["path"]: r["status"] for r in rows}
    expected_paths = {str(p.resolve()) for n, p in batch.paths.items()
                      if n not in ("secret", "link_to_secret.txt")}
    assert set(by_path) == expected_paths
    assert set(by_path.values()) <= known
    assert "crashed" not in by_path.values()


def test_sources_are_never_moved_or_changed(batch):
    for name, digest in batch.digests.items():
        assert hashlib.sha256(batch.paths[name].read_bytes()).hexdigest() == digest, name


def test_dispatch_on_content_not_extension(batch):
    assert batch.doc("pdf_named.txt")["kind"] == "pdf"
    assert batch.doc("text_named.pdf")["kind"] == "text"


def test_owner_restrictions_do_not_stop_reading(batch):
    """Permission flags are advisory (readers ignore them): the text is read, with a warning."""
    assert "civil society" in batch.text("no_extract.pdf")
    warnings = json.loads(batch.doc("no_extract.pdf")["warnings"])
    assert any("forbids text extraction" in w for w in warnings), warnings


def test_self_referencing_form_keeps_page_text(batch):
    assert "Kimberley Process certification scheme" in batch.text("self_ref_xobject.pdf")


def test_fonts_without_unicode_map_are_flagged_low_quality(batch):
    warnings = json.loads(batch.doc("cid_font.pdf")["warnings"])
    assert any("low quality" in w for w in warnings), warnings
    assert not any("low quality" in w for w in json.loads(batch.doc("good_b.pdf")["warnings"]))


def test_hostile_html_keeps_only_visible_text(batch):
    text = batch.text("hostile.html")
    assert gen.HOSTILE_HTML_MARKER not in text
    assert "alert(" not in text and "<!ENTITY" not in text and "]>" not in text
    assert "lollol" not in text  # entities are never expanded
    assert "Field notes from S\u00e3o Paulo" in text  # the lying charset declaration is ignored
    assert len(text) < 5 * len(gen.hostile_html())


@pytest.mark.parametrize(("name", "expected"), [
    ("latin1.txt", "Caf\u00e9 workers in S\u00e3o Paulo"),
    ("utf16.txt", "UTF-16 report \u2014 \u00c9valuation"),
    ("nul.txt", "inthemiddle"),
])
def test_encodings_decode_to_the_right_text(batch, name, expected):
    text = batch.text(name)
    assert expected in text
    assert "\x00" not in text and "\ufffd" not in text


def test_hostile_file_names_are_stored_verbatim(batch):
    paths = {r[0] for r in query(batch.db, "SELECT path FROM document_paths")}
    for name in HOSTILE_NAMES.values():
        assert str(batch.paths[name].resolve()) in paths


def test_symlink_outside_corpus_is_not_followed(batch):
    secret = str(batch.paths["secret"].resolve())
    paths = {r[0] for r in query(batch.db, "SELECT path FROM document_paths")}
    assert secret not in paths
    assert not any("link_to_secret" in p for p in paths)
    hits = query(batch.db, "SELECT COUNT(*) FROM pages WHERE text LIKE ?", (f"%{SECRET_MARKER}%",))
    assert hits[0][0] == 0
    assert "symlink pointing outside the corpus" in batch.out or "link_to_secret" in batch.out


def test_same_bytes_under_two_paths_is_one_document(batch):
    a, b = batch.doc("dup_a.txt"), batch.doc("dup_b.txt")
    assert a["doc_id"] == b["doc_id"]
    assert query(batch.db, "SELECT COUNT(*) FROM document_paths WHERE doc_id = ?",
                 (a["doc_id"],))[0][0] == 2
    assert query(batch.db, "SELECT COUNT(*) FROM documents WHERE doc_id = ?",
                 (a["doc_id"],))[0][0] == 1
