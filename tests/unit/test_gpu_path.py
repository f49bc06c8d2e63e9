"""The GPU path proven on the CPU (issue 23): device hygiene with a ``meta`` stand-in, the GPU
guard, the precision policy, CPU bf16 autocast for every registered architecture, fp32 RNNs,
TF32 through the new API, out-of-memory back-off, determinism, threads and loader workers.

No CUDA device is needed: CUDA-only branches are reached with stand-ins (``device="meta"`` with a
host copy that fakes the numbers, a model raising ``torch.cuda.OutOfMemoryError``, a patched
``torch.cuda.is_available``, a fake ``CUDA_VISIBLE_DEVICES``)."""

from __future__ import annotations

import ast
import copy
import inspect
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml
from torch import nn

from regbench.models import registry
from regbench.predict import device as D
from regbench.predict import engine
from regbench.predict.attribution import grad_x_input, ism
from regbench.predict.engine import predict
from regbench.train.trainer import TrainConfig, fit
from tests.conftest import reads_source_text, sets_torch_threads

ROOT = Path(__file__).resolve().parents[2]
torch.set_num_threads(1)


# --- tiny configurations of every registered architecture -----------------------------------------
G = dict(input_length=256, n_tracks=2)
GOPHER_PROFILE = dict(G, bin_size=16, filters=(16, 16, 16), dense=32, top=16)
TINY = {
    "basenji_v2": dict(G, bin_size=16, filters_1=16, filters_2=32, n_blocks=3),
    "basenji_binary": dict(G, filters_1=16, filters_2=32, n_blocks=3),
    "bpnet": dict(G, bin_size=16, filters=16, layer_num=4),
    "cnn_base": GOPHER_PROFILE,
    "conv_profile_all_base": GOPHER_PROFILE,
    "conv_profile_task_base": GOPHER_PROFILE,
    "residualbind_base": GOPHER_PROFILE,
    "residual_profile_all_base": GOPHER_PROFILE,
    "residual_profile_task_base": GOPHER_PROFILE,
    "residualbind_32": dict(G, filters=(16, 16, 16), dense=16),
    "residual_profile_all_dense_32": dict(G, filters=(16, 16, 16), dense=16),
    "residual_profile_task_conv_32": dict(G, filters=(16, 16, 16), dense=16),
    "basset": dict(G, filters=(16, 16, 16), dense=32),
    "cnn_binary": dict(G, filters=(16, 16, 16), dense=32),
    "conv_binary": dict(G, filters=(16, 16, 16), dense=32),
    "residualbind_binary": dict(G, filters=(16, 16, 16), dense=32),
    "residual_binary": dict(G, filters=(16, 16, 16), dense=32),
    "expression_cnn": dict(input_length=256, filters=16, pool=32, hidden=16),
    "dream_prixfixe": dict(input_length=40, first_channels=8, core_channels=8, core_kw={"block_sizes": [8]}),
    "dream_cnn": dict(input_length=40, scale=0.05, core_kw={"block_sizes": [8]}),
    "dream_rnn": dict(input_length=40, scale=0.05),
    "dream_attn": dict(input_length=40, scale=0.05, core_kw={"n_blocks": 1}),
    "legnet": dict(input_length=40, scale=0.05),
    "bhi_deepgxp": dict(input_length=40, scale=0.05),
    "unlock_conformer": dict(input_length=40, scale=0.05, n_blocks=1, num_heads=2, num_projectors=4),
    # the DREAM follow-ups' baselines (regbench/studies/dream/baselines.py), at their published widths
    "deepstarr": dict(input_length=64),
    "mpra_legnet": dict(input_length=64),
}
SIX_CHANNELS = ("dream_", "legnet", "unlock_")  # Autosome / Unlock_DNA encodings: 6 input channels


def _onehot(name: str, n: int, length: int, seed: int = 0) -> np.ndarray:
    cin = 6 if name.startswith(SIX_CHANNELS) else 4
    return np.eye(cin, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, length))]


def _build(name: str) -> nn.Module:
    torch.manual_seed(0)
    return registry.build(name, **TINY[name])


