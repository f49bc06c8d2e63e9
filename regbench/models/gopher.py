"""GOPHER model zoo in PyTorch (specs/accessibility.md §3; ``gopher/modelzoo.py``).

Every model takes one-hot ``(N, L, 4)`` (A, C, G, T) and returns

* quantitative models: ``(N, L / bin_size, n_tracks)`` profiles (softplus, except BPNet with a
  non-Poisson loss: linear);
* binary models: ``(N, n_tracks)`` probabilities (sigmoid), or logits with ``logits=True`` (set
  ``model.logits = True`` after loading to read pre-sigmoid logits, e.g. for GIA).

Keras conventions reproduced: ``padding='same'`` (left pad ``total // 2``, total ``d*(k-1)``),
``MaxPool`` valid (floor) except Basenji's conv_block (``same`` = ceil), BatchNorm eps 1e-3 with
Keras momentum 0.99 (0.9 in Basenji blocks), glorot-uniform kernels and zero biases (he-normal,
no conv bias in Basenji blocks), position-wise Dense on 3-D tensors, flatten in channels-last
order, ``exponential`` = ``exp(x)``, Basenji GELU = ``x * sigmoid(1.702 x)``.

Registered names (aliases = GOPHER code names):

| name | aliases | output | bin |
|---|---|---|---|
| ``basenji_v2`` | | (N, L/B, T) | any B = 1 or even divisor of L |
| ``bpnet`` | | (N, L/B, T) | any divisor |
| ``cnn_base`` (``heads`` single/task) | ``conv_profile_all_base``, ``conv_profile_task_base`` | (N, L/B, T) | divisor of L |
| ``residualbind_base`` (single/task) | ``residual_profile_all_base``, ``residual_profile_task_base`` | (N, L/B, T) | divisor of L |
| ``residualbind_32`` (single/task) | ``residual_profile_all_dense_32``, ``residual_profile_task_conv_32`` | (N, L/32, T) | 32 |
| ``basset``, ``cnn_binary``, ``residualbind_binary``, ``basenji_binary`` | ``conv_binary``, ``residual_binary`` | (N, T) | None |

``activation`` ("relu" | "exponential") is the first-layer activation of the CNN/ResidualBind/
binary models. Widths are hyper-parameters (defaults = the paper's) so tests can shrink them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from regbench.models.registry import register

KERAS_BN = dict(eps=1e-3, momentum=0.01)  # Keras momentum 0.99
BASENJI_BN = dict(eps=1e-3, momentum=0.1)  # Keras momentum 0.9


# ---------------------------------------------------------------- building blocks
class Exp(nn.Module):
    def forward(self, x):
        return torch.exp(x)


class BasenjiGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


def activation(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name in ("exponential", "exp"):
        return Exp()
    if name == "gelu":
        return BasenjiGELU()
    if name in ("linear", None):
        return nn.Identity()
    raise ValueError(f"activation must be 'relu' or 'exponential', got {name!r}")


class SameConv1d(nn.Conv1d):
    """Conv1d with Keras ``padding='same'`` (left ``total // 2``, right the rest) on (N, C, L).

    A symmetric padding (``dilation * (k - 1)`` even) is done inside the convolution,
    without the padded copy of the input an ``F.pad`` makes (Basenji-v2 inference takes 5-35 % less time
    on the CPU, outputs bit-identical: benchmarks/cpu_hot_paths.py); an asymmetric one (even
    kernels) is padded explicitly. Forward outputs are bit-identical to pad-then-convolve; the
    weight gradients of dilated convolutions differ in the last bits (summation order), so a
    ResidualBind or BPNet training takes a slightly different path (Basenji and Basset
    trainings of the demo: identical histories).
    """

    def __init__(self, cin, cout, k, dilation=1, bias=True):
        total = dilation * (k - 1)
        super().__init__(cin, cout, k, dilation=dilation, bias=bias, padding=total // 2 if total % 2 == 0 else 0)
        self._pad = (total // 2, total - total // 2)

    def forward(self, x):
        return super().forward(F.pad(x, self._pad) if self._pad[0] != self._pad[1] else x)


class Transpose(nn.Module):
    """(N, C, L) <-> (N, L, C)."""

    def forward(self, x):
        return x.transpose(1, 2)


class FlattenNLC(nn.Module):
    """Flatten (N, C, L) in Keras channels-last order (index l * C + c)."""

    def forward(self, x):
        return x.transpose(1, 2).reshape(x.shape[0], -1)


class Reshape(nn.Module):
    """(N, out_len * ch) -> (N, ch, out_len) (Keras Reshape((out_len, ch)), channels-last)."""

    def __init__(self, out_len, ch):
        super().__init__()
        self.out_len, self.ch = out_len, ch

    def forward(self, x):
        return x.view(x.shape[0], self.out_len, self.ch).transpose(1, 2)


class PositionDense(nn.Module):
    """Keras Dense on a 3-D tensor: a Linear over channels at every position; (N,C,L)->(N,C',L)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.linear = nn.Linear(cin, cout)

    def forward(self, x):
        return self.linear(x.transpose(1, 2)).transpose(1, 2)


class ResidualBlock(nn.Module):
    """ResidualBind block (§3.4): dilations 1, 2, ..., 2**(n-1); ``ReLU(x + h)``."""

    def __init__(self, ch, n, k=3, dropout=0.1):
        super().__init__()
        layers = [SameConv1d(ch, ch, k, 1), nn.BatchNorm1d(ch, **KERAS_BN)]
        for i in range(1, n):
            layers += [nn.ReLU(), nn.Dropout(dropout), SameConv1d(ch, ch, k, 2**i), nn.BatchNorm1d(ch, **KERAS_BN)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return F.relu(x + self.body(x))


class Bpnet_dilated(nn.Module):
    def __init__(self, ch, k, d):
        super().__init__()
        self.conv = SameConv1d(ch, ch, k, d)

    def forward(self, x):
        return x + F.relu(self.conv(x))


def conv_bn_act(cin, cout, k, act="relu", pool=1, dropout=0.0, bias=True):
    layers = [SameConv1d(cin, cout, k, bias=bias), nn.BatchNorm1d(cout, **KERAS_BN), activation(act)]
    if pool > 1:
        layers.append(nn.MaxPool1d(pool))
    if dropout:
        layers.append(nn.Dropout(dropout))
    return layers


def dense_bn_relu(cin, cout, dropout):
    return [nn.Linear(cin, cout), nn.BatchNorm1d(cout, **KERAS_BN), nn.ReLU(), nn.Dropout(dropout)]


def dense_bottleneck(cin, dense, out_len, bottleneck):
    """GOPHER's profile bottleneck (CNN-base, ResidualBind-base): flatten (N, C, L) -> dense ->
    ``out_len * bottleneck`` units -> (N, bottleneck, out_len). Layers to splice into a trunk."""
    return [
        FlattenNLC(),
        *dense_bn_relu(cin, dense, 0.3),
        nn.Linear(dense, out_len * bottleneck),
        nn.BatchNorm1d(out_len * bottleneck, **KERAS_BN),
        nn.ReLU(),
        Reshape(out_len, bottleneck),
        nn.Dropout(0.1),
    ]


def keras_init(module: nn.Module, he_normal: bool = False) -> None:
    """glorot-uniform (or truncated he-normal) kernels, zero biases, for conv/linear layers."""
    for m in module.modules():
        if isinstance(m, (nn.Conv1d, nn.Linear)):
            if he_normal:
                fan_in = m.weight[0].numel()
                std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
                nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
            else:
                nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def set_bn_momentum(model: nn.Module, keras_momentum: float | None) -> nn.Module:
    """Set every BatchNorm to Keras momentum ``keras_momentum`` (PyTorch ``1 - m``); None keeps.

    Keras' 0.99 makes running statistics converge slowly; short (demo/test) trainings may use
    0.9 so that eval-mode predictions use settled statistics.
    """
    if keras_momentum is not None:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.momentum = 1.0 - float(keras_momentum)
    return model


def _check_bin(input_length: int, bin_size: int) -> int:
    if bin_size < 1 or input_length % bin_size:
        raise ValueError(f"bin_size {bin_size} must divide input_length {input_length}")
    return input_length // bin_size


class ZooModel(nn.Module):
    """Base: (N, L, 4) -> body on (N, 4, L) -> (N, L_out, T) profiles or (N, T) scalars.

    ``body`` is the subclass's ``net`` (one Sequential: Basenji, BPNet, the binary models) unless
    it overrides it (:class:`TrunkHeadModel`: trunk, then heads)."""

    def __init__(self, input_length, output_bin_size, n_tracks, out_act="softplus"):
        super().__init__()
        self.input_length = int(input_length)
        self.output_bin_size = output_bin_size
        self.n_tracks = int(n_tracks)
        self.out_act = out_act
        self.logits = False

    def body(self, x):  # (N, 4, L) -> (N, T, L_out) or (N, T)
        return self.net(x)

    def forward(self, x):
        z = self.body(x.transpose(1, 2))
        if z.dim() == 3:
            z = z.transpose(1, 2)
        if self.out_act == "softplus":
            return F.softplus(z)
        if self.out_act == "sigmoid":
            return z if self.logits else torch.sigmoid(z)
        return z


# ---------------------------------------------------------------- Basenji (§3.1)
class BasenjiResBlock(nn.Module):
    def __init__(self, ch, mid, d, dropout=0.3):
        super().__init__()
        self.body = nn.Sequential(
            BasenjiGELU(),
            SameConv1d(ch, mid, 3, d, bias=False),
            nn.BatchNorm1d(mid, **BASENJI_BN),
            BasenjiGELU(),
            SameConv1d(mid, ch, 1, bias=False),
            nn.BatchNorm1d(ch, **BASENJI_BN),
            nn.Dropout(dropout),
        )
        nn.init.zeros_(self.body[5].weight)  # gamma init 0

    def forward(self, x):
        return x + self.body(x)


class BasenjiV2(ZooModel):
    """Basenji-v2 (§3.1). Quantitative: (N, L/B, T) softplus; ``binary=True``: (N, T) sigmoid."""

    def __init__(self, input_length=2048, n_tracks=15, bin_size=128, filters_1=256, filters_2=2048, n_blocks=11,
                 binary=False, activation_end=None):
        out_bin = None if binary else bin_size
        super().__init__(input_length, out_bin, n_tracks, "sigmoid" if binary else "softplus")
        if binary:
            pool1, w = 1, None
        else:
            _check_bin(input_length, bin_size)
            w = bin_size // 2
            pool1 = 1 if w == 0 else 2
            w = max(w, 1)
            if pool1 * w != bin_size:
                raise ValueError(f"basenji_v2: bin_size must be 1 or even, got {bin_size}")
        mid = filters_1 // 2
        layers = [BasenjiGELU(), SameConv1d(4, filters_1, 15, bias=False), nn.BatchNorm1d(filters_1, **BASENJI_BN)]
        if activation_end:
            layers.append(activation(activation_end))
        if pool1 > 1:
            layers.append(nn.MaxPool1d(pool1, ceil_mode=True))
        for i in range(n_blocks):
            layers.append(BasenjiResBlock(filters_1, mid, int(round(1.5**i))))
        layers += [BasenjiGELU(), SameConv1d(filters_1, filters_2, 1, bias=False),
                   nn.BatchNorm1d(filters_2, **BASENJI_BN), nn.Dropout(0.05)]
        if binary:
            layers += [nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(filters_2, n_tracks)]
        else:
            if w > 1:
                layers.append(nn.AvgPool1d(w))
            layers.append(PositionDense(filters_2, n_tracks))
        self.net = nn.Sequential(*layers)
        keras_init(self, he_normal=True)
        for m in self.modules():
            if isinstance(m, BasenjiResBlock):
                nn.init.zeros_(m.body[5].weight)


@register("basenji_v2")
def basenji_v2(input_length=2048, n_tracks=15, bin_size=128, filters_1=256, filters_2=2048, n_blocks=11,
               bn_momentum=None):
    """Basenji-v2: input (N, L, 4) -> (N, L/bin_size, n_tracks), softplus."""
    return set_bn_momentum(BasenjiV2(input_length, n_tracks, bin_size, filters_1, filters_2, n_blocks), bn_momentum)


@register("basenji_binary")
def basenji_binary(input_length=2048, n_tracks=15, activation="relu", filters_1=256, filters_2=2048, n_blocks=11,
                   logits=False, bn_momentum=None):
    """Basenji-binary: (N, L, 4) -> (N, n_tracks) sigmoid (``activation_end`` = ``activation``)."""
    m = BasenjiV2(input_length, n_tracks, None, filters_1, filters_2, n_blocks, binary=True, activation_end=activation)
    m.logits = logits
    return set_bn_momentum(m, bn_momentum)


# ---------------------------------------------------------------- BPNet (§3.2)
class BPNet(ZooModel):
    """BPNet: (N, L, 4) -> (N, L/B, T); softplus only when ``loss == 'poisson'``, else linear.

    The 15 per-task ConvTranspose heads are one ``Conv1d(filters -> T, k=kernel_3)`` (each
    output channel is an independent head; identical function), then AvgPool(B).
    """

    def __init__(self, input_length=2048, n_tracks=15, bin_size=1, filters=256, kernel_1=25, kernel_2=3, kernel_3=7,
                 layer_num=10, loss="poisson"):
        super().__init__(input_length, bin_size, n_tracks, "softplus" if loss == "poisson" else "linear")
        _check_bin(input_length, bin_size)
        layers = [SameConv1d(4, filters, kernel_1), nn.ReLU()]
        layers += [Bpnet_dilated(filters, kernel_2, 2**i) for i in range(1, layer_num)]
        layers.append(SameConv1d(filters, n_tracks, kernel_3))
        if bin_size > 1:
            layers.append(nn.AvgPool1d(bin_size))
        self.net = nn.Sequential(*layers)
        keras_init(self)


@register("bpnet")
def bpnet(input_length=2048, n_tracks=15, bin_size=1, filters=256, kernel_1=25, kernel_2=3, kernel_3=7, layer_num=10,
          loss="poisson", bn_momentum=None):
    """BPNet (GOPHER variant; no count head): (N, L, 4) -> (N, L/bin_size, n_tracks)."""
    return set_bn_momentum(BPNet(input_length, n_tracks, bin_size, filters, kernel_1, kernel_2, kernel_3, layer_num, loss), bn_momentum)


# ---------------------------------------------------------------- CNN baseline (§3.3)
class TaskHeads(nn.ModuleList):
    """One head per track (GOPHER's ``task`` models): each (N, C, L) -> (N, 1, L); forward
    concatenates them -> (N, T, L). A ModuleList, so checkpoints keep the keys ``head.<t>.*``."""

    def forward(self, h):
        return torch.cat([hd(h) for hd in self], dim=1)


def task_heads(cin, n_tracks, mid=64):
    return TaskHeads(
        nn.Sequential(*conv_bn_act(cin, mid, 7, dropout=0.1), PositionDense(mid, 1)) for _ in range(n_tracks)
    )


def heads_alias(name: str, factory, heads: str):
    """Register ``name`` as ``factory(heads=heads, **hp)`` (GOPHER's model names for one
    architecture with its ``single`` / ``task`` heads) and return that constructor."""

    def build(**hp):
        return factory(heads=heads, **hp)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"``{factory.__name__}(heads={heads!r}, **hp)``"
    return register(name)(build)


class TrunkHeadModel(ZooModel):
    """Profile model ``head(trunk(x))``, or ``head(pre(trunk(x)))`` when the subclass sets a
    shared layer ``pre`` before its task heads; ``head`` is one dense layer for all tracks
    (``heads="single"``) or :class:`TaskHeads`. Subclasses build ``trunk`` and then call
    :meth:`attach_heads`, the one place the ``heads`` choice is dispatched."""

    @staticmethod
    def is_task(heads: str) -> bool:
        """``heads`` 'task' -> True, 'single' -> False; anything else raises ValueError."""
        if heads not in ("single", "task"):
            raise ValueError(f"heads must be 'single' or 'task', got {heads!r}")
        return heads == "task"

    def attach_heads(self, heads: str, n_tracks: int, single, task_in: int, pre=None, bn_momentum=None) -> None:
        """Set ``heads_kind`` and ``head`` (``single()``, or ``task_in`` -> :func:`task_heads`
        after ``pre()`` when given; modules registered in that order, so checkpoint keys and
        seeded weights are those of the classes before), then Keras-initialise the model and
        set its BatchNorm momentum (:func:`set_bn_momentum`)."""
        self.heads_kind = heads
        if self.is_task(heads):
            if pre is not None:
                self.pre = pre()
            self.head = task_heads(task_in, n_tracks)
        else:
            self.head = single()
        keras_init(self)
        set_bn_momentum(self, bn_momentum)

    def body(self, x):  # (N, 4, L) -> (N, T, L_out)
        h = self.trunk(x)
        pre = getattr(self, "pre", None)
        return self.head(h if pre is None else pre(h))


@register("cnn_base")
class CNNBase(TrunkHeadModel):
    """CNN-baseline (``conv_profile_{all,task}_base``): (N, L, 4) -> (N, L/B, T) softplus;
    ``heads`` 'single' or 'task'.

    Trunk pools 8 * 4 * 4 = 128 (L 2048 -> 16); bottleneck 8 channels x (L/B) positions.
    """

    def __init__(self, input_length=2048, n_tracks=15, bin_size=32, heads="single", activation="relu",
                 filters=(192, 256, 512), dense=256, bottleneck=8, top=256, bn_momentum=None):
        super().__init__(input_length, bin_size, n_tracks)
        out_len = _check_bin(input_length, bin_size)
        f1, f2, f3 = filters
        L3 = input_length // 8 // 4 // 4
        self.trunk = nn.Sequential(
            *conv_bn_act(4, f1, 19, activation, 8, 0.1),
            *conv_bn_act(f1, f2, 7, "relu", 4, 0.1),
            *conv_bn_act(f2, f3, 7, "relu", 4, 0.2),
            *dense_bottleneck(L3 * f3, dense, out_len, bottleneck),
            *conv_bn_act(bottleneck, top, 7, "relu", 1, 0.2),
        )
        self.attach_heads(heads, n_tracks, lambda: PositionDense(top, n_tracks), top, bn_momentum=bn_momentum)


conv_profile_all_base = heads_alias("conv_profile_all_base", CNNBase, "single")
conv_profile_task_base = heads_alias("conv_profile_task_base", CNNBase, "task")


# ---------------------------------------------------------------- ResidualBind-base (§3.5)
@register("residualbind_base")
class ResidualBindBase(TrunkHeadModel):
    """ResidualBind-base (``residual_profile_{all,task}_base``): (N, L, 4) -> (N, L/B, T)
    softplus (paper: B = 1).

    single: pools 4,4,4 (L/64), RBs n = 5,5,4; after the bottleneck Conv(8->256,7) + RB(5) +
    Dense. task: pools 8,4,4 (L/128), RBs 5,5,3; Conv(256,7) + Drop(0.2) + RB(6) + task heads.
    """

    def __init__(self, input_length=2048, n_tracks=15, bin_size=1, heads="single", activation="relu",
                 filters=(192, 256, 512), dense=512, bottleneck=8, top=256, bn_momentum=None):
        super().__init__(input_length, bin_size, n_tracks)
        out_len = _check_bin(input_length, bin_size)
        f1, f2, f3 = filters
        task = self.is_task(heads)
        p1 = 8 if task else 4
        n3 = 3 if task else 4
        L3 = input_length // p1 // 16
        self.trunk = nn.Sequential(
            *conv_bn_act(4, f1, 19, activation), ResidualBlock(f1, 5), nn.MaxPool1d(p1), nn.Dropout(0.1),
            *conv_bn_act(f1, f2, 7), ResidualBlock(f2, 5), nn.MaxPool1d(4), nn.Dropout(0.1),
            *conv_bn_act(f2, f3, 7), ResidualBlock(f3, n3), nn.MaxPool1d(4), nn.Dropout(0.2),
            *dense_bottleneck(L3 * f3, dense, out_len, bottleneck),
            *conv_bn_act(bottleneck, top, 7, dropout=0.2 if task else 0.1),
            ResidualBlock(top, 6 if task else 5),
        )
        self.attach_heads(heads, n_tracks, lambda: PositionDense(top, n_tracks), top, bn_momentum=bn_momentum)


residual_profile_all_base = heads_alias("residual_profile_all_base", ResidualBindBase, "single")
residual_profile_task_base = heads_alias("residual_profile_task_base", ResidualBindBase, "task")


# ---------------------------------------------------------------- ResidualBind-32 (§3.6)
@register("residualbind_32")
class ResidualBind32(TrunkHeadModel):
    """ResidualBind-32 (``residual_profile_all_dense_32`` / ``residual_profile_task_conv_32``):
    (N, L, 4) -> (N, L/32, T) softplus; pools 4,4,2; no flatten bottleneck."""

    def __init__(self, input_length=2048, n_tracks=15, bin_size=32, heads="single", activation="exponential",
                 filters=(256, 512, 1024), dense=256, bn_momentum=None):
        super().__init__(input_length, 32, n_tracks)
        if bin_size != 32:
            raise ValueError(f"residualbind_32 has a fixed 32-bp output bin, got bin_size={bin_size}")
        _check_bin(input_length, 32)
        f1, f2, f3 = filters
        self.trunk = nn.Sequential(
            *conv_bn_act(4, f1, 19, activation), ResidualBlock(f1, 5), nn.MaxPool1d(4), nn.Dropout(0.2),
            *conv_bn_act(f1, f2, 7), ResidualBlock(f2, 5), nn.MaxPool1d(4), nn.Dropout(0.2),
            *conv_bn_act(f2, f3, 7), ResidualBlock(f3, 3), nn.MaxPool1d(2), nn.Dropout(0.5),
        )
        self.attach_heads(heads, n_tracks, lambda: nn.Sequential(
            Transpose(), nn.Linear(f3, dense), Transpose(), nn.BatchNorm1d(dense, **KERAS_BN), nn.ReLU(),
            nn.Dropout(0.3), PositionDense(dense, n_tracks),
        ), 256, pre=lambda: nn.Sequential(*conv_bn_act(f3, 256, 7, dropout=0.2)), bn_momentum=bn_momentum)


residual_profile_all_dense_32 = heads_alias("residual_profile_all_dense_32", ResidualBind32, "single")
residual_profile_task_conv_32 = heads_alias("residual_profile_task_conv_32", ResidualBind32, "task")


# ---------------------------------------------------------------- binary models (§3.7)
class Binary(ZooModel):
    def __init__(self, input_length, n_tracks, net, logits):
        super().__init__(input_length, None, n_tracks, "sigmoid")
        self.net = net
        self.logits = logits


def dense_binary(input_length, n_tracks, trunk, flat_in, dense, logits, bn_momentum) -> Binary:
    """GOPHER's binary head on a conv ``trunk`` (list of layers, (N, 4, L) -> (N, C, L3)):
    flatten (``flat_in`` = L3 * C) -> Dense(``dense``)+BN+ReLU+Drop(0.3) -> Dense(T) -> sigmoid
    (or logits); one Sequential ``net``, Keras-initialised, BatchNorm momentum set."""
    net = nn.Sequential(*trunk, FlattenNLC(), *dense_bn_relu(flat_in, dense, 0.3), nn.Linear(dense, n_tracks))
    keras_init(net)
    return set_bn_momentum(Binary(input_length, n_tracks, net, logits), bn_momentum)


@register("basset")
def basset(input_length=2048, n_tracks=15, activation="relu", filters=(300, 200, 200), kernels=(10, 11, 7),
           pools=(3, 4, 4), dense=1000, dropout=0.3, logits=False, bn_momentum=None):
    """Basset (gopher defaults): (N, L, 4) -> (N, n_tracks) sigmoid; 2048 -> 682 -> 170 -> 42."""
    f, k, p = filters, kernels, pools
    L3 = input_length // p[0] // p[1] // p[2]
    net = nn.Sequential(
        *conv_bn_act(4, f[0], k[0], activation, p[0]),
        *conv_bn_act(f[0], f[1], k[1], "relu", p[1]),
        *conv_bn_act(f[1], f[2], k[2], "relu", p[2]),
        FlattenNLC(),
        nn.Linear(L3 * f[2], dense), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(dense, dense), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(dense, n_tracks),
    )
    keras_init(net)
    nn.init.xavier_normal_(net[0].weight)  # glorot_normal first layer
    return set_bn_momentum(Binary(input_length, n_tracks, net, logits), bn_momentum)


@register("cnn_binary")
def cnn_binary(input_length=2048, n_tracks=15, activation="relu", filters=(192, 256, 512), dense=256, logits=False,
               bn_momentum=None):
    """CNN-binary: CNN-baseline trunk -> Dense(256)+BN+ReLU+Drop(0.3) -> Dense(T) -> sigmoid."""
    f1, f2, f3 = filters
    trunk = [
        *conv_bn_act(4, f1, 19, activation, 8, 0.1),
        *conv_bn_act(f1, f2, 7, "relu", 4, 0.1),
        *conv_bn_act(f2, f3, 7, "relu", 4, 0.2),
    ]
    return dense_binary(input_length, n_tracks, trunk, input_length // 128 * f3, dense, logits, bn_momentum)


@register("residualbind_binary")
def residualbind_binary(input_length=2048, n_tracks=15, activation="relu", filters=(192, 256, 512), dense=512,
                        logits=False, bn_momentum=None):
    """ResidualBind-binary: base trunk (pools 4,4,4; RB 5,5,4) -> Dense(512) -> Dense(T) -> sigmoid."""
    f1, f2, f3 = filters
    trunk = [
        *conv_bn_act(4, f1, 19, activation), ResidualBlock(f1, 5), nn.MaxPool1d(4), nn.Dropout(0.1),
        *conv_bn_act(f1, f2, 7), ResidualBlock(f2, 5), nn.MaxPool1d(4), nn.Dropout(0.1),
        *conv_bn_act(f2, f3, 7), ResidualBlock(f3, 4), nn.MaxPool1d(4), nn.Dropout(0.2),
    ]
    return dense_binary(input_length, n_tracks, trunk, input_length // 64 * f3, dense, logits, bn_momentum)


register("conv_binary")(cnn_binary)
register("residual_binary")(residualbind_binary)
