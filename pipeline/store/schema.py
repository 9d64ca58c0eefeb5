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
    # 2: review workspace (pipeline/review): reviewer credentials, a per-candidate version for
    # optimistic concurrency, each reviewer's effective decision per candidate (kept by triggers
    # so that "next card" and agreement never scan the decision log), queue indexes.
    """
    CREATE TABLE reviewers (
        name TEXT PRIMARY KEY,
        password_hash TEXT,
        created_at TEXT NOT NULL
    );

    CREATE TABLE candidate_versions (
        candidate_id TEXT PRIMARY KEY,
        last_decision_id INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE reviewer_state (
        candidate_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        decision_id INTEGER NOT NULL,
        decision TEXT NOT NULL,
        PRIMARY KEY (candidate_id, reviewer)
    ) WITHOUT ROWID;
    CREATE INDEX reviewer_state_reviewer ON reviewer_state(reviewer, decision);

    CREATE INDEX decisions_candidate_reviewer ON decisions(candidate_id, reviewer, decision_id);
    CREATE INDEX decisions_reviewer ON decisions(reviewer, decision_id);
    CREATE INDEX candidates_queue ON candidates(stale, score DESC, candidate_id);
    CREATE INDEX candidates_queue_msi ON candidates(stale, msi, score DESC, candidate_id);
    CREATE INDEX candidates_queue_rp ON candidates(stale, reference_point_id, score DESC, candidate_id);
    CREATE INDEX candidates_queue_doc ON candidates(stale, doc_id, score DESC, candidate_id);

    CREATE TRIGGER undo_targets_own_decision BEFORE INSERT ON decisions
    WHEN NEW.decision = 'undo' AND NOT EXISTS (
        SELECT 1 FROM decisions t
        WHERE t.decision_id = NEW.replaces_decision_id AND t.candidate_id = NEW.candidate_id
          AND t.reviewer = NEW.reviewer AND t.decision <> 'undo'
          AND NOT EXISTS (SELECT 1 FROM decisions u
                          WHERE u.decision = 'undo' AND u.replaces_decision_id = t.decision_id))
    BEGIN SELECT RAISE(ABORT, 'an undo must name an earlier, not yet undone accept/reject/skip of the same reviewer on the same candidate'); END;

    CREATE TRIGGER decisions_track_state AFTER INSERT ON decisions
    BEGIN
        INSERT OR REPLACE INTO candidate_versions (candidate_id, last_decision_id)
        VALUES (NEW.candidate_id, NEW.decision_id);
        DELETE FROM reviewer_state WHERE candidate_id = NEW.candidate_id AND reviewer = NEW.reviewer;
        INSERT INTO reviewer_state (candidate_id, reviewer, decision_id, decision)
        SELECT d.candidate_id, d.reviewer, d.decision_id, d.decision FROM decisions d
        WHERE d.candidate_id = NEW.candidate_id AND d.reviewer = NEW.reviewer
          AND d.decision IN ('accept', 'reject', 'skip')
          AND NOT EXISTS (SELECT 1 FROM decisions u
                          WHERE u.decision = 'undo' AND u.replaces_decision_id = d.decision_id)
        ORDER BY d.decision_id DESC LIMIT 1;
    END;

    INSERT INTO candidate_versions (candidate_id, last_decision_id)
    SELECT candidate_id, MAX(decision_id) FROM decisions GROUP BY candidate_id;

    INSERT INTO reviewer_state (candidate_id, reviewer, decision_id, decision)
    SELECT d.candidate_id, d.reviewer, d.decision_id, d.decision FROM decisions d
    WHERE d.decision_id = (
        SELECT MAX(e.decision_id) FROM decisions e
        WHERE e.candidate_id = d.candidate_id AND e.reviewer = d.reviewer
          AND e.decision IN ('accept', 'reject', 'skip')
          AND NOT EXISTS (SELECT 1 FROM decisions u
                          WHERE u.decision = 'undo' AND u.replaces_decision_id = e.decision_id)
    );
    """,
    # documents.last_path: the path a document was last seen under. When a changed file's path
    # is re-pointed at the new version, the old version's (stale, possibly decided) candidates
    # keep their file and path in exports.
    """
    ALTER TABLE documents ADD COLUMN last_path TEXT;
    UPDATE documents SET last_path = (SELECT MIN(dp.path) FROM document_paths dp
                                      WHERE dp.doc_id = documents.doc_id);
    """,
    # PDF layout (issue 3): a page's running headers/footers (JSON list) and table spans (JSON
    # list of [start, end]); a passage that crosses a page break records where it ends.
    """
    ALTER TABLE pages ADD COLUMN furniture TEXT;
    ALTER TABLE pages ADD COLUMN tables TEXT;
    ALTER TABLE passages ADD COLUMN page_end INTEGER;
    ALTER TABLE passages ADD COLUMN page_end_char_start INTEGER;
    ALTER TABLE passages ADD COLUMN page_end_char_end INTEGER;
    """,
    # Review sessions survive a restart of the review server (pipeline/review/sessions.py).
    # Only the SHA-256 of the cookie token is stored, never the token. Times are ISO-8601 UTC.
    """
    CREATE TABLE review_sessions (
        token_hash TEXT PRIMARY KEY,
        reviewer TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX review_sessions_expiry ON review_sessions(expires_at);
    CREATE INDEX review_sessions_reviewer ON review_sessions(reviewer);
    """,
    # Issue 21: the language each document was read in (ISO 639-1, detected from its text) and
    # its manifest metadata (JSON object: known fields and any extra columns).
    """
    ALTER TABLE documents ADD COLUMN language TEXT;
    ALTER TABLE documents ADD COLUMN metadata TEXT;
    """,
    # Twins (pipeline/twins.py): a candidate whose quote repeats another's (same MSI and
    # reference point) points at the group's lead, the one card reviewers see. A decision on
    # the lead is recorded for each twin too; those copies name the decision they mirror.
    """
    ALTER TABLE candidates ADD COLUMN twin_of TEXT;
    CREATE INDEX candidates_twins ON candidates(twin_of) WHERE twin_of IS NOT NULL;
    ALTER TABLE decisions ADD COLUMN twin_of_decision INTEGER REFERENCES decisions(decision_id);
    CREATE INDEX decisions_twin_of ON decisions(twin_of_decision) WHERE twin_of_decision IS NOT NULL;
    """,
    # Sources (issue 19, pipeline/sources): one proposed source record per document (publisher,
    # kind, publication date, independence from the MSIs in about_msis), replaced by each run,
    # and reviewers' corrections, append-only like decisions: per field, the latest non-NULL
    # correction counts. Stores from before this migration simply have no records until the
    # next run (or `msi-evidence source propose`).
    """
    CREATE TABLE document_sources (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id),
        publisher TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT '',
        published TEXT NOT NULL DEFAULT '',
        independence TEXT NOT NULL DEFAULT '',
        about_msis TEXT NOT NULL DEFAULT '[]',
        origin TEXT NOT NULL DEFAULT 'proposed',
        confidence REAL,
        reason TEXT,
        proposed_at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE source_corrections (
        correction_id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id),
        publisher TEXT, kind TEXT, published TEXT, independence TEXT, about_msis TEXT,
        reviewer TEXT NOT NULL,
        note TEXT,
        corrected_at TEXT NOT NULL
    );
    CREATE INDEX source_corrections_doc ON source_corrections(doc_id, correction_id);

    CREATE TRIGGER source_corrections_are_append_only BEFORE UPDATE ON source_corrections
    BEGIN SELECT RAISE(ABORT, 'source corrections are append-only'); END;
    CREATE TRIGGER source_corrections_are_never_deleted BEFORE DELETE ON source_corrections
    BEGIN SELECT RAISE(ABORT, 'source corrections are append-only'); END;
    """,
    # Active ordering (issue 16, pipeline/review/active.py): each live card's probability that a
    # reviewer accepts it, from a model refitted on the decisions so far, and which decisions
    # that model has seen. Derived data: rewritten whole by every refit, never decided on.
    """
    CREATE TABLE candidate_priority (
        candidate_id TEXT PRIMARY KEY,
        priority REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX candidate_priority_order ON candidate_priority(priority DESC, candidate_id);

    CREATE TABLE priority_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        decisions INTEGER NOT NULL,
        last_decision_id INTEGER NOT NULL,
        fitted_at TEXT NOT NULL
    );
    """,
    # More like this (issue 16, pipeline/store/proposals.py): who proposed each candidate,
    # 'model' for the matcher's, 'reviewer:<name>' for a passage a reviewer pulled into the queue
    # from a card's similar passages (proposed_from: that card's candidate; proposed_at: when).
    # A run never marks a reviewer's proposal stale while its passage stays live.
    """
    ALTER TABLE candidates ADD COLUMN proposed_by TEXT NOT NULL DEFAULT 'model';
    ALTER TABLE candidates ADD COLUMN proposed_from TEXT;
    ALTER TABLE candidates ADD COLUMN proposed_at TEXT;
    CREATE INDEX candidates_proposed ON candidates(doc_id) WHERE proposed_by <> 'model';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
