"""Trainer options the DREAM team recipes need: Adam betas/eps, Keras clipping (clipvalue, then
per-tensor clipnorm), the Noam warm-up schedule, per-step cosine annealing, selection on a
validation metric (Pearson) and the per-epoch ``set_epoch`` hook of the training data."""

import numpy as np
import pytest
import torch
from torch import nn

from regbench.train.losses import get_loss
from regbench.train.trainer import TrainConfig, _clip_gradients, _make_optimizer, fit, noam_factor

torch.set_num_threads(1)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5, padding=2)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x.transpose(1, 2))).mean(-1))


def data(n, seed, L=24):
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, L))]
    y = (x[:, :, 1] + x[:, :, 2]).mean(1, keepdims=True).astype(np.float32) * 4
    return x, y


def test_noam_factor_is_the_transformer_schedule():
    d, w = 512, 12_500
    assert noam_factor(0, d, w) == 0.0  # Keras: iterations = 0 at the first update
    # rising linearly to the peak at the warm-up step, then decaying as step**-0.5
    assert noam_factor(100, d, w) == pytest.approx(100 * d**-0.5 * w**-1.5)
    peak = noam_factor(w, d, w)
    assert peak == pytest.approx(d**-0.5 * w**-0.5) and peak == pytest.approx(3.953e-4, rel=1e-3)
    assert noam_factor(4 * w, d, w) == pytest.approx(peak / 2)


def test_noam_and_cosine_steps_are_stepped_per_batch(tmp_path):
    tr = data(64, 1)
    cfg = TrainConfig(max_epochs=2, batch_size=16, lr=1.0, optimizer="adam", schedule="noam", warmup_steps=3,
                      noam_d_model=16, betas=(0.9, 0.98), eps=1e-9)
    res = fit(Tiny(), tr, None, get_loss("mse"), cfg, tmp_path / "noam")
    # history lr = lr after the epoch's last update: 4 and 8 updates done
    assert res.history.lr.tolist() == pytest.approx([noam_factor(4, 16, 3), noam_factor(8, 16, 3)])
    cfg = TrainConfig(max_epochs=2, batch_size=16, lr=0.1, schedule="cosine_steps")
    res = fit(Tiny(), tr, None, get_loss("mse"), cfg, tmp_path / "cos")
    t = np.array([4, 8]) / 8  # T_max = 8 updates
    assert res.history.lr.to_numpy() == pytest.approx(0.1 * (1 + np.cos(np.pi * t)) / 2, abs=1e-12)


def test_optimizer_betas_and_eps():
    opt = _make_optimizer(Tiny(), TrainConfig(optimizer="adam", betas=(0.9, 0.98), eps=1e-9))
    assert opt.param_groups[0]["betas"] == (0.9, 0.98) and opt.param_groups[0]["eps"] == 1e-9
    opt = _make_optimizer(Tiny(), TrainConfig(optimizer="adamw"))
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)


def test_keras_clipping_order_and_per_tensor_norm():
    """clipvalue 0.5, then each gradient's norm to at most 0.6 (Keras), vs one global norm (torch)."""
    m = nn.Sequential(nn.Linear(3, 2, bias=False), nn.Linear(2, 1, bias=False))
    g0 = torch.tensor([[3.0, 0.2, -0.1], [0.0, 0.4, 2.0]])
    g1 = torch.tensor([[0.3, 0.4]])

    def setgrads():
        m[0].weight.grad, m[1].weight.grad = g0.clone(), g1.clone()

    setgrads()
    _clip_gradients(m, TrainConfig(grad_clip=0.6, grad_clip_value=0.5, grad_clip_mode="per_tensor"))
    c0 = g0.clamp(-0.5, 0.5)  # norm 0.843 -> scaled to 0.6
    assert torch.allclose(m[0].weight.grad, c0 * 0.6 / c0.norm(), atol=1e-6)
    assert torch.allclose(m[1].weight.grad, g1)  # norm 0.5 < 0.6: unchanged
    setgrads()
    _clip_gradients(m, TrainConfig(grad_clip=0.5, grad_clip_mode="global"))
    total = torch.sqrt(g0.square().sum() + g1.square().sum())
    assert torch.allclose(m[0].weight.grad, g0 * 0.5 / total, atol=1e-6)


def test_select_metric_maximises_the_metric(tmp_path):
    tr, va = data(64, 1), data(32, 2)
    calls = iter([0.1, 0.9, 0.3, 0.5])  # metric per epoch: epoch 2 is the best

    res = fit(Tiny(), tr, va, get_loss("mse"), TrainConfig(max_epochs=4, batch_size=16, select_metric="r"), tmp_path,
              metrics={"r": lambda p, y: next(calls)})
    assert res.best_epoch == 2
    with pytest.raises(ValueError, match="select_metric"):
        fit(Tiny(), tr, va, get_loss("mse"), TrainConfig(max_epochs=1, select_metric="pearson"), tmp_path / "b")


def test_set_epoch_hook(tmp_path):
    class X(np.ndarray):
        pass

    x, y = data(32, 1)
    x = x.view(X)
    seen = []
    X.set_epoch = lambda self, e: seen.append(e)
    fit(Tiny(), (x, y), None, get_loss("mse"), TrainConfig(max_epochs=3, batch_size=16), tmp_path)
    assert seen == [1, 2, 3]
