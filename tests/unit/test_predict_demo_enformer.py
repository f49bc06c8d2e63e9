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
