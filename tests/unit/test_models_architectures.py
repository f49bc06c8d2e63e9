"""Architectures (specs/accessibility.md §3, personal.md §1.14): shapes, parameter counts, and
training through the one trainer on a tiny synthetic task until they beat a mean predictor."""

import numpy as np
import pytest
import torch

from regbench.models import registry
from regbench.train.losses import get_loss
from regbench.train.trainer import TrainConfig, fit

torch.set_num_threads(1)

def synthetic(n, L=256, seed=0):
    """Random DNA with planted 40-bp A-rich (track 0) and G-rich (track 1) segments.

    Profile y (n, L, 2) = 0.05 + 2 over each segment of track c; counts (n, 2) = segments per
    track. Wide, strong signals so that tiny models learn them in ~100 steps.
    """
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, L))
    y = np.full((n, L, 2), 0.05, dtype=np.float32)
    counts = np.zeros((n, 2), dtype=np.float32)
    for i in range(n):
        for c, base in enumerate((0, 2)):
            for _ in range(rng.integers(0, 3)):
                p = rng.integers(0, L - 40)
                seg = codes[i, p : p + 40]
                codes[i, p : p + 40] = np.where(rng.random(40) < 0.8, base, seg)
                y[i, p : p + 40, c] += 2.0
                counts[i, c] += 1
    x = np.eye(4, dtype=np.float32)[codes]
    return x, y, counts


def binned(y, b):
    return y.reshape(len(y), -1, b, y.shape[-1]).mean(2)


TINY = {
    "basenji_v2": dict(bin_size=16, filters_1=16, filters_2=32, n_blocks=3),
    "bpnet": dict(bin_size=16, filters=16, layer_num=4),
    "cnn_base": dict(bin_size=16, filters=(16, 16, 16), dense=32, top=16),
    "cnn_base_task": dict(bin_size=16, heads="task", activation="exponential", filters=(16, 16, 16), dense=32, top=16),
    "residualbind_base": dict(bin_size=16, filters=(16, 16, 16), dense=32, top=16),
    "residualbind_base_task": dict(bin_size=16, heads="task", filters=(16, 16, 16), dense=32, top=16),
    "residualbind_32": dict(filters=(16, 16, 16), dense=16),
    "residualbind_32_task": dict(heads="task", filters=(16, 16, 16), dense=16),
    "basset": dict(filters=(16, 16, 16), dense=32),
    "cnn_binary": dict(activation="exponential", filters=(16, 16, 16), dense=32),
    "residualbind_binary": dict(filters=(16, 16, 16), dense=32),
    "basenji_binary": dict(filters_1=16, filters_2=32, n_blocks=3),
    "expression_cnn": dict(filters=16, pool=32, hidden=16),
}


def registry_name(key):
    return key.replace("_task", "")


# the larger models need more data/steps (marked slow)
SLOW = {"basenji_v2", "basenji_binary", "residualbind_base", "residualbind_base_task", "residualbind_32",
        "residualbind_32_task", "residualbind_binary"}
N_TRAIN = {k: (1536 if k.startswith("residualbind") else 384) for k in TINY}
# the flatten-bottleneck ResidualBind-base learns slowly: at 1e-3 its eval-mode valid MSE after
# 8 epochs is 0.47 vs the mean predictor's 0.51; at 1e-2 it is 0.24 (single) / 0.35 (task)
LR = {"residualbind_base": 1e-2, "residualbind_base_task": 1e-2}


def _param(k):
    return pytest.param(k, marks=[pytest.mark.slow] if k in SLOW else [])


@pytest.fixture(scope="module")
def data():
    return synthetic(1536, seed=1), synthetic(128, seed=2)


