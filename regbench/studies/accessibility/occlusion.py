"""Motif occlusion (GOPHER Supp. Fig. 2; specs/accessibility.md §5.10).

For each sequence, every non-overlapping regex match of a motif pattern (GOPHER: the AP-1
palindrome ``TGA.TCA``, found with ``re.finditer`` on the sequence string) is occluded, i.e.
replaced by i.i.d. uniform random bases (``fill="random"``, GOPHER; averaged over ``n_copies``
randomisations) or by the uniform 0.25 profile (``fill="mean"``, deterministic). The effect is
the change of the prediction averaged over output positions. As a control (not in GOPHER) the
same number of equally long windows at random positions that overlap no match is occluded the
same way ("background"): a model that uses the motif loses more coverage when the motif is
occluded than when background of the same size is.

Coordinates: 0-based half-open ``(start, end)`` spans inside the input window. Predictions go
through the one inference engine :func:`regbench.predict.engine.predict`.
"""

from __future__ import annotations

import re

import numpy as np

Span = tuple[int, int]


def find_matches(seqs: list[str], pattern: str) -> list[list[Span]]:
    """Non-overlapping regex matches ``[(start, end), ...]`` of ``pattern`` per sequence (forward
    strand, as GOPHER; ``TGA.TCA`` is its own reverse complement)."""
    rx = re.compile(pattern)
    return [[(m.start(), m.end()) for m in rx.finditer(s)] for s in seqs]


def background_spans(length: int, spans: list[Span], rng: np.random.Generator, max_tries: int = 1000) -> list[Span]:
    """One random span per span of ``spans`` with the same length, inside ``[0, length)``,
    overlapping neither ``spans`` nor each other. Raises ValueError if none fits."""
    taken = np.zeros(length, dtype=bool)
    for s, e in spans:
        taken[s:e] = True
    out = []
    for s, e in spans:
        w = e - s
        for _ in range(max_tries):
            st = int(rng.integers(0, length - w + 1))
            if not taken[st : st + w].any():
                taken[st : st + w] = True
                out.append((st, st + w))
                break
        else:
            raise ValueError(f"no free background window of {w} bp in a sequence of {length} bp")
    return out


def occlude(x: np.ndarray, spans: list[Span], rng: np.random.Generator | None = None, fill: str = "random") -> np.ndarray:
    """Copy of one-hot ``x`` ``(L, 4)`` with every span replaced: ``fill="random"`` draws i.i.d.
    uniform bases from ``rng``; ``fill="mean"`` writes 0.25 in every channel."""
    out = np.array(x, dtype=np.float32, copy=True)
    for s, e in spans:
        if fill == "mean":
            out[s:e] = 0.25
        elif fill == "random":
            out[s:e] = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=e - s)]
        else:
            raise ValueError(f"occlusion fill must be 'random' or 'mean', got {fill!r}")
    return out


def _mean_over_positions(o):
    return o.float().mean(1) if o.ndim == 3 else o.float()


def occlusion_effects(model, x: np.ndarray, spans: list[list[Span]], n_copies: int = 25, seed: int = 0,
                      fill: str = "random", control: bool = True, batch_size: int = 64, chunk: int = 64,
                      device=None, *, precision: str) -> dict[str, np.ndarray]:
    """Predictions of ``model`` on original and occluded sequences.

    ``x``: one-hot ``(N, L, 4)`` (an array, or a lazily indexable view such as
    :func:`.datasets.onehot_view` read ``chunk`` rows at a time); ``spans[i]``: the spans to
    occlude in sequence i (>= 1 each).
    The model output ``(N, L_out, C)`` (or ``(N, C)``) is averaged over output positions.
    Returns ``original`` ``(N, C)``, ``removed`` ``(N, C)`` (mean over ``n_copies`` occluded
    copies; one copy when ``fill="mean"``) and, with ``control``, ``background`` ``(N, C)``
    (the same for random non-overlapping windows of the same lengths, drawn once per sequence).
    Deterministic given ``seed``. Sequences are processed ``chunk`` at a time; ``precision`` is
    the inference engine's (the caller passes fp32: the effects are small differences).
    """
    from regbench.predict.engine import predict

    if len(spans) != len(x):
        raise ValueError(f"occlusion: {len(x)} sequences but {len(spans)} span lists")
    k = 1 if fill == "mean" else int(n_copies)
    rng = np.random.default_rng(seed)
    kinds = ["removed"] + (["background"] if control else [])
    res = {name: [] for name in ["original"] + kinds}
    for c0 in range(0, len(x), chunk):
        xc = np.asarray(x[c0 : c0 + chunk], dtype=np.float32)  # a view is one-hot encoded here
        batch, idx = [], len(xc)
        for j in range(idx):
            sp = spans[c0 + j]
            batch.append(xc[j])
            batch += [occlude(xc[j], sp, rng, fill) for _ in range(k)]
            if control:
                bg = background_spans(xc.shape[1], sp, rng)
                batch += [occlude(xc[j], bg, rng, fill) for _ in range(k)]
        p = np.asarray(predict(model, np.stack(batch), batch_size=batch_size, reduce=_mean_over_positions,
                               device=device, precision=precision, progress=False), dtype=np.float64)
        per = 1 + k * len(kinds)
        p = p.reshape(idx, per, -1)
        res["original"].append(p[:, 0])
        for j, name in enumerate(kinds):
            res[name].append(p[:, 1 + j * k : 1 + (j + 1) * k].mean(axis=1))
    return {name: np.concatenate(v) if v else np.zeros((0, 0)) for name, v in res.items()}


def instance_group(n: int) -> str:
    """GOPHER groups sequences by their number of motif instances: 1, 2 and >= 3 ("3+")."""
    return str(n) if n < 3 else "3+"
