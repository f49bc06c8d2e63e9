"""The rehearsal overlay may change only sizes and input locations (regbench.rehearsal.overlay):
the committed overlay passes; forbidden keys, grid subsets that lose a dimension value and grid
members with changed settings fail."""

from __future__ import annotations

import copy

import pytest

from regbench.rehearsal import overlay as ov
from regbench.studies.accessibility.experiments import expand_experiments


@pytest.fixture(scope="module")
def paper(root):
    return ov.load_yaml(root / "config/paper.yaml")


@pytest.fixture(scope="module")
def committed(root):
    return ov.load_yaml(root / "config/rehearsal.yaml")


def test_committed_overlay_passes(paper, committed):
    assert ov.check(paper, [committed]) == []


def test_driver_mirror_overlay_passes(paper):
    """What the driver writes to results/rehearsal/mirror.yaml: the mirror URL + checksums."""
    mirror = {
        "downloads_mirror": "http://127.0.0.1:41234",
        "downloads": {"genomes/hg38.fa.gz": {"md5": "0" * 32}},
        "dream": {"downloads": {"dream/train_sequences.txt": {"sha256": "a" * 64}}},
    }
    assert ov.check(paper, [mirror]) == []
    assert ov.merge(paper, mirror)["downloads"]["genomes/hg38.fa.gz"] == {
        "url": paper["downloads"]["genomes/hg38.fa.gz"]["url"],
        "md5": "0" * 32,
    }


@pytest.mark.parametrize(
    "overlay, key",
    [
        ({"accessibility": {"training": {"quantitative": {"lr": 0.01}}}}, "accessibility.training.quantitative.lr"),
        ({"accessibility": {"evaluation": {"gia": {"motif2": "GATAA"}}}}, "accessibility.evaluation.gia.motif2"),
        ({"personal": {"precision": "fp32"}}, "personal.precision"),
        ({"enformer": {"use_tf_gamma": False}}, "enformer.use_tf_gamma"),
        ({"dream": {"models": {"dream_cnn": {"train": {"lr": 0.1}}}}}, "dream.models.dream_cnn.train.lr"),
        ({"downloads": {"genomes/hg38.fa.gz": {"url": "http://x/y"}}}, "downloads.genomes/hg38.fa.gz.url"),
        ({"dream": {"models": {"my_model": {"arch": "legnet"}}}}, "dream.models.my_model.arch"),
    ],
)
def test_forbidden_keys_fail(paper, overlay, key):
    problems = ov.check(paper, [overlay])
    assert any(p.startswith(key + " = ") for p in problems), problems


def test_allowed_size_key_passes(paper):
    assert ov.check(paper, [{"dream": {"prixfixe": {"train": {"max_epochs": 1, "steps_per_epoch": 2}}}}]) == []


def test_strip_allowed_keeps_only_settings():
    got = ov.strip_allowed({"max_epochs": 80, "steps_per_epoch": 1000, "lr": 0.005}, ("dream", "prixfixe", "train"))
    assert got == {"lr": 0.005}


def _acc_members(cfg, exp):
    return expand_experiments(cfg["accessibility"])[exp]


def test_accessibility_subset_keeping_every_value_passes(paper):
    """loss_resolution: 2 archs x 5 losses x 8 bins = 80 paper members; 8 rehearsed members cover
    every arch, loss and bin (the smallest such subset has max(5, 8) = 8 members)."""
    losses = ["poisson", "mse", "pearson", "pearson_mse", "multinomial_mse"]
    bins = [1, 32, 64, 128, 256, 512, 1024, 2048]
    entries = [
        {"arch": "basenji" if i % 2 else "bpnet", "dataset": "coverage_3072" if i % 2 else "peak_3072",
         "loss": losses[i % 5], "bin": b}
        for i, b in enumerate(bins)
    ]
    overlay = {"accessibility": {"experiments": {"loss_resolution": entries}}}
    assert len(_acc_members(paper, "loss_resolution")) == 80
    merged = ov.merge(paper, overlay)
    assert len(_acc_members(merged, "loss_resolution")) == 8
    assert ov.check(paper, [overlay]) == []