def test_every_registered_architecture_has_a_tiny_config():
    # a new architecture must join the CPU bf16 test below. Asked in a fresh interpreter: other tests
    # in this process register user models (examples/, the leaderboard test) on the same registry.
    out = subprocess.run(
        [sys.executable, "-c", "from regbench.models import registry; print(' '.join(registry.available()))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    assert set(TINY) == set(out.stdout.split())


# --- 4. CPU bf16 autocast: engine and trainer, every architecture --------------------------------
# Measured on this machine (2 cores, torch 2.13 CPU), random-init tiny models, 16 random sequences:
# engine max|bf16 - fp32| / max|fp32| <= 0.0084 (residualbind_32), Pearson r >= 0.994 except
# bhi_deepgxp (r = 0.52 on an output whose spread is 0.02% of its value; max rel. error 0.0021);
# trainer, one full-batch Adam step (train loss = forward at the initial weights, valid loss after
# the step), bf16 vs fp32 relative difference: train <= 0.0058 (residual_profile_task_base), valid
# <= 0.0098 (residual_profile_task_conv_32).
ENGINE_REL_TOL = 0.02
TRAIN_REL_TOL = 0.03


def _loss(out, y):  # any output layout (profiles, scalars, training-mode logits) -> one value per sequence
    return ((out.flatten(1).mean(1) - y[:, 0]) ** 2).mean()


@pytest.mark.parametrize("name", sorted(TINY))
def test_cpu_bf16_engine_and_trainer_agree_with_fp32(name, tmp_path):
    m = _build(name).eval()
    x = _onehot(name, 16, m.input_length)
    a = predict(m, x, batch_size=8, device="cpu", precision="fp32", progress=False)
    b = predict(m, x, batch_size=8, device="cpu", precision="bf16", progress=False)
    assert a.dtype == b.dtype == np.float32 and np.isfinite(b).all()
    rel = np.abs(a - b).max() / np.abs(a).max()
    assert 0 < rel <= ENGINE_REL_TOL  # > 0: bf16 really ran (identical numbers would mean fp32)

    y = np.random.default_rng(1).normal(size=(32, 1)).astype(np.float32)
    xt = _onehot(name, 32, m.input_length, seed=1)
    hist = {}
    for prec in ("fp32", "bf16"):
        torch.manual_seed(0)
        res = fit(_build(name), (xt, y), (xt[:16], y[:16]), _loss,
                  TrainConfig(max_epochs=1, batch_size=32, lr=1e-3, precision=prec, device="cpu"), tmp_path / prec)
        hist[prec] = res.history.iloc[0]
    for col in ("train_loss", "valid_loss"):
        assert np.isfinite(hist["bf16"][col])
        assert abs(hist["bf16"][col] - hist["fp32"][col]) <= TRAIN_REL_TOL * abs(hist["fp32"][col]), col


def test_cpu_bf16_enformer_agrees_with_fp32():
    # Enformer (personal, synthetic loci): tiny config, attention re-initialised so it contributes.
    # Measured: max|bf16 - fp32| / max|fp32| = 0.0027, r = 0.99948 (2 x 2,048 bp, 16 bins x 4 tracks).
    pytest.importorskip("enformer_pytorch")
    from enformer_pytorch import Enformer

    from regbench.predict.enformer import EnformerHead

    torch.manual_seed(0)
    enf = Enformer.from_hparams(dim=48, depth=1, heads=1, attn_dim_key=8, dim_divisible_by=8, num_downsamples=7,
                                target_length=-1, output_heads=dict(human=4))
    for mod in enf.modules():
        if hasattr(mod, "to_out") and isinstance(mod.to_out, nn.Linear):
            nn.init.normal_(mod.to_out.weight, std=0.02)
    m = EnformerHead(enf, "human")
    x = _onehot("enformer", 2, 2048)
    a = predict(m, x, device="cpu", precision="fp32", progress=False)
    b = predict(m, x, device="cpu", precision="bf16", progress=False)
    rel = np.abs(a - b).max() / np.abs(a).max()
    r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    print(f"enformer bf16 vs fp32: max rel {rel:.4f}, r {r:.5f}")
    assert 0 < rel <= 0.02 and r >= 0.995


# --- 3. RNN blocks in fp32 under autocast -----------------------------------------------------------
@pytest.mark.parametrize("name", ["dream_rnn", "bhi_deepgxp"])
def test_lstm_runs_fp32_under_bf16_autocast(name):
    m = _build(name).eval()
    seen = []
    for mod in m.modules():
        if isinstance(mod, nn.LSTM):
            mod.register_forward_hook(lambda _m, inp, out: seen.append((inp[0].dtype, out[0].dtype)))
    assert seen == [] and any(isinstance(mod, nn.LSTM) for mod in m.modules())
    x = torch.from_numpy(_onehot(name, 4, m.input_length))
    with torch.no_grad(), D.autocast("cpu", "bf16"):
        out = m(x)
    assert seen == [(torch.float32, torch.float32)]
    assert torch.isfinite(out).all()
    # control: a bare LSTM under the same autocast does not run in fp32, so the check above can
    # fail. It runs in bf16, or, on CPUs whose oneDNN has no bf16 LSTM (AMD EPYC without
    # avx512_bf16, measured), it cannot run at all: the wrapped blocks above ran there.
    bare = nn.LSTM(4, 3, batch_first=True)
    with torch.no_grad(), D.autocast("cpu", "bf16"):
        try:
            dtype = bare(torch.randn(2, 5, 4))[0].dtype
        except RuntimeError as err:
            assert "LSTM" in str(err)
        else:
            assert dtype == torch.bfloat16


# --- 1. device hygiene: run_evaluations whole -> tomtom with the model on a meta stand-in ---------
def _acc_world(tmp_path):
    """Tiny accessibility inputs: whole (test split, 128 bp) and peak (192 bp) datasets of 2 cells,
    a MEME file of 30 random motifs + an AP-1-like one."""
    from regbench.studies.accessibility.datasets import _write
    from regbench.studies.accessibility.filters import write_meme

    rng = np.random.default_rng(0)
    cells = ["c0", "c1"]

    def split(n, length):
        return {"codes": rng.integers(0, 4, (n, length)).astype(np.uint8),
                "y": rng.gamma(1.0, 1.0, (n, length, 2)).astype(np.float16),
                "chrom": np.array(["chr8"] * n, dtype=object), "start": np.arange(n) * length,
                "end": np.arange(n) * length + length}

    _write(tmp_path / "whole.h5", cells, "coverage", 128, {"test": split(6, 128)})
    _write(tmp_path / "peak.h5", cells, "peak", 192, {"test": split(12, 192)})
    motifs = {f"MA{i:04d}.1_X{i}": rng.dirichlet(np.ones(4), size=8) for i in range(30)}
    motifs["MA0491.1_JUND"] = np.eye(4)[[3, 2, 0, 1, 3, 1, 0]] * 0.9 + 0.025
    write_meme(tmp_path / "jaspar.meme", motifs)
    return cells, {"whole": str(tmp_path / "whole.h5"), "peak": str(tmp_path / "peak.h5"),
                   "jaspar": str(tmp_path / "jaspar.meme")}


def _fake_host_copy(real):
    """to_numpy that gives deterministic numbers for meta tensors (the 'GPU' computed something)."""

    def to_numpy(t):
        if t.is_meta:
            return np.random.default_rng(int(np.prod(t.shape))).gamma(1.0, 1.0, tuple(t.shape)).astype(np.float32)
        return real(t)

    return to_numpy


def test_run_evaluations_whole_then_tomtom_leaves_the_model_where_it_was(tmp_path, monkeypatch):
    from regbench.studies.accessibility.evaluate import run_evaluations
    from regbench.studies.accessibility.filters import filter_activations

    cells, datasets = _acc_world(tmp_path)
    spec = {"arch": "cnn", "dataset": "d", "loss": "poisson", "bin": 16, "aug": "none", "seed": 0, "binary": False}
    cfg = {"input_length": 128, "evaluation": {"batch_size": 4, "tomtom_max_seqs": 12, "filter_window": 8},
           "precision": {"inference": "fp32"}}
    torch.manual_seed(0)
    model = registry.build("cnn_base", input_length=128, n_tracks=2, bin_size=16, filters=(8, 8, 8), dense=16, top=8)
    model.train()  # a mode the evaluations must restore
    pristine = copy.deepcopy(model)
    tensors = {k: (v, v.detach().clone()) for k, v in list(model.named_parameters()) + list(model.named_buffers())}
    devices = []
    model.register_forward_pre_hook(lambda _m, inp: devices.append(inp[0].device.type))
    real = D.to_numpy
    monkeypatch.setattr(D, "to_numpy", _fake_host_copy(real))
    monkeypatch.setattr(engine, "to_numpy", _fake_host_copy(real))

    df = run_evaluations(["whole", "tomtom"], spec, cfg, model, cells, datasets, tmp_path / "meta.tsv", device="meta",
                         hits_out=tmp_path / "hits.tsv")
    assert set(df["evaluation"]) == {"whole", "tomtom"}
    assert devices and set(devices) == {"meta"}  # every forward pass ran on the requested device
    for k, (t, before) in tensors.items():  # the very same CPU tensors, unchanged
        now = model.get_parameter(k) if k in dict(model.named_parameters()) else model.get_buffer(k)
        assert now is t and now.device.type == "cpu" and torch.equal(now, before), k
    assert model.training and all(m.training for m in model.modules())

    # the crash: tomtom on the CPU after an evaluation on the accelerator
    monkeypatch.setattr(D, "to_numpy", real)
    monkeypatch.setattr(engine, "to_numpy", real)
    devices.clear()
    df = run_evaluations(["tomtom"], spec, cfg, model, cells, datasets, tmp_path / "cpu.tsv", device="cpu")
    assert set(devices) == {"cpu"} and (df["evaluation"] == "tomtom").all()
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(3).integers(0, 4, (5, 128))]
    np.testing.assert_array_equal(filter_activations(model, x, device="cpu"), filter_activations(pristine, x, device="cpu"))


def test_placed_restores_tensors_and_modes_and_skips_needless_moves():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.Dropout(0.5)).train()
    w = m[0].weight
    with D.placed(m, "meta") as dev:
        assert dev.type == "meta" and m[0].weight.is_meta and m[1].running_mean.is_meta and not m.training
    assert m[0].weight is w and not w.is_meta and m.training and m[2].training
    ptr = m[0].weight.data_ptr()
    with D.placed(m, "cpu"):
        assert m[0].weight.data_ptr() == ptr  # already there: nothing copied


