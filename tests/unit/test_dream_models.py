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


def test_published_sizes():
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert 6.5e6 < n(registry.build("bhi_deepgxp")) < 7.1e6  # Table 1: 6.8 M
    assert 1.5e6 < n(registry.build("legnet")) < 2.1e6  # Table 1: 1.9 M (bilinear SE replaced)


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
