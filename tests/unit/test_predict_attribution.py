"""ISM and gradient x input against direct computation."""

import numpy as np
import pytest
import torch
from torch import nn

from regbench.genome.onehot import one_hot
from regbench.predict.attribution import grad_x_input, ism

torch.set_num_threads(1)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(4, 3, 5, padding=2)
        self.input_length, self.output_bin_size, self.n_tracks = 40, 8, 3
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        h = torch.tanh(self.conv(x.transpose(1, 2)))
        return nn.functional.avg_pool1d(h, 8).transpose(1, 2)  # (N, 5, 3)


SEQ = "ACGTTGCAAGGCTTACGATCGATCGGATCCATGCATGCAA"


def readout(o):
    return o[:, 2:4, 1].sum(1)


def direct(m, x):
    with torch.no_grad():
        return float(readout(m(torch.from_numpy(x[None]))))


def test_ism_window_matches_direct_mutation():
    m = Model().eval()
    x = one_hot(SEQ)
    eff = ism(m, SEQ, readout, start=10, end=20, precision="fp32")
    assert eff.shape == (10, 4)
    ref = direct(m, x)
    for i in range(10):
        for b in range(4):
            xm = x.copy()
            xm[10 + i] = 0
            xm[10 + i, b] = 1
            assert eff[i, b] == pytest.approx(direct(m, xm) - ref, abs=1e-5)
        assert eff[i, "ACGT".index(SEQ[10 + i])] == 0  # reference base: identical sequence


def test_ism_variants_only_and_one_batch():
    m = Model().eval()
    variants = [(3, "A"), (17, "C"), (17, "T")]
    eff = ism(m, one_hot(SEQ), readout, variants=variants, batch_size=64, precision="fp32")
    assert m.calls == 1 and eff.shape == (3,)
    full = ism(m, SEQ, readout, start=0, end=40, precision="fp32")
    np.testing.assert_allclose(eff, [full[3, 0], full[17, 1], full[17, 3]], atol=1e-6)
    with pytest.raises(ValueError):
        ism(m, SEQ, readout, variants=[(99, "A")], precision="fp32")


def test_grad_x_input_matches_autograd_and_finite_difference():
    m = Model().eval()
    x = one_hot([SEQ, SEQ[::-1]])
    gx, g = grad_x_input(m, x, readout, return_grad=True, precision="fp32")
    assert gx.shape == (2, 40, 4)
    np.testing.assert_allclose(gx, g * x)
    # finite difference along one input coordinate
    eps = 1e-3
    xp = x[0].copy()
    xp[12, 2] += eps
    fd = (direct(m, xp) - direct(m, x[0])) / eps
    assert g[0, 12, 2] == pytest.approx(fd, rel=1e-2, abs=1e-4)
    single = grad_x_input(m, SEQ, readout, precision="fp32")
    np.testing.assert_allclose(single, gx[0], atol=1e-6)
