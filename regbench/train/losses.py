"""Training losses (GOPHER ``gopher/losses.py`` semantics, see specs/accessibility.md §4.1).

All losses take ``pred`` and ``target`` of equal shape: profiles ``(B, T, C)`` (bins x tracks)
or scalars ``(B, C)``, and return a scalar tensor. ``get_loss(name, **kw)`` returns a callable.

| name | formula |
|---|---|
| ``poisson`` | ``mean(pred - y * log(pred + 1e-7))`` (pred >= 0, e.g. softplus output) |
| ``poisson_log`` | ``mean(exp(pred) - y * pred)`` (pred = log rate) |
| ``mse`` | ``mean((y - pred)^2)`` |
| ``pearson`` | ``-mean_c r_c``, ``r_c`` pooled over all batch items and bins of track c |
| ``pearson_mse`` | ``pearson + alpha * mse``, alpha default 0.001 |
| ``multinomial`` | multinomial NLL over bins per (item, track), logits = pred; / batch size |
| ``multinomial_mse`` | ``alpha * multinomial + mse``, alpha default 1e-7 |
| ``pearson_poisson`` | harmonic combination ``2 pr poiss / (pr + poiss)`` (not used in the paper) |
| ``bce`` | binary cross-entropy on probabilities (``logits=True``: on logits) |

``get_loss(name, mask_nan=True)`` (poisson, poisson_log, mse): target entries that are NaN are
ignored (mean over the finite ones), e.g. for multi-species heads trained on mixed batches.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def poisson(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Keras Poisson: ``mean(pred - y * log(pred + 1e-7))``."""
    pred = pred.float()
    return (pred - y * torch.log(pred + 1e-7)).mean()


def poisson_log(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Poisson NLL with ``pred`` the log rate (without the y! term)."""
    pred = pred.float()
    return (torch.exp(pred) - y * pred).mean()


def mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((pred.float() - y) ** 2).mean()


def pearson(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``-mean_c r_c``: Pearson per last-axis track, pooled over all other axes (Basenji; no eps)."""
    pred = pred.float()
    c = pred.shape[-1]
    p = pred.reshape(-1, c)
    t = y.reshape(-1, c).float()
    n = p.shape[0]
    xy = (p * t).sum(0)
    sx, sy = p.sum(0), t.sum(0)
    sxx, syy = (p * p).sum(0), (t * t).sum(0)
    cov = xy / n - (sx / n) * (sy / n)
    var_p = sxx / n - (sx / n) ** 2
    var_t = syy / n - (sy / n) ** 2
    r = cov / torch.sqrt(var_p * var_t)
    return -r.mean()


def multinomial(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Multinomial NLL with logits ``pred`` over the bin axis (dim 1), counts ``y`` (real allowed).

    ``-(1/B) sum_{b,c} log Mult(y[b,:,c] | n = sum_t y[b,t,c], logits = pred[b,:,c])``.
    """
    if pred.dim() != 3:
        raise ValueError(f"multinomial loss needs profiles (B, T, C), got shape {tuple(pred.shape)}")
    pred = pred.float()
    y = y.float()
    logp = torch.log_softmax(pred, dim=1)
    n = y.sum(1)
    log_fact = torch.lgamma(n + 1) - torch.lgamma(y + 1).sum(1)
    ll = log_fact + (y * logp).sum(1)
    return -ll.sum() / pred.shape[0]


def bce(pred: torch.Tensor, y: torch.Tensor, logits: bool = False) -> torch.Tensor:
    """Binary cross-entropy (mean); ``pred`` probabilities, or logits with ``logits=True``."""
    pred = pred.float()
    y = y.float()
    if logits:
        return F.binary_cross_entropy_with_logits(pred, y)
    # Keras clips probabilities to [eps, 1-eps] with eps 1e-7
    return F.binary_cross_entropy(pred.clamp(1e-7, 1 - 1e-7), y)


def _masked(fn):
    def masked(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        keep = torch.isfinite(y)
        return fn(pred[keep], y[keep])

    return masked


def get_loss(name: str, **kw) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Loss callable ``(pred, target) -> scalar`` by name (see the module table).

    Keywords: ``alpha`` for ``pearson_mse`` (0.001) and ``multinomial_mse`` (1e-7); ``logits`` for
    ``bce``. GOPHER code names are accepted as aliases (``basenjipearsonr``, ``pearsonr_mse``,
    ``multinomialnll_mse_reg``, ``multinomialnll``, ``pearsonr_poisson``).
    """
    aliases = {
        "basenjipearsonr": "pearson",
        "pearsonr": "pearson",
        "pearsonr_mse": "pearson_mse",
        "multinomialnll_mse_reg": "multinomial_mse",
        "multinomialnll": "multinomial",
        "pearsonr_poisson": "pearson_poisson",
        "binary_crossentropy": "bce",
    }
    key = aliases.get(name, name)
    if kw.get("mask_nan"):
        if key not in ("poisson", "poisson_log", "mse"):
            raise ValueError(f"mask_nan is supported for poisson, poisson_log and mse, not {name!r}")
        return _masked({"poisson": poisson, "poisson_log": poisson_log, "mse": mse}[key])
    if key == "poisson":
        return poisson
    if key == "poisson_log":
        return poisson_log
    if key == "mse":
        return mse
    if key == "pearson":
        return pearson
    if key == "multinomial":
        return multinomial
    if key == "bce":
        logits = bool(kw.get("logits", False))
        return lambda p, y: bce(p, y, logits=logits)
    if key == "pearson_mse":
        alpha = float(kw.get("alpha", 0.001))
        return lambda p, y: pearson(p, y) + alpha * mse(p, y)
    if key == "multinomial_mse":
        alpha = float(kw.get("alpha", 1e-7))
        return lambda p, y: alpha * multinomial(p, y) + mse(p, y)
    if key == "pearson_poisson":

        def _pp(p, y):
            pr, po = pearson(p, y), poisson(p, y)
            return 2 * pr * po / (pr + po)

        return _pp
    raise KeyError(
        f"unknown loss {name!r}; available: poisson, poisson_log, mse, pearson, pearson_mse, "
        "multinomial, multinomial_mse, pearson_poisson, bce"
    )
