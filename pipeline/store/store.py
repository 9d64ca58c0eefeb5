"""SQLite store. WAL mode; every write is one ``BEGIN IMMEDIATE`` transaction.

Only the driver process writes documents (one transaction per document). Re-processing a
document upserts its passages and candidates by their stable ids and marks the ones that were
not produced again as stale; nothing a reviewer decided is ever deleted or detached.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import StoreError, StoreLockedError, UnknownCandidateError
from pipeline.records import DocumentResult
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

DECISIONS = ("accept", "reject", "skip", "undo")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _translate(exc: sqlite3.Error, path: str) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreLockedError(
            f"the database {path} is locked by another process beyond the busy timeout; "
            "nothing was written. Wait for the other process (a run or the review server) or "
            "raise --busy-timeout, then retry."
        )
    if "full" in text or "disk i/o" in text or "file too large" in text:
        return StoreError(f"could not write to {path}: {exc}. Free disk space and retry; "
                          "the transaction was rolled back and earlier data is intact.")
    return StoreError(f"database error in {path}: {exc}")


class Store:
    def __init__(self, path: str | Path, busy_timeout_s: float = 10.0, create: bool = True):
        self.path = str(path)
        if not create and not Path(self.path).exists():
            raise StoreError(f"no database at {self.path}: run `msi-evidence run ... --db {self.path}` first")
        try:
            self.conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                        check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, self.path) from exc
        log.debug("SQLite %s, schema version %s", sqlite3.sqlite_version, SCHEMA_VERSION)

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE; rolled back on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                raise _translate(exc, self.path) from exc
            raise

    def schema_version(self) -> int:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {current}, newer than this program "
                             f"({SCHEMA_VERSION}): upgrade msi-evidence-miner")
        if current == SCHEMA_VERSION:
            return
        with self.write() as conn:
            if self.schema_version() != current:  # another process migrated meanwhile
                return
            for version in range(current, SCHEMA_VERSION):
                for statement in _split_sql(MIGRATIONS[version]):
                    conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, framework_id: str, framework_version: str, model: str,
                  fingerprint: str, settings: dict) -> str:
        run_id = new_run_id()
        with self.write() as conn:
            conn.execute(
                "INSERT INTO runs (run_id, started_at, framework_id, framework_version, model,"
                " fingerprint, settings, sqlite_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, utc_now(), framework_id, framework_version, model, fingerprint,
                 json.dumps(settings, sort_keys=True), sqlite3.sqlite_version),
            )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict) -> None:
        with self.write() as conn:
            conn.execute("UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
                         (utc_now(), status, json.dumps(summary, sort_keys=True, default=str), run_id))

    # -- documents ------------------------------------------------------------------------

    def document_state(self, doc_id: str) -> tuple[str, str] | None:
        row = self.conn.execute("SELECT status, fingerprint FROM documents WHERE doc_id = ?",
                                (doc_id,)).fetchone()
        return (row["status"], row["fingerprint"]) if row else None

    def record_path(self, path: str, doc_id: str, run_id: str) -> None:
        """Point ``path`` at ``doc_id`` (for a document whose bytes did not change)."""
        with self.write() as conn:
            _record_path(conn, path, doc_id, run_id)

    def write_result(self, result: DocumentResult, *, run_id: str, fingerprint: str,
                     size_bytes: int, framework, model: str) -> None:
        """Store one document's result in one transaction: the document and its path, pages,
        passages and candidates. Passages and candidates not produced again are marked stale."""
        doc = result.document
        now = utc_now()
        with self.write() as conn:
            existing = conn.execute("SELECT status FROM documents WHERE doc_id = ?",
                                    (result.doc_id,)).fetchone()
            keep_old_content = existing is not None and not result.status.has_text
            conn.execute(
                "INSERT INTO documents (doc_id, kind, title, n_pages, n_words, size_bytes, status,"
                " error_class, message, warnings, fingerprint, run_id, processed_at, language,"
                " metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(doc_id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
                " n_pages = excluded.n_pages, n_words = excluded.n_words, status = excluded.status,"
                " error_class = excluded.error_class, message = excluded.message,"
                " warnings = excluded.warnings, fingerprint = excluded.fingerprint,"
                " run_id = excluded.run_id, processed_at = excluded.processed_at,"
                " language = excluded.language, metadata = excluded.metadata",
                (result.doc_id, doc.kind if doc else "unknown", doc.title if doc else "",
                 len(doc.pages) if doc else 0, doc.n_words if doc else 0, size_bytes,
                 str(result.status), result.error_class, result.message,
                 json.dumps(list(doc.warnings) if doc else []), fingerprint, run_id, now,
                 (doc.language or None) if doc else None, _metadata_json(doc)),
            )
            _record_path(conn, result.path, result.doc_id, run_id)
            if keep_old_content or not result.status.has_text:
                return
            conn.execute("DELETE FROM pages WHERE doc_id = ?", (result.doc_id,))
            conn.executemany(
                "INSERT INTO pages (doc_id, page_no, label, text, furniture, tables)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(result.doc_id, p.number, p.label, p.text, json.dumps(list(p.furniture)),
                  json.dumps([list(t) for t in p.tables])) for p in doc.pages],
            )
            conn.execute("UPDATE passages SET stale = 1 WHERE doc_id = ?", (result.doc_id,))
            conn.executemany(
                "INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start, char_end, text,"
                " kind, section, mentions, msis, page_end, page_end_char_start, page_end_char_end,"
                " stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
                " ON CONFLICT(passage_id) DO UPDATE SET seq = excluded.seq, kind = excluded.kind,"
                " section = excluded.section, mentions = excluded.mentions, msis = excluded.msis,"
                " stale = 0",
                [(p.passage_id, p.doc_id, p.seq, p.page, p.char_start, p.char_end, p.text, p.kind,
                  p.section, json.dumps([m.__dict__ for m in p.mentions]),
                  json.dumps([a.__dict__ for a in p.msis]), p.page_end, p.page_end_char_start,
                  p.page_end_char_end) for p in result.passages],
            )
            # The matcher's candidates that it does not propose again go stale; a reviewer's
            # proposal ("more like this") lives as long as its passage (see below).
            conn.execute("UPDATE candidates SET stale = 1 WHERE doc_id = ? AND proposed_by = 'model'",
                         (result.doc_id,))
            names = {c.id: (rp.name, c.text) for rp, c in framework.considerations}
            rp_names = {rp.id: rp.name for rp in framework.reference_points}
            conn.executemany(
                "INSERT INTO candidates (candidate_id, passage_id, doc_id, msi, reference_point_id,"
                " reference_point, consideration_id, consideration, framework_id, framework_version,"
                " score, quote, quote_start, quote_end, polarity, explanation, model, first_run_id,"
                " run_id, stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
                " ON CONFLICT(candidate_id) DO UPDATE SET score = excluded.score,"
                " reference_point = excluded.reference_point, consideration = excluded.consideration,"
                " framework_version = excluded.framework_version, quote = excluded.quote,"
                " quote_start = excluded.quote_start, quote_end = excluded.quote_end,"
                " polarity = excluded.polarity, explanation = excluded.explanation,"
                " model = excluded.model, run_id = excluded.run_id, stale = 0",
                [(c.candidate_id, c.passage_id, c.doc_id, c.msi, c.reference_point_id,
                  rp_names[c.reference_point_id], c.consideration_id, names[c.consideration_id][1],
                  framework.id, framework.version, c.score, c.quote, c.quote_start, c.quote_end,
                  c.polarity, c.explanation.to_json(), model, run_id, run_id)
                 for c in result.candidates],
            )
            conn.execute(
                "UPDATE candidates SET stale = (SELECT p.stale FROM passages p"
                " WHERE p.passage_id = candidates.passage_id)"
                " WHERE doc_id = ? AND proposed_by <> 'model'", (result.doc_id,))

    # -- decisions ------------------------------------------------------------------------

    def add_decision(self, candidate_id: str, decision: str, reviewer: str, note: str | None = None,
                     *, msi: str | None = None, consideration_id: str | None = None,
                     polarity: str | None = None, replaces_decision_id: int | None = None,
                     idempotency_key: str | None = None) -> int:
        """Append a decision row as given (no vocabulary check: fixtures, migrations); returns its
        id. A repeated idempotency key returns the first id. Reviewers' decisions go through
        :func:`pipeline.store.decisions.decide`."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        with self.write() as conn:
            if idempotency_key:
                row = conn.execute("SELECT decision_id FROM decisions WHERE idempotency_key = ?",
                                   (idempotency_key,)).fetchone()
                if row:
                    return int(row[0])
            if not conn.execute("SELECT 1 FROM candidates WHERE candidate_id = ?",
                                (candidate_id,)).fetchone():
                raise UnknownCandidateError(
                    f"no candidate {candidate_id!r} in {self.path}; list ids with "
                    f"`msi-evidence export --db {self.path} --out FILE.csv`")
            from pipeline.store.decisions import insert_decision

            return insert_decision(conn, candidate_id, decision, reviewer, note,
                                   replaces_decision_id, msi, consideration_id, polarity,
                                   idempotency_key)

    # -- reading --------------------------------------------------------------------------

    def count(self, table: str, where: str = "1") -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0])

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


