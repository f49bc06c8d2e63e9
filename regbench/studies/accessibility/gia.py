"""Global importance analysis (specs/accessibility.md §5.9; GOPHER ``global_importance.py``).

Background sequences are dinucleotide-shuffled high-coverage test windows ``x_null``
``(N, L, 4)``; a motif is embedded at a 0-based position by overwriting argmax indices (so an
all-zero N row becomes ``A``, as in GOPHER). The global importance of an embedding is
``GI_c = mean_{n, bins} (f(x_emb) - f(x_null))[..., c]``.
"""

from __future__ import annotations

import itertools
from typing import Callable, Sequence

import numpy as np

ALPHABET = "ACGT"


def dinuc_shuffle(seq: str, rng: np.random.Generator) -> str:
    """Dinucleotide-preserving shuffle (deeplift ``dinuc_shuffle``).

    For every character the list of its successors is permuted except the last one (the
    original last exits form an arborescence, so the walk is a valid Eulerian path). The first
    and last characters and every dinucleotide count are preserved.
    """
    if len(seq) < 3:
        return seq
    arr = np.frombuffer(seq.encode(), dtype=np.uint8)
    tokens, idx = np.unique(arr, return_inverse=True)
    nxt = []
    for t in range(len(tokens)):
        inds = np.flatnonzero(idx[:-1] == t) + 1
        if len(inds) > 1:
            perm = np.arange(len(inds))
            perm[:-1] = rng.permutation(len(inds) - 1)
            inds = inds[perm]
        nxt.append(inds)
    counters = [0] * len(tokens)
    out = np.empty(len(idx), dtype=np.int64)
    ind = 0
    out[0] = idx[0]
    for j in range(1, len(idx)):
        t = idx[ind]
        ind = nxt[t][counters[t]]
        counters[t] += 1
        out[j] = idx[ind]
    return tokens[out].tobytes().decode()


def to_indices(x: np.ndarray) -> np.ndarray:
    """One-hot ``(N, L, 4)`` -> argmax indices ``(N, L)`` (N rows -> A, GOPHER behaviour)."""
    return np.asarray(x).argmax(axis=-1)


def from_indices(idx: np.ndarray) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[idx]


def embed(x: np.ndarray, motifs: Sequence[tuple[str, int]]) -> np.ndarray:
    """Embed ``[(motif, pos0), ...]`` into every sequence of ``x`` ``(N, L, 4)``; returns a copy."""
    idx = to_indices(x).copy()
    for motif, pos in motifs:
        codes = np.array([ALPHABET.index(b) for b in motif])
        idx[:, pos : pos + len(motif)] = codes
    return from_indices(idx)


def expand_pattern(pattern: str) -> list[str]:
    """All sequences matching a pattern with ``.`` wildcards (``..TGA.TCA..`` -> 1024)."""
    slots = [ALPHABET if c == "." else c for c in pattern]
    return ["".join(p) for p in itertools.product(*slots)]


def global_importance(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x_null: np.ndarray,
    f_null: np.ndarray,
    motifs: Sequence[tuple[str, int]],
    per_sequence: bool = False,
) -> np.ndarray:
    """GI of embedding ``motifs`` into the background.

    ``f_null``/predictions: ``(N, L_out, C)`` profiles or ``(N, C)`` scalars (binary logits,
    treated as ``(N, 1, C)``). Returns ``(C,)`` or, with ``per_sequence``, ``(N, C)`` (mean over
    output positions only).
    """
    f_emb = np.asarray(predict_fn(embed(x_null, motifs)), dtype=np.float64)
    delta = f_emb - np.asarray(f_null, dtype=np.float64)
    if delta.ndim == 2:
        delta = delta[:, None, :]
    per_seq = delta.mean(axis=1)
    return per_seq if per_sequence else per_seq.mean(axis=0)


def distance_positions(length: int, motif_len: int, step: int = 2) -> list[int]:
    """GOPHER distance scan positions ``range(0, length - motif_len, step)``."""
    return list(range(0, length - motif_len, step))


def relative_distance(pos2: int, pos1: int, len1: int, len2: int) -> int | None:
    """Plot coordinate of motif 2 relative to motif 1 (None when they overlap), §5.9."""
    if pos2 <= pos1 - len2 + 1:
        return pos2 - pos1 + len2
    if pos2 > pos1 + len1:
        return pos2 - pos1 - len1
    return None
