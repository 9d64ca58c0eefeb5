"""The wings of ``pipeline`` import only wings below them (or themselves), in this order.

A module belongs to the wing of its longest matching prefix in LAYERS' table. The learned
evidence model (``pipeline.learn``) spans three layers as its files do: the model files sit
low (the framework's fingerprint includes the model's version), its features and proposals
sit with scoring (matching uses them), and training sits above the runner (it analyses
documents with the stage chain). Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"

# lowest first; a module may import modules of its own layer or of any layer below
LAYERS: list[tuple[str, ...]] = [
    ("pipeline", "pipeline.errors", "pipeline.explanation", "pipeline.records"),
    ("pipeline.scoring.features", "pipeline.learn.model", "pipeline.learn.tfidf"),  # the model file
    ("pipeline.learn",),  # its __init__: where the learned model lives, its version
    ("pipeline.rules",),
    ("pipeline.store",),
    ("pipeline.embed", "pipeline.embed_onnx"),
    ("pipeline.ingest",),
    ("pipeline.segment",),
    ("pipeline.attribution",),
    ("pipeline.scoring", "pipeline.learn.features", "pipeline.learn.propose"),
    ("pipeline.sources",),
    ("pipeline.run",),
    ("pipeline.evaluate",),
    ("pipeline.learn.labels", "pipeline.learn.dataset", "pipeline.learn.baselines",
     "pipeline.learn.fit", "pipeline.learn.crossval", "pipeline.learn.agreement",
     "pipeline.learn.train", "pipeline.learn.from_store", "pipeline.learn.simulate"),
    ("pipeline.export",),
    ("pipeline.review",),
    ("pipeline.cli", "pipeline.cli_learn", "pipeline.cli_sources"),
]


def layer_of(module: str) -> int:
    best, level = "", -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > len(best):
                best, level = name, i
    assert level >= 0, f"{module} is in no layer: add it to LAYERS"
    return level


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("pipeline"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names
                             if (PACKAGE.parent / node.module.replace(".", "/") / a.name).exists()
                             or (PACKAGE.parent / node.module.replace(".", "/")
                                 / f"{a.name}.py").exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return found


def test_no_wing_imports_a_wing_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for imported in imports(path):
            if imported == "pipeline":
                continue  # the package's version constant
            if layer_of(imported) > layer_of(importer):
                upward.append(f"{importer} imports {imported}")
    assert upward == []


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))