def test_trainer_checks_its_precision(tmp_path):
    x = _onehot("cnn_base", 8, 256)
    y = np.ones((8, 1), np.float32)
    with pytest.raises(ValueError, match="'auto' was removed"):
        fit(_build("expression_cnn"), (x, y), None, _loss, TrainConfig(max_epochs=1, precision="auto"), tmp_path)
    with pytest.raises(ValueError, match="precision must be one of 'fp32', 'bf16'"):
        fit(_build("expression_cnn"), (x, y), None, _loss, TrainConfig(max_epochs=1, precision="fp16"), tmp_path)


# --- 3. one precision policy ------------------------------------------------------------------------
def _precision_required(f) -> bool:
    p = inspect.signature(f).parameters.get("precision")
    return p is not None and p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty


def test_variant_effect_ism_attribution_and_prediction_functions_require_precision():
    from regbench.studies.accessibility import experiments, occlusion
    from regbench.studies.dream import followups, recipes, runs
    from regbench.studies.personal import ism as pism
    from regbench.studies.personal import predictions
    from regbench.studies.synthetic_loci import finetune, retained
    from regbench.studies.synthetic_loci import predict as sl_predict

    funcs = [predict, ism, grad_x_input, experiments.predictor, occlusion.occlusion_effects, pism.snv_ism,
             pism.snv_gradients, predictions.predict_bins, predictions.reference_features,
             predictions.personal_predictions, sl_predict.run_predict, finetune.run_finetune, retained.run_retained,
             recipes.Recipe.predict, runs.train_and_predict, followups.run_drosophila, followups.run_human]
    assert [f.__qualname__ for f in funcs if not _precision_required(f)] == []
    with pytest.raises(TypeError, match="precision"):
        predict(nn.Linear(4, 2), np.zeros((1, 3, 4), np.float32))


