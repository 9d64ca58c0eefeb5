"""``msi-evidence rules check``: validate framework and registry files, reporting every error."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import RulesError
from pipeline.rules.framework import DEFAULT_FRAMEWORK, Framework
from pipeline.rules.registry import DEFAULT_REGISTRY, Registry
from pipeline.rules.schema import read_yaml, validate


def check_file(path: str | Path) -> str:
    """Validate one file (kind told by its top-level keys); return a one-line description."""
    data = read_yaml(path)
    if isinstance(data, dict) and "reference_points" in data:
        fw = validate(Framework, data, str(path))
        return (f"{path}: ok: framework {fw.id} v{fw.version}, {len(fw.reference_points)} reference "
                f"points, {len(fw.considerations)} considerations")
    if isinstance(data, dict) and "msis" in data:
        reg = validate(Registry, data, str(path))
        linked = sum(1 for m in reg.msis if m.publishers or m.domains or m.website)
        return (f"{path}: ok: MSI registry with {len(reg.msis)} initiatives, {linked} with "
                "publishers or web domains to recognise their own publications")
    raise RulesError(str(path), ["[(top level)] neither a framework (needs 'reference_points') "
                                 "nor an MSI registry (needs 'msis')"])


def check_files(files: list[str]) -> tuple[bool, str]:
    files = files or [str(DEFAULT_FRAMEWORK), str(DEFAULT_REGISTRY)]
    lines, ok = [], True
    for path in files:
        try:
            lines.append(check_file(path))
        except RulesError as exc:
            ok = False
            lines.append(str(exc))
    return ok, "\n".join(lines)
