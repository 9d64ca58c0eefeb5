"""Commands that do not embed never import torch or sentence-transformers (that alone takes ~10 s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WITHOUT_TWINS

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sentence_transformers", "transformers")

PROBE = """
import json, sys
from pipeline.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in HEAVY if m in sys.modules]}))
""".replace("HEAVY", repr(HEAVY))


def _probe(*argv: str, cwd: Path = REPO) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ("--help",), ("run", "--help"), ("export", "--help"), ("decide", "--help"),
    ("rules", "check"),
])
def test_light_commands_do_not_import_torch(argv):
    result = _probe(*argv)
    assert result["code"] == 0
    assert result["loaded"] == []


def test_export_and_decide_on_a_store_do_not_import_torch(processed_copy, tmp_path, query):
    # (``run`` itself imports torch even with --model hashing: spaCy's thinc imports it.)
    _, db = processed_copy
    (candidate,), = query(db, f"SELECT candidate_id FROM candidates WHERE {WITHOUT_TWINS}"
                              " ORDER BY candidate_id LIMIT 1")
    result = _probe("export", "--db", str(db), "--out", str(tmp_path / "e.csv"))
    assert result == {"code": 0, "loaded": []}
    assert (tmp_path / "e.csv").stat().st_size > 0
    result = _probe("decide", "--db", str(db), candidate, "accept", "--reviewer", "r")
    assert result == {"code": 0, "loaded": []}
    assert query(db, "SELECT candidate_id FROM decisions") == [(candidate,)]


def test_console_script_help():
    script = Path(sys.executable).parent / "msi-evidence"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for command in ("run", "export", "decide", "rules"):
        assert command in proc.stdout