def test_accessibility_subset_dropping_a_loss_fails(paper):
    entries = [{"arch": "basenji", "dataset": "coverage_3072", "loss": ["poisson", "mse", "pearson", "pearson_mse"],
                "bin": [1, 32, 64, 128, 256, 512, 1024, 2048]},
               {"arch": "bpnet", "dataset": "peak_3072", "loss": "poisson", "bin": 1}]
    problems = ov.check(paper, [{"accessibility": {"experiments": {"loss_resolution": entries}}}])
    assert problems == ["accessibility.experiments.loss_resolution: no rehearsed member has loss=multinomial_mse "
                        "(every value of every grid dimension must stay)"]


def test_accessibility_subset_dropping_a_bin_fails(paper):
    entries = [{"arch": ["basenji"], "dataset": "coverage_3072", "loss": ["poisson", "mse", "pearson", "pearson_mse",
                                                                           "multinomial_mse"], "bin": [1, 32]},
               {"arch": "bpnet", "dataset": "peak_3072", "loss": "poisson", "bin": [64, 128, 256, 512, 1024]}]
    problems = ov.check(paper, [{"accessibility": {"experiments": {"loss_resolution": entries}}}])
    assert problems == ["accessibility.experiments.loss_resolution: no rehearsed member has bin=2048 "
                        "(every value of every grid dimension must stay)"]


def test_accessibility_member_not_in_paper_fails(paper):
    """A member with a changed setting is another member: the augmentation grid trains Basenji
    at bin 128 only, so Basenji at bin 32 is not a paper member."""
    entries = copy.deepcopy(paper["accessibility"]["experiments"]["augmentation"])
    entries[0]["bin"] = [128, 32]
    problems = ov.check(paper, [{"accessibility": {"experiments": {"augmentation": entries}}}])
    assert any("member basenji-peak_2048-poisson-b32-none-s0 is not in the paper grid" in p for p in problems), problems


def test_changed_member_settings_fail(paper):
    """Same member names, changed settings: an architecture's hyper-parameters (accessibility) or a
    named model's recipe (dream)."""
    merged = ov.merge(paper, {"accessibility": {"architectures": {"basset_exp": {"hparams": {"activation": "relu"}}}},
                              "dream": {"models": {"legnet": {"recipe": "bhi"}}}})
    problems = ov.grid_violations(paper, merged)
    assert "accessibility.experiments.binary: member basset_exp-binary_2048-bce-bna-none-s0 changes the paper's settings (architecture)" in problems
    assert "dream.models: member legnet changes the paper's settings (recipe)" in problems
    # the allow-list catches the same overlay at the key level too
    assert len(ov.overlay_violations({"dream": {"models": {"legnet": {"recipe": "bhi"}}}})) == 1


def test_dream_prixfixe_grid(paper):
    members = ov.GRIDS["dream.prixfixe"].members(paper)["dream.prixfixe"]
    assert len(members) == 27  # 3 first x 3 core x 3 final (schema defaults)
    cut = ov.merge(paper, {"dream": {"prixfixe": {"members": ["pf-autosome-bhi-unlockdna", "pf-bhi-unlockdna-autosome",
                                                              "pf-unlockdna-autosome-bhi"]}}})
    assert ov.grid_violations(paper, cut) == []
    cut2 = ov.merge(paper, {"dream": {"prixfixe": {"members": ["pf-autosome-bhi-unlockdna", "pf-bhi-unlockdna-autosome"]}}})
    assert ov.grid_violations(paper, cut2) == [
        "dream.prixfixe: no rehearsed member has first=unlockdna (every value of every grid dimension must stay)",
        "dream.prixfixe: no rehearsed member has core=autosome (every value of every grid dimension must stay)",
        "dream.prixfixe: no rehearsed member has final=bhi (every value of every grid dimension must stay)",
    ]
    changed = ov.merge(paper, {"dream": {"prixfixe": {"first_channels": 64}}})
    assert any("changes the paper's settings (first_channels)" in p for p in ov.grid_violations(paper, changed))


def test_registry_accepts_new_grids():
    """A new grid joins the registry with its members function; the rule is the same."""
    grid = ov.Grid("toy", ("a", "b"), lambda cfg: {"toy": {f"{a}{b}": {"a": a, "b": b, "lr": cfg["lr"]}
                                                          for a, b in cfg["members"]}})
    paper = {"lr": 1, "members": [("x", 1), ("x", 2), ("y", 1), ("y", 2)]}
    assert ov.grid_violations(paper, {**paper, "members": [("x", 1), ("y", 2)]}, {"toy": grid}) == []
    assert ov.grid_violations(paper, {**paper, "members": [("x", 1), ("x", 2)]}, {"toy": grid}) == [
        "toy: no rehearsed member has a=y (every value of every grid dimension must stay)"]
    assert ov.grid_violations(paper, {**paper, "members": [("x", 1), ("z", 2)]}, {"toy": grid})[0] == (
        "toy: member z2 is not in the paper grid")
    assert ov.grid_violations(paper, {**paper, "lr": 2}, {"toy": grid})[0] == "toy: member x1 changes the paper's settings (lr)"