@pytest.mark.parametrize("key", [_param(k) for k in TINY])
def test_trains_and_beats_mean_predictor(key, data, tmp_path):
    (xt, yt, ct), (xv, yv, cv) = data
    n = N_TRAIN[key]
    xt, yt, ct = xt[:n], yt[:n], ct[:n]
    torch.manual_seed(0)
    hp = dict(TINY[key])
    if key != "expression_cnn":
        hp["bn_momentum"] = 0.9  # Keras' 0.99 leaves running statistics unsettled after ~100 steps
    m = registry.build(registry_name(key), input_length=256, n_tracks=2, **hp)
    if m.output_bin_size is not None:  # profiles, Poisson
        b = m.output_bin_size
        tr, va, loss = (xt, binned(yt, b)), (xv, binned(yv, b)), get_loss("poisson")
    elif key == "expression_cnn":
        tr, va, loss = (xt, ct), (xv, cv), get_loss("mse")
    else:  # binary: does the sequence contain motif c
        tr, va, loss = (xt, (ct > 0).astype(np.float32)), (xv, (cv > 0).astype(np.float32)), get_loss("bce")
    # BN statistics re-estimated with dropout off: without it the eval-mode ResidualBind-base
    # and -binary models stay at the mean predictor (train-mode valid MSE 0.13, eval-mode 0.27,
    # mean 0.23 for residualbind_binary) because Dropout precedes Conv+BN in their blocks
    cfg = TrainConfig(max_epochs=8, batch_size=32, lr=LR.get(key, 3e-3 if n < 1000 else 1e-3), seed=0, bn_recalibrate_batches=16)
    res = fit(m, tr, va, loss, cfg, tmp_path)
    with torch.no_grad():
        pred = res.model(torch.from_numpy(xv)).numpy()
    assert pred.shape == va[1].shape
    mse_model = np.mean((pred - va[1]) ** 2)
    mse_mean = np.mean((va[1] - tr[1].mean(0, keepdims=True)) ** 2)
    print(f"{key}: valid MSE {mse_model:.4f} vs mean predictor {mse_mean:.4f}")
    assert mse_model < 0.9 * mse_mean


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_full_size_shapes_and_parameter_counts(capsys):
    # shapes at the paper's sizes (input 2048, 15 cell lines)
    expect = {
        ("basenji_v2", 128): (16, 15),
        ("bpnet", 1): (2048, 15),
        ("cnn_base", 32): (64, 15),
        ("residualbind_base", 1): (2048, 15),
        ("residualbind_32", 32): (64, 15),
    }
    x = torch.zeros(1, 2048, 4)
    x[..., 2] = 1
    for (name, b), shape in expect.items():
        m = registry.build(name, bin_size=b).eval()
        with torch.no_grad():
            assert tuple(m(x).shape[1:]) == shape, name
        assert m.output_bin_size == b and m.n_tracks == 15 and m.input_length == 2048
        print(name, b, n_params(m))
    for name in ["basset", "cnn_binary", "residualbind_binary", "basenji_binary"]:
        m = registry.build(name, activation="exponential").eval()
        with torch.no_grad():
            out = m(x)
        assert out.shape == (1, 15) and m.output_bin_size is None
        assert float(out.min()) >= 0 and float(out.max()) <= 1
        print(name, n_params(m))

    # spec: ResidualBind-base B=1 bottleneck Dense(512 -> 2048*8) has ~8.4 M parameters
    rb = registry.build("residualbind_base", bin_size=1)
    dense = [mod for mod in rb.trunk if isinstance(mod, torch.nn.Linear) and mod.out_features == 2048 * 8][0]
    assert n_params(dense) == 512 * 16384 + 16384  # 8,404,992
    # spec flatten sizes: CNN-baseline 8192, ResidualBind-base 16384, Basset 8400 inputs
    cnn = registry.build("cnn_base", bin_size=32)
    assert [mod for mod in cnn.trunk if isinstance(mod, torch.nn.Linear)][0].in_features == 8192
    assert [mod for mod in rb.trunk if isinstance(mod, torch.nn.Linear)][0].in_features == 16384
    basset = registry.build("basset")
    assert [mod for mod in basset.net if isinstance(mod, torch.nn.Linear)][0].in_features == 8400
    # Sasse simple CNN: conv 4*900*10+900, Linear(39,600 -> 200), Linear(200 -> 1)
    e = registry.build("expression_cnn")
    assert e.fc1.in_features == 39_600
    assert n_params(e) == (4 * 900 * 10 + 900) + (39_600 * 200 + 200) + (200 + 1)  # 7,957,301
    print("expression_cnn", n_params(e))
    # Basenji-v2 dilations and the zero-initialised second BN gamma
    from regbench.models.gopher import BasenjiResBlock

    bv2 = registry.build("basenji_v2")
    blocks = [mod for mod in bv2.modules() if isinstance(mod, BasenjiResBlock)]
    assert [blk.body[1].dilation[0] for blk in blocks] == [1, 2, 2, 3, 5, 8, 11, 17, 26, 38, 58]
    assert all(float(blk.body[5].weight.detach().abs().sum()) == 0 for blk in blocks)


