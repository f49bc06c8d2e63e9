"""Global importance analysis (specs/accessibility.md §5.9; GOPHER ``global_importance.py`` and
``analysis/GIA_addition_experiments.py``).

Background sequences are dinucleotide-shuffled high-coverage test windows ``x_null``
``(N, L, 4)``; a motif is embedded at a 0-based position by overwriting argmax indices (so an
all-zero N row becomes ``A``, as in GOPHER). The global importance of an embedding is
``GI_c = mean_{n, bins} (f(x_emb) - f(x_null))[..., c]``.

The paper's experiment (:func:`motif_pair_experiment`) runs, per motif pair ``(p1, p2)``
(patterns with ``.`` wildcards, e.g. ``..TGA.TCA..`` and ``..GATAA..``):

1. flanks: every variant of each pattern embedded at the centre; the best variant of a pattern
   is the one with the largest GI in the chosen cell line (GOPHER ``record_flank_test``); a
   pattern without wildcards is used as is;
2. distance: best ``p1`` fixed at the centre, best ``p2`` at every ``step``-th position of
   ``range(0, L - len(p2))`` (optionally only within ``window`` bp of motif 1); the best position
   is the argmax for the cell over all scanned positions, overlapping ones included (GOPHER);
3. cooperativity: per-sequence GI of motif 1, motif 2 and both at the best position.
"""

from __future__ import annotations

import itertools
from typing import Callable, Sequence

import numpy as np

from regbench.genome.onehot import codes_one_hot

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


def _codes(motif: str) -> np.ndarray:
    """Indices of a concrete motif (A, C, G, T only); a wildcard pattern must be expanded first."""
    bad = sorted(set(motif) - set(ALPHABET))
    if bad:
        raise ValueError(f"GIA: motif {motif!r} has characters {bad} outside {ALPHABET}; patterns with "
                         "'.' wildcards are expanded with expand_pattern and their best variant is embedded")
    return np.array([ALPHABET.index(b) for b in motif])


def embed(x: np.ndarray, motifs: Sequence[tuple[str, int]]) -> np.ndarray:
    """Embed ``[(motif, pos0), ...]`` into every sequence of ``x`` ``(N, L, 4)``; returns a copy."""
    idx = to_indices(x).copy()
    for motif, pos in motifs:
        idx[:, pos : pos + len(motif)] = _codes(motif)
    return codes_one_hot(idx)


def expand_pattern(pattern: str) -> list[str]:
    """All sequences matching a pattern with ``.`` wildcards (``..TGA.TCA..`` -> 1024), in
    GOPHER's order (``itertools.product`` over ACGT); a pattern without wildcards -> itself."""
    bad = sorted(set(pattern) - set(ALPHABET) - {"."})
    if bad:
        raise ValueError(f"GIA pattern {pattern!r}: only A, C, G, T and '.' allowed, found {bad}")
    slots = [ALPHABET if c == "." else c for c in pattern]
    return ["".join(p) for p in itertools.product(*slots)]


def _per_sequence_means(pred: np.ndarray) -> np.ndarray:
    """Predictions ``(N, L_out, C)`` or ``(N, C)`` -> mean over output positions ``(N, C)``."""
    pred = np.asarray(pred, dtype=np.float64)
    return pred if pred.ndim == 2 else pred.mean(axis=1)


