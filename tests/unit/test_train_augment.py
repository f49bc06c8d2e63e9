"""Augmentations: RC with reversed targets, aligned random shift, GOPHER step order."""

import numpy as np
import pytest
import torch

from regbench.genome.onehot import one_hot, rc_one_hot
from regbench.genome.tracks import bin_mean
from regbench.train.augment import GopherAugment, bin_targets, center_crop, random_rc, random_shift

torch.set_num_threads(1)


def batch(b=6, w=64, c=2, seed=0):
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (b, w))]
    # targets encode the position and the base so alignment can be checked exactly
    y = np.stack([np.arange(w)[None].repeat(b, 0), x.argmax(-1)], -1).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y[..., :c])


def test_rc_per_batch_flips_targets():
    x, y = batch()
    flipped = 0
    for s in range(20):
        g = torch.Generator().manual_seed(s)
        xr, yr = random_rc(x, y, g)
        if not torch.equal(xr, x):
            flipped += 1
            np.testing.assert_array_equal(xr.numpy(), rc_one_hot(x.numpy()))
            np.testing.assert_array_equal(yr.numpy(), y.numpy()[:, ::-1])
        else:
            assert torch.equal(yr, y)
    assert 3 < flipped < 17


def test_rc_per_sample_mixes():
    x, y = batch(b=64)
    xr, yr = random_rc(x, y, torch.Generator().manual_seed(0), per_sample=True)
    same = [torch.equal(xr[i], x[i]) for i in range(64)]
    assert 10 < sum(same) < 54
    for i in range(64):
        want = x[i] if same[i] else torch.from_numpy(rc_one_hot(x[i].numpy()))
        assert torch.equal(xr[i], want)
        assert torch.equal(yr[i], y[i] if same[i] else y[i].flip(0))


def test_random_shift_aligned_and_in_range():
    x, y = batch(b=200, w=48)
    xs, ys = random_shift(x, y, torch.Generator().manual_seed(1), 32)
    assert xs.shape == (200, 32, 4) and ys.shape == (200, 32, 2)
    offs = ys[:, 0, 0].long().numpy()
    assert offs.min() == 0 and offs.max() == 15  # randint(0, 48 - 32), high exclusive
    for i in range(200):
        o = offs[i]
        assert torch.equal(xs[i], x[i, o : o + 32])
        np.testing.assert_array_equal(ys[i, :, 1].numpy(), xs[i].argmax(-1).numpy())


def test_center_crop_and_binning_match_genome_bin_mean():
    x, y = batch(w=3072 // 16)
    xc, yc = center_crop(x, y, 128)
    assert yc[0, 0, 0] == int(0.5 * (192 - 128))
    yb = bin_targets(yc, 32)
    np.testing.assert_allclose(yb.numpy(), bin_mean(yc.numpy(), 32, axis=1), rtol=1e-6)


def test_gopher_augment_order_and_frozen_offsets():
    x, y = batch(b=8, w=96)
    aug = GopherAugment(64, bin_size=16, rc=False, shift=True, frozen_offsets=True, seed=3)
    _, y1 = aug(x, y, torch.Generator().manual_seed(0))
    _, y2 = aug(x, y, torch.Generator().manual_seed(99))
    assert y1.shape == (8, 4, 2)
    assert torch.equal(y1, y2)  # frozen: same offsets at every step
    fresh = GopherAugment(64, bin_size=16, rc=False, shift=True)
    _, z1 = fresh(x, y, torch.Generator().manual_seed(0))
    _, z2 = fresh(x, y, torch.Generator().manual_seed(1))
    assert not torch.equal(z1, z2)
    with pytest.raises(ValueError):
        GopherAugment(64, behaviour="nope")


def test_scalar_targets_pass_through():
    x, _ = batch(b=4, w=32)
    y = torch.ones(4, 3)
    xr, yr = random_rc(x, y, torch.Generator().manual_seed(0), per_sample=True)
    assert torch.equal(yr, y)
    xs, ys = random_shift(x, y, torch.Generator().manual_seed(0), 16)
    assert xs.shape == (4, 16, 4) and torch.equal(ys, y)
