"""Only ``pipeline/store/`` speaks SQL: no other module of the package runs a query or holds
the text of one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"
STORE = PACKAGE / "store"

QUERY_CALLS = {"execute", "executemany", "executescript", "read_sql", "read_sql_query",
               "read_sql_table"}
SQL = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|"
                 r"UPDATE\s+\w+\s+SET|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)|"
                 r"(LEFT\s+)?JOIN\s+\w+\s+\w+\s+ON)\b")


def outside_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if STORE not in p.parents]


def test_no_module_outside_store_runs_a_query():
    calls = []
    for path in outside_store():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in QUERY_CALLS):
                calls.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.func.attr}")
    assert calls == []


def test_no_module_outside_store_holds_sql_text():
    found = []
    for path in outside_store():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL.search(node.value):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert found == []


def test_the_sql_pattern_sees_the_queries_in_store():
    texts = [n.value for p in STORE.rglob("*.py")
             for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert sum(bool(SQL.search(t)) for t in texts) > 20
