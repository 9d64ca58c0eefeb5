"""SQLite schema with a version number and forward-only migrations.

Decisions are append-only (triggers refuse UPDATE and DELETE); a candidate that has decisions
cannot be deleted. The current decision per candidate is a view. Add a new entry to
``MIGRATIONS`` for every schema change; never edit an entry that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the spine
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        framework_id TEXT, framework_version TEXT, model TEXT,
        fingerprint TEXT, settings TEXT, summary TEXT, sqlite_version TEXT
    );

    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        kind TEXT, title TEXT, n_pages INTEGER, n_words INTEGER, size_bytes INTEGER,
        status TEXT NOT NULL, error_class TEXT, message TEXT, warnings TEXT,
        fingerprint TEXT, run_id TEXT, processed_at TEXT
    );

    CREATE TABLE document_paths (
        path TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id),
        first_seen_run TEXT, last_seen_run TEXT
    );
    CREATE INDEX document_paths_doc ON document_paths(doc_id);

    CREATE TABLE pages (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id),
        page_no INTEGER NOT NULL, label TEXT, text TEXT NOT NULL,
        PRIMARY KEY (doc_id, page_no)
    );

    CREATE TABLE passages (
        passage_id TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id),
        seq INTEGER NOT NULL, page_no INTEGER NOT NULL,
        char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
        text TEXT NOT NULL, kind TEXT NOT NULL, section TEXT,
        mentions TEXT, msis TEXT,
        stale INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX passages_doc ON passages(doc_id, seq);

    CREATE TABLE candidates (
        candidate_id TEXT PRIMARY KEY,
        passage_id TEXT NOT NULL REFERENCES passages(passage_id),
        doc_id TEXT NOT NULL REFERENCES documents(doc_id),
        msi TEXT NOT NULL,
        reference_point_id TEXT NOT NULL, reference_point TEXT,
        consideration_id TEXT NOT NULL, consideration TEXT,
        framework_id TEXT NOT NULL, framework_version TEXT,
        score REAL NOT NULL,
        quote TEXT NOT NULL, quote_start INTEGER NOT NULL, quote_end INTEGER NOT NULL,
        polarity TEXT NOT NULL DEFAULT '',
        explanation TEXT,
        model TEXT,
        first_run_id TEXT, run_id TEXT,
        stale INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX candidates_doc ON candidates(doc_id);
    CREATE INDEX candidates_score ON candidates(stale, score DESC);

    CREATE TABLE decisions (
        decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
        candidate_id TEXT NOT NULL REFERENCES candidates(candidate_id),
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'skip', 'undo')),
        reviewer TEXT NOT NULL,
        note TEXT,
        decided_at TEXT NOT NULL,
        replaces_decision_id INTEGER REFERENCES decisions(decision_id),
        msi TEXT, consideration_id TEXT, polarity TEXT,
        idempotency_key TEXT UNIQUE
    );
    CREATE INDEX decisions_candidate ON decisions(candidate_id, decision_id);
    CREATE INDEX decisions_replaces ON decisions(replaces_decision_id);

    CREATE TRIGGER decisions_are_append_only BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
    CREATE TRIGGER decisions_are_never_deleted BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
    CREATE TRIGGER decided_candidates_are_kept BEFORE DELETE ON candidates
    WHEN EXISTS (SELECT 1 FROM decisions WHERE candidate_id = OLD.candidate_id)
    BEGIN SELECT RAISE(ABORT, 'a candidate with decisions cannot be deleted; mark it stale'); END;

    -- The current decision of each candidate: its latest accept/reject that no undo cancelled.
    CREATE VIEW current_decisions AS
    SELECT d.* FROM decisions d
    WHERE d.decision_id = (
        SELECT MAX(d2.decision_id) FROM decisions d2
        WHERE d2.candidate_id = d.candidate_id
          AND d2.decision IN ('accept', 'reject')
          AND NOT EXISTS (SELECT 1 FROM decisions u
                          WHERE u.decision = 'undo' AND u.replaces_decision_id = d2.decision_id)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
