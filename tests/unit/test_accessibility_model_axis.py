"""The accessibility study's model axis (issue 21): a paper model and a user's model card are
trained by the same function (:func:`regbench.studies.accessibility.experiments.train_model`),
loaded by the same loader (:func:`~regbench.studies.accessibility.experiments.load_model`: a
trained folder, or a pretrained card's declared tracks) and evaluated by the same function
(:func:`regbench.studies.accessibility.evaluate.run_evaluations`), planned by the same rules
(``acc_train``, ``acc_evaluate``); the cards stay out of the paper's collected tables and panels,
and a card may not take a study architecture's name."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from regbench.leaderboard import cards
from regbench.models import registry
from regbench.studies.accessibility import datasets as D
from regbench.studies.accessibility.evaluate import run_evaluations
from regbench.studies.accessibility.experiments import load_model, train_model
from regbench.studies.accessibility.specs import CARD_EXPERIMENT, model_specs
from regbench.train.trainer import load_trained
from tests.conftest import snakemake_exe

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DEMO = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
EXAMPLE = str(ROOT / "examples" / "my_model.py")
CELLS = ["a", "b"]
CARD = {"file": EXAMPLE, "arch": "tiny_cnn", "hparams": {"filters": 4}, "output": {"bin_size": 32},
        "benchmarks": {"accessibility": {"mode": "train", "evaluations": ["whole"], "train": {"max_epochs": 2}}}}
#: a small study config: one paper architecture, input 256 bp in 384-bp training windows
ACC = {
    "input_length": 256,
    "cells": CELLS,
    "datasets": {"cov": {"kind": "coverage", "length": 384}},
    "experiments": {"new_models": [{"arch": "basenji", "dataset": "cov", "bin": 32}]},
    "architectures": {"basenji": {"model": "basenji_v2", "hparams": {"filters_1": 8, "filters_2": 8, "n_blocks": 2}}},
    "training": {"quantitative": {"max_epochs": 1, "batch_size": 8, "lr": 0.01, "steps_per_epoch": 3, "patience": 5,
                                  "select": "best"}},
    "evaluation": {"batch_size": 8, "chunk": 8, "smooth_windows": [], "test_thresholds": [0]},
}


def _split(rng, n, length):
    y = rng.gamma(1.0, 1.5, (n, length, 2)).astype(np.float16)
    return {"codes": rng.integers(0, 4, (n, length)).astype(np.uint8), "y": y, "chrom": np.array(["chr8"] * n, dtype=object),
            "start": np.arange(n, dtype=np.int64) * length, "end": np.arange(1, n + 1, dtype=np.int64) * length}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("acc_axis")
    rng = np.random.default_rng(3)
    D.write_arrays(d / "cov.h5", CELLS, "coverage", 384, {"train": _split(rng, 24, 384), "valid": _split(rng, 8, 384)})
    D.write_arrays(d / "whole.h5", CELLS, "coverage", 256, {"test": _split(rng, 13, 256)})
    return d


def _whole_r(model, whole):
    """Per-cell Pearson over every bin of the test windows: numpy on the model's forward pass."""
    d = D.load_split(whole, "test", bin_size=32)
    with torch.no_grad():
        p = model(torch.as_tensor(np.asarray(d["x"], np.float32))).double().numpy()
    y = np.asarray(d["y"], np.float64)
    return [np.corrcoef(y[..., c].ravel(), p[..., c].ravel())[0, 1] for c in range(len(CELLS))]


def _table_r(df):
    w = df[(df["metric"] == "pearson_whole") & (df["param"].astype(str) == "raw")].set_index("cell")["value"]
    return [float(w[c]) for c in CELLS]