# callees whose every call site must pass precision= (a call with **kw counts when its function
# builds that dict with precision=)
NEEDS_PRECISION = {"predict", "ism", "grad_x_input", "predictor", "occlusion_effects", "snv_ism", "snv_gradients",
                   "predict_bins", "reference_features", "personal_predictions", "run_predict", "run_finetune",
                   "run_retained", "train_and_predict", "run_drosophila", "run_human"}


@reads_source_text
def test_every_call_site_passes_an_explicit_precision():
    missing = []
    for path in sorted((ROOT / "regbench").rglob("*.py")) + sorted((ROOT / "scripts").glob("*.py")):
        tree = ast.parse(path.read_text())
        for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Module))]:
            body_text = ast.unparse(fn)
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call):
                    continue
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
                if name not in NEEDS_PRECISION or (name == "predict" and isinstance(call.func, ast.Attribute)
                                                   and getattr(call.func.value, "id", "") in ("m", "self")):
                    continue
                kws = {k.arg for k in call.keywords}
                if "precision" in kws or (None in kws and "precision=" in body_text):
                    continue
                missing.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}(...)")
    assert sorted(set(missing)) == []


def test_accessibility_effects_run_fp32_whatever_the_study_precision(monkeypatch, tmp_path):
    from regbench.studies.accessibility import evaluate, experiments

    used = {}

    def fake_predictor(model, batch_size=64, device=None, logits=False, *, precision):
        return lambda x: np.zeros((len(x), 1, 2), np.float32)

    def record(name):
        def ev(ctx):
            used[name] = ctx["precision"]
            ctx["extra"] = evaluate.pd.DataFrame()
            ctx["tomtom_hits"] = evaluate.pd.DataFrame(columns=["filter", "target", "p", "q"])
            return evaluate.pd.DataFrame(columns=["metric", "param", "cell", "value"])
        return ev

    monkeypatch.setattr(experiments, "predictor", fake_predictor)
    monkeypatch.setattr(evaluate, "EVALUATIONS", {n: record(n) for n in evaluate.EVALUATIONS})
    spec = {"arch": "a", "dataset": "d", "loss": "poisson", "bin": 16, "aug": "none", "seed": 0, "binary": False}
    cfg = {"input_length": 128, "evaluation": {}, "precision": {"inference": "bf16"}}
    evaluate.run_evaluations(list(evaluate.EVALUATIONS), spec, cfg, nn.Linear(4, 2), ["c0", "c1"], {},
                             tmp_path / "e.tsv")
    assert {n for n, p in used.items() if p == "fp32"} == set(evaluate.EFFECT_EVALUATIONS) == {"cagi", "gia", "occlusion"}
    assert {n for n, p in used.items() if p == "bf16"} == set(evaluate.EVALUATIONS) - {"cagi", "gia", "occlusion"}


