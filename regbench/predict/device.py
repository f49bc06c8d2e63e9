"""Where and how models compute: devices, the precision policy, TF32, determinism, GPU memory.

The one implementation behind the inference engine (:mod:`regbench.predict.engine`), attribution
(:mod:`regbench.predict.attribution`) and the trainer (:mod:`regbench.train.trainer`).

Device rule
-----------
A function that receives a model leaves it where it found it: same device, same tensors, same
train/eval modes. It computes on ``device`` (:func:`resolve_device`: the given device, else the
model's own device when a caller already put it on an accelerator, else CUDA when visible, else
CPU). :func:`placed` implements the rule for inference: the model is moved for the duration of
a block and its original parameter and buffer tensors are put back afterwards (no copy back, so
it also works for a ``meta`` stand-in). Callers that predict many times with a large model (an
Enformer per gene chunk) wrap the whole loop in ``placed(model, resolve_device())`` once, so the
engine finds the model on its device and moves nothing per call. The trainer trains in place on
its device and moves the trained model back to the device it was given on.

Precision policy
----------------
``precision`` is one of :data:`PRECISIONS`; there is no "auto": every caller passes one.

* ``"fp32"``: no autocast, TF32 off for matmuls, cuDNN convolutions and RNNs (:func:`fp32_math`).
  The default of every study, and the only precision for anything compared at small
  differences (variant effects, ISM, attribution, GIA, occlusion: :data:`EFFECTS`).
* ``"bf16"``: ``torch.autocast(device.type, dtype=torch.bfloat16)`` on CUDA **and on CPU** (the CPU
  path is how CI exercises the mixed-precision code without a GPU).
* ``"fp16"``: CUDA autocast only (inference; training would need a gradient scaler).

Each study's schema has ``precision: {inference: fp32|bf16, training: fp32|bf16}``
(:func:`study_precision` reads it). RNN blocks run in fp32 whatever the autocast
(:func:`run_fp32`): CUDA autocast casts cuDNN RNNs to fp16 even under a bf16 autocast.

TF32 is set through the ``fp32_precision`` attributes of torch >= 2.9
(``torch.backends.cuda.matmul``, ``torch.backends.cudnn.conv``/``rnn``), falling back to the
legacy ``allow_tf32`` flags on older torch; reading a legacy flag after the new API was used
raises ("mix of the legacy and new APIs"), so the legacy flags are never read here when the new
API exists.

GPU memory: :func:`run_batches` halves the batch on ``torch.cuda.OutOfMemoryError`` and retries
(logged), down to batch 1. Determinism: :func:`set_deterministic` (config key ``deterministic``,
applied by :func:`regbench.workflow.script_run`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

PRECISIONS = ("fp32", "bf16", "fp16")
TRAIN_PRECISIONS = ("fp32", "bf16")
# variant effects, ISM, attribution, GIA, occlusion: compared at small differences. Measured on
# CPU (issue 23): a trained ResidualBind-32's single-variant effects bf16 vs fp32 r = 0.998 with a
# 9% median relative error; a tiny Enformer's ~1e-6 ISM effects were exactly 0 in 75% of cases.
EFFECTS = "fp32"

log_ = logging.getLogger("regbench.device")


# --- precision policy ---------------------------------------------------------------------------
def check_precision(precision, allowed: Sequence[str] = PRECISIONS) -> str:
    """``precision`` if it is one of ``allowed``, else a ValueError naming the choices."""
    if precision not in allowed:
        raise ValueError(f"precision must be one of {', '.join(map(repr, allowed))}, got {precision!r}"
                         + (" ('auto' was removed: choose explicitly)" if precision == "auto" else ""))
    return precision


def study_precision(cfg: dict, kind: str) -> str:
    """The study's ``precision.<kind>`` (``inference`` or ``training``) from its config section;
    ``fp32`` when the key is absent (schema default)."""
    if kind not in ("inference", "training"):
        raise ValueError(f"precision kind must be 'inference' or 'training', got {kind!r}")
    p = cfg.get("precision") or {}
    if not isinstance(p, dict):
        raise ValueError(f"config precision must be a mapping {{inference: ..., training: ...}}, got {p!r}")
    return check_precision(p.get(kind, "fp32"), TRAIN_PRECISIONS if kind == "training" else PRECISIONS)


# --- devices ------------------------------------------------------------------------------------
def model_device(model: nn.Module) -> torch.device:
    """Device of the model's first parameter (or buffer); CPU for a model without tensors."""
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


def same_device(a: torch.device, b: torch.device) -> bool:
    """Same device type and index (an index of None matches any index: ``cuda`` ~ ``cuda:0``)."""
    a, b = torch.device(a), torch.device(b)
    return a.type == b.type and (a.index is None or b.index is None or a.index == b.index)


def resolve_device(device=None, model: nn.Module | None = None) -> torch.device:
    """``device`` if given; else the model's device when it is not the CPU (a caller put it on an
    accelerator); else ``cuda`` when CUDA is visible; else ``cpu``."""
    if device is not None:
        return torch.device(device)
    if model is not None:
        d = model_device(model)
        if d.type != "cpu":
            return d
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def placed(model: nn.Module, device, eval_mode: bool = True) -> Iterator[torch.device]:
    """Run a block with ``model`` on ``device`` (and in eval mode); afterwards the model holds its
    original parameter and buffer tensors again and every module its train/eval mode.

    For inference only: changes made to the moved parameters inside the block are discarded.
    Nothing is copied when the model is already on ``device``.
    """
    device = torch.device(device)
    modes = [(m, m.training) for m in model.modules()]
    params, buffers = [], []
    for m in model.modules():
        params += [(m, k, p, p.data) for k, p in m._parameters.items() if p is not None]
        buffers += [(m, k, b) for k, b in m._buffers.items() if b is not None]
    moved = any(not same_device(p.device, device) for _m, _k, p, _d in params) or any(
        not same_device(b.device, device) for _m, _k, b in buffers
    )
    if moved:
        model.to(device)
    if eval_mode:
        model.eval()
    try:
        yield device
    finally:
        if moved:
            for m, k, p, data in params:
                p.data = data  # Parameter identity is kept by .to() on most devices; meta replaces it
                m._parameters[k] = p
            for m, k, b in buffers:
                m._buffers[k] = b
        for m, mode in modes:
            m.training = mode


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """float32 numpy copy of a tensor on any device (the one device-to-host copy)."""
    return t.detach().float().cpu().numpy()