def test_one_trainer_loader_and_evaluation_for_a_paper_model_and_a_card(data, tmp_path):
    from regbench.studies.accessibility.experiments import expand_experiments

    card = cards.validate_card("tiny", copy.deepcopy(CARD))
    specs, archs = model_specs(expand_experiments(ACC), {"tiny": card}, ACC)
    cfg = {**ACC, "architectures": archs}
    runs = [("new_models", m) for m in specs["new_models"]] + [(CARD_EXPERIMENT, "tiny")]
    assert runs == [("new_models", "basenji-cov-poisson-b32-rc_shift-s0"), (CARD_EXPERIMENT, "tiny")]
    for experiment, name in runs:
        spec, out = specs[experiment][name], tmp_path / experiment / name
        summary = train_model(spec, cfg, data / "cov.h5", out)
        assert summary["cells"] == CELLS and (out / "model.pt").exists()
        assert summary["epochs_run"] == (2 if name == "tiny" else 1)  # the card's trainer override
        model, cells = load_model(spec, cfg, out)
        assert cells == CELLS
        df = run_evaluations(["whole", "history"], spec, cfg, model, cells, {"whole": str(data / "whole.h5")},
                             tmp_path / f"{name}.tsv", model_dir=out)
        assert _table_r(df) == pytest.approx(_whole_r(model, data / "whole.h5"), rel=1e-5, abs=1e-6)
        assert set(df["evaluation"]) == {"whole", "history"}
    # the card's weights are those of the card's own architecture (built from the card, not the study)
    card_model = cards.build_model(card, "accessibility", input_length=256, n_tracks=2, bin_size=32)
    card_model = load_trained(card_model, tmp_path / CARD_EXPERIMENT / "tiny").eval()
    assert _table_r(run_evaluations(["whole"], specs[CARD_EXPERIMENT]["tiny"], cfg, card_model, CELLS,
                                    {"whole": str(data / "whole.h5")}, tmp_path / "again.tsv")) == pytest.approx(
        _whole_r(card_model, data / "whole.h5"), rel=1e-5, abs=1e-6)
    assert _whole_r(card_model, data / "whole.h5") == pytest.approx(
        _whole_r(load_model(specs[CARD_EXPERIMENT]["tiny"], cfg, tmp_path / CARD_EXPERIMENT / "tiny")[0],
                 data / "whole.h5"), abs=1e-12)


def test_a_pretrained_card_is_read_out_by_the_same_loader(data, tmp_path):
    registry.load_user_models(EXAMPLE)
    torch.manual_seed(1)
    net = registry.build("tiny_cnn", input_length=256, n_tracks=3, bin_size=32, filters=4)
    torch.save(net.state_dict(), tmp_path / "w.pt")
    card = cards.validate_card("ro", {**CARD, "checkpoint": str(tmp_path / "w.pt"),
                                      "hparams": {"filters": 4, "n_tracks": 3, "input_length": 256},
                                      "output": {"bin_size": 32, "tracks": ["t0", "t1", "t2"]},
                                      "benchmarks": {"accessibility": {"mode": "readout", "tracks": {"b": "t0", "a": 2}}}})
    specs, archs = model_specs({}, {"ro": card}, ACC)
    spec, cfg = specs[CARD_EXPERIMENT]["ro"], {**ACC, "architectures": archs}
    model, cells = load_model(spec, cfg, None)  # no model folder: nothing trained
    assert cells == CELLS
    x = torch.as_tensor(np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (3, 256))])
    with torch.no_grad():
        want = net.eval()(x)[:, :, [2, 0]]  # study cell order a, b -> tracks t2, t0
        assert torch.equal(model(x), want)
    df = run_evaluations(["whole", "history"], spec, cfg, model, cells, {"whole": str(data / "whole.h5")}, tmp_path / "ro.tsv")
    assert set(df["evaluation"]) == {"whole"}  # no model folder: no history
    assert _table_r(df) == pytest.approx(_whole_r(model, data / "whole.h5"), rel=1e-5, abs=1e-6)
    bad = copy.deepcopy(card)
    bad["benchmarks"]["accessibility"]["tracks"]["a"] = 5
    with pytest.raises(ValueError, match=r"models\.ro: accessibility readout tracks \[5, 0\] outside the output"):
        load_model(spec, {**cfg, "architectures": model_specs({}, {"ro": bad}, ACC)[1]}, None)


def test_a_card_with_a_wrong_output_shape_fails_naming_it(data, tmp_path):
    card = cards.validate_card("tiny", {**CARD, "hparams": {"filters": 4, "n_tracks": 3}})
    specs, archs = model_specs({}, {"tiny": card}, ACC)
    with pytest.raises(ValueError, match=r"accessibility architecture 'tiny' \(tiny_cnn\): the model must map \(1, 256, 4\) "
                                         r"to \(1, 8, 2\), it returned \(1, 8, 3\)"):
        train_model(specs[CARD_EXPERIMENT]["tiny"], {**ACC, "architectures": archs}, data / "cov.h5", tmp_path / "m")


