"""The one inference engine: batching, RC/shift ensembles, precision, de-duplication and caching.

    >>> out = predict(model, x)                                  # x (N, L, 4) -> (N, L_out, T)
    >>> out = predict(model, seqs, rc=True, shifts=(-1, 0, 1),   # list of equal-length str
    ...               reduce=lambda o: o[:, 447:450, 4980].mean(1))   # -> (N,)

Semantics
---------
* ``inputs``: ``(N, L, 4)`` one-hot array/tensor (A, C, G, T), a list of equal-length ``str``
  (one-hot encoded per batch with ``regbench.genome.onehot.one_hot``, N = all zeros), or any
  other iterable of ``(B, L, 4)`` batches / lists of str (results concatenated).
* The model returns ``(N, L_out, T)`` profiles or ``(N, T)`` scalars.
* RC ensemble: also predict the reverse complement (``x.flip(1).flip(2)``, identical to
  ``genome.onehot.rc_one_hot`` for ACGT order), flip dim 1 back for profile outputs, average.
* Shift ensemble: for each offset ``s`` the input is shifted right by ``s`` bp (``s < 0``: left),
  N-padded (all-zero rows), and the outputs are averaged *without* shifting them back (as in
  Enformer; use offsets smaller than the output bin). ``shifts=(0,)`` = no shift.
  All ``len(shifts) * (2 if rc else 1)`` passes are averaged with equal weight.
* ``reduce(out) -> tensor`` runs on the device after ensembling, so only what the caller needs
  reaches the host (e.g. ``lambda o: o[:, 447:450, 4980]``).
* ``precision`` (required, keyword): "fp32" (TF32 off), "bf16" (autocast on CUDA or CPU) or
  "fp16" (CUDA only); see :mod:`regbench.predict.device` for the policy (fp32 for anything
  compared at small differences).
* ``device``: where to compute (:func:`regbench.predict.device.resolve_device`: default the
  model's accelerator, else CUDA when visible, else CPU). The model is left where it was found
  (:func:`regbench.predict.device.placed`); a caller predicting many times puts it on the device
  once with ``placed`` so nothing moves per call.
* Out of GPU memory: the batch is halved and the failed items retried (logged), down to 1
  (:func:`regbench.predict.device.run_batches`).
* De-duplication: identical sequences in one call are computed once; with a
  :class:`SequenceCache`, across calls too (key: sequence hash + model identity + rc + shifts +
  precision + reduce code).

Returns a float32 numpy array with first dimension N.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections import OrderedDict
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn

from regbench.predict.device import autocast, check_precision, placed, resolve_device, run_batches, to_numpy


class SequenceCache:
    """In-memory cache of per-sequence predictions: ``(settings key, sequence hash) -> array``.

    ``max_items`` bounds the number of entries (least recently used evicted). ``hits``/``misses``
    count look-ups (useful in tests and logs).
    """

    def __init__(self, max_items: int | None = None):
        self.max_items = max_items
        self._d: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key) -> bool:
        return key in self._d

    def get(self, key):
        v = self._d.get(key)
        if v is None:
            self.misses += 1
        else:
            self.hits += 1
            self._d.move_to_end(key)
        return v

    def put(self, key, value: np.ndarray) -> None:
        self._d[key] = value
        self._d.move_to_end(key)
        if self.max_items is not None:
            while len(self._d) > self.max_items:
                self._d.popitem(last=False)

    def clear(self) -> None:
        self._d.clear()
        self.hits = self.misses = 0


def _callable_key(f: Callable | None):
    """A value identifying what a (possibly freshly created) lambda computes."""
    if f is None:
        return None
    code = getattr(f, "__code__", None)
    if code is None:
        return repr(f)
    closure = tuple(repr(c.cell_contents) for c in (f.__closure__ or ()))
    return (code.co_code, repr(code.co_consts), code.co_names, closure)


def _seq_hash(item) -> bytes:
    if isinstance(item, str):
        return b"s" + hashlib.blake2b(item.encode(), digest_size=16).digest()
    a = np.ascontiguousarray(item, dtype=np.float32)
    return b"a" + hashlib.blake2b(a.tobytes(), digest_size=16).digest() + str(a.shape).encode()


def shift_onehot(x: torch.Tensor, shift: int) -> torch.Tensor:
    """Shift ``(B, L, 4)`` right by ``shift`` bp (left if negative), padding with zeros (N)."""
    if shift == 0:
        return x
    out = torch.zeros_like(x)
    if shift > 0:
        out[:, shift:] = x[:, :-shift]
    else:
        out[:, :shift] = x[:, -shift:]
    return out


def ensemble_forward(model: nn.Module, x: torch.Tensor, rc: bool = False, shifts=(0,)) -> torch.Tensor:
    """Average model output over shifts and (optionally) reverse complements; float32 result."""
    acc = None
    n = 0
    for s in shifts:
        xs = shift_onehot(x, int(s))
        variants = [(xs, False)]
        if rc:
            variants.append((xs.flip(1).flip(2), True))
        for xv, is_rc in variants:
            out = model(xv)
            if isinstance(out, dict):
                raise TypeError("model returned a dict; wrap multi-head models (e.g. EnformerHead) to return a tensor")
            out = out.float()
            if is_rc and out.dim() == 3:
                out = out.flip(1)
            acc = out if acc is None else acc + out
            n += 1
    return acc if n == 1 else acc / n


def _to_batch(items, device) -> torch.Tensor:
    if isinstance(items, list) and items and isinstance(items[0], str):
        from regbench.genome.onehot import one_hot

        arr = one_hot(items)
    else:
        arr = items
    if isinstance(arr, torch.Tensor):
        return arr.to(device=device, dtype=torch.float32, non_blocking=True)
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).to(device, non_blocking=True)


def _is_single_input(inputs) -> bool:
    if isinstance(inputs, (np.ndarray, torch.Tensor)):
        return True
    if isinstance(inputs, (list, tuple)) and (len(inputs) == 0 or isinstance(inputs[0], str)):
        return True
    return False


def predict(
    model: nn.Module,
    inputs,
    batch_size: int = 32,
    reduce: Callable | None = None,
    rc: bool = False,
    shifts: Iterable[int] = (0,),
    cache: SequenceCache | None = None,
    device=None,
    *,
    precision: str,
    progress: bool = True,
    log: logging.Logger | None = None,
) -> np.ndarray:
    """Predict ``inputs`` with ``model`` (see the module docstring). Returns float32 numpy."""
    check_precision(precision)
    shifts = tuple(int(s) for s in shifts)
    if not shifts:
        raise ValueError("shifts must contain at least one offset (0 = no shift)")
    if not _is_single_input(inputs):
        parts = [
            predict(model, b, batch_size, reduce, rc, shifts, cache, device, precision=precision, progress=False, log=log)
            for b in inputs
        ]
        if not parts:
            raise ValueError("predict: no input batches")
        return np.concatenate(parts)

    dev = resolve_device(device, model)
    n = len(inputs)
    if isinstance(inputs, torch.Tensor):
        inputs = inputs.detach().cpu().numpy()
    if isinstance(inputs, np.ndarray) and inputs.ndim != 3:
        raise ValueError(f"predict: expected one-hot inputs (N, L, 4), got shape {inputs.shape}")
    if isinstance(inputs, np.ndarray) and inputs.dtype != np.float32:
        inputs = inputs.astype(np.float32)

    settings = (id(model), rc, shifts, precision, _callable_key(reduce))
    keys = [_seq_hash(inputs[i]) for i in range(n)]
    results: dict[bytes, np.ndarray] = {}
    todo: list[int] = []
    seen = set()
    for i, k in enumerate(keys):
        if k in seen:
            continue
        seen.add(k)
        if cache is not None:
            v = cache.get((settings, k))
            if v is not None:
                results[k] = v
                continue
        todo.append(i)

    bar = None
    if progress and len(todo) > batch_size:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc="predict", file=sys.stderr, mininterval=30.0, leave=False, ascii=True)
        except ImportError:  # pragma: no cover
            pass
    if log is not None:
        log.info("predict: %d inputs, %d unique to compute, batch %d on %s (%s)", n, len(todo), batch_size, dev, precision)

    def step(a: int, b: int) -> None:
        idx = todo[a:b]
        if isinstance(inputs, np.ndarray):
            sel = inputs[idx[0] : idx[-1] + 1] if idx[-1] - idx[0] + 1 == len(idx) else inputs[idx]
        else:
            sel = [inputs[i] for i in idx]
        x = _to_batch(sel, dev)
        out = ensemble_forward(model, x, rc, shifts)
        if reduce is not None:
            out = reduce(out)
        out = to_numpy(out)
        for j, i in enumerate(idx):
            results[keys[i]] = out[j]
            if cache is not None:
                cache.put((settings, keys[i]), out[j])

    shape = tuple(np.shape(inputs[todo[0]])) if todo and isinstance(inputs, np.ndarray) else None
    try:
        if todo:
            with placed(model, dev), torch.inference_mode(), autocast(dev, precision):
                run_batches(len(todo), batch_size, step, key=(id(model), shape, rc, shifts), log=log,
                            progress=None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    if n == 0:
        return np.zeros((0,), dtype=np.float32)
    return np.stack([results[k] for k in keys]).astype(np.float32, copy=False)
