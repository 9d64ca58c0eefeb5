"""Twins: the same evidence proposed more than once, from copies of one text.

A report kept as PDF and as text, a press release syndicated on three sites, a draft and its
final version: each copy yields the same candidate again, and a reviewer would decide the same
sentence several times. Candidates are twins when they make the same claim about the same MSI
under the same reference point, and their quotes are the same text after normalisation
(Unicode compatibility forms, case, punctuation, hyphenation and spacing) or near-duplicates
(Jaccard similarity of word 3-shingles ≥ ``NEAR_DUPLICATE``, found with MinHash and
locality-sensitive hashing so that a large store is never compared pair by pair).

Each group has one lead, the card a reviewer sees; the others point at it. The lead is a
candidate that already carries a decision when there is one (so no decision changes cards),
else the best-scored one.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

NEAR_DUPLICATE = 0.7  # Jaccard of word 3-shingles from which two quotes are one text (one word
#                       changed in a 20-word sentence leaves 0.71)
_PERMUTATIONS, _BANDS = 64, 32  # 32 bands of 2 rows: pairs at Jaccard 0.7 meet with p > 0.999999
_rng = np.random.default_rng(20261203)
# Multiply-shift hashing: h(x) = top 32 bits of (a·x + b) mod 2^64, with a odd.
_A = _rng.integers(1, 1 << 63, _PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, _PERMUTATIONS, dtype=np.uint64)


@dataclass(frozen=True)
class TwinCandidate:
    candidate_id: str
    msi: str
    reference_point_id: str
    quote: str
    score: float
    decided: bool = False


def normalise(text: str) -> str:
    """Text as compared for twins: NFKC, lower case, hyphenated line breaks joined, only
    letters and digits separated by single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(re.findall(r"\w+", text))


def shingles(normalised: str, width: int = 3) -> frozenset[int]:
    words = normalised.split()
    if len(words) < width:
        return frozenset({zlib.crc32(normalised.encode())}) if words else frozenset()
    return frozenset(zlib.crc32(" ".join(words[i:i + width]).encode())
                     for i in range(len(words) - width + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def minhash(values: frozenset[int]) -> np.ndarray:
    """The MinHash signature of a set of 32-bit shingle hashes (one minimum per permutation)."""
    x = np.fromiter(values, dtype=np.uint64, count=len(values))
    with np.errstate(over="ignore"):  # arithmetic modulo 2^64 is the point
        hashed = (_A[:, None] * x[None, :] + _B[:, None]) >> np.uint64(32)
    return hashed.min(axis=1)


def twin_groups(candidates: Iterable[TwinCandidate]) -> dict[str, str]:
    """Map each candidate that has twins to its group's lead (the lead maps to itself).
    Candidates without twins are absent."""
    items = list(candidates)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_claim: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_claim[(item.msi, item.reference_point_id)].append(index)
    for members in by_claim.values():
        if len(members) < 2:
            continue
        texts = {i: normalise(items[i].quote) for i in members}
        exact: dict[str, int] = {}
        for i in members:
            if texts[i] in exact:
                union(exact[texts[i]], i)
            else:
                exact[texts[i]] = i
        sets = {i: shingles(texts[i]) for i in exact.values() if len(texts[i].split()) >= 6}
        buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        rows = _PERMUTATIONS // _BANDS
        for i, values in sets.items():
            signature = minhash(values)
            for band in range(_BANDS):
                buckets[(band, signature[band * rows:(band + 1) * rows].tobytes())].append(i)
        for bucket in buckets.values():
            for position, i in enumerate(bucket):
                for j in bucket[position + 1:]:
                    if find(i) != find(j) and jaccard(sets[i], sets[j]) >= NEAR_DUPLICATE:
                        union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(items)):
        groups[find(index)].append(index)
    lead_of: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        lead = min(members, key=lambda i: (not items[i].decided, -items[i].score,
                                           items[i].candidate_id))
        for i in members:
            lead_of[items[i].candidate_id] = items[lead].candidate_id
    return lead_of
