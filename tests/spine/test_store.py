"""Store: append-only decisions, kept candidates, idempotency keys, schema version and migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.errors import StoreError, UnknownCandidateError
from pipeline.ingest import ingest_file
from pipeline.records import DocStatus
from pipeline.rules.framework import Framework, load_framework
from pipeline.run.process import analyse_document
from pipeline.store import Store
from pipeline.store.schema import SCHEMA_VERSION

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def analysed():
    """The IOM brief (text) analysed once with the hashing encoder and a zero threshold."""
    from pipeline.embed import HashingEncoder
    from pipeline.rules.registry import load_registry
    from pipeline.run.process import ProcessingContext

    data = load_framework().model_dump()
    data["matching"]["threshold"] = 0.0
    data["matching"]["budget_per_1000_words"] = None
    framework = Framework.model_validate(data)
    context = ProcessingContext(framework=framework, registry=load_registry(),
                                encoder=HashingEncoder())
    path = str(CORPUS / "iom_crest_final_evaluation_brief.txt")
    result = analyse_document(ingest_file(path), context)
    assert result.status == DocStatus.OK and len(result.candidates) > 1
    return context, result


@pytest.fixture
def store_with_candidates(tmp_path, analysed):
    """A fresh store holding the analysed document and its candidates."""
    context, result = analysed
    framework = context.framework
    store = Store(tmp_path / "store.sqlite")
    run_id = store.start_run(framework.id, framework.version, context.encoder.name,
                             context.fingerprint, {})
    store.write_result(result, run_id=run_id, fingerprint=context.document_fingerprint(result.path),
                       size_bytes=1, framework=framework, model=context.encoder.name)
    yield store, result
    store.close()


def test_written_rows_match_the_result(store_with_candidates):
    store, result = store_with_candidates
    assert store.count("documents") == 1
    assert store.count("passages") == len(result.passages)
    assert store.count("candidates") == len(result.candidates)
    assert store.count("document_paths") == 1
    assert store.integrity_check() == "ok"
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_decisions_cannot_be_updated_or_deleted(store_with_candidates):
    store, result = store_with_candidates
    cid = result.candidates[0].candidate_id
    decision_id = store.add_decision(cid, "accept", "alice", "solid evidence")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE decisions SET decision = 'reject' WHERE decision_id = ?",
                           (decision_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM decisions WHERE decision_id = ?", (decision_id,))
    row = store.conn.execute("SELECT decision, reviewer, note FROM decisions").fetchone()
    assert tuple(row) == ("accept", "alice", "solid evidence")


def test_latest_decision_counts_and_history_is_kept(store_with_candidates):
    store, result = store_with_candidates
    cid = result.candidates[0].candidate_id
    store.add_decision(cid, "accept", "alice")
    store.add_decision(cid, "reject", "bob", "not about the MSI")
    current = store.conn.execute("SELECT decision, reviewer FROM current_decisions"
                                 " WHERE candidate_id = ?", (cid,)).fetchall()
    assert [tuple(r) for r in current] == [("reject", "bob")]
    assert store.count("decisions") == 2


def test_candidate_with_decisions_cannot_be_deleted(store_with_candidates):
    store, result = store_with_candidates
    decided, undecided = result.candidates[0].candidate_id, result.candidates[1].candidate_id
    store.add_decision(decided, "reject", "alice")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        store.conn.execute("DELETE FROM candidates WHERE candidate_id = ?", (decided,))
    store.conn.execute("DELETE FROM candidates WHERE candidate_id = ?", (undecided,))
    assert store.count("candidates", f"candidate_id = '{decided}'") == 1


def test_idempotency_key_returns_the_same_decision(store_with_candidates):
    store, result = store_with_candidates
    cid = result.candidates[0].candidate_id
    first = store.add_decision(cid, "accept", "alice", idempotency_key="req-123")
    again = store.add_decision(cid, "accept", "alice", idempotency_key="req-123")
    other = store.add_decision(cid, "accept", "alice", idempotency_key="req-124")
    assert first == again != other
    assert store.count("decisions") == 2


def test_unknown_candidate_and_bad_decision(store_with_candidates):
    store, _ = store_with_candidates
    with pytest.raises(UnknownCandidateError, match="no candidate 'nope'"):
        store.add_decision("nope", "accept", "alice")
    with pytest.raises(ValueError):
        store.add_decision("nope", "maybe", "alice")
    assert store.count("decisions") == 0


def test_schema_version_recorded_and_reopen_is_a_no_op(store_with_candidates):
    store, result = store_with_candidates
    store.add_decision(result.candidates[0].candidate_id, "accept", "alice")
    assert store.schema_version() == SCHEMA_VERSION >= 1
    objects = store.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    counts = {t: store.count(t) for t in ("meta", "documents", "passages", "candidates", "decisions")}
    path = store.path
    store.close()

    reopened = Store(path)
    try:
        assert reopened.schema_version() == SCHEMA_VERSION
        again = reopened.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        assert [tuple(r) for r in again] == [tuple(r) for r in objects]
        assert {t: reopened.count(t) for t in counts} == counts
    finally:
        reopened.close()
    store.conn = sqlite3.connect(path)  # let the fixture close something


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "future.sqlite"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 5),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(db)


def test_missing_db_is_not_created_for_readers(tmp_path):
    with pytest.raises(StoreError, match="run `msi-evidence run"):
        Store(tmp_path / "absent.sqlite", create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_old_store_is_migrated_forward(tmp_path):
    """A store written by schema version 1 opens with every later migration applied, data kept."""
    from pipeline.store.schema import MIGRATIONS
    from pipeline.store.store import _split_sql

    db = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(db)
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO documents (doc_id, status) VALUES ('d1', 'ok')")
    conn.execute("INSERT INTO document_paths (path, doc_id) VALUES ('/corpus/a.txt', 'd1')")
    conn.commit()
    conn.close()

    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.count("documents") == 1
        assert store.conn.execute("SELECT last_path FROM documents").fetchone()[0] == "/corpus/a.txt"