def _record_path(conn: sqlite3.Connection, path: str, doc_id: str, run_id: str) -> None:
    """Point ``path`` at ``doc_id``. A document that no path points to any more goes stale."""
    old = conn.execute("SELECT doc_id FROM document_paths WHERE path = ?", (path,)).fetchone()
    conn.execute(
        "INSERT INTO document_paths (path, doc_id, first_seen_run, last_seen_run)"
        " VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET doc_id = excluded.doc_id,"
        " last_seen_run = excluded.last_seen_run",
        (path, doc_id, run_id, run_id),
    )
    conn.execute("UPDATE documents SET last_path = ? WHERE doc_id = ?", (path, doc_id))
    if old and old["doc_id"] != doc_id:
        left = conn.execute("SELECT 1 FROM document_paths WHERE doc_id = ?", (old["doc_id"],)).fetchone()
        if not left:
            conn.execute("UPDATE candidates SET stale = 1 WHERE doc_id = ?", (old["doc_id"],))
            conn.execute("UPDATE passages SET stale = 1 WHERE doc_id = ?", (old["doc_id"],))


def _metadata_json(doc) -> str | None:
    """A document's manifest metadata as one JSON object (None when it has none)."""
    if doc is None or not doc.metadata:
        return None
    return json.dumps({k: json.loads(v) for k, v in doc.metadata}, ensure_ascii=False,
                      sort_keys=True)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements, current = [], []
    in_trigger = False
    for line in script.strip().splitlines():
        if line.strip().startswith("--") and not current:
            continue
        current.append(line)
        upper = line.strip().upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if line.rstrip().endswith(";") and (not in_trigger or upper.endswith("END;")):
            statements.append("\n".join(current))
            current, in_trigger = [], False
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements
