"""Losses against independent numpy/scipy computations."""

import numpy as np
import pytest
import torch
from scipy.special import gammaln, log_softmax

from regbench.train.losses import get_loss

torch.set_num_threads(1)
rng = np.random.default_rng(0)
PRED = rng.uniform(0.1, 3, size=(4, 8, 3))
Y = rng.poisson(1.5, size=(4, 8, 3)).astype(float)


def _t(a):
    return torch.tensor(a, dtype=torch.float32)


def test_poisson_matches_keras_formula():
    want = np.mean(PRED - Y * np.log(PRED + 1e-7))
    assert float(get_loss("poisson")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-5)


def test_mse():
    assert float(get_loss("mse")(_t(PRED), _t(Y))) == pytest.approx(np.mean((PRED - Y) ** 2), rel=1e-5)


def test_pearson_pooled_per_track():
    rs = [np.corrcoef(PRED[..., c].ravel(), Y[..., c].ravel())[0, 1] for c in range(3)]
    assert float(get_loss("pearson")(_t(PRED), _t(Y))) == pytest.approx(-np.mean(rs), rel=1e-4)
    assert float(get_loss("basenjipearsonr")(_t(PRED), _t(Y))) == pytest.approx(-np.mean(rs), rel=1e-4)


def test_pearson_mse_default_alpha():
    rs = [np.corrcoef(PRED[..., c].ravel(), Y[..., c].ravel())[0, 1] for c in range(3)]
    want = -np.mean(rs) + 0.001 * np.mean((PRED - Y) ** 2)
    assert float(get_loss("pearsonr_mse")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)


def test_multinomial_nll():
    logp = log_softmax(PRED, axis=1)
    n = Y.sum(1)
    ll = gammaln(n + 1) - gammaln(Y + 1).sum(1) + (Y * logp).sum(1)
    want = -ll.sum() / PRED.shape[0]
    assert float(get_loss("multinomial")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)
    mix = get_loss("multinomialnll_mse_reg")(_t(PRED), _t(Y))
    assert float(mix) == pytest.approx(1e-7 * want + np.mean((PRED - Y) ** 2), rel=1e-4)


def test_bce_probabilities_and_logits():
    p = rng.uniform(0.05, 0.95, size=(6, 3))
    y = rng.integers(0, 2, size=(6, 3)).astype(float)
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(get_loss("bce")(_t(p), _t(y))) == pytest.approx(want, rel=1e-5)
    logit = np.log(p / (1 - p))
    assert float(get_loss("bce", logits=True)(_t(logit), _t(y))) == pytest.approx(want, rel=1e-4)


def test_unknown_loss():
    with pytest.raises(KeyError):
        get_loss("nope")


def test_mask_nan_ignores_missing_targets():
    y = Y.copy()
    y[0, :, 1] = np.nan
    keep = np.isfinite(y)
    want = np.mean(PRED[keep] - y[keep] * np.log(PRED[keep] + 1e-7))
    assert float(get_loss("poisson", mask_nan=True)(_t(PRED), _t(y))) == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValueError):
        get_loss("pearson", mask_nan=True)
