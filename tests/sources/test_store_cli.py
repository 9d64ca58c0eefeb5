"""Source records in the store: proposals after a run, append-only corrections that lie over
them, `msi-evidence source list|set|propose`, and a store from before the migration."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.sources.effective import effective_sources
from pipeline.store import Store
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION
from pipeline.store.store import _split_sql


def records_by_file(db) -> dict:
    from pathlib import PurePath

    from pipeline.store import sources as source_store

    with Store(db) as store:
        records = effective_sources(store)
        return {PurePath(r["path"]).name: records.get(r["doc_id"])
                for r in source_store.document_rows(store)}


def test_a_run_proposes_a_record_per_document(sources_db):
    found = records_by_file(sources_db)
    assert set(found) == {"own.txt", "news.txt", "commissioned.txt"}
    own, news, commissioned = found["own.txt"], found["news.txt"], found["commissioned.txt"]
    assert (own.kind, own.independence, own.about_msis, own.origin) == (
        "msi_own", "self-reported", ("KPCS",), "manifest")
    assert (own.publisher, own.published) == ("Kimberley Process Chair", "2020-06")
    assert (news.kind, news.independence, news.published) == ("news", "independent", "2017-12")
    assert (commissioned.kind, commissioned.independence, commissioned.about_msis) == (
        "commissioned_evaluation", "commissioned", ("KPCS",))
    assert commissioned.published == "2016-03-12" and commissioned.origin == "proposed"


def test_source_set_appends_and_the_latest_counts(sources_db, cli):
    code, out, _ = cli("source", "set", "--db", sources_db, "news.txt", "--independence",
                       "self-reported", "--msi", "KPCS", "--reviewer", "ann", "--note", "press")
    assert code == 0 and "Recorded source correction 1" in out
    code, out, _ = cli("source", "set", "--db", sources_db, "news.txt", "--published", "2016",
                       "--reviewer", "bob")
    assert code == 0
    news = records_by_file(sources_db)["news.txt"]
    assert (news.independence, news.about_msis, news.published, news.kind) == (
        "self-reported", ("KPCS",), "2016", "news")  # kind untouched: still the proposal
    assert (news.origin, news.corrected_by) == ("corrected", "bob")
    code, out, _ = cli("source", "list", "--db", sources_db, "--document", "news.txt")
    assert code == 0 and "self-reported for KPCS" in out and "corrected by bob" in out

    # A re-proposal never drops a correction; the log is append-only.
    assert cli("source", "propose", "--db", sources_db)[0] == 0
    assert records_by_file(sources_db)["news.txt"].independence == "self-reported"
    conn = sqlite3.connect(sources_db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE source_corrections SET kind = 'news'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM source_corrections")
    assert conn.execute("SELECT COUNT(*) FROM source_corrections").fetchone()[0] == 2
    conn.close()


@pytest.mark.parametrize("args, message", [
    (["news.txt", "--msi", "NOPE", "--independence", "commissioned"], "not an MSI id"),
    (["news.txt", "--published", "March 2019"], "YYYY"),
    (["news.txt"], "nothing to change"),
    (["missing.txt", "--kind", "news"], "no document matches"),
])
def test_bad_corrections_are_refused_and_store_nothing(sources_db, cli, args, message):
    code, _, err = cli("source", "set", "--db", sources_db, *args, "--reviewer", "ann")
    assert code == 2 and message in err
    conn = sqlite3.connect(sources_db)
    assert conn.execute("SELECT COUNT(*) FROM source_corrections").fetchone()[0] == 0
    conn.close()


def test_a_store_from_before_sources_migrates_and_gets_proposals(tmp_path, sources_built, cli):
    """Copy a current store's content into a database at the previous schema version."""
    [index] = [i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE document_sources" in sql]
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old, isolation_level=None)
    for sql in MIGRATIONS[:index]:
        for statement in _split_sql(sql):
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(index),))
    conn.execute("ATTACH DATABASE ? AS new", (str(sources_built),))
    for table in ("runs", "documents", "document_paths", "pages", "passages", "candidates"):
        columns = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        names = ", ".join(columns)
        conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM new.{table}")
    conn.execute("DETACH DATABASE new")
    conn.close()

    code, _, _ = cli("export", "--db", old, "--out", tmp_path / "before.csv")
    assert code == 0  # migrated on open; no records yet: the columns are empty
    from pipeline.export.evidence import read_evidence_csv

    before = read_evidence_csv(tmp_path / "before.csv")
    assert before["independence"].isna().all() and before["evidence_year"].notna().any()
    with Store(old) as store:
        assert store.schema_version() == SCHEMA_VERSION > index
    assert cli("source", "propose", "--db", old)[0] == 0
    assert cli("export", "--db", old, "--out", tmp_path / "after.csv")[0] == 0
    after = read_evidence_csv(tmp_path / "after.csv")
    # proposed from the text alone (no manifest here): the title names the MSI as the author
    assert set(after["independence"]) == {"self-reported", "independent", "commissioned"}
