"""SIGKILL the batch run at random moments, many times: the database stays sound, documents
committed before the kill are intact, and resuming yields exactly the ids of a clean run.

Most trials fork this test process (spaCy and the package are already imported, and the parse
worker is forked too, see ``forked_parse_workers``, so a trial costs the run itself rather than
seconds of imports) and call the real ``msi-evidence run`` entry point; a few trials exec
``.venv/bin/msi-evidence`` as a separate program with spawned workers. Each kill takes the
whole process tree (the run and its parse worker).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import rel_inputs as gen
from rel_helpers import cli_in_process, query, write_evidence_corpus

N_TEXT_DOCS = 30
FORK_TRIALS = 20
EXEC_TRIALS = 2
SEED = int(os.environ.get("RELIABILITY_SEED", "20261122"))
MSI_EVIDENCE = Path(sys.executable).parent / "msi-evidence"


def _run_argv(corpus: Path, db: Path) -> list[str]:
    return ["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress"]


def _child(argv: list[str]) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    from pipeline.cli import main

    os._exit(main(argv))


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for proc in [parent, *children]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    psutil.wait_procs([parent, *children], timeout=10)


def _per_doc(db: Path) -> dict[str, set[str]]:
    """Candidate ids of each committed document."""
    out: dict[str, set[str]] = {r[0]: set() for r in query(db, "SELECT doc_id FROM documents")}
    for doc_id, cand in query(db, "SELECT doc_id, candidate_id FROM candidates"):
        out.setdefault(doc_id, set()).add(cand)
    return out


@pytest.fixture
def kill_corpus(tmp_path, forked_parse_workers):
    root = tmp_path / "killed_runs"
    corpus = root / "corpus"
    write_evidence_corpus(corpus, N_TEXT_DOCS)
    root.mkdir(exist_ok=True)
    for i in range(2):
        (corpus / f"report_pdf_{i}.pdf").write_bytes(
            gen.text_pdf(gen.evidence_doc(40 + i).split("\n\n"), f"PDF report {i}"))
    clean_db = root / "clean.sqlite"
    code, out, err = cli_in_process(*_run_argv(corpus, clean_db))
    assert code == 0, out + err
    return corpus, clean_db


@pytest.mark.reliability_long
def test_sigkill_at_random_moments_then_resume(kill_corpus, tmp_path, forked_parse_workers):
    corpus, clean_db = kill_corpus
    clean = _per_doc(clean_db)
    clean_ids = set().union(*clean.values())
    assert len(clean) == N_TEXT_DOCS + 2 and len(clean_ids) >= N_TEXT_DOCS
    rng = random.Random(SEED)
    fork = mp.get_context("fork")
    outcomes = []
    for trial in range(FORK_TRIALS + EXEC_TRIALS):
        db = tmp_path / f"trial_{trial}.sqlite"
        argv = _run_argv(corpus, db)
        if trial < FORK_TRIALS:
            proc = fork.Process(target=_child, args=(argv,))
            proc.start()
            pid = proc.pid
        else:  # a real separate program: imports take seconds before the first write
            popen = subprocess.Popen([str(MSI_EVIDENCE), *argv], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            pid = popen.pid
        if trial % 5 == 4:  # now and then, kill during start-up, before any commit
            delay = rng.uniform(0, 0.5)
        else:  # otherwise wait for a random number of committed documents (robust to load),
            # then kill a random few milliseconds later: inside the next document's work or
            # its write transaction. The documents of one embedding batch are matched together
            # and written in one burst (32 small files are one batch), so the window is short.
            target = rng.randint(1, len(clean) - 1)
            for _ in range(12_000):  # polls; the kill comes either way
                if _count(db, "documents") >= target:
                    break
                time.sleep(0.005)
            delay = rng.uniform(0, 0.01)
        time.sleep(delay)
        _kill_tree(pid)
        if trial < FORK_TRIALS:
            proc.join(10)
        else:
            popen.wait(10)

        committed: dict[str, set[str]] = {}
        if db.exists():
            assert query(db, "PRAGMA integrity_check")[0][0] == "ok", f"trial {trial}"
            committed = _per_doc(db)
            for doc_id, ids in committed.items():
                assert ids == clean[doc_id], f"trial {trial}: document {doc_id[:12]} is partial"

        code, out, err = cli_in_process(*argv)
        assert code == 0, f"trial {trial}: resume failed\n{out}{err}"
        assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
        after = _per_doc(db)
        for doc_id, ids in committed.items():
            assert after[doc_id] == ids, f"trial {trial}: committed document changed on resume"
        assert set().union(*after.values()) == clean_ids, f"trial {trial}: ids differ from clean"
        assert _count(db, "candidates", "stale = 1") == 0
        assert _count(db, "documents") == len(clean)
        outcomes.append((trial, round(delay, 2), len(committed)))

    mid_run = [o for o in outcomes if 0 < o[2] < len(clean)]
    print(f"\nkill trials (trial, delay s, documents committed at kill): {outcomes}")
    assert len(outcomes) >= 20
    assert len(mid_run) >= len(outcomes) // 4, f"too few kills landed mid-run: {outcomes}"
    assert any(o[2] == 0 for o in outcomes), "no kill landed before the first commit"


def _count(db: Path, table: str, where: str = "1") -> int:
    try:
        return int(query(db, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])
    except Exception:  # the schema may not exist yet at the very start of a run
        return 0
