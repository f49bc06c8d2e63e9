"""Engine == plain forward loop (fp32, atol 1e-5) with/without cache and ensembles; duplicates once."""

import numpy as np
import pytest
import torch
from torch import nn

from regbench.genome.onehot import decode, one_hot, rc_one_hot
from regbench.predict.engine import SequenceCache, predict

torch.set_num_threads(1)


class Profile(nn.Module):
    """(N, L, 4) -> (N, L/8, 3) with a strand-asymmetric conv, counts forward calls/rows."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(4, 3, 7, padding=3)
        self.calls = 0
        self.rows = 0
        self.input_length, self.output_bin_size, self.n_tracks = 64, 8, 3

    def forward(self, x):
        self.calls += 1
        self.rows += len(x)
        h = self.conv(x.transpose(1, 2))
        return nn.functional.avg_pool1d(h, 8).transpose(1, 2)


class Scalar(Profile):
    def forward(self, x):
        return super().forward(x).mean(1)


def make_x(n=10, L=64, seed=0):
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, L))]


def shift_np(x, s):
    out = np.zeros_like(x)
    if s > 0:
        out[:, s:] = x[:, :-s]
    elif s < 0:
        out[:, :s] = x[:, -s:]
    else:
        out = x.copy()
    return out


def plain(model, x, rc=False, shifts=(0,)):
    outs = []
    with torch.no_grad():
        for i in range(len(x)):
            acc = []
            for s in shifts:
                xs = shift_np(x[i : i + 1], s)
                acc.append(model(torch.from_numpy(xs)).numpy())
                if rc:
                    o = model(torch.from_numpy(rc_one_hot(xs))).numpy()
                    acc.append(o[:, ::-1] if o.ndim == 3 else o)
            outs.append(np.mean(acc, axis=0)[0])
    return np.stack(outs)


@pytest.mark.parametrize("cls", [Profile, Scalar])
@pytest.mark.parametrize("rc,shifts", [(False, (0,)), (True, (0,)), (True, (-2, 0, 3)), (False, (1, -1))])
def test_engine_equals_plain_loop(cls, rc, shifts):
    m = cls().eval()
    x = make_x()
    want = plain(m, x, rc, shifts)
    got = predict(m, x, batch_size=4, rc=rc, shifts=shifts, precision="fp32", progress=False)
    np.testing.assert_allclose(got, want, atol=1e-5)
    cache = SequenceCache()
    got1 = predict(m, x, batch_size=3, rc=rc, shifts=shifts, cache=cache, precision="fp32", progress=False)
    m.calls = 0
    got2 = predict(m, x, batch_size=3, rc=rc, shifts=shifts, cache=cache, precision="fp32", progress=False)
    assert m.calls == 0 and cache.hits == len(x)
    np.testing.assert_allclose(got1, want, atol=1e-5)
    np.testing.assert_array_equal(got1, got2)


def test_duplicates_computed_once_and_strings():
    m = Profile().eval()
    x = make_x(5)
    dup = np.concatenate([x, x[[0, 0, 3]], x])  # 13 inputs, 5 unique
    out = predict(m, dup, batch_size=64, precision="fp32", progress=False)
    assert m.rows == 5 and m.calls == 1
    np.testing.assert_allclose(out, plain(m, dup), atol=1e-5)
    seqs = decode(dup)
    m.rows = 0
    out_s = predict(m, seqs, batch_size=2, precision="fp32", progress=False)
    assert m.rows == 5
    np.testing.assert_allclose(out_s, out, atol=1e-6)


def test_reduce_runs_after_ensemble_and_settings_key_cache():
    m = Profile().eval()
    x = make_x(6)
    cache = SequenceCache()
    full = predict(m, x, rc=True, cache=cache, precision="fp32", progress=False)
    red = predict(m, x, rc=True, cache=cache, reduce=lambda o: o[:, 3:5, 1].mean(1), precision="fp32",
                  progress=False)
    assert red.shape == (6,)
    np.testing.assert_allclose(red, full[:, 3:5, 1].mean(1), atol=1e-6)
    # a different setting (no rc) must not be served from the cache
    norc = predict(m, x, rc=False, cache=cache, precision="fp32", progress=False)
    assert not np.allclose(norc, full)


def test_iterable_of_batches_and_bf16_close():
    m = Profile().eval()
    x = make_x(8)
    got = predict(m, (x[i : i + 3] for i in range(0, 8, 3)), precision="fp32", progress=False)
    np.testing.assert_allclose(got, plain(m, x), atol=1e-5)
    bf = predict(m, x, precision="bf16", progress=False)
    np.testing.assert_allclose(bf, got, atol=0.05)


def test_strings_use_genome_one_hot():
    m = Profile().eval()
    seqs = ["ACGTN" * 12 + "ACGT", "T" * 64]
    got = predict(m, seqs, precision="fp32", progress=False)
    np.testing.assert_allclose(got, plain(m, one_hot(seqs)), atol=1e-5)
