"""Loading YAML rule files (framework, MSI registry) with every error reported at once.

Errors are formatted as ``[reference_points -> 2 -> considerations -> 0 -> id] field required``
so that a user can go straight to the place in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import RulesError

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file safely (no object construction); raise RulesError on syntax errors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(str(path), ["file not found: check the path"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(str(path), [f"cannot read file: {exc}"]) from None
    try:
        # libyaml's loader when present: 10x faster, and these files are read on every run.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(str(path), [f"{where}YAML syntax error: {problem}"]) from None


def format_validation_errors(exc: ValidationError) -> list[str]:
    problems = []
    errors = exc.errors()
    for err in errors:
        # pydantic counts only the items that validated, so a list whose items have errors
        # is also reported "too short"; that is noise when the items' own errors are listed.
        if err["type"] == "too_short" and any(
                len(o["loc"]) > len(err["loc"]) and o["loc"][:len(err["loc"])] == err["loc"]
                for o in errors):
            continue
        loc = " -> ".join(str(part) for part in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; see evidence_rules/README.md for allowed keys)"
        elif err["type"] == "missing":
            msg = "field required"
        problems.append(f"[{loc}] {msg}")
    return problems


def validate(model: type[ModelT], data: Any, source: str) -> ModelT:
    """Validate ``data`` against ``model``; raise RulesError listing every problem."""
    if data is None:
        raise RulesError(source, ["[(top level)] the file is empty"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesError(source, format_validation_errors(exc)) from None