def test_study_precision_keys_in_every_schema_and_config():
    for study in ("accessibility", "personal", "synthetic_loci", "dream"):
        s = yaml.safe_load((ROOT / f"config/schemas/{study}.schema.yaml").read_text())["properties"]["precision"]
        assert s["additionalProperties"] is False and set(s["properties"]) == {"inference", "training"}, study
        assert {k: v["default"] for k, v in s["properties"].items()} == {"inference": "fp32", "training": "fp32"}
        assert s["properties"]["training"]["enum"] == ["fp32", "bf16"]
    top = yaml.safe_load((ROOT / "config/schemas/config.schema.yaml").read_text())["properties"]
    assert top["require_cuda"]["default"] is True and top["deterministic"]["default"] is False
    demo = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    paper = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    assert demo["require_cuda"] is False and paper["require_cuda"] is True
    for cfg in (demo, paper):
        for study in ("accessibility", "personal", "synthetic_loci", "dream"):
            assert D.study_precision(cfg[study], "inference") == D.study_precision(cfg[study], "training") == "fp32"
    with pytest.raises(ValueError, match="mapping"):
        D.study_precision({"precision": "auto"}, "inference")
    assert D.study_precision({}, "training") == "fp32"


# --- 5. TF32 through the new API ---------------------------------------------------------------------
@pytest.fixture
def tf32_flags():
    objs = [torch.backends.cuda.matmul, torch.backends.cudnn.conv, torch.backends.cudnn.rnn]
    old = [o.fp32_precision for o in objs]
    yield objs
    for o, v in zip(objs, old):
        o.fp32_precision = v


class _FlagRecorder(nn.Module):
    """Records the TF32 settings in forward and backward."""

    def __init__(self, log):
        super().__init__()
        self.lin = nn.Linear(4, 1)
        self.log = log

    def forward(self, x):
        self.log.append(("fwd", torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.conv.fp32_precision))
        out = self.lin(x.mean(1))
        if out.requires_grad:
            out.register_hook(lambda g: self.log.append(("bwd", torch.backends.cuda.matmul.fp32_precision,
                                                          torch.backends.cudnn.conv.fp32_precision)) or g)
        return out


