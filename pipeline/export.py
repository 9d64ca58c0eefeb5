"""Export the evidence table (one row per candidate) with exact provenance.

CSV is written as UTF-8 with a BOM, in a deterministic row order. Text cells that a
spreadsheet program would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading apostrophe; numeric columns stay numeric.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.store import Store

STATUSES = ("accepted", "rejected", "pending", "stale", "all")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "candidate_id", "file", "page", "page_label", "char_start", "char_end", "quote", "passage_text",
    "msi", "reference_point", "consideration_id", "consideration", "polarity", "score", "status",
    "reviewer", "note", "decided_at", "stale", "msi_proposed", "reference_point_id",
    "passage_char_start", "passage_char_end", "title", "path", "doc_id", "framework_id",
    "framework_version", "model", "run_id", "explanation",
]

EVIDENCE_SQL = """
SELECT c.candidate_id,
       (SELECT dp.path FROM document_paths dp WHERE dp.doc_id = c.doc_id
        ORDER BY dp.last_seen_run DESC, dp.path LIMIT 1) AS path,
       p.page_no AS page, pg.label AS page_label,
       c.quote_start AS char_start, c.quote_end AS char_end, c.quote, p.text AS passage_text,
       COALESCE(cd.msi, c.msi) AS msi, c.msi AS msi_proposed,
       c.reference_point_id, c.reference_point,
       COALESCE(cd.consideration_id, c.consideration_id) AS consideration_id, c.consideration,
       COALESCE(cd.polarity, c.polarity) AS polarity, c.score,
       CASE cd.decision WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected'
            ELSE 'pending' END AS status,
       cd.reviewer, cd.note, cd.decided_at, c.stale,
       p.char_start AS passage_char_start, p.char_end AS passage_char_end,
       d.title, c.doc_id, c.framework_id, c.framework_version, c.model, c.run_id, c.explanation
FROM candidates c
JOIN passages p ON p.passage_id = c.passage_id
JOIN documents d ON d.doc_id = c.doc_id
LEFT JOIN pages pg ON pg.doc_id = c.doc_id AND pg.page_no = p.page_no
LEFT JOIN current_decisions cd ON cd.candidate_id = c.candidate_id
"""


def evidence_frame(store: Store, status: str = "all") -> pd.DataFrame:
    """The evidence table as a DataFrame, in a deterministic order."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    df = pd.read_sql_query(EVIDENCE_SQL, store.conn)
    if status == "stale":
        df = df[df["stale"] == 1]
    elif status != "all":
        df = df[df["status"] == status]
    df["file"] = df["path"].map(lambda p: Path(p).name if isinstance(p, str) else "")
    df["stale"] = df["stale"].astype(bool)
    df = df.sort_values(["file", "page", "char_start", "consideration_id", "msi", "candidate_id"],
                        kind="stable").reset_index(drop=True)
    return df[COLUMNS]


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that spreadsheets would evaluate; leave numeric and boolean columns."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            out[column] = out[column].map(_neutralise_cell)
    return out


def _neutralise_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_csv(store: Store, out: str | Path, status: str = "all") -> int:
    """Write the evidence CSV; returns the number of rows."""
    df = neutralise_formulas(evidence_frame(store, status))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False, encoding="utf-8-sig")
    return len(df)