def test_no_width_or_batch_size_on_the_allow_list():
    """Lead decision (issue 14): model widths and batch sizes are not size knobs; the one
    exception is DREAM's batch size, whose paper value cannot run on the CI box (host kind)."""
    never = [e for e in ov.ALLOW if e.pattern[-1] in ov.NEVER_SIZES]
    assert sorted(e.dotted for e in never) == sorted(ov.HOST_EXCEPTIONS)
    assert all(e.kind == "host" for e in never)
    assert ov.overlay_violations({"accessibility": {"training": {"quantitative": {"lr": 0.1}}}})
    assert ov.overlay_violations({"accessibility": {"architectures": {"basenji": {"hparams": {"filters_1": 8}}}}})
    assert not ov.overlay_violations({"dream": {"models": {"legnet": {"train": {"batch_size": 8}}}}})
    assert ov.overlay_violations({"dream": {"models": {"legnet": {"train": {"lr": 0.1}}}}})


def test_allow_list_entries_have_reasons():
    for entry in ov.ALLOW:
        assert entry.kind in ov.KINDS and entry.reason.strip(), entry
    with pytest.raises(ValueError, match="reason"):
        ov.allow("a.b", "size", " ")


def _expand(pattern: tuple[str, ...], cfg) -> list[tuple[str, ...]]:
    """Concrete paths of ``pattern`` in ``cfg`` (``*`` = every key present there)."""
    paths = [()]
    for part in pattern:
        nxt = []
        for p in paths:
            node = cfg
            for k in p:
                node = node.get(k, {}) if isinstance(node, dict) else {}
            keys = list(node) if part == "*" and isinstance(node, dict) else [part]
            nxt += [p + (k,) for k in keys]
        paths = nxt
    return paths


def test_every_grid_key_is_policed(paper):
    """A `grid` allow-list entry lets the overlay replace a whole subtree, so some registered grid
    must check it: emptying the key must break the grid rule (else the key is a hole)."""
    for entry in (e for e in ov.ALLOW if e.kind == "grid"):
        paths = _expand(entry.pattern, paper)
        assert paths, entry
        for path in paths:
            overlay = {}
            node = overlay
            for k in path[:-1]:
                node = node.setdefault(k, {})
            node[path[-1]] = []
            assert ov.grid_violations(paper, ov.merge(paper, overlay)), f"{'.'.join(path)}: no registered grid checks it"


# --- the CI layer (config/rehearsal_ci.yaml, kind ci_width; lead decision on issue 14) --------


@pytest.fixture(scope="module")
def ci_layer(root):
    return ov.load_yaml(root / ov.CI_LAYER)


def _arch_width(arch: str, key: str, value) -> dict:
    return {"accessibility": {"architectures": {arch: {"hparams": {key: value}}}}}


def test_ci_layer_passes_and_sets_only_widths(paper, committed, ci_layer):
    assert ov.CI_LAYER == "config/rehearsal_ci.yaml"
    assert ov.check(paper, [committed], [ci_layer]) == []
    paths = [p for p, _ in ov.leaf_paths(ci_layer)]
    assert paths and all(p[:2] == ("accessibility", "architectures") and p[3] == "hparams" for p in paths)
    assert {p[4] for p in paths} <= set(ov.CI_WIDTH_KEYS)
    assert all(ov.allowed_entry(p, ov.CI_ALLOW).kind == "ci_width" for p in paths)


def test_ci_width_kind_only_in_the_ci_layer(paper):
    """The CI allow-list holds only ci_width width keys, the main one none; a width fails in
    config/rehearsal.yaml (so `make rehearse` keeps the paper's widths)."""
    assert {e.kind for e in ov.CI_ALLOW} == {"ci_width"}
    assert all(e.reason == "CPU CI: ~60-75 CPU-min at paper widths, measured" for e in ov.CI_ALLOW)
    assert not any(e.kind == "ci_width" for e in ov.ALLOW)
    assert set(ov.CI_WIDTH_KEYS) <= ov.NEVER_SIZES
    width = _arch_width("basenji", "filters_1", 32)
    assert any(p.startswith("accessibility.architectures.basenji.hparams.filters_1 = ") for p in ov.check(paper, [width]))