def test_bpnet_linear_output_for_non_poisson_loss():
    m = registry.build("bpnet", input_length=64, n_tracks=2, filters=8, layer_num=3, loss="mse")
    torch.manual_seed(0)
    with torch.no_grad():
        out = m(torch.randn(4, 64, 4))
    assert float(out.min()) < 0  # softplus only with the Poisson loss


def test_keras_same_padding_even_kernel():
    from regbench.models.gopher import SameConv1d

    c = SameConv1d(1, 1, 10)
    assert c._pad == (4, 5)
    c = SameConv1d(1, 1, 3, dilation=8)
    assert c._pad == (8, 8)


@pytest.mark.parametrize("k,dilation", [(1, 1), (3, 1), (3, 4), (10, 1), (19, 1), (20, 2)])
def test_same_conv_equals_keras_padding_then_convolution(k, dilation):
    """SameConv1d pads inside the convolution; forward and gradients equal an explicit Keras
    'same' pad (left total // 2, right the rest) followed by an unpadded convolution."""
    from regbench.models.gopher import SameConv1d

    torch.manual_seed(0)
    c = SameConv1d(4, 6, k, dilation=dilation)
    total = dilation * (k - 1)
    x = torch.randn(3, 4, 37, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    w_ref = c.weight.detach().clone().requires_grad_(True)
    want = torch.nn.functional.conv1d(torch.nn.functional.pad(x_ref, (total // 2, total - total // 2)), w_ref, c.bias, dilation=dilation)
    got = c(x)
    assert got.shape == (3, 6, 37)
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    (got * torch.arange(37.0)).sum().backward()
    (want * torch.arange(37.0)).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(c.weight.grad, w_ref.grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["conv_profile_task_base", "residual_profile_task_base", "residual_profile_task_conv_32"])
def test_task_heads_are_per_track_heads_concatenated(name):
    """The one trunk/head body (gopher.TrunkHeadModel): track t of a task model is head t applied
    to the trunk output (after the shared ``pre`` conv of ResidualBind-32), checkpoint keys
    ``head.<t>.*`` as before the twins were merged."""
    torch.manual_seed(0)
    m = registry.build(name, input_length=2048, n_tracks=3).eval()
    assert {k.split(".")[1] for k in m.state_dict() if k.startswith("head.")} == {"0", "1", "2"}
    x = torch.rand(2, 2048, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        h = m.trunk(x.transpose(1, 2))
        if hasattr(m, "pre"):
            h = m.pre(h)
        want = torch.nn.functional.softplus(torch.cat([m.head[t](h) for t in range(3)], dim=1)).transpose(1, 2)
        torch.testing.assert_close(m(x), want, rtol=0, atol=0)


# md5 of [(state_dict key, shape), ...] of each tiny profile model, recorded before the heads
# dispatch moved into TrunkHeadModel.attach_heads (commit 5ff0c9c): checkpoints saved before it load.
KEYS_BEFORE = {
    ("cnn_base", "single"): (44, "f444a47e1eb993b2790027851a29a73a"),
    ("cnn_base", "task"): (69, "f4bae102bc9239aad422024061636941"),
    ("residualbind_base", "single"): (177, "3a28b61283c40913749f512fce3a1cac"),
    ("residualbind_base", "task"): (202, "bab93dce65ba86329412ab5263135797"),
    ("residualbind_32", "single"): (121, "5e1e40fe80cfa5caa95f844fd5a846e2"),
    ("residualbind_32", "task"): (146, "603857e108b050f1fa4a6481138faf78"),
}
ALIASES = {("cnn_base", "single"): "conv_profile_all_base", ("cnn_base", "task"): "conv_profile_task_base",
           ("residualbind_base", "single"): "residual_profile_all_base", ("residualbind_base", "task"): "residual_profile_task_base",
           ("residualbind_32", "single"): "residual_profile_all_dense_32", ("residualbind_32", "task"): "residual_profile_task_conv_32"}


@pytest.mark.parametrize("name,heads", list(KEYS_BEFORE))
def test_profile_heads_checkpoint_keys_and_aliases(name, heads):
    """State-dict keys/shapes as before the one heads dispatch; GOPHER's alias name builds the
    same model (same seeded weights, same outputs) as the base name with ``heads``."""
    import hashlib

    hp = {k: v for k, v in TINY[name].items() if k not in ("heads", "activation")}
    torch.manual_seed(0)
    m = registry.build(name, input_length=256, n_tracks=3, heads=heads, **hp).eval()
    sd = m.state_dict()
    assert (len(sd), hashlib.md5(repr([(k, tuple(v.shape)) for k, v in sd.items()]).encode()).hexdigest()) == KEYS_BEFORE[name, heads]
    assert m.heads_kind == heads and hasattr(m, "pre") == (name == "residualbind_32" and heads == "task")
    torch.manual_seed(0)
    a = registry.build(ALIASES[name, heads], input_length=256, n_tracks=3, **hp).eval()
    assert all(torch.equal(sd[k], v) for k, v in a.state_dict().items()) and list(a.state_dict()) == list(sd)
    x = torch.rand(2, 256, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(a(x), m(x), rtol=0, atol=0)
    with pytest.raises(ValueError, match="heads must be 'single' or 'task', got 'both'"):
        registry.build(name, input_length=256, n_tracks=3, heads="both", **hp)
    bn = [m for m in registry.build(ALIASES[name, heads], input_length=256, n_tracks=3, bn_momentum=0.9, **hp).modules()
          if isinstance(m, torch.nn.BatchNorm1d)]
    assert bn and all(m.momentum == pytest.approx(0.1) for m in bn)  # Keras 0.9 -> PyTorch 1 - 0.9


#: the same record for the one-Sequential models (body = ZooModel.body = net; binary heads via
#: gopher.dense_binary), recorded before those were merged (commit 309dc07)
NET_KEYS_BEFORE = {"basenji_v2": (50, "1b1715b56d2e422d240895cb88a5ab77"), "basenji_binary": (50, "3f00b0c813a9f16203cee3833cf51da2"),
                   "bpnet": (10, "3955ed20cf8f4e7bd802c678cb6439f4"), "basset": (27, "0df65f3cdabfc5016fb9fc4a40e2fdb2"),
                   "cnn_binary": (30, "a45a4a812965dafea219f8d2233df895"), "residualbind_binary": (128, "71eb4bf57816323af055f6d1962c3fe6")}


@pytest.mark.parametrize("name", list(NET_KEYS_BEFORE))
def test_sequential_models_checkpoint_keys(name):
    import hashlib

    hp = {k: v for k, v in TINY[name].items() if k != "activation"}
    m = registry.build(name, input_length=256, n_tracks=3, **hp)
    sd = m.state_dict()
    assert (len(sd), hashlib.md5(repr([(k, tuple(v.shape)) for k, v in sd.items()]).encode()).hexdigest()) == NET_KEYS_BEFORE[name]
