"""Model cards: schema validation, qualification per benchmark, building the model a card names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from regbench.leaderboard import cards

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "my_model.py"

# study sections as qualification reads them (demo-like values, written out so the test does not
# depend on the current demo config)
STUDIES = {
    "accessibility": {
        "input_length": 1024,
        "cells": ["HepG2", "K562"],
        "datasets": {"coverage": {"kind": "coverage", "length": 1536}, "whole": {"kind": "coverage", "length": 1024, "test_only": True}},
        "experiments": {"new_models": [{"arch": ["cnn_exp"], "dataset": "coverage"}]},
    },
    "dream": {"inputs": {"test_labels": "labels.txt"}},
    "personal": {"window_bp": 8192, "track": "CAGE:brain, adult,", "bins": [31, 32, 33]},
    "synthetic_loci": {"window": 4096, "tracks": {"escj7": "DNASE:129 ES-CJ7"}},
}

TINY = {
    "file": "examples/my_model.py",
    "arch": "tiny_cnn",
    "hparams": {"filters": 8},
    "output": {"bin_size": 32},
    "benchmarks": {"accessibility": {"mode": "train"}, "dream": {"mode": "train", "hparams": {"bin_size": None}}},
}


def test_validate_fills_defaults():
    c = cards.validate_card("tiny", TINY)
    assert c["name"] == "tiny"
    assert c["input_length"] is None and c["checkpoint"] is None and c["pretrained"] is False
    assert c["benchmarks"]["dream"]["recipe"] == "bhi"
    assert c["benchmarks"]["accessibility"]["evaluations"] == ["whole", "peak", "robustness", "cagi"]
    assert c["benchmarks"]["accessibility"]["loss"] == "poisson"
    assert TINY["benchmarks"]["accessibility"] == {"mode": "train"}  # input not modified


@pytest.mark.parametrize(
    "card, field",
    [
        ({"hparams": {}}, "arch"),
        ({**TINY, "colour": "red"}, "colour"),
        ({**TINY, "benchmarks": {"dream": {"mode": "readout"}}}, "benchmarks.dream.mode"),
        ({**TINY, "benchmarks": {"imaging": {}}}, "imaging"),
        ({**TINY, "input_length": -5}, "input_length"),
    ],
)
def test_validate_rejects_bad_cards(card, field):
    with pytest.raises(ValueError, match=field.split(".")[-1]):
        cards.validate_card("bad", card)


def test_validate_rejects_bad_name():
    with pytest.raises(ValueError, match="model name"):
        cards.validate_card("my model/1", TINY)


def test_qualify_trainable_profile_model():
    q = cards.qualify(cards.validate_card("tiny", TINY), STUDIES)
    assert set(q) == set(cards.BENCHMARKS)
    assert q["accessibility"][0] and "coverage" in q["accessibility"][1] and "32-bp bins" in q["accessibility"][1]
    assert q["dream"][0] and "bhi" in q["dream"][1]
    assert not q["personal"][0] and "no personal" in q["personal"][1]
    assert not q["synthetic_loci"][0]


def test_qualify_promoter_model_cannot_serve_long_windows():
    card = cards.validate_card(
        "promoter110",
        {
            "arch": "some_promoter_model",
            "input_length": 110,
            "pretrained": True,
            "output": {"bin_size": None},
            "benchmarks": {"accessibility": {}, "dream": {}, "personal": {"track": 0}, "synthetic_loci": {"mode": "skip"}},
        },
    )
    q = cards.qualify(card, STUDIES)
    assert q["dream"][0]
    assert not q["accessibility"][0] and "110-bp" in q["accessibility"][1] and "1024" in q["accessibility"][1]
    assert not q["personal"][0] and "110-bp" in q["personal"][1] and "8192" in q["personal"][1]
    assert q["synthetic_loci"] == (False, "skipped by the card (mode: skip)")


def test_qualify_shape_and_data_reasons():
    scalar = cards.validate_card("s", {**TINY, "output": {"bin_size": None}, "benchmarks": {"accessibility": {}}})
    assert "scalar" in cards.qualify(scalar, STUDIES)["accessibility"][1]
    odd = cards.validate_card("o", {**TINY, "output": {"bin_size": 48}, "benchmarks": {"accessibility": {}}})
    assert "does not divide" in cards.qualify(odd, STUDIES)["accessibility"][1]
    profile = cards.validate_card("p", {**TINY, "benchmarks": {"dream": {}}})
    ok, why = cards.qualify(profile, STUDIES)["dream"]
    assert not ok and "scalar" in why
    no_labels = {**STUDIES, "dream": {"inputs": {}}}
    ok, why = cards.qualify(cards.validate_card("t", TINY), no_labels)["dream"]
    assert not ok and "test_labels" in why
    untrained = cards.validate_card("u", {**TINY, "benchmarks": {"personal": {"track": 0}}})
    ok, why = cards.qualify(untrained, STUDIES)["personal"]
    assert not ok and "pretrained" in why


def test_accessibility_dataset_defaults_to_new_models_dataset():
    c = cards.validate_card("tiny", TINY)
    assert cards.accessibility_dataset(c, STUDIES["accessibility"]) == "coverage"
    c2 = cards.validate_card("tiny", {**TINY, "benchmarks": {"accessibility": {"dataset": "other"}}})
    assert cards.accessibility_dataset(c2, STUDIES["accessibility"]) == "other"
    assert "not defined" in cards.qualify(c2, STUDIES)["accessibility"][1]


def test_recipe_inputs_match_the_study():
    from regbench.studies.dream.recipes import Recipe

    for name, (length, channels) in cards.DREAM_RECIPE_INPUTS.items():
        spec = Recipe(name).input_spec()
        assert (spec["input_length"], spec["in_channels"]) == (length, channels)


def test_build_and_check_example_model_from_a_temp_file(tmp_path):
    import torch

    torch.set_num_threads(1)
    src = tmp_path / "user_model.py"
    shutil.copy(EXAMPLE, src)
    text = src.read_text().replace('register("tiny_cnn")', 'register("tiny_cnn_tmp_copy")')
    src.write_text(text)
    card = cards.validate_card("u", {**TINY, "file": str(src), "arch": "tiny_cnn_tmp_copy"})
    assert cards.register_card_models(card) == ["tiny_cnn_tmp_copy"]
    m = cards.build_model(card, "accessibility", input_length=1024, n_tracks=2)
    assert cards.check_model(m, card, "accessibility", 1024, 2, 32) == (1, 32, 2)
    s = cards.build_model(card, "dream", input_length=110, n_tracks=1)
    assert s.output_bin_size is None
    assert cards.check_model(s, card, "dream", 110, 1, None) == (1, 1)
    with pytest.raises(ValueError, match="models.u: for accessibility"):
        cards.check_model(m, card, "accessibility", 1024, 3, 32)


def test_checkpoint_loading(tmp_path):
    import torch

    torch.set_num_threads(1)
    card = cards.validate_card("u", {**TINY, "file": str(EXAMPLE)})
    m = cards.build_model(card, "accessibility", input_length=256, n_tracks=1)
    for p in m.parameters():
        torch.nn.init.constant_(p, 0.5)
    ck = tmp_path / "w.pt"
    torch.save(m.state_dict(), ck)
    card2 = cards.validate_card("u", {**TINY, "file": str(EXAMPLE), "checkpoint": str(ck)})
    m2 = cards.load_checkpoint(cards.build_model(card2, "accessibility", input_length=256, n_tracks=1), card2)
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), m2.state_dict().values()))
    assert cards.qualify(card2, STUDIES)["accessibility"][0]
    from regbench.errors import InputError

    with pytest.raises(InputError):
        cards.load_checkpoint(m, {**card2, "checkpoint": str(tmp_path / "missing.pt")})


def test_pretrained_card_qualifies_for_personal():
    card = cards.validate_card("pre", {**TINY, "checkpoint": "w.pt", "hparams": {"bin_size": 128, "n_tracks": 2},
                                       "output": {"bin_size": 128, "tracks": ["dnase", "cage"]},
                                       "benchmarks": {"personal": {"track": "cage"}, "synthetic_loci": {"track": 0}}})
    q = cards.qualify(card, STUDIES)
    assert q["personal"][0] and "8192" in q["personal"][1]
    assert cards.resolve_track(card, "cage") == 1 and cards.resolve_track(card, 0) == 0
    assert q["synthetic_loci"][0] and "4096" in q["synthetic_loci"][1]
    bad = cards.validate_card("pre", {**TINY, "checkpoint": "w.pt", "output": {"bin_size": 128, "tracks": ["dnase"]},
                                      "benchmarks": {"personal": {"track": "cage"}}})
    assert "not among output.tracks" in cards.qualify(bad, STUDIES)["personal"][1]


def test_accessibility_card_is_a_study_spec_and_architecture():
    from regbench.studies.accessibility.experiments import model_evaluations, selected, train_config
    from regbench.studies.accessibility.specs import CARD_EXPERIMENT, model_specs
    from regbench.studies.dream.specs import card_spec

    card = cards.validate_card("tiny", {**TINY, "benchmarks": {"accessibility": {"train": {"max_epochs": 2}}}})
    acc = {**STUDIES["accessibility"], "architectures": {"cnn_exp": {"model": "cnn_base"}},
           "training": {"quantitative": {"max_epochs": 9, "lr": 0.1}}, "evaluations": {"new_models": ["whole"]},
           "evaluation_models": {"cagi": ["cnn_"], "gia": ["cnn_"]}}
    paper = {"new_models": {"cnn_exp-coverage-poisson-b32-rc_shift-s0": {"arch": "cnn_exp"}}}
    specs, archs = model_specs(paper, {"tiny": card}, acc)
    assert list(specs) == ["new_models", CARD_EXPERIMENT] and specs["new_models"] is paper["new_models"]
    spec = specs[CARD_EXPERIMENT]["tiny"]
    assert spec == {"arch": "tiny", "dataset": "coverage", "loss": "poisson", "bin": 32, "aug": "rc_shift", "seed": 0, "binary": False}
    assert archs["tiny"] == {"model": "tiny_cnn", "hparams": {"filters": 8}, "train": {"max_epochs": 2}, "file": TINY["file"]}
    assert "cnn_exp" in archs and "tiny" not in acc["architectures"]  # study config untouched
    # the study's trainer settings with the card's overrides
    tc = train_config(spec, {**acc, "architectures": archs})
    assert (tc.max_epochs, tc.lr, tc.seed) == (2, 0.1, 0)
    # the card's experiment is not one of the paper's: no evaluation list, no collected table
    assert model_evaluations(acc, CARD_EXPERIMENT, "tiny") == []
    # evaluation_models picks among the paper's models: the card's evaluation config drops it
    slug = "tiny-coverage-poisson-b32-rc_shift-s0"
    assert not selected("cagi", slug, acc) and selected("cagi", slug, {**acc, "evaluation_models": {}})
    assert model_specs(paper, {}, acc) == (paper, acc["architectures"])
    with pytest.raises(ValueError, match=r"models\.cnn_exp: a model card may not take the name of an accessibility architecture"):
        model_specs(paper, {"cnn_exp": cards.validate_card("cnn_exp", TINY)}, acc)
    with pytest.raises(ValueError, match=r"accessibility\.experiments\.cards: the experiment name is reserved"):
        model_specs({**paper, CARD_EXPERIMENT: {}}, {"tiny": card}, acc)
    ro = cards.validate_card("ro", {**TINY, "checkpoint": "w.pt", "benchmarks": {"accessibility": {"mode": "readout", "tracks": {"HepG2": 0, "K562": 1}}}})
    specs, archs = model_specs(paper, {"ro": ro}, acc)
    assert specs[CARD_EXPERIMENT]["ro"] == {"arch": "ro", "dataset": "readout", "loss": "na", "bin": 32, "aug": "na", "seed": 0, "binary": False}
    assert archs["ro"] == {"model": "tiny_cnn", "card": ro}
    dcfg = {"models": {"a": {"recipe": "autosome", "train": {"lr": 1}}, "b": {"recipe": "bhi", "recipe_kw": {"tta_shifts": [0]}, "train": {"lr": 2, "max_epochs": 3}}}}
    d = card_spec(cards.validate_card("tiny", {**TINY, "benchmarks": {"dream": {"hparams": {"bin_size": None}, "train": {"max_epochs": 1}}}}), dcfg)
    assert d == {"arch": "tiny_cnn", "recipe": "bhi", "recipe_kw": {"tta_shifts": [0]}, "hparams": {"filters": 8, "bin_size": None},
                 "train": {"lr": 2, "max_epochs": 1}, "file": TINY["file"]}


def test_synthetic_loci_needs_bins_dividing_the_window():
    base = {**TINY, "checkpoint": "w.pt", "output": {"bin_size": 128, "tracks": ["dnase"]},
            "benchmarks": {"synthetic_loci": {"track": "dnase"}}}
    assert cards.qualify(cards.validate_card("pre", base), STUDIES)["synthetic_loci"][0]
    odd = cards.validate_card("pre", {**base, "output": {"bin_size": 100, "tracks": ["dnase"]}})
    ok, why = cards.qualify(odd, STUDIES)["synthetic_loci"]
    assert not ok and "does not divide the 4096-bp" in why
    scalar = cards.validate_card("pre", {**base, "output": {"bin_size": None, "tracks": ["dnase"]}})
    ok, why = cards.qualify(scalar, STUDIES)["synthetic_loci"]
    assert not ok and "scalar outputs" in why
    untrained = cards.validate_card("pre", {**base, "checkpoint": None})
    assert "pretrained" in cards.qualify(untrained, STUDIES)["synthetic_loci"][1]


def test_accessibility_readout_qualifies_with_a_track_per_cell():
    cells = STUDIES["accessibility"]["cells"]
    card = {**TINY, "checkpoint": "w.pt", "output": {"bin_size": 32, "tracks": ["a", "b"]},
            "benchmarks": {"accessibility": {"mode": "readout", "tracks": {c: "a" for c in cells}}}}
    ok, why = cards.qualify(cards.validate_card("pre", card), STUDIES)["accessibility"]
    assert ok and "read out" in why
    short = {**card, "benchmarks": {"accessibility": {"mode": "readout", "tracks": {cells[0]: 0}}}}
    ok, why = cards.qualify(cards.validate_card("pre", short), STUDIES)["accessibility"]
    assert not ok and "every cell line" in why
    wrong = {**card, "benchmarks": {"accessibility": {"mode": "readout", "tracks": {c: "zz" for c in cells}}}}
    ok, why = cards.qualify(cards.validate_card("pre", wrong), STUDIES)["accessibility"]
    assert not ok and "not among output.tracks" in why
    untrained = {**card, "checkpoint": None}
    ok, why = cards.qualify(cards.validate_card("pre", untrained), STUDIES)["accessibility"]
    assert not ok and "pretrained" in why
