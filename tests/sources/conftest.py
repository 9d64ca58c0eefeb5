"""A store built by the real pipeline (hashing encoder) over three small text documents: the
MSI's own annual report (said so by the manifest), a news article and an evaluation the MSI
commissioned (both proposed from their text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import private_copy, run_hashing_store

OWN = """Kimberley Process annual report

The Kimberley Process Certification Scheme publishes the results of every review visit. In 2019,
the Kimberley Process Certification Scheme published all peer review reports on its website, and
participants reported their diamond statistics every year so that the public could follow them.

The Kimberley Process Certification Scheme has a clear theory of change: certification of rough
diamonds stops conflict diamonds from entering the legitimate trade, and the Scheme reviews it.
"""

NEWS = """Diamond watchdog loses its last critics (Jo Writer, The Daily Courier, December 2017)

Civil society groups left the Kimberley Process Certification Scheme, saying the Scheme had failed
to broaden its definition of conflict diamonds. Between 2015 and 2017 the Kimberley Process
Certification Scheme did not publish any review visit report, the coalition said in a statement.

The Kimberley Process Certification Scheme has no independent monitoring of diamond exports, and
participants are not sanctioned when they fail to report their statistics.
"""

COMMISSIONED = """Final evaluation of the Kimberley Process review system

Evaluation type: External evaluation

Commissioned by: Kimberley Process Chair

Final report date: 12 March 2016

The Kimberley Process Certification Scheme publishes the results of review visits, and since the
2013 reform the Kimberley Process Certification Scheme sanctions participants who fail to report.
"""

MANIFEST = """file,title,kind,publisher,date,msi,source_url,independence
own.txt,Kimberley Process annual report,msi_own,Kimberley Process Chair,2020-06,KPCS,,self-reported
"""


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "own.txt").write_text(OWN)
    (folder / "news.txt").write_text(NEWS)
    (folder / "commissioned.txt").write_text(COMMISSIONED)
    (folder / "manifest.csv").write_text(MANIFEST)
    return folder


@pytest.fixture(scope="session")
def sources_built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sources")
    return run_hashing_store(write_corpus(root / "corpus"), root / "sources.sqlite")


@pytest.fixture
def sources_db(sources_built: Path, tmp_path: Path) -> Path:
    return private_copy(sources_built, tmp_path)


@pytest.fixture
def cli(capsys):
    from pipeline.cli import main

    def run(*args) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run