def _dryrun(tmp_path, cfg, targets):
    from regbench.dagstats import dryrun_text, parse_dryrun

    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    text = dryrun_text(snakemake_exe(), ["-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), *targets, "--cores", "1",
                                      "--workflow-profile", "none", "--configfile", str(tmp_path / "config.yaml")], cwd=tmp_path)
    return parse_dryrun(text)


def test_dry_run_plans_the_cards_with_the_paper_models_rules(tmp_path):
    cfg = copy.deepcopy(DEMO)
    enf = cfg["models"]["demo_enformer"]
    enf["file"] = str(ROOT / enf["file"])  # the run's working directory is a temp dir
    cfg["models"] = {"pytest_card": copy.deepcopy(CARD), "demo_enformer": enf}
    paper = "new_models/cnn_exp-coverage-poisson-b32-rc_shift-s0"
    ev = "results/accessibility/evals/{}/evaluations.tsv"
    targets = [ev.format(f"{CARD_EXPERIMENT}/pytest_card"), ev.format(f"{CARD_EXPERIMENT}/demo_enformer"), ev.format(paper),
               "results/accessibility/new_models/whole.tsv"]
    jobs = _dryrun(tmp_path, cfg, targets)
    rule_of = {o: j.rule for j in jobs for o in j.outputs}
    for model in (f"{CARD_EXPERIMENT}/pytest_card", paper):
        assert rule_of[f"results/accessibility/models/{model}/model.pt"] == "acc_train"
        assert rule_of[ev.format(model)] == "acc_evaluate"
    # the pretrained card: evaluated by acc_evaluate from its own files, never trained
    assert rule_of[ev.format(f"{CARD_EXPERIMENT}/demo_enformer")] == "acc_evaluate"
    assert f"results/accessibility/models/{CARD_EXPERIMENT}/demo_enformer/model.pt" not in rule_of
    ro = next(j for j in jobs if ev.format(f"{CARD_EXPERIMENT}/demo_enformer") in j.outputs)
    assert enf["file"] in ro.inputs and not any(i.endswith("model.pt") for i in ro.inputs)
    train = next(j for j in jobs if f"results/accessibility/models/{CARD_EXPERIMENT}/pytest_card/model.pt" in j.outputs)
    assert "results/accessibility/datasets/coverage.h5" in train.inputs and EXAMPLE in train.inputs
    assert not any(r.startswith("lb_acc") for r in rule_of.values())
    # the paper's collected table (the panels' model set) reads the paper's models only
    collect = next(j.inputs for j in jobs if j.rule == "acc_collect")
    assert ev.format(paper) in collect and not any(f"/{CARD_EXPERIMENT}/" in i for i in collect)
    # a card named like a study architecture: a clear error at parse time
    cfg["models"]["cnn_exp"] = copy.deepcopy(CARD)
    with pytest.raises(RuntimeError, match="may not take the name of an accessibility architecture"):
        _dryrun(tmp_path, cfg, targets[2:3])


def test_a_changed_card_never_resumes_from_the_old_weights(data, tmp_path):
    """The study's trainer resumes a run only with the same settings: a card whose architecture
    changed (wider filters) is trained afresh in its folder, not loaded from the old checkpoint."""
    out = tmp_path / "tiny"
    for filters in (4, 6, 6):
        card = cards.validate_card("tiny", {**CARD, "hparams": {"filters": filters}})
        specs, archs = model_specs({}, {"tiny": card}, ACC)
        cfg = {**ACC, "architectures": archs}
        train_model(specs[CARD_EXPERIMENT]["tiny"], cfg, data / "cov.h5", out)
        model, _ = load_model(specs[CARD_EXPERIMENT]["tiny"], cfg, out)
        assert sum(p.numel() for p in model.parameters()) == sum(
            p.numel() for p in cards.build_model(card, "accessibility", input_length=256, n_tracks=2, bin_size=32).parameters())
        assert f'"filters": {filters}' in (out / "run_settings.json").read_text()


