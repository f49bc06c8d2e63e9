"""DREAM team recipes: padding, alphabets, soft labels, augmentations (known answers)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from regbench.genome.fasta import reverse_complement
from regbench.studies.dream import preprocess as pp
from regbench.studies.dream.data import ADAPTER_3, ADAPTER_5, holdout_split, is_singleton
from regbench.studies.dream.recipes import autosome_loss, make_masker, rc_double, soft_labels_torch

torch.set_num_threads(1)
UPSTREAM = "ACGT" * 50  # 200 bp of vector before the 5' adapter
PLASMID = UPSTREAM + ADAPTER_5 + "N" * 80 + ADAPTER_3 + "GGGG"
RANDOM80 = "ACGTTGCA" * 10


def test_autosome_pad_replaces_adapter_by_plasmid_upstream():
    seq = ADAPTER_5 + RANDOM80 + ADAPTER_3  # 110 bp
    (out,) = pp.autosome_pad([seq], PLASMID, 150)
    assert len(out) == 150
    assert out.endswith(RANDOM80 + ADAPTER_3)
    # 150 - 93 = 57 bp of plasmid: the 17-bp adapter and 40 bp of vector before it
    assert out[:57] == (UPSTREAM + ADAPTER_5)[-57:]
    (short,) = pp.autosome_pad([seq[:-2]], PLASMID, 150)  # a 108-bp sequence gets 2 more plasmid bp
    assert short[:59] == (UPSTREAM + ADAPTER_5)[-59:]


def test_autosome_encode_agct_order_and_extra_channels():
    x = pp.autosome_encode(["AGCTN"], [1], [0])
    assert x.shape == (1, 5, 6)
    np.testing.assert_array_equal(x[0, :4, :4], np.eye(4))  # A, G, C, T
    assert (x[0, 4, :4] == 0).all()  # N = zeros
    assert (x[0, :, 4] == 1).all() and (x[0, :, 5] == 0).all()


def test_autosome_train_arrays_add_reverse_complements():
    seq = ADAPTER_5 + RANDOM80 + ADAPTER_3
    x, y = pp.autosome_train_arrays([seq], [4.0], [True], PLASMID)
    assert x.shape == (2, 150, 6) and y.ravel().tolist() == [4.0, 4.0]
    assert x[1, 0, 4] == 1 and x[0, 0, 4] == 0  # rev channel
    assert (x[:, :, 5] == 1).all()  # singleton flag kept on both strands
    rc = pp.autosome_encode([reverse_complement(pp.autosome_pad([seq], PLASMID)[0])], [1], [1])
    np.testing.assert_array_equal(x[1], rc[0])


def test_soft_labels_match_normal_integrals():
    p = pp.soft_labels([4.0, 0.0, 17.0])
    assert p.shape == (3, 18)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    # N(4.5, 0.5) over [4, 5): 2 * (Phi(1) - 0.5)
    assert p[0, 4] == pytest.approx(norm.cdf(1) - norm.cdf(-1), abs=1e-6)
    assert p[0].argmax() == 4 and p[2].argmax() == 17
    assert p[1, 0] == pytest.approx(norm.cdf(1.0), abs=1e-6)  # (-inf, 1) under N(0.5, 0.5)
    np.testing.assert_allclose(soft_labels_torch(torch.tensor([[4.0], [0.0], [17.0]])).numpy(), p, atol=1e-6)


def test_autosome_loss_kl_zero_for_matching_logits():
    y = torch.tensor([[3.2], [10.0]])
    logits = torch.log(soft_labels_torch(y) + 1e-12)
    assert autosome_loss(logits, y).item() == pytest.approx(0.0, abs=1e-5)
    assert autosome_loss(torch.tensor([[3.0]]), torch.tensor([[5.0]])).item() == pytest.approx(4.0)  # MSE branch


def test_bhi_padding_and_trim():
    s = "A" * 100
    assert pp.bhi_pad([s], mode="right")[0] == s + pp.BHI_VECTOR_RIGHT[:10]
    assert pp.bhi_pad([s], mode="left")[0] == pp.BHI_VECTOR_LEFT[-10:] + s
    assert pp.bhi_pad([s], mode="both")[0] == pp.BHI_VECTOR_LEFT[-5:] + s + pp.BHI_VECTOR_RIGHT[:5]
    assert pp.bhi_pad(["C" * 115], mode="right")[0] == "C" * 110
    rng = np.random.default_rng(0)
    modes = [pp.bhi_pad([s], rng=rng)[0] for _ in range(900)]
    right = sum(m.startswith("A") and m.endswith(pp.BHI_VECTOR_RIGHT[:10]) for m in modes)
    assert 240 < right < 360  # 3 / 9 of the draws
    shifted = pp.bhi_shifted(["A" * 110], 2)[0]
    assert shifted == pp.BHI_VECTOR_LEFT[-2:] + "A" * 108
    x = pp.bhi_encode(["ACGTN"])
    np.testing.assert_array_equal(x[0, :4], np.eye(4))


def test_unlock_tokens_strip_pad_and_reverse_complement():
    core = "ACGTA" * 16  # 80 bp
    (tok,) = pp.unlock_tokens([ADAPTER_5 + core + ADAPTER_3])
    assert len(tok) == 200
    assert tok[:100] == "N" * 10 + core + "N" * 10
    assert tok[100:] == reverse_complement(tok[:100])
    x = pp.unlock_encode([tok])
    assert x.shape == (1, 200, 6)
    assert x[0, :10, 4].sum() == 10 and x[0, :, 5].sum() == 0  # N channel; mask channel empty
    np.testing.assert_array_equal(x[0, 10, :4], [1, 0, 0, 0])


def test_rc_double_and_masker():
    x = torch.tensor(pp.bhi_encode(["AACG"]))
    x2, y2 = rc_double(x, torch.tensor([[1.0]]))
    assert x2.shape[0] == 2 and y2.ravel().tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(x2[1].numpy(), pp.bhi_encode(["CGTT"])[0])
    tok = pp.unlock_tokens([ADAPTER_5 + RANDOM80 + ADAPTER_3] * 4)
    x = torch.tensor(pp.unlock_encode(tok))
    g = torch.Generator().manual_seed(0)
    xm, ym = make_masker(rate=0.3)(x, torch.zeros(4, 1), g)
    chosen = ym[:, 1:] >= 0
    assert chosen.any()
    assert (xm[..., 5][chosen] == 1).all() and (xm[chosen].sum(-1) == 1).all()
    assert (x[..., 4][chosen] == 0).all()  # N positions are never masked
    assert (ym[:, 1:][chosen].long() == x.argmax(-1)[chosen]).all()


def test_singletons_and_holdout():
    assert is_singleton([12, 12.5, 0.0, 3.0000001]).tolist() == [True, False, True, False]
    tr, ho = holdout_split(6369, 0.1, 1)
    assert len(ho) == 637 and len(set(tr) | set(ho)) == 6369
