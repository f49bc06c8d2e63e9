"""synthetic_loci fine-tuning heads: attention maths vs a hand computation, shapes, frozen heads, BN option."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from regbench.studies.synthetic_loci.heads import attention_head, build_finetune  # noqa: E402


def test_attention_head_matches_manual_multihead():
    torch.manual_seed(0)
    att = attention_head(6, key_size=3, value_size=2, num_heads=2, dropout=0.0).eval()
    x = torch.randn(2, 5, 6)
    out = att(x)
    assert out.shape == (2, 5, 4)
    q, k, v = x @ att.q.weight.T, x @ att.k.weight.T, x @ att.v.weight.T
    for h in range(2):
        qh, kh, vh = q[..., 3 * h : 3 * h + 3] / np.sqrt(3), k[..., 3 * h : 3 * h + 3], v[..., 2 * h : 2 * h + 2]
        w = torch.softmax(qh @ kh.transpose(1, 2), dim=-1)
        torch.testing.assert_close(out[..., 2 * h : 2 * h + 2], w @ vh)
    assert att.q.bias is None and att.v.bias is None


@pytest.fixture(scope="module")
def tiny_enformer():
    from enformer_pytorch import Enformer

    torch.manual_seed(0)
    return Enformer.from_hparams(
        dim=24, depth=1, heads=2, attn_dim_key=8, dim_divisible_by=4, num_downsamples=7, target_length=-1, output_heads=dict(mouse=3)
    ).eval()


@pytest.mark.slow
def test_finetune_model_shapes_and_original_head(tiny_enformer):
    m = build_finetune(tiny_enformer, n_bins=4, key_size=8, value_size=4, num_heads=2).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 512)), 4).float()
    y = m(x)
    assert y.shape == (3,) and (y > 0).all()  # softplus
    tr = m.track_head("mouse")(x)
    with torch.no_grad():
        torch.testing.assert_close(tr, tiny_enformer(x, head="mouse"))
    assert not any(p.requires_grad for p in tiny_enformer._heads.parameters())
    assert m.dense.in_features == 4 * 4 * 2
    with pytest.raises(ValueError, match="trunk bins"):
        m(x[:, :384])


@pytest.mark.slow
def test_freeze_batchnorm_keeps_running_stats(tiny_enformer):
    import copy

    for freeze, expect_same in [(True, True), (False, False)]:
        m = build_finetune(copy.deepcopy(tiny_enformer), n_bins=4, key_size=4, value_size=4, freeze_batchnorm=freeze)
        bn = [mod for mod in m.modules() if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)]
        assert bn
        before = bn[0].running_mean.clone()
        m.train()
        m(torch.nn.functional.one_hot(torch.randint(0, 4, (2, 512)), 4).float())
        assert torch.equal(before, bn[0].running_mean) == expect_same
        assert m.attention.dropout.training
