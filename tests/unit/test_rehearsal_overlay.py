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
    acc = [p for p in paths if p[0] == "accessibility"]
    dream = [p for p in paths if p[0] == "dream"]
    assert acc and dream and len(acc) + len(dream) == len(paths)
    assert all(p[:2] == ("accessibility", "architectures") and p[3] == "hparams" for p in acc)
    assert {p[4] for p in acc} <= set(ov.CI_WIDTH_KEYS)
    assert all(ov.allowed_entry(p, ov.CI_ALLOW).kind == "ci_width" for p in paths)
    # every DREAM model whose builder has a width narrowed, named and follow-up; the Prix Fixe widths
    assert {p[2] for p in dream if p[1] == "models"} == set(paper["dream"]["models"])
    assert {p[3] for p in dream if p[1] == "followups"} == {"dream_cnn", "dream_rnn", "dream_attn"}
    assert {p[-1] for p in dream if p[1] != "prixfixe"} == {ov.CI_SCALE_KEY}
    assert ov.merge(paper, committed, ci_layer)["dream"]["models"]["unlock_conformer"]["hparams"] == {"scale": 0.125}


def test_ci_width_kind_only_in_the_ci_layer(paper):
    """The CI allow-list holds only ci_width width keys, the main one none; a width fails in
    config/rehearsal.yaml (so `make rehearse` keeps the paper's widths)."""
    assert {e.kind for e in ov.CI_ALLOW} == {"ci_width"}
    assert {e.reason for e in ov.CI_ALLOW} == {"CPU CI: ~60-75 CPU-min at paper widths, measured", ov.DREAM_CI_REASON}
    assert not any(e.kind == "ci_width" for e in ov.ALLOW)
    assert set(ov.CI_WIDTH_KEYS) | {ov.CI_SCALE_KEY} | set(ov.CI_PRIXFIXE_TEAM_WIDTHS) <= ov.NEVER_SIZES
    assert {k for _, _, k in ov.CI_PRIXFIXE_BLOCK_WIDTHS} <= ov.NEVER_SIZES
    width = _arch_width("basenji", "filters_1", 32)
    assert any(p.startswith("accessibility.architectures.basenji.hparams.filters_1 = ") for p in ov.check(paper, [width]))
    for overlay, key in [
        ({"dream": {"models": {"legnet": {"hparams": {"scale": 0.125}}}}}, "dream.models.legnet.hparams.scale"),
        ({"dream": {"prixfixe": {"first_channels": {"bhi": 40}}}}, "dream.prixfixe.first_channels.bhi"),
        ({"dream": {"prixfixe": {"block_kw": {"core": {"bhi": {"lstm_hidden": 40}}}}}}, "dream.prixfixe.block_kw.core.bhi.lstm_hidden"),
        ({"dream": {"followups": {"models": {"dream_cnn": {"hparams": {"scale": 0.125}}}}}}, "dream.followups.models.dream_cnn.hparams.scale"),
    ]:
        assert any(p.startswith(key + " = ") for p in ov.check(paper, [overlay])), key


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
        # DREAM: depth, heads, kernels, input length, recipes and trainer settings stay the paper's
        ({"dream": {"models": {"unlock_conformer": {"hparams": {"num_heads": 4}}}}}, "dream.models.unlock_conformer.hparams.num_heads"),
        ({"dream": {"models": {"unlock_conformer": {"hparams": {"n_blocks": 1}}}}}, "dream.models.unlock_conformer.hparams.n_blocks"),
        ({"dream": {"models": {"dream_attn": {"hparams": {"input_length": 100}}}}}, "dream.models.dream_attn.hparams.input_length"),
        ({"dream": {"models": {"legnet": {"recipe": "bhi"}}}}, "dream.models.legnet.recipe"),
        ({"dream": {"models": {"legnet": {"train": {"lr": 0.1}}}}}, "dream.models.legnet.train.lr"),
        ({"dream": {"prixfixe": {"block_kw": {"core": {"unlockdna": {"num_heads": 2}}}}}},
         "dream.prixfixe.block_kw.core.unlockdna.num_heads"),
        ({"dream": {"prixfixe": {"block_kw": {"core": {"autosome": {"ks": 3}}}}}}, "dream.prixfixe.block_kw.core.autosome.ks"),
        ({"dream": {"prixfixe": {"block_kw": {"first": {"bhi": {"kernels": [3, 5]}}}}}}, "dream.prixfixe.block_kw.first.bhi.kernels"),
        ({"dream": {"prixfixe": {"members": ["pf-autosome-bhi-unlockdna"]}}}, "dream.prixfixe.members"),
        ({"dream": {"followups": {"models": {"deepstarr": {"train": {"batch_size": 8}}}}}},
         "dream.followups.models.deepstarr.train.batch_size"),
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
        # the paper sets none: checked against the registry default
        ("bpnet", "filters", 257),  # bpnet filters 256
        ("cnn_all_exp", "filters", [200, 32, 64]),  # cnn_base (192, 256, 512)
        ("cnn_all_exp", "filters", [24, 32]),  # one entry per layer
        ("basset_exp", "dense", 1001),  # basset dense 1000
        ("basenji", "filters_2", [256]),  # a list where the paper has one int
    ],
)
def test_ci_width_values_checked(paper, committed, arch, key, value):
    problems = ov.check(paper, [committed], [_arch_width(arch, key, value)])
    assert any(p.startswith(f"accessibility.architectures.{arch}.hparams.{key}") for p in problems), problems


