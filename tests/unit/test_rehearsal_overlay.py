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
