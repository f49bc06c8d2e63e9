"""Enformer loader (offline), EnformerHead through the engine, Basenji target tables."""

import os
from pathlib import Path

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


# --- use_tf_gamma for the official weights (issue 17) -----------------------------------------

OFFICIAL_DOWNLOADS = {
    "enformer/enformer-official-rough/config.json": {
        "url": "https://huggingface.co/EleutherAI/enformer-official-rough/resolve/main/config.json"},
    "enformer/enformer-official-rough/pytorch_model.bin": {
        "url": "https://huggingface.co/EleutherAI/enformer-official-rough/resolve/main/pytorch_model.bin"},
    "enformer/targets_human.txt": {"url": "https://raw.githubusercontent.com/calico/basenji/master/x.txt"},
}


@pytest.fixture(scope="module")
def official_layout(tmp_path_factory):
    """A shrunken Enformer saved where paper.yaml's downloads put the official weights
    (resources/downloads/enformer/enformer-official-rough/{config.json,pytorch_model.bin}).
    dim // heads = 192 so the TF gamma features (3071 x 32 per class) fit; attention output
    re-initialised (zero at init) so positional features reach the output."""
    from enformer_pytorch import Enformer
    from enformer_pytorch.modeling_enformer import Attention

    torch.manual_seed(1)
    m = Enformer.from_hparams(dim=192, depth=1, heads=1, attn_dim_key=8, dim_divisible_by=16,
                              target_length=896, output_heads=dict(human=4))
    for mod in m.modules():
        if isinstance(mod, Attention):
            torch.nn.init.normal_(mod.to_out.weight, std=0.5)
    root = tmp_path_factory.mktemp("wd")
    d = root / "resources" / "downloads" / "enformer" / "enformer-official-rough"
    m.save_pretrained(d, safe_serialization=False)
    assert sorted(p.name for p in d.iterdir()) == ["config.json", "pytorch_model.bin"]
    return root, d


def test_official_weights_recognised_by_source(tmp_path):
    from regbench.predict.enformer import official_weights

    rel = "resources/downloads/enformer/enformer-official-rough"
    assert official_weights("EleutherAI/enformer-official-rough")
    assert not official_weights("EleutherAI/enformer-preview")
    assert official_weights("/x/hub/models--EleutherAI--enformer-official-rough/snapshots/abc123")
    assert not official_weights("/x/hub/models--EleutherAI--enformer-official-rough")
    assert official_weights(rel, OFFICIAL_DOWNLOADS)
    assert official_weights(Path(rel).resolve(), OFFICIAL_DOWNLOADS)  # absolute form of the same dir
    assert not official_weights(rel)  # a local directory with no downloads entry: not by luck
    assert not official_weights("results/shared/demo_enformer/model", OFFICIAL_DOWNLOADS)
    other = {k: dict(v, url=v["url"].replace("official-rough", "preview")) for k, v in OFFICIAL_DOWNLOADS.items()}
    assert not official_weights(rel, other)
    mixed = dict(OFFICIAL_DOWNLOADS)
    mixed["enformer/enformer-official-rough/pytorch_model.bin"] = {"url": "https://example.org/my_weights.bin"}
    assert not official_weights(rel, mixed)  # config.json from the hub, weights from elsewhere


def test_enformer_settings_resolve_null_only():
    from regbench.predict.enformer import enformer_settings

    base = {"weights": "resources/downloads/enformer/enformer-official-rough", "targets_human": "t"}
    assert enformer_settings(dict(base, use_tf_gamma=None), OFFICIAL_DOWNLOADS)["use_tf_gamma"] is True
    assert enformer_settings(dict(base), OFFICIAL_DOWNLOADS)["use_tf_gamma"] is True
    assert enformer_settings(dict(base, use_tf_gamma=False), OFFICIAL_DOWNLOADS)["use_tf_gamma"] is False
    demo = {"weights": "results/shared/demo_enformer/model", "use_tf_gamma": None}
    assert enformer_settings(demo, OFFICIAL_DOWNLOADS)["use_tf_gamma"] is False


def test_paper_config_resolves_tf_gamma_true(root):
    import yaml

    from regbench.predict.enformer import enformer_settings

    cfg = yaml.safe_load((root / "config" / "paper.yaml").read_text())
    downloads = dict(cfg.get("downloads", {}))
    for study in ("accessibility", "personal", "synthetic_loci", "dream"):
        downloads.update(cfg[study].get("downloads", {}))
    assert cfg["enformer"]["use_tf_gamma"] is None
    assert enformer_settings(cfg["enformer"], downloads)["use_tf_gamma"] is True
    demo = yaml.safe_load((root / "config" / "config.yaml").read_text())
    assert enformer_settings(demo["enformer"], {})["use_tf_gamma"] is False


def test_official_layout_loads_with_tf_gamma(official_layout, monkeypatch):
    """The official weights' local copy, loaded as paper.yaml names it (relative path + downloads),
    get use_tf_gamma True on every Attention module, and the outputs are those of the TF gammas."""
    from enformer_pytorch.modeling_enformer import TF_GAMMAS, get_positional_embed

    root, d = official_layout
    monkeypatch.chdir(root)
    rel = "resources/downloads/enformer/enformer-official-rough"
    m = load_enformer(rel, downloads=OFFICIAL_DOWNLOADS)
    assert m.use_tf_gamma is True
    attn = [a for a in m.modules() if type(a).__name__ == "Attention"]
    assert attn and all(a.use_tf_gamma for a in attn)
    # the TF gamma block really is what the model uses: features 64:96 (exponential, central mask, gamma; then signed copies)
    pos = get_positional_embed(1536, 192, "cpu", use_tf_gamma=True)
    np.testing.assert_array_equal(pos[:, 64:96].numpy(), TF_GAMMAS.numpy())
    plain = load_enformer(rel)  # same directory, no downloads table: not recognised -> False
    assert plain.use_tf_gamma is False
    x = torch.from_numpy(np.eye(4, dtype=np.float32)[np.random.default_rng(2).integers(0, 4, (1, 196_608))])
    head, head_plain = EnformerHead(m, "human"), EnformerHead(plain, "human")
    assert head.input_length == 196_608 and head_plain.input_length is None
    from enformer_pytorch import Enformer
    from enformer_pytorch.modeling_enformer import Attention

    ref = Enformer.from_pretrained(str(d)).eval()  # flags set by hand, as enformer-pytorch's own loader does
    for mod in ref.modules():
        if isinstance(mod, Attention):
            mod.use_tf_gamma = True
    with torch.no_grad():
        a, b, c = head(x).numpy(), head_plain(x).numpy(), ref(x, head="human").numpy()
    assert a.shape == (1, 896, 4)
    np.testing.assert_array_equal(a, c)
    assert np.abs(a - b).max() > 1e-6  # the gamma features change the outputs (1.3e-5 here, random weights)
    with pytest.raises(ValueError, match="exactly 196608"):
        head(x[:, :131_072])


def test_tf_gamma_on_incompatible_width_fails_clearly(saved):
    _, d = saved  # dim 48, heads 1
    with pytest.raises(InputError, match="dim // heads == 192"):
        load_enformer(d, use_tf_gamma=True)
