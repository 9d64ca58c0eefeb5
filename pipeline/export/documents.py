"""One row per document of a store: which file, in which language it was read, by which
model, and its manifest metadata. Shown in the report and as the ``documents`` XLSX sheet."""

from __future__ import annotations

import pandas as pd

from pipeline.store import Store, frames

DOCUMENT_COLUMNS = ["file", "title", "kind", "status", "pages", "words", "language",
                    "language_name", "model", "read_in_language", "candidates", "warnings",
                    "metadata", "doc_id"]


def documents_frame(store: Store, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Documents (all, or ``doc_ids``) with their language and whether the model reads it."""
    import json
    from pathlib import PurePath

    from pipeline.ingest.language import language_name, reads_language

    df = frames.document_rows(store)
    if doc_ids is not None:
        df = df[df["doc_id"].isin(doc_ids)]
    df["file"] = df["path"].map(lambda p: PurePath(p).name if p else "")
    df["language_name"] = df["language"].map(lambda c: language_name(c) if c else "")
    df["read_in_language"] = [bool(lang) and reads_language(model, lang)
                              for lang, model in zip(df["language"], df["model"], strict=True)]
    df["warnings"] = df["warnings"].map(lambda w: "; ".join(json.loads(w or "[]")))
    return df[DOCUMENT_COLUMNS].reset_index(drop=True)
