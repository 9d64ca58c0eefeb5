"""More like this: the passages of the corpus nearest to a card's passage in embedding space.

The vectors are the ones the run stored in the store's embedding cache (``DB.embeddings.sqlite``
by default, keyed by model and text hash); the embedding model is never loaded here. They are
read once per server process and model, on the first request that needs them, and read again
when a run has started or finished since. Neighbours are found by cosine (a matrix-vector
product with numpy over all live passages; the vectors are L2-normalised).

A live passage without a vector in the card's model is counted and reported, never silently
left out. The card's own passage, the passages of its twins and passages with the same text are
not neighbours; passages with the same text as a neighbour are shown once.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.store import Store
from pipeline.store import similar as reads
from pipeline.store.embedding_cache import EmbeddingCache, text_hash

SNIPPET_CHARS = 240
MAX_NEIGHBOURS = 50


def default_cache_path(db: str | Path) -> str:
    """Where ``msi-evidence run --db DB`` keeps its vectors unless given ``--cache``."""
    return f"{db}.embeddings.sqlite"


@dataclass(frozen=True)
class PassageIndex:
    """The live passages of one embedding model that have a vector, as one normalised matrix."""

    model: str
    passage_ids: tuple[str, ...]
    hashes: tuple[str, ...]
    matrix: np.ndarray = field(repr=False)  # len(passage_ids) × dim, float32, unit rows
    missing: int  # live passages of this model without a stored vector (not searched)
    other_models: int  # live passages embedded with another model (not searched)
    copies: Counter = field(repr=False)  # passages per text hash
    row_of: dict[str, int] = field(repr=False)

    def vector(self, passage_id: str) -> np.ndarray | None:
        row = self.row_of.get(passage_id)
        return None if row is None else self.matrix[row]


@dataclass(frozen=True)
class Neighbour:
    passage_id: str
    similarity: float
    doc_id: str
    title: str
    file_name: str
    page_no: int
    page_label: str | None
    snippet: str
    text: str
    candidates: tuple[dict, ...]  # its live candidates: id, msi, reference point, status, proposed_by
    here: dict | None  # its live candidate under the card's MSI and reference point, if any
    copies: int  # other live passages with exactly this text (shown once)


@dataclass(frozen=True)
class SimilarResult:
    candidate_id: str
    model: str
    neighbours: tuple[Neighbour, ...]
    searched: int  # passages searched (with a vector in the card's model)
    missing: int  # live passages of that model without a stored vector
    other_models: int  # live passages embedded with another model
    problem: str | None = None  # why nothing could be searched, in words


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of ``text``, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit].rstrip(" ,;:") + " …"


def build_index(store: Store, cache: EmbeddingCache, model: str) -> PassageIndex:
    """Read the vectors of every live passage embedded with ``model`` from ``cache``."""
    passages = reads.live_passages(store)
    mine = [p for p in passages if p.model == model]
    vectors = cache.get_many(model, list({p.text_hash for p in mine}))
    kept = [p for p in mine if p.text_hash in vectors]
    dim = next(iter(vectors.values())).shape[0] if vectors else 0
    matrix = np.zeros((len(kept), dim), dtype=np.float32)
    for row, p in enumerate(kept):
        matrix[row] = vectors[p.text_hash]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    matrix /= norms
    return PassageIndex(
        model=model,
        passage_ids=tuple(p.passage_id for p in kept),
        hashes=tuple(p.text_hash for p in kept),
        matrix=matrix,
        missing=len(mine) - len(kept),
        other_models=len(passages) - len(mine),
        copies=Counter(p.text_hash for p in kept),
        row_of={p.passage_id: row for row, p in enumerate(kept)},
    )


class SimilarPassages:
    """Nearest passages for the review server: one per process, vectors cached per model."""

    def __init__(self, store: Store, cache_path: str | Path | None = None):
        self.store = store
        self.cache_path = str(cache_path or default_cache_path(store.path))
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._indexes: dict[str, PassageIndex] = {}
        self.loads = 0  # indexes built (tests check that the cache is reused)

    def index(self, model: str, via: Store | None = None) -> PassageIndex | None:
        """The passage index of ``model`` (None when there is no cache file), read through
        ``via`` (default: the server's store) when it is not cached or a run changed."""
        store = via or self.store
        with self._lock:
            key = reads.runs_key(store)
            if key != self._key:
                self._key, self._indexes = key, {}
            if model not in self._indexes:
                cache = EmbeddingCache.open_existing(self.cache_path)
                if cache is None:
                    return None
                try:
                    self._indexes[model] = build_index(store, cache, model)
                finally:
                    cache.close()
                self.loads += 1
            return self._indexes[model]

    def prepare(self, candidate_id: str) -> None:
        """Read the vectors a card needs, over a connection of its own: the server calls this
        in a worker thread, so that reading 100,000 vectors never holds up other requests."""
        from pipeline.segment import sentencizer

        with Store(self.store.path, create=False) as own:
            card = reads.card_passages(own, candidate_id)
            if card is not None:
                self.index(card.model, via=own)
        sentencizer()  # loads spaCy once, for best_sentence

    def similarity(self, candidate_id: str, passage_id: str) -> tuple[float | None, str]:
        """Cosine between the card's passage and ``passage_id`` (None without both vectors),
        and the model."""
        card = reads.card_passages(self.store, candidate_id)
        if card is None:
            return None, ""
        index = self.index(card.model)
        if index is None:
            return None, card.model
        a, b = index.vector(card.passage_id), index.vector(passage_id)
        if a is None or b is None:
            return None, card.model
        return float(a @ b), card.model

    def best_sentence(self, candidate_id: str, passage_id: str) -> tuple[int, int] | None:
        """Offsets into ``passage_id``'s text of its sentence nearest to the card's quote, by
        the sentence vectors the run stored (the run embeds each sentence of a passage of
        several); None when the passage is one sentence or a vector is missing."""
        from pipeline.segment import sentence_spans

        card = reads.card_passages(self.store, candidate_id)
        passage = reads.passage_rows(self.store, [passage_id]).get(passage_id)
        if card is None or passage is None:
            return None
        text = passage["text"]
        spans = sentence_spans(text)
        if len(spans) < 2:
            return None
        cache = EmbeddingCache.open_existing(self.cache_path)
        if cache is None:
            return None
        try:
            keys = [text_hash(text[s:e]) for s, e in spans]
            found = cache.get_many(card.model, list({*keys, text_hash(card.quote)}))
        finally:
            cache.close()
        index = self.index(card.model)
        target = found.get(text_hash(card.quote))
        if target is None and index is not None:
            target = index.vector(card.passage_id)  # a one-sentence passage: its own vector
        if target is None or any(k not in found for k in keys):
            return None
        sims = [float(found[k] @ target) / (float(np.linalg.norm(found[k])) or 1.0)
                for k in keys]
        return spans[int(np.argmax(sims))]

    def similar(self, candidate_id: str, k: int = 10) -> SimilarResult | None:
        """The ``k`` passages nearest to the card's passage (None for an unknown candidate)."""
        card = reads.card_passages(self.store, candidate_id)
        if card is None:
            return None
        k = max(1, min(k, MAX_NEIGHBOURS))
        index = self.index(card.model)
        if index is None:
            return SimilarResult(candidate_id, card.model, (), 0, 0, 0,
                                 f"there is no embedding cache at {self.cache_path}: the passages' "
                                 "vectors are kept there by `msi-evidence run` (start `review` "
                                 "with --embeddings FILE if the run used --cache FILE)")
        vector = index.vector(card.passage_id)
        if vector is None:
            return SimilarResult(candidate_id, card.model, (), len(index.passage_ids),
                                 index.missing, index.other_models,
                                 f"this card's passage has no stored vector for model "
                                 f"{card.model or '(unknown)'}; re-run `msi-evidence run` on the "
                                 "corpus to store it")
        order = _ranked(index, vector, card, k)
        passage_ids = [index.passage_ids[row] for row, _ in order]
        details = reads.passage_rows(self.store, passage_ids)
        on = reads.candidates_on(self.store, passage_ids)
        neighbours = []
        for row, similarity in order:
            pid = index.passage_ids[row]
            d = details[pid]
            cands = tuple(on.get(pid, ()))
            here = next((c for c in cands if c["msi"] == card.msi
                         and c["reference_point_id"] == card.reference_point_id), None)
            neighbours.append(Neighbour(
                passage_id=pid, similarity=similarity, doc_id=d["doc_id"], title=d["title"],
                file_name=d["file_name"], page_no=d["page_no"], page_label=d["label"],
                snippet=snippet(d["text"]), text=d["text"], candidates=cands, here=here,
                copies=index.copies[index.hashes[row]] - 1))
        return SimilarResult(candidate_id, card.model, tuple(neighbours), len(index.passage_ids),
                             index.missing, index.other_models)


def _ranked(index: PassageIndex, vector: np.ndarray, card: reads.CardPassages,
            k: int) -> list[tuple[int, float]]:
    """Rows of the ``k`` nearest passages, best first: not the card's own passage, its twins'
    or a copy of its text, and one passage per text."""
    sims = index.matrix @ vector
    skip = {index.row_of[p] for p in card.twin_passage_ids | {card.passage_id}
            if p in index.row_of}
    # A partial sort of enough rows that, after exclusions and copies, k remain; the whole
    # sort only when they do not.
    want = k + len(skip) + 4 * k
    while True:
        partial = want < len(sims)
        top = np.argpartition(-sims, want - 1)[:want] if partial else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        out = _walk(index, sims, top, skip, card.text_hash, k)
        if len(out) == k or want >= len(sims):
            return out
        want = len(sims)


def _walk(index: PassageIndex, sims: np.ndarray, rows: np.ndarray, skip: set[int],
          own_hash: str, k: int) -> list[tuple[int, float]]:
    seen = {own_hash}
    out: list[tuple[int, float]] = []
    for row in rows:
        row = int(row)
        if row in skip or index.hashes[row] in seen:
            continue
        seen.add(index.hashes[row])
        out.append((row, float(sims[row])))
        if len(out) == k:
            break
    return out
