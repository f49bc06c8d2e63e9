"""GOPHER evaluation formulas (specs/accessibility.md §5). Pure numpy; no torch.

Array convention: truth ``Y`` and prediction ``P`` are ``(N, L_b, C)`` (sequences x bins x cell
lines) at the model's bin size ``B`` unless stated otherwise.
"""

from __future__ import annotations

import numpy as np

from regbench.genome.tracks import bin_mean
from regbench.metrics.correlation import pearson

BIN_SIZES = (1, 32, 64, 128, 256, 512, 1024, 2048)


def change_resolution(x: np.ndarray, b0: int, b1: int) -> np.ndarray:
    """Mean-downsample ``(N, L, C)`` from bin ``b0`` to bin ``b1`` (``b1`` multiple of ``b0``).

    ``x.reshape(N, L*b0/b1, b1/b0, C).mean(axis=2)`` in ``x``'s dtype (GOPHER ``change_resolution``;
    :func:`regbench.genome.tracks.bin_mean` with ``acc_dtype=None``).
    """
    x = np.asarray(x)
    if b1 % b0:
        raise ValueError(f"change_resolution: b1={b1} is not a multiple of b0={b0}")
    if x.ndim != 3:
        raise ValueError(f"change_resolution: expected (N, L, C), got shape {x.shape}")
    return bin_mean(x, b1 // b0, axis=1, acc_dtype=None)


def upsample(x: np.ndarray, bin_size: int) -> np.ndarray:
    """``np.repeat(x, bin_size, axis=1)``: ``(N, L_b, C)`` -> ``(N, L_b*bin_size, C)``."""
    return np.repeat(np.asarray(x), bin_size, axis=1)


def whole_pearson(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per cell line Pearson over the flattened chromosome: ``(N, L, C)`` -> ``(C,)``."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    c = y.shape[-1]
    return np.asarray(pearson(y.reshape(-1, c), p.reshape(-1, c), axis=0))


def whole_mse(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per cell line mean squared error over all sequences and bins: ``(C,)``."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    return ((y - p) ** 2).reshape(-1, y.shape[-1]).mean(axis=0)


def scaling_factors(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``s_c = sum(Y[..., c]) / sum(P[..., c])`` over the whole test chromosome: ``(C,)``.

    Non-finite when a prediction sums to 0 (the caller skips scaled results then, as GOPHER).
    """
    c = np.asarray(y).shape[-1]
    sy = np.asarray(y, dtype=np.float64).reshape(-1, c).sum(axis=0)
    sp = np.asarray(p, dtype=np.float64).reshape(-1, c).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sy / sp


def scale_predictions(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``P * s_c`` (global per-cell-line scaling, Methods 'Scaling predictions')."""
    return np.asarray(p, dtype=np.float64) * scaling_factors(y, p)


def per_sequence_pearson(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per cell line ``nanmean`` over sequences of the profile Pearson: ``(C,)``.

    Constant profiles give NaN and are skipped (GOPHER ``get_correlation_per_seq``).
    """
    r = pearson(np.asarray(y), np.asarray(p), axis=1)  # (N, C)
    return nanmean_columns(np.asarray(r, dtype=np.float64).reshape(np.asarray(y).shape[0], -1))


def nanmean_columns(r: np.ndarray) -> np.ndarray:
    """Per column ``nanmean`` of ``(N, C)`` values (NaN where a column has no finite value)."""
    r = np.asarray(r, dtype=np.float64)
    out = np.full(r.shape[1], np.nan)
    for c in range(r.shape[1]):
        col = r[:, c]
        if np.isfinite(col).any():
            out[c] = np.nanmean(col)
    return out


def boxcar(x: np.ndarray, window: int) -> np.ndarray:
    """``np.convolve(x, ones(w)/w, mode='same')`` on a 1-D track (ED Fig. 2 smoothing)."""
    return np.convolve(np.asarray(x, dtype=np.float64), np.ones(window) / window, mode="same")


def smoothed_whole_pearson(y: np.ndarray, p: np.ndarray, b0: int, window: int) -> np.ndarray:
    """Whole-chromosome Pearson after upsampling to bp and box-car smoothing both tracks.

    ``window == b0`` means no smoothing. Returns ``(C,)``.
    """
    yb = upsample(y, b0)
    pb = upsample(p, b0)
    c = yb.shape[-1]
    yb, pb = yb.reshape(-1, c), pb.reshape(-1, c)
    if window > b0:
        yb = np.stack([boxcar(yb[:, i], window) for i in range(c)], axis=1)
        pb = np.stack([boxcar(pb[:, i], window) for i in range(c)], axis=1)
    return np.asarray(pearson(yb, pb, axis=0))


def threshold_mask(y_bp: np.ndarray, threshold: float) -> np.ndarray:
    """Sequences whose base-resolution coverage exceeds ``threshold`` in any cell line: ``(N,)``.

    Uses ``mask2d.any(axis=1)`` (GOPHER's argwhere mix-up of row/column indices is not copied).
    """
    return (np.asarray(y_bp).max(axis=1) > threshold).any(axis=-1)


def trapezoid_aupr(labels: np.ndarray, scores: np.ndarray) -> float:
    """AUPR as ``sklearn.metrics.auc(recall, precision)`` (trapezoid, GOPHER), NaN if one class."""
    from sklearn.metrics import auc, precision_recall_curve

    labels = np.asarray(labels)
    if labels.min() == labels.max():
        return float("nan")
    prec, rec, _ = precision_recall_curve(labels, scores)
    return float(auc(rec, prec))


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """``auc(roc_curve(labels, scores))``, NaN if one class."""
    from sklearn.metrics import auc, roc_curve

    labels = np.asarray(labels)
    if labels.min() == labels.max():
        return float("nan")
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(auc(fpr, tpr))


def binary_scores(labels: np.ndarray, scores: np.ndarray, aupr: str = "trapezoid") -> dict[str, float]:
    """Mean over cell lines of AUROC and AUPR; ``labels``/``scores`` ``(N, C)``.

    ``aupr``: "trapezoid" (GOPHER code) or "average_precision".
    """
    from sklearn.metrics import average_precision_score

    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=np.float64)
    ro, pr = [], []
    for c in range(labels.shape[1]):
        ro.append(auroc(labels[:, c], scores[:, c]))
        if aupr == "trapezoid":
            pr.append(trapezoid_aupr(labels[:, c], scores[:, c]))
        elif labels[:, c].min() == labels[:, c].max():
            pr.append(float("nan"))
        else:
            pr.append(float(average_precision_score(labels[:, c], scores[:, c])))
    return {"auroc": float(np.nanmean(ro)), "aupr": float(np.nanmean(pr))}


def coverage_pearson(y_bp: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Pearson across sequences of mean coverage vs a per-sequence score, per cell line: ``(C,)``.

    ``y_bp`` ``(N, L, C)`` base-resolution truth; ``score`` ``(N, C)`` (a binary model's logit
    or a quantitative model's mean prediction over bins).
    """
    target = np.asarray(y_bp, dtype=np.float64).mean(axis=1)
    return np.asarray(pearson(target, np.asarray(score, dtype=np.float64), axis=0))


def variation_score(preds: np.ndarray, offsets: np.ndarray, span: int = 1024, centre: int = 1024) -> np.ndarray:
    """GOPHER robustness variation score per (sequence, cell line) (§5.7).

    preds: ``(K, N, W, C)`` base-resolution predictions of K shifted windows (window W, e.g.
    2048, cut from a longer input at ``offsets[k]``, ``(K,)`` or ``(K, N)``). The region
    ``[centre, centre+span)`` of the long input is aligned across shifts:
    ``A_k(p) = P_k[centre - o_k + p]``. Returns ``v = mean_p std_k A / mean_{k,p} A`` ``(N, C)``
    (ddof 0; a zero mean gives inf/NaN as in GOPHER) and the aligned mean ``(N, span, C)``.
    """
    preds = np.asarray(preds, dtype=np.float64)
    aligned = aligned_shifts(preds, offsets, span=span, centre=centre)  # (K, N, span, C)
    sd = aligned.std(axis=0)  # (N, span, C)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = sd.mean(axis=1) / aligned.mean(axis=(0, 2))
    return v, aligned.mean(axis=0)


def aligned_shifts(preds: np.ndarray, offsets: np.ndarray, span: int = 1024, centre: int = 1024) -> np.ndarray:
    """Cut the common region of K shifted predictions: ``(K, N, W, C)`` -> ``(K, N, span, C)``."""
    preds = np.asarray(preds)
    k, n = preds.shape[:2]
    offsets = np.asarray(offsets)
    if offsets.ndim == 1:
        offsets = np.repeat(offsets[:, None], n, axis=1)
    out = np.empty((k, n, span) + preds.shape[3:], dtype=preds.dtype)
    for i in range(k):
        for j in range(n):
            s = centre - int(offsets[i, j])
            if s < 0 or s + span > preds.shape[2]:
                raise ValueError(f"aligned_shifts: offset {offsets[i, j]} puts the region outside the window")
            out[i, j] = preds[i, j, s : s + span]
    return out


class StreamingBoxcar:
    """:func:`boxcar` (``np.convolve(x, ones(w)/w, mode='same')``) of ``C`` tracks that arrive in
    pieces: ``push(x)`` with ``x`` ``(m, C)`` returns the smoothed values that are complete so far,
    ``finish()`` the rest. Output position ``i`` is the mean of input ``[i - w//2, i + w - 1 - w//2]``
    (zeros outside the track, as ``np.convolve``); running sums over a buffer of at most the last
    chunk plus ``w`` values, so memory is set by the chunk, not by the track length."""

    def __init__(self, window: int, n_cols: int):
        self.w = int(window)
        self.left = self.w // 2
        self.right = self.w - 1 - self.left
        self.buf = np.zeros((self.left, n_cols))  # input from position out_pos - left on
        self.out_pos = 0  # next output position
        self.total = 0

    def _emit(self, upto: int) -> np.ndarray:
        """Outputs for positions [out_pos, upto): needs input up to upto - 1 + right."""
        m = upto - self.out_pos
        if m <= 0:
            return np.zeros((0, self.buf.shape[1]))
        cs = np.concatenate([np.zeros((1, self.buf.shape[1])), np.cumsum(self.buf, axis=0)])
        # output j (0..m-1) = sum buf[j : j + w] / w
        out = (cs[self.w : self.w + m] - cs[:m]) / self.w
        self.buf = self.buf[m:]
        self.out_pos = upto
        return out

    def push(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        self.buf = np.concatenate([self.buf, x])
        self.total += len(x)
        return self._emit(max(self.out_pos, self.total - self.right))

    def finish(self) -> np.ndarray:
        self.buf = np.concatenate([self.buf, np.zeros((self.right, self.buf.shape[1]))])
        return self._emit(self.total)
