"""The one correlation implementation: Pearson and Spearman along an axis, NaN-aware.

All functions accept arrays of equal shape and reduce ``axis``; constant inputs give NaN (never a
warning-raising division).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


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