@pytest.mark.parametrize(
    "overlay, key",
    [
        (_arch_width("bpnet", "kernel_3", 3), "accessibility.architectures.bpnet.hparams.kernel_3"),
        (_arch_width("bpnet", "layer_num", 4), "accessibility.architectures.bpnet.hparams.layer_num"),
        (_arch_width("cnn_all_exp", "activation", "relu"), "accessibility.architectures.cnn_all_exp.hparams.activation"),
        (_arch_width("basset_exp", "dropout", 0.1), "accessibility.architectures.basset_exp.hparams.dropout"),
        (_arch_width("basset_exp", "kernels", [3, 3, 3]), "accessibility.architectures.basset_exp.hparams.kernels"),
        (_arch_width("cnn_all_exp", "bottleneck", 2), "accessibility.architectures.cnn_all_exp.hparams.bottleneck"),
        ({"accessibility": {"input_length": 1024}}, "accessibility.input_length"),
        ({"accessibility": {"cells": ["PC-3"]}}, "accessibility.cells"),  # a size key: rehearsal.yaml only
        ({"accessibility": {"training": {"quantitative": {"lr": 0.01}}}}, "accessibility.training.quantitative.lr"),
        ({"dream": {"models": {"legnet": {"hparams": {"filters": 8}}}}}, "dream.models.legnet.hparams.filters"),
    ],
)
def test_ci_layer_forbidden_keys_fail(paper, committed, overlay, key):
    problems = ov.check(paper, [committed], [overlay])
    assert any(p.startswith(key + " = ") for p in problems), problems


@pytest.mark.parametrize(
    "arch, key, value",
    [
        ("bpnet_sweep_f64_k7", "filters", 128),  # wider than the paper's 64
        ("bpnet", "filters", 2),  # below CI_MIN_WIDTH
        ("bpnet_sweep_f64_k7", "filters", 64.0),  # not an int
        ("no_such_arch", "filters", 8),
    ],
)
def test_ci_width_values_checked(paper, committed, arch, key, value):
    problems = ov.check(paper, [committed], [_arch_width(arch, key, value)])
    assert any(p.startswith(f"accessibility.architectures.{arch}.hparams.{key}") for p in problems), problems


def test_ci_layer_keeps_members_and_panels(paper, committed, ci_layer):
    """Same rehearsed models (names and grid settings) and panel/evaluation model lists with and
    without the CI layer: only architectures' hparams differ."""
    base = ov.merge(paper, committed)["accessibility"]
    narrowed = ov.merge(paper, committed, ci_layer)["accessibility"]
    assert {k: v for k, v in base.items() if k != "architectures"} == {k: v for k, v in narrowed.items() if k != "architectures"}
    for a in base["architectures"]:
        assert {k: v for k, v in base["architectures"][a].items() if k != "hparams"} == \
            {k: v for k, v in narrowed["architectures"][a].items() if k != "hparams"}
    assert expand_experiments(base) == expand_experiments(narrowed)


def test_every_narrowed_rehearsed_member_builds(paper, committed, ci_layer):
    """Every rehearsed grid member builds at the CI widths with the paper's input length and its
    own bin, and maps (N, L, 4) to (N, L / bin, T) (binary: (N, T)), as at the paper's widths."""
    import torch

    from regbench.studies.accessibility.experiments import build_model

    cfg = ov.merge(paper, committed, ci_layer)["accessibility"]
    L, T = int(cfg["input_length"]), 3
    narrowed = {spec["arch"] for members in expand_experiments(cfg).values() for spec in members.values()}
    assert narrowed <= set(ci_layer["accessibility"]["architectures"])  # every rehearsed arch narrowed
    torch.manual_seed(0)
    x = torch.randn(2, L, 4)
    for members in expand_experiments(cfg).values():
        for slug, spec in members.items():
            model = build_model(spec, cfg, T).eval()
            with torch.no_grad():
                y = model(x)
            want = (2, T) if spec["binary"] else (2, L // int(spec["bin"]), T)
            assert tuple(y.shape) == want, (slug, tuple(y.shape))
