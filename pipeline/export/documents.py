"""One row per document of a store: which file, in which language it was read, by which
model, and its manifest metadata. Shown in the report and as the ``documents`` XLSX sheet."""

from __future__ import annotations

import pandas as pd

from pipeline.store import Store

DOCUMENT_COLUMNS = ["file", "title", "kind", "status", "pages", "words", "language",
                    "language_name", "model", "read_in_language", "candidates", "warnings",
                    "metadata", "doc_id"]

_SQL = """
SELECT d.doc_id, COALESCE(d.last_path, '') AS path, COALESCE(d.title, '') AS title, d.kind,
       d.status, d.n_pages AS pages, d.n_words AS words, COALESCE(d.language, '') AS language,
       COALESCE((SELECT model FROM runs r WHERE r.run_id = d.run_id), '') AS model,
       (SELECT COUNT(*) FROM candidates c WHERE c.doc_id = d.doc_id AND c.stale = 0) AS candidates,
       COALESCE(d.warnings, '[]') AS warnings, COALESCE(d.metadata, '') AS metadata
FROM documents d
WHERE EXISTS (SELECT 1 FROM document_paths p WHERE p.doc_id = d.doc_id)
ORDER BY d.last_path
"""


def documents_frame(store: Store, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Documents (all, or ``doc_ids``) with their language and whether the model reads it."""
    import json
    from pathlib import PurePath

    from pipeline.ingest.language import language_name, reads_language

    df = pd.read_sql_query(_SQL, store.conn)
    if doc_ids is not None:
        df = df[df["doc_id"].isin(doc_ids)]
    df["file"] = df["path"].map(lambda p: PurePath(p).name if p else "")
    df["language_name"] = df["language"].map(lambda c: language_name(c) if c else "")
    df["read_in_language"] = [bool(lang) and reads_language(model, lang)
                              for lang, model in zip(df["language"], df["model"], strict=True)]
    df["warnings"] = df["warnings"].map(lambda w: "; ".join(json.loads(w or "[]")))
    return df[DOCUMENT_COLUMNS].reset_index(drop=True)