def test_a_model_repeated_in_a_later_experiment_is_trained_once(data, tmp_path):
    """training_owners: equal specs share the first experiment's folder; the demo grid repeats
    Basenji-128 (loss_resolution, augmentation), the paper grid 12 models. Equal specs train equal
    weights (the premise): two runs of the same spec give bit-identical tensors."""
    from regbench.studies.accessibility.experiments import expand_experiments, training_owners

    demo = training_owners(expand_experiments(DEMO["accessibility"]))
    b128 = "basenji-coverage-poisson-b128-rc_shift-s0"
    assert {k: v for k, v in demo.items() if k[0] != v} == {("augmentation", b128): "loss_resolution"}
    assert demo[("loss_resolution", b128)] == "loss_resolution"
    assert demo[("augmentation", "basenji-coverage-poisson-b128-none-s0")] == "augmentation"
    def merge(a, b):  # as Snakemake merges --configfile config/paper.yaml over the default
        for k, v in b.items():
            a[k] = merge(a[k], v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
        return a

    paper_acc = merge(copy.deepcopy(DEMO["accessibility"]), yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())["accessibility"])
    paper = training_owners(expand_experiments(paper_acc))
    repeats = {k: v for k, v in paper.items() if k[0] != v}
    assert len(repeats) == 12 and set(repeats.values()) <= {"loss_resolution", "threshold"}, repeats
    assert repeats[("augmentation", "basenji-coverage_3072-poisson-b128-rc_shift-s0")] == "loss_resolution"
    # a different seed is another model, a repeat inside one experiment is one slug
    grid = {"a": {"m": {"arch": "x", "seed": 0}}, "b": {"m": {"arch": "x", "seed": 1}, "n": {"arch": "x", "seed": 0}}}
    assert training_owners(grid) == {("a", "m"): "a", ("b", "m"): "b", ("b", "n"): "a"}
    specs = expand_experiments(ACC)["new_models"]
    spec = next(iter(specs.values()))
    for run in ("one", "two"):
        train_model(spec, ACC, data / "cov.h5", tmp_path / run)
    one, two = (torch.load(tmp_path / r / "model.pt", weights_only=True) for r in ("one", "two"))
    assert one.keys() == two.keys() and all(torch.equal(one[k], two[k]) for k in one)


def test_dry_run_evaluates_a_repeated_model_from_the_first_experiments_weights(tmp_path):
    cfg = copy.deepcopy(DEMO)
    cfg["models"] = {}
    b128 = "basenji-coverage-poisson-b128-rc_shift-s0"
    targets = ["results/accessibility/augmentation/whole.tsv", "results/accessibility/loss_resolution/whole.tsv"]
    jobs = _dryrun(tmp_path, cfg, targets)
    trained = {o for j in jobs if j.rule == "acc_train" for o in j.outputs}
    assert f"results/accessibility/models/loss_resolution/{b128}/model.pt" in trained
    assert not any("/models/augmentation/" + b128 in o for o in trained)
    assert f"results/accessibility/models/augmentation/basenji-coverage-poisson-b128-none-s0/model.pt" in trained
    ev = next(j for j in jobs if f"results/accessibility/evals/augmentation/{b128}/evaluations.tsv" in j.outputs)
    assert f"results/accessibility/models/loss_resolution/{b128}/model.pt" in ev.inputs


def test_local_runs_compile_memelites_tomtom_once(tmp_path):
    """acc_tomtom asks for ``numba_jit=1`` and the local workflow profile has one unit of it, so
    two Tomtom jobs of a fresh install never both compile memelite's numba cache (measured on the
    demo's 6 Tomtom jobs from an empty cache: 150.6 job-s with two compiling side by side, 95.2 s
    one at a time); no other rule holds the resource, and cluster profiles leave it unlimited."""
    profile = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    assert "numba_jit=1" in profile["resources"]
    assert "numba_jit" not in (ROOT / "profiles" / "slurm-gpu" / "config.yaml").read_text()
    cfg = copy.deepcopy(DEMO)
    cfg["models"] = {}
    jobs = _dryrun(tmp_path, cfg, ["results/accessibility/tables/T4_tomtom.tsv"])
    tomtom = [j for j in jobs if j.rule == "acc_tomtom"]
    assert len(tomtom) >= 2
    assert all(j.resources.get("numba_jit") == 1 for j in tomtom)
    assert not [j.rule for j in jobs if j.rule != "acc_tomtom" and "numba_jit" in j.resources]
