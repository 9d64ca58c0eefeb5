"""Integration through ``msi-evidence`` (hashing encoder): bad files in a batch, duplicate bytes,
symlinks out of the corpus, per-document timeouts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.records import DocStatus


def test_corrupt_files_get_a_status_while_the_rest_completes(run_hashing, capsys, sample_corpus,
                                                              tmp_path, query):
    good_pdf = (sample_corpus / "iom_crest_final_evaluation_brief.pdf").read_bytes()
    (sample_corpus / "random.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(3000))
    (sample_corpus / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (sample_corpus / "empty.txt").write_bytes(b"")
    db = tmp_path / "e.sqlite"

    assert run_hashing(sample_corpus, db) == 1
    out = capsys.readouterr().out
    rows = query(db, "SELECT dp.path, d.status, d.message, d.error_class FROM documents d"
                     " JOIN document_paths dp USING (doc_id)")
    by_name = {Path(p).name: (status, message) for p, status, message, _ in rows}
    assert by_name["random.pdf"][0] == DocStatus.PARSE_ERROR.value
    assert by_name["truncated.pdf"][0] in (DocStatus.PARSE_ERROR.value, DocStatus.PARTIAL.value)
    assert by_name["empty.txt"] == (DocStatus.UNSUPPORTED.value, "the file is empty")
    for name in ("random.pdf", "truncated.pdf", "empty.txt"):
        assert by_name[name][1], f"{name} has no message"
        assert f"{name}" in out  # listed in the summary

    good = [n for n in by_name if n.startswith(("iom_", "msi_"))]
    assert len(good) == 4
    for name in good:
        assert by_name[name][0] == DocStatus.OK.value
    per_doc = dict(query(db, "SELECT dp.path, COUNT(c.candidate_id) FROM document_paths dp"
                             " LEFT JOIN candidates c USING (doc_id) GROUP BY dp.path"))
    assert sum(per_doc[str(sample_corpus / n)] for n in good) > 0
    assert per_doc[str(sample_corpus / "random.pdf")] == 0
    # The sources are never moved or deleted.
    assert (sample_corpus / "random.pdf").exists() and (sample_corpus / "empty.txt").exists()

    # A re-run does not retry parse errors, and still says that not every file is ok.
    assert run_hashing(sample_corpus, db) == 1
    assert "0 processed, 7 unchanged" in capsys.readouterr().out


def test_same_bytes_under_two_paths_is_one_document(run_hashing, capsys, text_corpus, tmp_path,
                                                    query):
    sample_corpus = text_corpus
    original = sample_corpus / "iom_crest_final_evaluation_brief.txt"
    (sample_corpus / "copies").mkdir()
    copy = sample_corpus / "copies" / "same_brief.txt"
    shutil.copy(original, copy)
    db = tmp_path / "e.sqlite"
    assert run_hashing(sample_corpus, db) == 0
    assert "1 duplicate path(s)" in capsys.readouterr().out
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 2
    paths = dict(query(db, "SELECT path, doc_id FROM document_paths"))
    assert len(paths) == 3
    assert paths[str(original)] == paths[str(copy)]
    # Still one document after an unchanged re-run.
    assert run_hashing(sample_corpus, db) == 0
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 2
    assert query(db, "SELECT COUNT(*) FROM document_paths")[0][0] == 3


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="needs /etc/passwd")
def test_symlink_out_of_the_corpus_is_not_read(run_hashing, capsys, text_corpus, tmp_path, query):
    sample_corpus = text_corpus
    link = sample_corpus / "passwords.txt"
    link.symlink_to("/etc/passwd")
    (sample_corpus / "sub").mkdir()
    (sample_corpus / "sub" / "escape").symlink_to("/etc", target_is_directory=True)
    db = tmp_path / "e.sqlite"
    assert run_hashing(sample_corpus, db) == 0
    out = capsys.readouterr().out
    assert "symlink pointing outside the corpus (not followed)" in out
    assert str(link) in out
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 2
    paths = [p for (p,) in query(db, "SELECT path FROM document_paths")]
    assert not [p for p in paths if "passw" in p or p.startswith("/etc")]
    first_line = Path("/etc/passwd").read_text(errors="replace").splitlines()[0]
    assert query(db, "SELECT COUNT(*) FROM pages WHERE instr(text, ?) > 0", (first_line,))[0][0] == 0


def test_timeout_is_a_status_and_retried_on_the_next_run(run_hashing, capsys, sample_corpus,
                                                         tmp_path, query):
    corpus = tmp_path / "one"
    corpus.mkdir()
    shutil.copy(sample_corpus / "iom_crest_final_evaluation_brief.pdf", corpus / "brief.pdf")
    db = tmp_path / "e.sqlite"
    assert run_hashing(corpus, db, "--timeout", "0.001") == 1
    out = capsys.readouterr().out
    assert "timeout" in out
    assert query(db, "SELECT status, error_class, COUNT(*) FROM documents GROUP BY 1, 2") == [
        (DocStatus.TIMEOUT.value, "TimeoutError", 1)]
    assert query(db, "SELECT COUNT(*) FROM candidates")[0][0] == 0

    assert run_hashing(corpus, db) == 0
    assert "1 processed, 0 unchanged" in capsys.readouterr().out
    assert query(db, "SELECT DISTINCT status FROM documents") == [(DocStatus.OK.value,)]


def test_a_store_kept_inside_the_corpus_is_not_an_input(sample_corpus, cli, capsys):
    """The store, its journals and its embedding cache sit beside the reports: not documents."""
    db = sample_corpus / "evidence.sqlite"
    assert cli("run", sample_corpus, "--db", db, "--model", "hashing") == 0
    (sample_corpus / "evidence.sqlite-wal").write_bytes(b"\x00" * 64)  # as a crash leaves it
    capsys.readouterr()
    assert cli("run", sample_corpus, "--db", db, "--model", "hashing") == 0
    out = capsys.readouterr().out
    assert "sqlite" not in out.lower().replace(str(db).lower(), "")
    from pipeline.run.discover import discover

    files, skipped = discover([str(sample_corpus)])
    assert files and not any(".sqlite" in f for f in files)
    assert not skipped


def test_output_that_is_not_a_terminal_gets_a_line_per_document(sample_corpus, tmp_path, cli,
                                                                  capsys, query):
    (sample_corpus / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    db = tmp_path / "e.sqlite"
    cli("run", sample_corpus, "--db", db, "--model", "hashing")
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("[")]
    names = sorted(Path(p).name for (p,) in query(db, "SELECT path FROM document_paths"))
    assert len(lines) == len(names)
    assert [int(x[1:].split("/")[0]) for x in lines] == list(range(1, len(names) + 1))
    assert all(f"/{len(names)}]" in x for x in lines)
    broken = next(x for x in lines if "broken.pdf" in x)
    assert "parse_error" in broken and "0 pages" in broken
    text = "iom_crest_final_evaluation_brief.txt"
    ok = next(x for x in lines if text in x)
    count = query(db, "SELECT COUNT(*) FROM candidates c JOIN document_paths dp USING (doc_id)"
                      f" WHERE dp.path LIKE '%{text}' AND c.stale = 0")[0][0]
    assert " ok " in ok and f" {count} candidate" in ok and count > 0


def test_no_progress_prints_nothing_per_document(sample_corpus, tmp_path, cli, capsys):
    assert cli("run", sample_corpus, "--db", tmp_path / "e.sqlite", "--model", "hashing",
               "--no-progress") == 0
    assert not [x for x in capsys.readouterr().err.splitlines() if x.startswith("[")]
