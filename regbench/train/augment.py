"""Online training augmentations (specs/accessibility.md §4.3), on torch batches.

All functions take ``x`` one-hot ``(B, W, 4)`` (A, C, G, T), ``y`` targets ``(B, W, C)``
(base resolution or bins) or ``(B, C)`` (scalars, passed through), and a ``torch.Generator``
(the trainer's per-epoch augmentation generator), and return new tensors.

* :func:`random_rc` — GOPHER code: one coin flip per mini-batch; the whole batch becomes
  ``x[:, ::-1, ::-1]`` with ``y[:, ::-1]``. ``per_sample=True``: the paper's description (each
  sequence flipped with probability 1/2).
* :func:`random_shift` — crop ``length`` bp at a per-sample offset ``o ~ U{0, ..., W-length-1}``
  (``randint`` high bound exclusive, as in GOPHER) from x and base-resolution y, aligned.
  ``frozen_offsets=`` a fixed offset vector (GOPHER's tf.function artifact: offsets drawn once
  per trace and reused at every step); see :class:`GopherAugment`.
* :func:`center_crop`, :func:`bin_targets`.
* :class:`GopherAugment` — the GOPHER training step order: shift (or centre crop) -> bin -> RC.
  ``behaviour="code"`` (default: RC per batch, fresh per-sample offsets) or ``"paper"`` (RC per
  sample); ``frozen_offsets=True`` mimics the frozen-offset artifact.
"""

from __future__ import annotations

import torch

from regbench.genome.tracks import bin_mean


def rc_batch(x: torch.Tensor) -> torch.Tensor:
    """Reverse complement of one-hot (B, L, 4) in ACGT order (= genome.onehot.rc_one_hot)."""
    return x.flip(1).flip(2)


def random_rc(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, per_sample: bool = False):
    """Reverse-complement the batch (coin flip per batch) or each sample (``per_sample``)."""
    if not per_sample:
        if torch.rand((), generator=generator).item() > 0.5:
            x = rc_batch(x)
            if y.dim() == 3:
                y = y.flip(1)
        return x, y
    flip = (torch.rand(x.shape[0], generator=generator) > 0.5).to(x.device)
    x = torch.where(flip[:, None, None], rc_batch(x), x)
    if y.dim() == 3:
        y = torch.where(flip[:, None, None], y.flip(1), y)
    return x, y


def crop(x: torch.Tensor, y: torch.Tensor, offsets: torch.Tensor, length: int):
    """Crop ``length`` positions at per-sample ``offsets`` (B,) from x and (B, W, C) y."""
    idx = offsets.to(x.device)[:, None] + torch.arange(length, device=x.device)[None]
    x = torch.gather(x, 1, idx[..., None].expand(-1, -1, x.shape[2]))
    if y.dim() == 3:
        y = torch.gather(y, 1, idx.to(y.device)[..., None].expand(-1, -1, y.shape[2]))
    return x, y


def random_shift(x, y, generator: torch.Generator, length: int, frozen_offsets: torch.Tensor | None = None):
    """Random crop of ``length`` bp per sample (offset in ``[0, W - length)``), targets aligned."""
    b, w = x.shape[0], x.shape[1]
    span = w - length
    if span < 0:
        raise ValueError(f"random_shift: window {w} shorter than crop length {length}")
    if y.dim() == 3 and y.shape[1] != w:
        raise ValueError(f"random_shift: targets must be base resolution ({w} positions), got {y.shape[1]}")
    if span == 0:
        return x, y
    if frozen_offsets is not None:
        offsets = frozen_offsets[:b]
    else:
        offsets = torch.randint(0, span, (b,), generator=generator)
    return crop(x, y, offsets, length)


def center_crop(x, y, length: int):
    """Centre crop at offset ``int(0.5 * (W - length))`` (GOPHER validation)."""
    b, w = x.shape[0], x.shape[1]
    off = int(0.5 * (w - length))
    if off == 0 and w == length:
        return x, y
    return crop(x, y, torch.full((b,), off, dtype=torch.long), length)


def bin_targets(y: torch.Tensor, bin_size: int | None) -> torch.Tensor:
    """Mean over non-overlapping bins of ``bin_size`` along dim 1 of profile targets ``(B, W, C)``
    -> ``(B, W / bin_size, C)`` on ``y``'s device and dtype (:func:`regbench.genome.tracks.bin_mean`);
    scalar targets and ``bin_size`` None / 1 pass through."""
    if y.dim() != 3 or not bin_size or bin_size == 1:
        return y
    return bin_mean(y, bin_size, axis=1, acc_dtype=None)


class GopherAugment:
    """GOPHER training-batch transform: shift/crop -> bin -> RC (a ``fit`` ``augment`` callable).

    ``x`` (B, W, 4) and base-resolution ``y`` (B, W, C) (or scalar ``y``) in; ``x`` (B, length, 4)
    and ``y`` (B, length / bin_size, C) out. ``shift=False`` takes the centre crop.
    ``behaviour``: "code" (RC coin flip per batch) or "paper" (RC per sample).
    ``frozen_offsets``: draw one offset vector per batch size once (from ``seed``) and reuse it.
    """

    def __init__(self, length: int, bin_size: int | None = None, rc: bool = True, shift: bool = True,
                 behaviour: str = "code", frozen_offsets: bool = False, seed: int = 0):
        if behaviour not in ("code", "paper"):
            raise ValueError(f"behaviour must be 'code' or 'paper', got {behaviour!r}")
        self.length, self.bin_size, self.rc, self.shift = int(length), bin_size, rc, shift
        self.behaviour, self.frozen, self.seed = behaviour, frozen_offsets, seed
        self._frozen: dict[tuple[int, int], torch.Tensor] = {}

    def __call__(self, x, y, generator):
        if self.shift:
            frozen = None
            if self.frozen:
                key = (x.shape[0], x.shape[1])
                if key not in self._frozen:
                    g = torch.Generator().manual_seed(self.seed * 7919 + x.shape[0])
                    self._frozen[key] = torch.randint(0, max(1, x.shape[1] - self.length), (x.shape[0],), generator=g)
                frozen = self._frozen[key]
            x, y = random_shift(x, y, generator, self.length, frozen)
        else:
            x, y = center_crop(x, y, self.length)
        y = bin_targets(y, self.bin_size)
        if self.rc:
            x, y = random_rc(x, y, generator, per_sample=self.behaviour == "paper")
        return x, y.float()