# --- precision contexts -------------------------------------------------------------------------
_NEW_TF32 = (("cuda", "matmul"), ("cudnn", "conv"), ("cudnn", "rnn"))


def _new_tf32_api() -> list:
    objs = []
    for backend, part in _NEW_TF32:
        obj = getattr(getattr(torch.backends, backend, None), part, None)
        if obj is None or not hasattr(obj, "fp32_precision"):
            return []
        objs.append(obj)
    return objs


@contextlib.contextmanager
def fp32_math() -> Iterator[None]:
    """TF32 off for CUDA matmuls, cuDNN convolutions and RNNs inside the block (restored after).

    Global flags: harmless on CPU, where they change nothing.
    """
    objs = _new_tf32_api()
    if objs:
        old = [o.fp32_precision for o in objs]
        for o in objs:
            o.fp32_precision = "ieee"
        try:
            yield
        finally:
            for o, v in zip(objs, old):
                o.fp32_precision = v
    else:  # pragma: no cover - torch < 2.9
        old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        try:
            yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def autocast(device, precision: str):
    """The forward-pass context of ``precision`` on ``device`` (see the module docstring).

    ``fp32`` disables any enclosing autocast and turns TF32 off; ``bf16`` autocasts on CUDA and
    CPU; ``fp16`` autocasts on CUDA only.
    """
    device = torch.device(device)
    check_precision(precision)
    if precision == "fp32":
        stack = contextlib.ExitStack()
        stack.enter_context(fp32_math())
        if torch.amp.is_autocast_available(device.type):
            stack.enter_context(torch.autocast(device.type, enabled=False))
        return stack
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(f"precision 'fp16' needs a CUDA device (got {device}); use 'bf16' or 'fp32'")
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype)


def run_fp32(module: nn.Module, *args):
    """``module(*args)`` in fp32 outside any autocast: floating tensors are cast to float32.

    For RNN blocks (BiLSTMs of ``bhi_deepgxp`` / ``dream_rnn``): CUDA autocast runs cuDNN RNNs
    in fp16 whatever the autocast dtype, CPU bf16 autocast runs them in bf16.
    """
    args = tuple(a.float() if torch.is_tensor(a) and a.is_floating_point() else a for a in args)
    dev = next((a.device.type for a in args if torch.is_tensor(a)), "cpu")
    if not torch.amp.is_autocast_available(dev):
        return module(*args)
    with torch.autocast(dev, enabled=False):
        return module(*args)


# --- GPU memory ---------------------------------------------------------------------------------
def is_oom(exc: BaseException) -> bool:
    """A CUDA (or other accelerator) out-of-memory error."""
    return isinstance(exc, torch.OutOfMemoryError)


def _free_cache() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# largest batch that fitted after an out-of-memory back-off: (id(model), item shape) -> batch
_BATCH_CAPS: dict = {}


def run_batches(n: int, batch_size: int, step: Callable[[int, int], None], key=None,
                log: logging.Logger | None = None, what: str = "predict", progress=None) -> int:
    """Call ``step(start, stop)`` over ``[0, n)`` in batches of ``batch_size``; on an
    out-of-memory error halve the batch, free the cache and retry the same items (logged), down
    to batch 1 (then the error propagates). Returns the batch size that was used last.

    ``key`` (e.g. ``(id(model), input shape)``) remembers a reduced batch for later calls, so a
    job that predicts gene after gene pays for the back-off once. ``progress(k)`` is called with
    the number of items finished by each successful step.
    """
    log = log or log_
    bs = max(1, int(batch_size))
    if key is not None and key in _BATCH_CAPS:
        bs = min(bs, _BATCH_CAPS[key])
    start = 0
    while start < n:
        stop = min(n, start + bs)
        failed = None
        try:
            step(start, stop)
        except BaseException as e:  # noqa: BLE001 - only OOM is handled, the rest re-raised
            if not is_oom(e) or bs == 1:
                raise
            failed = str(e).splitlines()[0][:200]
        if failed is not None:  # outside the except block: the traceback's tensors are freed
            _free_cache()
            new = max(1, bs // 2)
            log.warning("%s: out of memory at batch %d (%s); retrying with batch %d", what, bs, failed, new)
            bs = new
            if key is not None:
                _BATCH_CAPS[key] = bs
            continue
        if progress is not None:
            progress(stop - start)
        start = stop
    return bs


# --- determinism --------------------------------------------------------------------------------
CUBLAS_WORKSPACE = ":4096:8"


def set_deterministic(enabled: bool) -> None:
    """Deterministic kernels (``torch.use_deterministic_algorithms``: an op without a
    deterministic implementation raises, naming the op), cuDNN benchmark off and deterministic
    cuDNN, ``CUBLAS_WORKSPACE_CONFIG`` (read when cuBLAS starts, so call this before the first
    CUDA matmul). ``False`` restores torch's defaults."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    torch.use_deterministic_algorithms(bool(enabled))
    torch.backends.cudnn.deterministic = bool(enabled)
    torch.backends.cudnn.benchmark = False
