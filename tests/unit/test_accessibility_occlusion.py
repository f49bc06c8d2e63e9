"""Motif occlusion (Supp. Fig. 2): regex matches, background spans, and the occlusion effect of a
linear convolution model, where it is computable by hand."""

import numpy as np
import pytest
import torch
from torch import nn

from regbench.genome.onehot import one_hot
from regbench.studies.accessibility import occlusion as O

torch.set_num_threads(1)

# per-base weights of the linear model (A, C, G, T) for two output "cells"
W = np.array([[1.0, 0.0, 3.0, -1.0], [0.5, 0.5, 0.5, 0.5]])


class Linear(nn.Module):
    """out[n, l, c] = sum_b W[c, b] x[n, l, b] (kernel 1 'conv'), shape (N, L, 2)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 2, kernel_size=1, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor(W, dtype=torch.float32)[:, :, None])

    def forward(self, x):
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


def test_find_matches_non_overlapping():
    seqs = ["AATGACTCATTGAGTCA", "CCCC", "TGAGTCAGTCA"]
    assert O.find_matches(seqs, "TGA.TCA") == [[(2, 9), (10, 17)], [], [(0, 7)]]


def test_background_spans_disjoint_same_length():
    rng = np.random.default_rng(0)
    spans = [(10, 17), (40, 47), (48, 50)]
    bg = O.background_spans(60, spans, rng)
    assert [e - s for s, e in bg] == [7, 7, 2]
    cover = np.zeros(60, int)
    for s, e in spans + bg:
        cover[s:e] += 1
    assert cover.max() == 1  # no overlap with the motifs nor with each other
    with pytest.raises(ValueError):
        O.background_spans(10, [(0, 8)], rng)


def test_occlude_random_and_mean():
    x = one_hot("ACGTACGTAC")
    rng = np.random.default_rng(1)
    r = O.occlude(x, [(2, 6)], rng, "random")
    assert (r[:2] == x[:2]).all() and (r[6:] == x[6:]).all()
    assert (r[2:6].sum(1) == 1).all() and set(np.unique(r)) <= {0.0, 1.0}
    m = O.occlude(x, [(2, 6)], fill="mean")
    assert (m[2:6] == 0.25).all() and (m[6:] == x[6:]).all()


def test_occlusion_effect_linear_model_known_answer():
    seqs = ["GGGTGACTCAGGGG", "TTTTGAGTCATTTT"]
    x = one_hot(seqs)
    L = len(seqs[0])
    spans = O.find_matches(seqs, "TGA.TCA")
    model = Linear().eval()
    eff = O.occlusion_effects(model, x, spans, fill="mean", control=False, precision="fp32")
    orig = np.stack([(W @ x[i].T).mean(axis=1) for i in range(2)])  # (N, C)
    assert eff["original"] == pytest.approx(orig, abs=1e-5)
    # mean fill: each occluded base contributes mean(W[c]) instead of W[c, base]
    expect = []
    for i, s in enumerate(seqs):
        (st, en), = spans[i]
        delta = sum(W[:, "ACGT".index(b)] - W.mean(axis=1) for b in s[st:en])
        expect.append(orig[i] - delta / L)
    assert eff["removed"] == pytest.approx(np.array(expect), abs=1e-5)
    # the second cell weighs every base equally: no effect
    assert eff["removed"][:, 1] == pytest.approx(eff["original"][:, 1], abs=1e-6)


def test_occlusion_random_fill_expectation_and_control():
    # all-G background and a T-rich motif: occluding the motif raises cell 0 (T = -1 -> mean 0.75);
    # occluding background G (3 -> 0.75) lowers it. Expected values from the linear model.
    s = "G" * 20 + "TGATTCA" + "G" * 21
    x = one_hot([s])
    L = len(s)
    spans = O.find_matches([s], "TGA.TCA")
    eff = O.occlusion_effects(Linear().eval(), x, spans, n_copies=400, seed=3, fill="random", control=True,
                              precision="fp32")
    motif_sum = sum(W[0, "ACGT".index(b)] for b in "TGATTCA")
    exp_removed = eff["original"][0, 0] + (7 * W[0].mean() - motif_sum) / L
    exp_bg = eff["original"][0, 0] + 7 * (W[0].mean() - W[0, 2]) / L
    assert eff["removed"][0, 0] == pytest.approx(exp_removed, abs=0.02)
    assert eff["background"][0, 0] == pytest.approx(exp_bg, abs=0.02)
    # deterministic given the seed
    again = O.occlusion_effects(Linear().eval(), x, spans, n_copies=400, seed=3, fill="random", control=True,
                                precision="fp32")
    assert (again["removed"] == eff["removed"]).all() and (again["background"] == eff["background"]).all()


def test_instance_group():
    assert [O.instance_group(n) for n in (1, 2, 3, 7)] == ["1", "2", "3+", "3+"]