def test_fp32_turns_tf32_off_through_the_new_api_and_restores_it(tf32_flags, tmp_path):
    for o in tf32_flags:  # a user's model file used the new API: the legacy getters would now raise
        o.fp32_precision = "tf32"
    with pytest.raises(RuntimeError, match="mix of the legacy and new APIs"):
        torch.backends.cuda.matmul.allow_tf32  # noqa: B018 - what the old engine read
    log = []
    m = _FlagRecorder(log)
    x = np.random.default_rng(0).random((6, 5, 4)).astype(np.float32)
    predict(m, x, batch_size=3, device="cpu", precision="fp32", progress=False)
    grad_x_input(m, x, readout=lambda o: o[:, 0], device="cpu", precision="fp32")
    fit(m, (x, np.ones((6, 1), np.float32)), None, nn.functional.mse_loss,
        TrainConfig(max_epochs=1, batch_size=3, precision="fp32", device="cpu"), tmp_path)
    assert {"fwd", "bwd"} <= {e[0] for e in log}
    assert all(e[1:] == ("ieee", "ieee") for e in log), log
    assert [o.fp32_precision for o in tf32_flags] == ["tf32"] * 3
    log.clear()
    fit(m, (x, np.ones((6, 1), np.float32)), None, nn.functional.mse_loss,
        TrainConfig(max_epochs=1, batch_size=3, precision="bf16", device="cpu"), tmp_path / "bf16")
    assert log and all(e[1:] == ("tf32", "tf32") for e in log)  # bf16 leaves the user's choice alone


# --- 6. out-of-memory back-off ------------------------------------------------------------------------
class _OOMAbove(nn.Module):
    """Raises the CUDA out-of-memory error for batches larger than ``limit``; records batch sizes."""

    def __init__(self, limit):
        super().__init__()
        self.lin = nn.Linear(4, 2)
        self.limit, self.sizes = limit, []

    def forward(self, x):
        self.sizes.append(len(x))
        if len(x) > self.limit:
            raise torch.cuda.OutOfMemoryError(f"CUDA out of memory. Tried to allocate {len(x)} GiB")
        return self.lin(x).mean(1)


def test_engine_and_attribution_halve_the_batch_on_out_of_memory(caplog):
    x = np.random.default_rng(0).random((37, 5, 4)).astype(np.float32)
    m = _OOMAbove(limit=5)
    with torch.no_grad():
        want = m.lin(torch.from_numpy(x)).mean(1).numpy()
    m.sizes.clear()
    with caplog.at_level(logging.WARNING):
        got = predict(m, x, batch_size=32, device="cpu", precision="fp32", progress=False,
                      log=logging.getLogger("t"))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert m.sizes[:4] == [32, 16, 8, 4] and set(m.sizes[4:]) <= {4, 1}
    msgs = [r.getMessage() for r in caplog.records if "out of memory" in r.getMessage()]
    assert [re.search(r"at batch (\d+) .*retrying with batch (\d+)", s).groups() for s in msgs] == [("32", "16"), ("16", "8"), ("8", "4")]
    m.sizes.clear()  # the reduced batch is remembered for the next call with the same model and shape
    predict(m, x, batch_size=32, device="cpu", precision="fp32", progress=False)
    assert max(m.sizes) == 4

    g = _OOMAbove(limit=3)
    gx = grad_x_input(g, x[:10], readout=lambda o: o[:, 0], batch_size=8, device="cpu", precision="fp32")
    ref = grad_x_input(_copy_lin(g), x[:10], readout=lambda o: o[:, 0], batch_size=8, device="cpu", precision="fp32")
    np.testing.assert_allclose(gx, ref, rtol=1e-6)
    assert g.sizes[:2] == [8, 4] and max(g.sizes[2:]) <= 3

    with pytest.raises(torch.cuda.OutOfMemoryError):  # batch 1 does not fit: the error propagates
        predict(_OOMAbove(limit=0), x[:2], batch_size=2, device="cpu", precision="fp32", progress=False)


def _copy_lin(m):
    c = _OOMAbove(limit=10**9)
    c.lin.load_state_dict(m.lin.state_dict())
    return c


# --- 2. the GPU guard in script_run ------------------------------------------------------------------
class _Params(dict):
    pass


