"""Learned evidence judgement: labelled documents, a trained model, and how it proposes.

- ``labels``: the development corpus's labels (offsets + hashes, no third-party text).
- ``features`` / ``dataset``: the sentence view the model reads, the same in training and runs.
- ``model`` / ``fit``: the model (TF-IDF n-grams + MiniLM + framework features, four heads,
  Platt calibration), its files, and how it is fitted.
- ``propose``: candidates of a document from the model (called by ``pipeline.scoring.match``).
- ``crossval`` / ``train``: document-grouped cross-validation, the held-out check, baselines,
  and ``msi-evidence train``.

The framework names the model folder (``matching.model``); ``--model-dir`` overrides it.
"""

from __future__ import annotations

import threading
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MODEL_DIR = "models/evidence-model"
LABELS_DIR = PROJECT_ROOT / "corpus" / "gold" / "dev"  # the committed development labels
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus-dev"
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, float], object] = {}


def resolve_model_dir(spec: str | None) -> Path | None:
    """The folder a ``matching.model`` value names (None, "" or "none": no learned model)."""
    if not spec or spec.lower() == "none":
        return None
    path = Path(spec).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _stamp(folder: Path) -> float:
    try:
        return (folder / "model.json").stat().st_mtime
    except OSError:
        return -1.0


def load_learned(spec: str | None):
    """The learned model a ``matching.model`` value names, loaded once per process and file
    version; None when no model is named. Raises ``ModelError`` when it cannot be read."""
    from pipeline.learn.model import EvidenceModel

    folder = resolve_model_dir(spec)
    if folder is None:
        return None
    key = (str(folder), _stamp(folder))
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = EvidenceModel.load(folder)
        return _LOADED[key]


def learned_version(spec: str | None) -> str:
    """The named model's version ("" for none; "missing" when its files are absent)."""
    from pipeline.learn.model import ModelError

    if resolve_model_dir(spec) is None:
        return ""
    try:
        return load_learned(spec).version  # type: ignore[union-attr]
    except ModelError:
        return "missing"
