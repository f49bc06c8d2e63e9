"""The one correlation implementation: Pearson and Spearman along an axis, NaN-aware.

All functions accept arrays of equal shape and reduce ``axis``; constant inputs give NaN (never a
warning-raising division).
"""

from __future__ import annotations

import numpy as np


def pearson(x, y, axis: int | None = None, nan_policy: str = "propagate") -> np.ndarray | float:
    """Pearson r of ``x`` and ``y`` along ``axis`` (None = flattened).

    nan_policy: "propagate" (any NaN -> NaN) or "omit" (pairs with a NaN are dropped; only for
    axis=None).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"pearson: shapes differ {x.shape} vs {y.shape}")
    if axis is None:
        x, y = x.ravel(), y.ravel()
        if nan_policy == "omit":
            keep = ~(np.isnan(x) | np.isnan(y))
            x, y = x[keep], y[keep]
        axis = 0
    xm = x - x.mean(axis=axis, keepdims=True)
    ym = y - y.mean(axis=axis, keepdims=True)
    num = (xm * ym).sum(axis=axis)
    den = np.sqrt((xm * xm).sum(axis=axis) * (ym * ym).sum(axis=axis))
    # a constant input has no correlation; test it exactly (its centred values may be ~1e-16
    # rather than 0 when the mean is not representable)
    constant = (x.max(axis=axis) == x.min(axis=axis)) | (y.max(axis=axis) == y.min(axis=axis))
    ok = (den > 0) & ~constant
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
    r = np.clip(r, -1.0, 1.0)
    return float(r) if np.ndim(r) == 0 else r


def spearman(x, y, axis: int | None = None, nan_policy: str = "propagate") -> np.ndarray | float:
    """Spearman rho (Pearson of average ranks) along ``axis``."""
    from scipy.stats import rankdata  # here, not at import: scipy.stats costs ~1 s in every job

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if axis is None:
        x, y = x.ravel(), y.ravel()
        if nan_policy == "omit":
            keep = ~(np.isnan(x) | np.isnan(y))
            x, y = x[keep], y[keep]
        elif np.isnan(x).any() or np.isnan(y).any():
            return float("nan")
        return pearson(rankdata(x), rankdata(y))
    return pearson(rankdata(x, axis=axis), rankdata(y, axis=axis), axis=axis)


class StreamingPearson:
    """Pearson r of ``C`` paired series whose values arrive in chunks (memory O(C)).

    ``update(x, y)`` takes arrays reshaped to ``(-1, C)`` (e.g. ``(n, L, C)`` profiles: every
    position of every sequence is one pair, as in ``pearson(x.reshape(-1, C), y.reshape(-1, C),
    axis=0)``). Per-chunk centred sums are merged with Chan et al.'s update, so the result equals
    the one-pass :func:`pearson` up to rounding (no catastrophic cancellation of raw sums).
    NaN propagates; a constant series gives NaN, as in :func:`pearson`.
    """

    def __init__(self, n_cols: int):
        self.n = 0
        z = np.zeros(n_cols)
        self.mean_x, self.mean_y, self.sxx, self.syy, self.sxy = z.copy(), z.copy(), z.copy(), z.copy(), z.copy()
        self.min_x, self.max_x = np.full(n_cols, np.inf), np.full(n_cols, -np.inf)
        self.min_y, self.max_y = self.min_x.copy(), self.max_x.copy()

    def update(self, x, y) -> None:
        c = len(self.mean_x)
        x = np.asarray(x, dtype=np.float64).reshape(-1, c)
        y = np.asarray(y, dtype=np.float64).reshape(-1, c)
        nb = len(x)
        if nb == 0:
            return
        mx, my = x.mean(axis=0), y.mean(axis=0)
        dx, dy = x - mx, y - my
        sxx, syy, sxy = (dx * dx).sum(axis=0), (dy * dy).sum(axis=0), (dx * dy).sum(axis=0)
        n = self.n + nb
        ex, ey = mx - self.mean_x, my - self.mean_y
        w = self.n * nb / n
        self.sxx += sxx + ex * ex * w
        self.syy += syy + ey * ey * w
        self.sxy += sxy + ex * ey * w
        self.mean_x += ex * nb / n
        self.mean_y += ey * nb / n
        self.n = n
        self.min_x, self.max_x = np.minimum(self.min_x, x.min(axis=0)), np.maximum(self.max_x, x.max(axis=0))
        self.min_y, self.max_y = np.minimum(self.min_y, y.min(axis=0)), np.maximum(self.max_y, y.max(axis=0))

    def r(self) -> np.ndarray:
        """``(C,)`` Pearson r (NaN for an empty or constant series)."""
        den = np.sqrt(self.sxx * self.syy)
        constant = (self.max_x == self.min_x) | (self.max_y == self.min_y)
        ok = (den > 0) & ~constant & (self.n > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(ok, self.sxy / np.where(ok, den, 1.0), np.nan)
        return np.clip(r, -1.0, 1.0)

    def mse_scaled(self, s) -> np.ndarray:
        """``mean((x - s*y)^2)`` per series from the moments, for a per-series factor ``s``."""
        s = np.asarray(s, dtype=np.float64)
        n = max(self.n, 1)
        return (self.mean_x - s * self.mean_y) ** 2 + (self.sxx - 2 * s * self.sxy + s * s * self.syy) / n
