"""Attribution for any model and any readout: in-silico mutagenesis (ISM) and gradient x input.

A *readout* maps the model output to one scalar per sequence, on the device:
``readout(out) -> (N,)``, e.g. ``lambda o: o[:, 447:450, 4980].sum(1)`` (Enformer CAGE at the
TSS bins) or ``lambda o: o[:, 0]`` (a scalar model). ``None`` = sum over all outputs.

* :func:`ism` — all substitutions in a window (``start``/``end`` positions), or only the given
  ``variants`` ``[(pos, alt_base), ...]``; returns ``readout(mutant) - readout(reference)``.
  Mutants go through :func:`regbench.predict.engine.predict` in batches (identical mutants
  de-duplicated; the reference is computed in the same call).
* :func:`grad_x_input` — ``d readout / d x`` times ``x``, plus the raw gradient.

Both take a required ``precision`` (callers pass ``regbench.predict.device.EFFECTS``, fp32 with
TF32 off, unless they mean otherwise), compute on ``device`` and leave the model where they found
it; out-of-memory errors halve the batch (see :mod:`regbench.predict.device`).

Positions are 0-based offsets into the input sequence.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from regbench.predict.device import autocast, check_precision, placed, resolve_device, run_batches, to_numpy
from regbench.predict.engine import predict

BASES = "ACGT"


def _as_onehot(seq) -> np.ndarray:
    if isinstance(seq, str):
        from regbench.genome.onehot import one_hot

        return one_hot(seq)
    x = np.asarray(seq, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != 4:
        raise ValueError(f"expected one sequence (L, 4) or str, got shape {x.shape}")
    return x


def _default_readout(o: torch.Tensor) -> torch.Tensor:
    return o.reshape(o.shape[0], -1).sum(1)


def ism(model: nn.Module, seq, readout: Callable | None = None, start: int = 0, end: int | None = None,
        variants: Sequence[tuple[int, str]] | None = None, batch_size: int = 32, rc: bool = False,
        shifts=(0,), device=None, *, precision: str, progress: bool = False, log=None) -> np.ndarray:
    """In-silico mutagenesis of one sequence (str or one-hot (L, 4)).

    Window mode (``variants=None``): returns ``(end - start, 4)`` effects, ``effect[i, b]`` =
    ``readout(seq with base b at start+i) - readout(seq)``; the reference base's entry is 0.
    Variant mode: returns ``(len(variants),)`` effects of the single substitutions
    ``(pos, alt)``. Predictions use the engine at ``precision``.
    """
    x = _as_onehot(seq)
    L = x.shape[0]
    readout = readout or _default_readout
    if variants is None:
        end = L if end is None else end
        if not 0 <= start < end <= L:
            raise ValueError(f"ISM window [{start}, {end}) outside the sequence of length {L}")
        muts = [(p, b) for p in range(start, end) for b in range(4)]
    else:
        muts = []
        for pos, alt in variants:
            if not 0 <= int(pos) < L:
                raise ValueError(f"variant position {pos} outside the sequence of length {L}")
            if alt not in BASES:
                raise ValueError(f"variant alt {alt!r} must be one of {BASES}")
            muts.append((int(pos), BASES.index(alt)))
    batch = np.repeat(x[None], len(muts) + 1, axis=0)
    for k, (p, b) in enumerate(muts, start=1):
        batch[k, p] = 0.0
        batch[k, p, b] = 1.0
    vals = predict(model, batch, batch_size=batch_size, reduce=readout, rc=rc, shifts=shifts, device=device,
                   precision=precision, progress=progress, log=log)
    vals = np.asarray(vals, dtype=np.float64).reshape(len(batch))
    eff = (vals[1:] - vals[0]).astype(np.float32)
    if variants is None:
        return eff.reshape(end - start, 4)
    return eff


def grad_x_input(model: nn.Module, x, readout: Callable | None = None, batch_size: int = 8, device=None,
                 return_grad: bool = False, *, precision: str, log=None):
    """Gradient x input of ``readout(model(x))`` for one-hot ``x`` (N, L, 4) (or one (L, 4)/str).

    Returns ``(N, L, 4)`` ``grad * x`` (and the raw gradient with ``return_grad=True``), float32.
    The forward pass runs at ``precision`` (fp32: TF32 off), the gradient w.r.t. the fp32 input.
    """
    check_precision(precision)
    single = isinstance(x, str) or np.ndim(x) == 2
    xs = _as_onehot(x)[None] if single else np.asarray(x, dtype=np.float32)
    readout = readout or _default_readout
    dev = resolve_device(device, model)
    grads = np.zeros(xs.shape, dtype=np.float32)

    def step(a: int, b: int) -> None:
        xb = torch.from_numpy(xs[a:b]).to(dev).requires_grad_(True)
        with autocast(dev, precision):
            out = model(xb)
        r = readout(out.float())
        if r.shape != (len(xb),):
            raise ValueError(f"readout must return one value per sequence, got shape {tuple(r.shape)}")
        (g,) = torch.autograd.grad(r.sum(), xb)
        grads[a:b] = to_numpy(g)

    with placed(model, dev), (autocast(dev, "fp32") if precision == "fp32" else contextlib.nullcontext()):
        run_batches(len(xs), batch_size, step, key=(id(model), xs.shape[1:], "grad"), log=log, what="grad_x_input")
    g = grads
    gx = g * xs
    if single:
        g, gx = g[0], gx[0]
    return (gx, g) if return_grad else gx