def _smk(tmp_path, gpu, config, threads=1):
    out = tmp_path / "out.txt"
    out.write_text("stale")  # a failed start must not leave it behind
    return SimpleNamespace(log=[str(tmp_path / "job.log")], rule="gpu_rule", config=config, threads=threads,
                           resources=_Params(gpu=gpu, cpus_per_gpu=threads, _cores=threads), params=_Params(),
                           wildcards={}, output=[str(out)])


@pytest.fixture
def restore_logging():
    stderr, threads = sys.stderr, torch.get_num_threads()
    yield
    sys.stderr = stderr
    # a handler on the real stderr: sys.stderr may be a per-test capture that pytest closes later,
    # and a later test's logging would then write to a closed file (seen in mutmut's test order)
    logging.basicConfig(level=logging.WARNING, handlers=[logging.StreamHandler(sys.__stderr__)], force=True)
    torch.set_num_threads(threads)


def test_gpu_rule_stops_when_cuda_is_not_visible(tmp_path, monkeypatch, restore_logging):
    from regbench.workflow import CudaUnavailableError, script_run

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")  # SLURM gave a GPU the torch build cannot use
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    smk = _smk(tmp_path, 1, {"require_cuda": True})
    with pytest.raises(CudaUnavailableError) as e:
        with script_run(smk):
            pytest.fail("the body must not run")
    msg = str(e.value)
    assert f"torch {torch.__version__}" in msg and f"CUDA build: {torch.version.cuda or 'none'}" in msg
    assert "CUDA_VISIBLE_DEVICES='0'" in msg and "gpu_rule" in msg and "require_cuda: false" in msg
    assert not Path(smk.output[0]).exists() and "CUDA_VISIBLE_DEVICES='0'" in Path(smk.log[0]).read_text()
    # the schema default is true: a config without the key stops too
    with pytest.raises(CudaUnavailableError):
        with script_run(_smk(tmp_path, 1, {})):
            pass


@sets_torch_threads
def test_gpu_rule_runs_on_cpu_when_allowed_and_on_cuda_when_visible(tmp_path, monkeypatch, restore_logging):
    from regbench.workflow import script_run

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with script_run(_smk(tmp_path, 1, {"require_cuda": False}, threads=3)):
        assert torch.get_num_threads() == 3  # torch capped at the job's threads (= cpus_per_gpu)
    assert "CUDA_VISIBLE_DEVICES=<unset>" in Path(tmp_path / "job.log").read_text()
    with script_run(_smk(tmp_path, 0, {"require_cuda": True})):  # a CPU rule never checks
        pass
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Fake H200")
    with script_run(_smk(tmp_path, 1, {"require_cuda": True})):
        pass
    assert "CUDA sees 1: Fake H200" in Path(tmp_path / "job.log").read_text()