def _nested(path: str, value) -> dict:
    out = value
    for k in reversed(path.split(".")):
        out = {k: out}
    return out


@pytest.mark.parametrize(
    "path, value",
    [
        ("dream.models.legnet.hparams.scale", 0.125),
        ("dream.models.unlock_conformer.hparams.scale", 1.0),  # the paper's own width
        ("dream.models.unlock_conformer.hparams.scale", 1),
        ("dream.followups.models.dream_attn.hparams.scale", 0.25),
        ("dream.prixfixe.first_channels.unlockdna", 512),  # TEAM_FIRST_CHANNELS
        ("dream.prixfixe.first_channels.bhi", 4),  # CI_MIN_WIDTH
        ("dream.prixfixe.core_channels.unlockdna", "same"),
        ("dream.prixfixe.core_channels.autosome", 64),  # TEAM_CORE_CHANNELS
        ("dream.prixfixe.block_kw.core.autosome.block_sizes", [128, 8, 64, 8, 8]),
        ("dream.prixfixe.block_kw.final.bhi.hidden", 64),
    ],
)
def test_dream_ci_width_accepted(paper, committed, path, value):
    assert ov.check(paper, [committed], [_nested(path, value)]) == []


@pytest.mark.parametrize(
    "path, value",
    [
        ("dream.models.legnet.hparams.scale", 1.5),  # wider than the published (1.0)
        ("dream.models.legnet.hparams.scale", 0),
        ("dream.models.legnet.hparams.scale", -0.125),
        ("dream.models.legnet.hparams.scale", True),
        ("dream.models.legnet.hparams.scale", "0.125"),
        ("dream.models.no_such_model.hparams.scale", 0.125),
        ("dream.followups.models.deepstarr.hparams.scale", 0.125),  # its builder takes no width
        ("dream.followups.models.mpra_legnet.hparams.scale", 0.5),
        ("dream.prixfixe.first_channels.bhi", 321),  # TEAM_FIRST_CHANNELS bhi 320
        ("dream.prixfixe.first_channels.autosome", 2),  # below CI_MIN_WIDTH
        ("dream.prixfixe.first_channels.autosome", 32.0),
        ("dream.prixfixe.first_channels.no_such_team", 8),
        ("dream.prixfixe.core_channels.unlockdna", 64),  # the paper's is "same"
        ("dream.prixfixe.core_channels.autosome", "same"),  # the paper's is 64
        ("dream.prixfixe.block_kw.core.autosome.block_sizes", [16, 16, 8, 8]),  # 5 stages in the paper
        ("dream.prixfixe.block_kw.core.autosome.block_sizes", [16, 16, 8, 8, 65]),  # 64 in the paper
        ("dream.prixfixe.block_kw.core.bhi.lstm_hidden", 321),
        ("dream.prixfixe.block_kw.final.bhi.hidden", [8]),
    ],
)
def test_dream_ci_width_rejected(paper, committed, path, value):
    problems = ov.check(paper, [committed], [_nested(path, value)])
    assert any(p.startswith(path) for p in problems), problems


