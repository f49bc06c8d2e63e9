"""Prix Fixe blocks and the top-3 models: every combination builds and has the registry shape."""

from __future__ import annotations

import itertools

import pytest
import torch

from regbench.models import registry
from regbench.studies.dream import prixfixe, top3  # noqa: F401  (register the models)

torch.set_num_threads(1)
TINY = {
    "first_channels": 8,
    "core_channels": 8,
    "input_length": 40,
}
CORE_KW = {"autosome": {"block_sizes": [8]}, "bhi": {"lstm_hidden": 4}, "unlockdna": {"n_blocks": 1, "kernel_size": 5}}


@pytest.mark.parametrize("first,core,final", list(itertools.product(prixfixe.TEAMS, repeat=3)))
def test_grid_combination_shapes(first, core, final):
    torch.manual_seed(0)
    m = registry.build("dream_prixfixe", first=first, core=core, final=final, core_kw=CORE_KW[core], **TINY)
    x = torch.randn(3, 40, 6)
    m.eval()
    assert m(x).shape == (3, 1)
    m.train()
    out = m(x)
    assert out.shape == ((3, 18) if final == "autosome" else (3, 1))
    assert m.input_length == 40 and m.output_bin_size is None and m.n_tracks == 1


def test_autosome_score_is_softmax_expectation():
    m = registry.build("dream_prixfixe", first="autosome", core="autosome", final="autosome", core_kw=CORE_KW["autosome"], **TINY)
    x = torch.randn(2, 40, 6)
    m.train()
    logits = m(x)
    m.eval()
    with torch.no_grad():
        logits_eval = m.final.train_output(m.core(m.first(x.transpose(1, 2))))
        expect = (torch.softmax(logits_eval, 1) * torch.arange(18.0)).sum(1, keepdim=True)
        assert torch.allclose(m(x), expect, atol=1e-5)
    assert logits.shape == (2, 18)


#: model -> (parameters of the authors' own code, Table 1 of the paper). The code counts were
#: measured once by building the authors' models: BHI ``net.DeepGXP()`` (PyTorch, 6,875,137);
#: Autosome ``model.SeqNN(150, True, [256, 128, 128, 64, 64, 64, 64], ks=7)`` with tensorly-torch
#: 0.5.0 (1,852,846); Unlock_DNA's Keras ``model.summary()`` printed in mode_training.ipynb
#: (47,425,543).
PUBLISHED_SIZES = {
    "bhi_deepgxp": (6_875_137, 6.8e6),
    "legnet": (1_852_846, 1.9e6),
    "unlock_conformer": (47_425_543, 47.4e6),
}


def _n_params(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("name", list(PUBLISHED_SIZES))
def test_top3_published_sizes(name):
    """Exactly the authors' code's parameter count, and Table 1's rounded size: within 2 % for
    BHI (+1.1 %) and Unlock_DNA (+0.05 %); the authors' own LegNet is 2.5 % under Table 1's
    "1.9 M" (1,852,846 rounds to 1.9 M), so LegNet is held to 3 % of Table 1 and to the exact
    count."""
    code, table1 = PUBLISHED_SIZES[name]
    n = _n_params(registry.build(name))
    assert n == code
    assert abs(n - table1) / table1 <= (0.03 if name == "legnet" else 0.02)


def test_legnet_se_switch_and_unlock_key_dim():
    # the plain SE of the Prix Fixe port / optimized LegNet is 127,724 parameters smaller
    assert _n_params(registry.build("legnet")) - _n_params(registry.build("legnet", se="simple")) == 127_724
    # Keras key_dim = d per head: the attention alone has 4 d H K + 3 H K + d parameters per layer
    m = registry.build("unlock_conformer")
    d, heads = 512, 8
    assert _n_params(m.layers[0].attn) == 4 * d * heads * d + 3 * heads * d + d


def test_cp_bilinear_equals_full_tensor_regression():
    """CPBilinear == sum_ij x_i x_j W_ijo + b with W rebuilt from the CP factors (float64)."""
    from regbench.studies.dream.blocks_autosome import CPBilinear, cp_rank

    assert cp_rank((64, 64, 32), 0.5) == 410 and cp_rank((16, 16, 8), 0.5) == 26  # tensorly's ranks
    torch.manual_seed(0)
    m = CPBilinear(16, 8).double()
    with torch.no_grad():
        m.weights.normal_()
    x = torch.randn(5, 16, dtype=torch.float64)
    w = torch.einsum("r,ir,jr,or->ijo", m.weights, m.factor_a, m.factor_b, m.factor_c)
    expect = torch.einsum("bi,bj,ijo->bo", x, x, w) + m.bias
    assert torch.allclose(m(x), expect, atol=1e-12)


def test_keras_attention_matches_reference():
    """KerasMultiHeadAttention == softmax(q k^T / sqrt(K)) v per head, written out."""
    from regbench.studies.dream.blocks_unlockdna import KerasMultiHeadAttention

    torch.manual_seed(0)
    a = KerasMultiHeadAttention(6, num_heads=2, key_dim=5).double()
    x = torch.randn(3, 4, 6, dtype=torch.float64)
    q, k, v = (f(x).view(3, 4, 2, 5) for f in (a.q, a.k, a.v))
    w = torch.softmax(torch.einsum("bihk,bjhk->bhij", q, k) / 5**0.5, dim=-1)
    expect = a.out(torch.einsum("bhij,bjhk->bihk", w, v).reshape(3, 4, 10))
    assert torch.allclose(a(x), expect, atol=1e-12)


def test_grid_widths_per_team():
    from regbench.studies.dream.prixfixe import block_widths

    # the three DREAM-optimised models are grid cells with their notebook widths
    assert block_widths("bhi", "autosome") == (320, 64)  # DREAM-CNN
    assert block_widths("bhi", "bhi") == (320, 320)  # DREAM-RNN
    assert block_widths("autosome", "unlockdna") == (256, 256)  # DREAM-Attn
    assert block_widths("unlockdna", "autosome") == (512, 64)
    assert block_widths("bhi", "autosome", 16, 16) == (16, 16)
    with pytest.raises(ValueError, match="Unlock_DNA core"):
        block_widths("bhi", "unlockdna", 16, 8)
    cnn = registry.build("dream_cnn")
    cell = registry.build("dream_prixfixe", first="bhi", core="autosome", final="autosome")
    assert _n_params(cnn) == _n_params(cell)


def test_unlock_and_followup_heads():
    m = registry.build("unlock_conformer", scale=0.05, n_blocks=1, num_heads=2, num_projectors=4)
    x = torch.randn(2, 200, 6)
    m.train()
    assert m(x).shape == (2, 1 + 200 * 6)
    m.eval()
    assert m(x).shape == (2, 1)
    f = registry.build("dream_cnn", in_channels=5, input_length=60, n_outputs=2, final="regression", scale=0.05,
                       core_kw={"block_sizes": [8]})
    f.eval()
    assert f(torch.randn(2, 60, 5)).shape == (2, 2)