def test_gpu_guard_in_a_real_snakemake_job(tmp_path):
    """A rule with resources gpu=1 through Snakemake itself: stops without CUDA, runs with
    --config require_cuda=False (Snakemake's resources object, not a stand-in)."""
    (tmp_path / "job.py").write_text(textwrap.dedent("""
        from regbench.workflow import script_run
        with script_run(snakemake) as log:
            open(snakemake.output[0], "w").write("ran")
    """))
    (tmp_path / "Snakefile").write_text(textwrap.dedent("""
        rule gpu_job:
            output: "out.txt"
            log: "job.log"
            threads: 1
            resources: gpu=1, cpus_per_gpu=1
            script: "job.py"
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", "--config", "require_cuda=True"]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and not (tmp_path / "out.txt").exists()
    assert "CUDA is not visible" in (tmp_path / "job.log").read_text()
    cmd[-1] = "require_cuda=False"  # Snakemake's --config parses True/False (lower case stays a string)
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "out.txt").read_text() == "ran"


# --- 8. determinism -------------------------------------------------------------------------------------
def test_deterministic_switch(tmp_path, monkeypatch, restore_logging):
    from regbench.workflow import script_run

    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    torch.backends.cudnn.benchmark = True
    try:
        with script_run(_smk(tmp_path, 0, {"deterministic": True})):
            assert torch.are_deterministic_algorithms_enabled()
            assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
            assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    finally:
        D.set_deterministic(False)
    assert not torch.are_deterministic_algorithms_enabled()


# --- 7. threads, loader workers ---------------------------------------------------------------------------
def test_gpu_rules_use_the_cpus_they_ask_for():
    """threads == cpus_per_gpu in every rule that asks for a GPU (script_run caps torch at threads)."""
    found = 0
    for path in sorted((ROOT / "rules").rglob("*.smk")):
        for block in re.split(r"\n(?=rule )", path.read_text()):
            if not re.search(r"\bgpu=1\b", block):
                continue
            found += 1
            name = block.split(":")[0]
            threads = re.search(r"threads: (\d+)", block)
            cpus = re.search(r"cpus_per_gpu=(\d+)", block)
            assert threads and cpus and threads.group(1) == cpus.group(1), f"{path.name} {name}"
    assert found >= 15


def test_array_loader_workers_give_the_same_training(tmp_path):
    x = _onehot("expression_cnn", 48, 256)
    y = np.random.default_rng(2).normal(size=(48, 1)).astype(np.float32)
    runs = []
    for w in (0, 2):
        torch.manual_seed(0)
        res = fit(_build("expression_cnn"), (x, y), (x[:8], y[:8]), _loss,
                  TrainConfig(max_epochs=2, batch_size=8, seed=3, num_workers=w, device="cpu"), tmp_path / f"w{w}")
        runs.append((res.history[["train_loss", "valid_loss"]].to_numpy(), res.model.state_dict()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert all(torch.equal(runs[0][1][k], runs[1][1][k]) for k in runs[0][1])


def test_tomtom_runs_in_its_own_cpu_job():
    """acc_evaluate (GPU) no longer writes the Tomtom outputs; acc_tomtom (no GPU) does, and the
    collected tomtom tables read its per-model tomtom.tsv."""
    rules = re.split(r"\n(?=rule )", (ROOT / "rules/accessibility.smk").read_text())
    block = {b.split(":")[0].split()[1]: b for b in rules if b.startswith("rule ")}
    assert "gpu=1" in block["acc_evaluate"] and "tomtom" not in block["acc_evaluate"]
    assert "gpu=" not in block["acc_tomtom"] and 'device="cpu"' in block["acc_tomtom"]
    assert "tomtom_hits.tsv" in block["acc_tomtom"] and "/tomtom.tsv" in block["acc_tomtom"]
    common = (ROOT / "rules/common/accessibility.smk").read_text()
    from regbench.studies.accessibility.experiments import CPU_EVALUATIONS

    assert CPU_EVALUATIONS == ("tomtom",)
    assert "ACC_CPU_EVALUATIONS = CPU_EVALUATIONS" in common
    # the GPU job's evaluation list leaves them out
    import inspect

    from regbench.studies.accessibility.experiments import model_evaluations

    assert "e not in CPU_EVALUATIONS" in inspect.getsource(model_evaluations)
    assert "return model_evaluations(ACC," in common


def test_make_setup_installs_the_requested_torch_build():
    """`make setup TORCH=cuda` installs the CUDA wheel from the PyTorch index and checks the build;
    the default stays the pinned wheel (CPU here). Checked with make -n (no network)."""
    def dry(*args):
        # -B: a set-up venv (its stamp file up to date) would otherwise print "Nothing to be done"
        return subprocess.run(["make", "-n", "-B", "setup", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)

    cuda = dry("TORCH=cuda")
    assert cuda.returncode == 0, cuda.stderr
    wheel = "'torch==2.13.0+cu128' --index-url https://download.pytorch.org/whl/cu128"
    # uv first, pip (same pins) as the fallback
    assert f"uv pip install --python .venv/bin/python --compile-bytecode -q $uv_links {wheel} &&" in cuda.stdout
    assert f"pip install -q {wheel} &&" in cuda.stdout
    assert "assert torch.version.cuda" in cuda.stdout
    assert "'torch==2.13.0+cu126' --index-url https://download.pytorch.org/whl/cu126" in dry("TORCH=cuda", "TORCH_CUDA=cu126").stdout
    cpu = dry()
    assert "-q $uv_links torch==2.13.0 &&" in cpu.stdout and "pip install -q torch==2.13.0 &&" in cpu.stdout
    # both uv steps write bytecode (PYTHONDONTWRITEBYTECODE=1 would leave every job compiling torch)
    assert cpu.stdout.count("uv pip install") == 2 == cpu.stdout.count("uv pip install --python .venv/bin/python --compile-bytecode")
    assert "index-url" not in cpu.stdout
    bad = dry("TORCH=rocm")
    assert bad.returncode != 0 and "TORCH must be cpu or cuda" in bad.stderr
