"""Demo Enformer pieces: Basenji target tables round-trip, the shrunken model through the engine."""

import numpy as np
import pytest
import torch

from regbench.data.demo.enformer import DemoEnformerParams, build_demo_enformer, write_targets_tables
from regbench.predict.engine import predict
from regbench.predict.enformer import EnformerHead, load_enformer, read_targets, track_index

torch.set_num_threads(1)


def test_targets_tables_round_trip(tmp_path):
    h, m = tmp_path / "targets_human.txt", tmp_path / "targets_mouse.txt"
    write_targets_tables(h, m)
    th, tm = read_targets(h), read_targets(m)
    assert list(th.columns) == ["index", "genome", "identifier", "file", "clip", "scale", "sum_stat", "description"]
    assert track_index(th, "CAGE:brain, adult,") == 1 and track_index(th, "DNASE:demo liver-like") == 0
    assert track_index(tm, "DNASE:129 ES-CJ7") == 0 and track_index(tm, "DNASE:129 ES-E14") == 1
    assert list(tm["index"]) == [2, 3]  # continues after the human tracks, as in the real tables


def test_demo_model_saves_and_loads_with_attention_live(tmp_path):
    p = DemoEnformerParams(dim=48, dim_divisible_by=8)
    m = build_demo_enformer(p).eval()
    to_out = [mod.to_out.weight for mod in m.modules() if type(mod).__name__ == "Attention"]
    assert to_out and all(float(w.detach().abs().sum()) > 0 for w in to_out)
    m.save_pretrained(tmp_path / "model", safe_serialization=False)
    m2 = load_enformer(tmp_path / "model")
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (2, 1024))]
    a = predict(EnformerHead(m, "human"), x, precision="fp32", progress=False)
    b = predict(EnformerHead(m2, "human"), x, precision="fp32", progress=False)
    assert a.shape == (2, 8, 2)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert not m.training and not m2.training


def test_engine_restores_training_mode():
    m = build_demo_enformer(DemoEnformerParams(dim=48, dim_divisible_by=8)).train()
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (2, 512))]
    a = predict(EnformerHead(m, "mouse"), x, precision="fp32", progress=False)
    assert m.training  # restored
    m.eval()
    with torch.no_grad():
        np.testing.assert_allclose(a, m(torch.from_numpy(x), head="mouse").numpy(), atol=1e-5)


@pytest.mark.slow
def test_train_demo_enformer_smoke(root, tmp_path):
    """Two training steps on the demo world end to end (skips when the demo inputs are absent)."""
    from regbench.data.demo.enformer import train_demo_enformer

    d = root / "resources" / "demo"
    needed = [d / "hg38/genome.fa", d / "tracks/human_cage_brain.bigWig", d / "mm10/dnase_e14.bigWig"]
    if not all(p.exists() for p in needed):
        pytest.skip("demo world not generated (snakemake demo_core demo_synthetic_loci)")
    params = dict(window=1024, eval_window=2048, dim=24, heads=2, attn_dim_key=8, dim_divisible_by=4,
                  n_human_tss=1, n_human_peak=10, n_human_random=10, n_mouse=1, max_epochs=1, steps_per_epoch=2,
                  batch_size=2)
    m = train_demo_enformer(d / "hg38/genome.fa", d / "tracks/human_dnase.bigWig", d / "tracks/human_cage_brain.bigWig",
                            d / "hg38/genes.tsv", d / "mm10/genome.fa", d / "mm10/dnase_escj7.bigWig",
                            d / "mm10/dnase_e14.bigWig", d / "mm10/train_regions.bed", d / "mm10/heldout_regions.bed",
                            tmp_path / "model", tmp_path / "history.tsv", tmp_path / "metrics.tsv", params,
                            mouse_dhs_sites=d / "mm10/dhs_sites.tsv")
    assert (tmp_path / "model" / "config.json").exists()
    assert set(m["head"]) == {"human", "mouse"} and "held-out DHS deletions" in set(m["split"])
    enf = load_enformer(tmp_path / "model")
    assert dict(enf.config.output_heads) == {"human": 2, "mouse": 2}