def test_dream_ci_width_against_the_paper_config(paper):
    """Where the paper configuration sets a width, that value is the bound, not the registry's."""
    pf = {"dream": {"prixfixe": {"first_channels": 128, "core_channels": {"autosome": 32, "bhi": 96, "unlockdna": "same"}}}}
    half = {"dream": {"models": {"legnet": {"hparams": {"scale": 0.5}}}}}
    cfg = ov.merge(paper, pf, half)
    assert ov.paper_width(cfg, ("dream", "prixfixe", "first_channels", "bhi")) == 128
    assert ov.paper_width(cfg, ("dream", "prixfixe", "core_channels", "bhi")) == 96
    assert ov.paper_width(cfg, ("dream", "models", "legnet", "hparams", "scale")) == 0.5
    assert ov.paper_width(paper, ("dream", "models", "legnet", "hparams", "scale")) == 1.0
    assert ov.paper_width(paper, ("dream", "prixfixe", "block_kw", "core", "bhi", "lstm_hidden")) == 320
    assert ov.ci_width_violations(cfg, _nested("dream.prixfixe.first_channels.bhi", 128)) == []
    assert ov.ci_width_violations(cfg, _nested("dream.prixfixe.first_channels.bhi", 129))
    assert ov.ci_width_violations(cfg, _nested("dream.prixfixe.core_channels.bhi", 97))
    assert ov.ci_width_violations(cfg, _nested("dream.models.legnet.hparams.scale", 0.5)) == []
    assert ov.ci_width_violations(cfg, _nested("dream.models.legnet.hparams.scale", 0.625))


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


def test_dream_ci_layer_changes_only_widths(paper, committed, ci_layer):
    """With and without the CI layer the DREAM configuration differs exactly at the CI layer's
    width leaves: same models, recipes, trainer settings, grid members and follow-ups."""
    base = dict(ov.leaf_paths(ov.merge(paper, committed)["dream"]))
    narrowed = dict(ov.leaf_paths(ov.merge(paper, committed, ci_layer)["dream"]))
    ci = {p[1:] for p, _ in ov.leaf_paths(ci_layer) if p[0] == "dream"}
    assert {p for p in set(base) | set(narrowed) if base.get(p) != narrowed.get(p)} == ci
    assert ov.grid_violations(paper, ov.merge(paper, committed, ci_layer)) != []  # the members are a subset ...
    assert ov.grid_violations(ov.merge(paper, ci_layer), ov.merge(paper, committed, ci_layer)) == []  # ... of the paper's


def test_every_narrowed_dream_model_builds(paper, committed, ci_layer):
    """Every DREAM model at the CI widths - the named models, all 27 Prix Fixe cells (as
    rules/common/dream.smk passes the grid's widths: widths | heads) and the follow-up DREAM models
    - builds with the paper's depth and heads; the rehearsed ones map the recipe's input to (N, k)
    as runs.check_output requires and have at least 20x fewer parameters than at the paper's widths
    (the paper-width models are built, not run: a CPU forward of the 47 M Conformer takes ~10 s)."""
    import itertools

    import torch

    from regbench.models import registry
    from regbench.studies.dream.followups import _build as build_followup

    def n_params(m):
        return sum(p.numel() for p in m.parameters())

    def check(model, shape, k=None):
        with torch.no_grad():
            y = model.eval()(torch.zeros(2, *shape))
        assert y.ndim == 2 and y.shape[0] == 2 and (k is None or y.shape[1] == k), tuple(y.shape)

    cfg = ov.merge(paper, committed, ci_layer)["dream"]
    shapes = {"unlock_conformer": (200, 6), "bhi_deepgxp": (110, 4)}
    for name, spec in cfg["models"].items():
        narrow, full = registry.build(spec["arch"], **spec["hparams"]), registry.build(spec["arch"])
        check(narrow, shapes.get(spec["arch"], (150, 6)))
        assert n_params(narrow) * 20 < n_params(full), (name, n_params(narrow), n_params(full))
        if spec["arch"] == "unlock_conformer":  # heads and depth kept, heads | d
            assert len(narrow.layers) == len(full.layers) == 4
            assert narrow.layers[0].attn.num_heads == 8 and narrow.patch.out_channels % 8 == 0
    pf, kw = cfg["prixfixe"], cfg["prixfixe"]["block_kw"]
    for first, core, final in itertools.product(("autosome", "bhi", "unlockdna"), repeat=3):
        cell = {"first": first, "core": core, "final": final}
        narrow = registry.build("dream_prixfixe", **cell, first_kw=kw.get("first", {}).get(first, {}),
                                core_kw=kw.get("core", {}).get(core, {}), final_kw=kw.get("final", {}).get(final, {}),
                                first_channels=pf["first_channels"], core_channels=pf["core_channels"])
        if f"pf-{first}-{core}-{final}" in pf["members"]:  # every cell builds; the rehearsed ones run
            check(narrow, (150, 6))
            assert n_params(narrow) * 20 < n_params(registry.build("dream_prixfixe", **cell)), cell
    for name in ("dream_cnn", "dream_rnn", "dream_attn"):
        spec = cfg["followups"]["models"][name]
        narrow, full = build_followup(spec, 4, 249, 2), build_followup({**spec, "hparams": {}}, 4, 249, 2)
        check(narrow, (249, 4), 2)
        assert n_params(narrow) * 5 < n_params(full), name  # the regression head (hidden 256) keeps its width