def global_importance_many(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x_null: np.ndarray,
    f_null: np.ndarray,
    embeddings: Sequence[Sequence[tuple[str, int]]],
    per_sequence: bool = False,
    group_seqs: int = 512,
) -> np.ndarray:
    """GI of each embedding ``[(motif, pos0), ...]`` of ``embeddings`` into the background.

    Several embeddings are predicted in one call (about ``group_seqs`` sequences at a time), so
    small backgrounds still fill the model's batches. ``f_null``: predictions on ``x_null``,
    ``(N, L_out, C)`` profiles or ``(N, C)`` scalars (binary logits, treated as ``(N, 1, C)``).
    Returns ``(M, C)`` or, with ``per_sequence``, ``(M, N, C)`` (mean over output positions
    only), M = ``len(embeddings)``. Because the GI is a mean over positions of a difference,
    ``mean_pos(f_emb) - mean_pos(f_null)`` is used (same value, less memory).
    """
    idx0 = to_indices(x_null)
    n, length = idx0.shape
    null = _per_sequence_means(f_null)
    group = max(1, int(group_seqs) // max(n, 1))
    out = []
    for g0 in range(0, len(embeddings), group):
        chunk = embeddings[g0 : g0 + group]
        idx = np.repeat(idx0[None], len(chunk), axis=0)
        for j, motifs in enumerate(chunk):
            for motif, pos in motifs:
                idx[j, :, pos : pos + len(motif)] = _codes(motif)
        pred = _per_sequence_means(predict_fn(codes_one_hot(idx.reshape(-1, length))))
        delta = pred.reshape(len(chunk), n, -1) - null[None]
        out.append(delta if per_sequence else delta.mean(axis=1))
    c = null.shape[-1]
    if not out:
        return np.zeros((0, n, c) if per_sequence else (0, c))
    return np.concatenate(out, axis=0)


def global_importance(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x_null: np.ndarray,
    f_null: np.ndarray,
    motifs: Sequence[tuple[str, int]],
    per_sequence: bool = False,
) -> np.ndarray:
    """GI of embedding ``motifs`` into the background: ``(C,)`` or, with ``per_sequence``,
    ``(N, C)`` (see :func:`global_importance_many`)."""
    return global_importance_many(predict_fn, x_null, f_null, [list(motifs)], per_sequence)[0]


def distance_positions(length: int, motif_len: int, step: int = 2, centre: int | None = None,
                       len1: int = 0, window: int | None = None) -> list[int]:
    """GOPHER distance scan positions ``range(0, length - motif_len, step)``; with ``window``,
    only those whose edge-to-edge gap to motif 1 at ``centre`` (length ``len1``) is <= window
    (a region subset of the same scan)."""
    pos = range(0, length - motif_len, step)
    if window is None:
        return list(pos)
    lo, hi = centre - int(window) - motif_len, centre + len1 + int(window)
    return [p for p in pos if lo <= p <= hi]


def relative_distance(pos2: int, pos1: int, len1: int, len2: int) -> int | None:
    """Plot coordinate of motif 2 relative to motif 1 (None when they overlap), §5.9."""
    if pos2 <= pos1 - len2 + 1:
        return pos2 - pos1 + len2
    if pos2 > pos1 + len1:
        return pos2 - pos1 - len1
    return None


def pair_label(p1: str, p2: str) -> str:
    """Name of a motif pair in the GIA tables: ``"<p1>+<p2>"``."""
    return f"{p1}+{p2}"


def motif_pair_experiment(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x_null: np.ndarray,
    pairs: Sequence[Sequence[str]],
    cell_index: int,
    distance_step: int = 2,
    distance_window: int | None = None,
    best_distance: str = "any",
    group_seqs: int = 512,
) -> dict:
    """The paper's GIA addition experiment (module docstring) for every motif pair.

    ``x_null`` ``(N, L, 4)`` background; ``cell_index``: the output track whose GI chooses the
    best flank and distance (PC-3 in the paper). ``best_distance``: "any" (GOPHER: argmax over
    every scanned position, overlapping ones included) or "non_overlapping".

    Returns a dict: ``flanks`` {pattern: (variants list, GI (V, C))} (each pattern of any pair
    once), ``best`` {pattern: best variant}, and per pair label ``pairs`` {label: {"m1", "m2",
    "positions" (list), "distance" (P, C), "best_pos", "coop" {"motif1"|"motif2"|"both":
    (N, C)}}}.
    """
    if best_distance not in ("any", "non_overlapping"):
        raise ValueError(f"GIA best_distance must be 'any' or 'non_overlapping', got {best_distance!r}")
    x_null = np.asarray(x_null, dtype=np.float32)
    length = x_null.shape[1]
    centre = length // 2
    f_null = predict_fn(x_null)
    patterns = list(dict.fromkeys(p for pair in pairs for p in pair))
    flanks, best = {}, {}
    for pat in patterns:
        variants = expand_pattern(pat)
        gi = global_importance_many(predict_fn, x_null, f_null, [[(v, centre)] for v in variants], group_seqs=group_seqs)
        flanks[pat] = (variants, gi)
        best[pat] = variants[int(np.argmax(gi[:, cell_index]))]
    out = {"flanks": flanks, "best": best, "pairs": {}, "centre": centre}
    for p1, p2 in pairs:
        m1, m2 = best[p1], best[p2]
        positions = distance_positions(length, len(m2), distance_step, centre, len(m1), distance_window)
        dist = global_importance_many(predict_fn, x_null, f_null, [[(m1, centre), (m2, p)] for p in positions], group_seqs=group_seqs)
        score = dist[:, cell_index].copy()
        if best_distance == "non_overlapping":
            score[[relative_distance(p, centre, len(m1), len(m2)) is None for p in positions]] = -np.inf
        best_pos = positions[int(np.argmax(score))]
        per = global_importance_many(predict_fn, x_null, f_null, [[(m1, centre)], [(m2, best_pos)], [(m1, centre), (m2, best_pos)]],
                                     per_sequence=True, group_seqs=group_seqs)
        out["pairs"][pair_label(p1, p2)] = {"m1": m1, "m2": m2, "positions": positions, "distance": dist, "best_pos": best_pos,
                                            "coop": {"motif1": per[0], "motif2": per[1], "both": per[2]}}
    return out


def pwm_scores(seqs: Sequence[str], matrix_id: str, release: str = "JASPAR2022", pseudocount: float = 0.5) -> np.ndarray:
    """Log-odds (log2, uniform background) score of each sequence (forward strand, length of the
    matrix) against a JASPAR matrix from the local pyjaspar database; ``pseudocount`` per base is
    added to the counts (keeps scores finite where a count is 0). MA0491.1 scores TGTGATTCATG
    12.800, the value the paper gives (Fig 6a)."""
    from pyjaspar import jaspardb

    motif = jaspardb(release=release).fetch_motif_by_id(matrix_id)
    if motif is None:
        raise ValueError(f"JASPAR matrix {matrix_id!r} not in {release} (pyjaspar)")
    pssm = motif.counts.normalize(pseudocounts=pseudocount).log_odds()
    w = pssm.length
    table = np.array([[pssm[b][i] for b in ALPHABET] for i in range(w)])  # (W, 4)
    out = np.full(len(seqs), np.nan)
    for i, s in enumerate(seqs):
        if len(s) == w and set(s) <= set(ALPHABET):
            out[i] = table[np.arange(w), [ALPHABET.index(b) for b in s]].sum()
    return out
