"""Enformer loader (offline), EnformerHead through the engine, Basenji target tables."""

import os

import numpy as np
import pytest
import torch

from regbench.errors import InputError
from regbench.predict.engine import predict
from regbench.predict.enformer import EnformerHead, load_enformer, read_targets, track_index

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from enformer_pytorch import Enformer
    from enformer_pytorch.modeling_enformer import Attention

    torch.manual_seed(0)
    m = Enformer.from_hparams(dim=48, depth=1, heads=1, attn_dim_key=8, dim_divisible_by=8, num_downsamples=7,
                              target_length=-1, output_heads=dict(human=3, mouse=2))
    for mod in m.modules():
        if isinstance(mod, Attention):
            torch.nn.init.normal_(mod.to_out.weight, std=0.02)
    d = tmp_path_factory.mktemp("enf") / "model"
    m.save_pretrained(d, safe_serialization=False)
    return m.eval(), d


def test_local_dir_loads_identically(saved):
    m, d = saved
    m2 = load_enformer(d)
    assert m2.config.dim == 48 and dict(m2.config.output_heads) == {"human": 3, "mouse": 2}
    assert m2.use_tf_gamma is False
    assert all(not a.use_tf_gamma for a in m2.modules() if type(a).__name__ == "Attention")
    x = torch.from_numpy(np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (2, 1024))])
    with torch.no_grad():
        np.testing.assert_array_equal(m(x, head="human").numpy(), m2(x, head="human").numpy())
    m3 = load_enformer(d, use_tf_gamma=True)
    assert all(a.use_tf_gamma for a in m3.modules() if type(a).__name__ == "Attention")


def test_head_through_engine(saved):
    m, _ = saved
    h = EnformerHead(m, "mouse")
    assert h.n_tracks == 2 and h.output_bin_size == 128
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(1).integers(0, 4, (3, 1024))]
    out = predict(h, x, precision="fp32", progress=False)
    assert out.shape == (3, 8, 2)
    with torch.no_grad():
        np.testing.assert_allclose(out, m(torch.from_numpy(x), head="mouse").numpy(), atol=1e-5)
    with pytest.raises(KeyError):
        EnformerHead(m, "dog")


def test_hub_offline_fails_fast_naming_config_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    import time

    t = time.time()
    with pytest.raises(RuntimeError, match="enformer.weights"):
        load_enformer("EleutherAI/enformer-official-rough")
    assert time.time() - t < 10
    with pytest.raises(InputError, match="enformer.weights"):
        load_enformer("results/shared/no_such_model_dir")


def test_real_targets_tables(shared_data):
    hum = read_targets(shared_data / "enformer" / "targets_human.txt")
    mou = read_targets(shared_data / "enformer" / "targets_mouse.txt")
    assert len(hum) == 5313 and len(mou) == 1643
    assert track_index(hum, "CAGE:brain, adult,") == 4980
    assert track_index(mou, "DNASE:129 ES-CJ7") == 10
    assert track_index(mou, "DNASE:129 ES-E14") == 11
    with pytest.raises(KeyError, match="no track"):
        track_index(hum, "CAGE:nowhere")
