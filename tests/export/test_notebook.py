"""notebooks/evidence_overview.ipynb runs top to bottom (nbclient) against a store built from
the sample corpus, draws the heat map and shows the accepted evidence per MSI."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from pipeline.export.evidence import evidence_frame
from pipeline.store import Store

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "evidence_overview.ipynb"


def test_notebook_executes(corpus_db, monkeypatch):
    monkeypatch.setenv("MSI_EVIDENCE_DB", str(corpus_db))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the heat map
    shown = "\n".join(o.get("text", "") + o.get("data", {}).get("text/html", "")
                      for o in outputs)
    assert str(corpus_db) in shown
    with Store(corpus_db) as store:
        accepted = evidence_frame(store, "accepted")
    assert len(accepted) > 0
    for msi in set(accepted["msi"]):
        assert f"({msi}): {int((accepted['msi'] == msi).sum())} accepted" in shown
    # every accepted quote appears in a table (pandas escapes <>& and cuts long cells)
    for quote in accepted["quote"]:
        assert html.escape(quote[:40], quote=False) in shown
    assert "cells_pending" in shown and "cells_none" in shown
