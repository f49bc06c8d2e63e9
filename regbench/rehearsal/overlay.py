"""What the rehearsal overlay may change: an allow-list of size and input-location keys.

``config/rehearsal.yaml`` (and the driver's ``results/rehearsal/mirror.yaml``) are applied after
``config/paper.yaml`` with Snakemake's own merge (:func:`merge`: dicts are merged key by key,
lists and scalars replaced). So that the rehearsal runs exactly the paper's settings, an overlay
may set only

* keys on :data:`ALLOW` (a dotted pattern, ``*`` = any one key, with a one-line reason): sizes
  (counts, chromosome/region subsets, step/epoch caps) and input locations (the download mirror,
  checksums of mirrored content). A ``size``/``input`` pattern must match a leaf key exactly;
* subtrees under a ``grid`` pattern, checked by :func:`grid_violations`: the overlay may replace
  a grid by a subset of the paper grid's members provided every member keeps the paper's exact
  settings and every distinct value of every grid dimension appears in at least one rehearsed
  member (:data:`GRIDS`, a registry other grids join with :func:`register_grid`).

Adding a size knob: add it to the study's schema (with a default and bounds), then here, under
the study's block, with its reason. ``python -m regbench.rehearsal.overlay`` checks the committed
overlay against ``config/paper.yaml`` and prints every violation.
"""

from __future__ import annotations

import copy
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import yaml

#: keys that are never size knobs (lead decision on issue 14: widths and batch sizes change the
#: optimisation and the code path, and the measured RSS only projects to paper scale at the
#: paper's width and batch): no allow-list entry may end in one of them
NEVER_SIZES = frozenset({
    "batch_size", "lr", "weight_decay", "optimizer", "schedule", "loss", "precision", "dropout",
    "filters", "filters_1", "filters_2", "dense", "top", "first_channels", "core_channels",
    "dim", "depth", "heads", "use_tf_gamma", "scale", "block_sizes", "lstm_hidden", "hidden",
})
#: the only entries that may end in a NEVER_SIZES key: kind "host", because the paper setting
#: cannot run on the CI box in its time or memory. Accessibility at the paper's batch 64: ONE CPU
#: training step of Basenji (2.0 M parameters, 3,072 bp) took 70.7 s (rehearsal log), ~50 rehearsed
#: models -> ~45 min of CI for one step each. DREAM's paper batch sizes need, for ONE CPU training step
#: (peak RSS measured at batches 4-128, extrapolated linearly): Unlock_DNA ~75 GB at 512 (2.2 s
#: per sample), DREAM-Attn ~31 GB at 1,024, LegNet / DREAM-CNN ~13 GB, on a 24 GiB machine. The
#: batch size reaches the model only through the DataLoader (no batch-dependent layer other than
#: BatchNorm statistics), and paper-scale memory is projected from the per-sample figures, not
#: from the rehearsal's RSS.
HOST_EXCEPTIONS = frozenset({
    "accessibility.training.*.batch_size",
    "dream.models.*.train.batch_size", "dream.prixfixe.train.batch_size",
})
KINDS = ("size", "input", "grid", "host", "ci_width")  # host: where it runs (no GPU in CI), not what it computes
#: the CI layer (lead decision, issue 14): the only file in which kind ``ci_width`` entries apply;
#: the CI rehearsal applies it after config/rehearsal.yaml, ``make rehearse`` never does
CI_LAYER = "config/rehearsal_ci.yaml"
#: width keys of the accessibility architectures' hparams (filters / channels / dense units);
#: kernels, depth, bins, losses, input length, activations and dropout are not among them
CI_WIDTH_KEYS = ("filters", "filters_1", "filters_2", "dense", "top")
#: the width hyper-parameter of the DREAM registry builders (dream_cnn, dream_rnn, dream_attn:
#: regbench/studies/dream/prixfixe.py; legnet, bhi_deepgxp, unlock_conformer: top3.py): one
#: ``scale`` (1.0 = the published widths) multiplies every channel / LSTM / embedding width, with
#: the builder's own rounding (dream_attn d to a multiple of 8, unlock_conformer d to a multiple
#: of num_heads, so heads | d) and floor (>= 8 channels); depth, kernels, heads, input length do not
#: depend on it. deepstarr and mpra_legnet (baselines.py) take no width hyper-parameter.
CI_SCALE_KEY = "scale"
#: Prix Fixe widths that rules/common/dream.smk (dream_grid_specs) passes to the dream_prixfixe
#: builder: per-team block widths (prixfixe.block_widths; team -> int, or "same" for a core whose
#: output is its input) and the blocks' own widths, ``block_kw.<part>.<team>.<key>``
CI_PRIXFIXE_TEAM_WIDTHS = ("first_channels", "core_channels")
CI_PRIXFIXE_BLOCK_WIDTHS = (("core", "autosome", "block_sizes"), ("core", "bhi", "lstm_hidden"), ("final", "bhi", "hidden"))
#: smallest width the CI layer may set (a few channels per layer)
CI_MIN_WIDTH = 4


@dataclass(frozen=True)
class Allowed:
    """One allow-list entry: ``pattern`` (tuple of keys, ``*`` = any one key), kind, reason."""

    pattern: tuple[str, ...]
    kind: str
    reason: str

    def matches(self, path: tuple[str, ...]) -> bool:
        """Exact match for size/input entries; prefix match (the whole subtree) for grids."""
        n = len(self.pattern)
        if len(path) < n or (self.kind != "grid" and len(path) != n):
            return False
        return all(p == "*" or p == k for p, k in zip(self.pattern, path))

    @property
    def dotted(self) -> str:
        return ".".join(self.pattern)


def allow(pattern: str, kind: str, reason: str) -> Allowed:
    """An entry from a dotted pattern (config keys never contain dots; download relpaths do, so
    those positions are always ``*``)."""
    if kind not in KINDS:
        raise ValueError(f"allow-list kind {kind!r}: expected one of {KINDS}")
    if not reason.strip():
        raise ValueError(f"allow-list entry {pattern!r} needs a one-line reason")
    return Allowed(tuple(pattern.split(".")), kind, reason)


#: The allow-list. Study owners add their knobs in their own block, each with its reason.
ALLOW: list[Allowed] = [
    # --- top level (rehearsal-core): written by the driver into results/rehearsal/mirror.yaml
    allow("downloads_mirror", "input", "every download goes to the rehearsal's local mirror"),
    allow("require_cuda", "host", "CI has no GPU: GPU rules run on the CPU (regbench.workflow.check_cuda)"),
    *[allow(f"downloads.*.{k}", "input", "checksum/size of the mirrored (generated) file") for k in ("md5", "sha256", "git_sha1", "size")],
    *[allow(f"*.downloads.*.{k}", "input", "checksum/size of a study's mirrored (generated) file") for k in ("md5", "sha256", "git_sha1", "size")],
    # --- accessibility
    allow("accessibility.experiments.*", "grid", "a subset of each grid's members, every value of every dimension kept"),
    allow("accessibility.cells", "size", "a subset of the 15 cell lines (paper order kept): fewer ENCODE files and output tracks"),
    allow("accessibility.inputs.regions", "input", "BED of the genome regions every dataset is built on (region subset)"),
    *[allow(f"accessibility.training.*.{k}", "size", "epoch / step cap") for k in ("max_epochs", "steps_per_epoch")],
    allow("accessibility.training.*.batch_size", "host", "paper batch 64: 70.7 s for one CPU step of Basenji (HOST_EXCEPTIONS)"),
    allow("accessibility.architectures.*.train.max_epochs", "size", "epoch cap of an architecture's own schedule (SF1 sweep)"),
    *[allow(f"accessibility.evaluation.{k}", "size", "windows evaluated / per streamed chunk") for k in ("tomtom_max_seqs", "tracks_windows", "chunk")],
    allow("accessibility.evaluation.gia.n_sequences", "size", "GIA background sequences (paper 1,000)"),
    allow("accessibility.evaluation.gia.distance_window", "size", "region subset of the motif-2 distance scan (paper: whole window)"),
    allow("accessibility.evaluation.occlusion.n_windows", "size", "occluded test windows (paper 10,000)"),
    # --- personal
    allow("personal.genes.n_genes", "size", "genes drawn for the personal analyses (the example genes are added)"),
    allow("personal.genes.n_reference", "size", "expected number of expressed genes (sets the reference chunk count)"),
    allow("personal.genes.chunk_size", "size", "genes per GPU job"),
    allow("personal.rosmap.wgs.chromosomes", "size", "chromosome subset of the WGS release"),
    allow("personal.attribution.tss_flank", "size", "region subset: bases around the TSS mutated by the TSS ISM"),
    allow("personal.attribution.driver_flank", "size", "region subset: bases around each main driver mutated"),
    allow("personal.cnn.max_epochs", "size", "epoch cap of the simple CNN"),
    allow("personal.cnn.n_individuals", "size", "individuals of the CNN's personal evaluation"),
    # --- synthetic_loci
    *[allow(f"synthetic_loci.inputs.{k}", "input", "a generated user file in the authors' layout (rehearsal build dir)")
      for k in ("table_s4", "payload_fasta", "dhs_bed", "accessibility")],
    allow("synthetic_loci.cage.tracks.*.file", "input", "a generated GEO CAGE bigWig (a user file on the paper config)"),
    allow("synthetic_loci.windows.*.n_windows", "size", "windows drawn per payload and set"),
    allow("synthetic_loci.train.max_epochs", "size", "epoch cap"),
    allow("synthetic_loci.train.steps_per_epoch", "size", "step cap"),
    allow("synthetic_loci.retained.max_regions", "size", "held-out regions sampled"),
    allow("synthetic_loci.cage.size", "size", "CAGE windows per dataset batch"),
    allow("synthetic_loci.cage.batches", "size", "CAGE dataset batches (>= 2; the first validates, as in the paper)"),
    allow("synthetic_loci.cage.train.max_epochs", "size", "epoch cap"),
    allow("synthetic_loci.cage.train.steps_per_epoch", "size", "step cap"),
    allow("synthetic_loci.cage.heldout.max_regions", "size", "held-out regions sampled"),
    allow("synthetic_loci.head_members", "grid", "a subset of the fine-tuning heads (grid synthetic_loci.models)"),
    allow("synthetic_loci.cv_heads", "grid", "a subset of the cross-validated heads (grid synthetic_loci.models)"),
    # --- dream
    allow("dream.models.*.train.max_epochs", "size", "epoch cap"),
    allow("dream.models.*.train.steps_per_epoch", "size", "step cap"),
    allow("dream.prixfixe.train.max_epochs", "size", "epoch cap"),
    allow("dream.prixfixe.train.steps_per_epoch", "size", "step cap"),
    allow("dream.models.*.train.batch_size", "host", "paper batch needs 6.5-75 GB for one CPU step (HOST_EXCEPTIONS)"),
    allow("dream.prixfixe.train.batch_size", "host", "paper batch needs up to ~75 GB for one CPU step (HOST_EXCEPTIONS)"),
    allow("dream.demo_n_train", "size", "training promoters the rehearsal generator writes (regbench/rehearsal/dream.py)"),
    allow("dream.demo_n_test", "size", "random test promoters the rehearsal generator writes (the other subsets scale with it)"),
    allow("dream.prixfixe.members", "grid", "a subset of the Prix Fixe cells in which every team's block appears at every position"),
    allow("dream.followups.human_folds", "size", "a subset of the test folds (each fold a separate job, same settings)"),
    allow("dream.followups.train.max_epochs", "size", "epoch cap"),
    allow("dream.followups.train.steps_per_epoch", "size", "step cap"),
    allow("dream.followups.models.*.train.max_epochs", "size", "epoch cap (a baseline's own recipe)"),
    allow("dream.followups.models.*.train.steps_per_epoch", "size", "step cap (a baseline's own recipe)"),
]


DREAM_CI_REASON = "CPU CI: DREAM rehearsal ~1,330 job-s at paper widths (Unlock_DNA 381 s), measured"
#: The CI layer's allow-list (kind ``ci_width``): checked only against CI_LAYER, never against
#: config/rehearsal.yaml, so ``make rehearse`` runs the paper's widths.
CI_ALLOW: list[Allowed] = [
    *[allow(f"accessibility.architectures.*.hparams.{k}", "ci_width", "CPU CI: ~60-75 CPU-min at paper widths, measured")
      for k in CI_WIDTH_KEYS],
    *[allow(f"{block}.*.hparams.{CI_SCALE_KEY}", "ci_width", DREAM_CI_REASON) for block in ("dream.models", "dream.followups.models")],
    *[allow(f"dream.prixfixe.{k}.*", "ci_width", DREAM_CI_REASON) for k in CI_PRIXFIXE_TEAM_WIDTHS],
    *[allow(f"dream.prixfixe.block_kw.{part}.{team}.{k}", "ci_width", DREAM_CI_REASON) for part, team, k in CI_PRIXFIXE_BLOCK_WIDTHS],
]


def leaf_paths(obj, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """(path, value) of every leaf of a nested dict (lists and scalars are leaves; an empty dict
    has none: merged into a configuration it changes nothing)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaf_paths(v, prefix + (str(k),))
    elif prefix:
        yield prefix, obj


def allowed_entry(path: tuple[str, ...], allow_list: list[Allowed] | None = None) -> Allowed | None:
    """The allow-list entry covering ``path``, or None."""
    for entry in ALLOW if allow_list is None else allow_list:
        if entry.matches(path):
            return entry
    return None


def overlay_violations(overlay: dict, allow_list: list[Allowed] | None = None) -> list[str]:
    """One message per leaf key of ``overlay`` that no allow-list entry covers."""
    out = []
    for path, value in leaf_paths(overlay or {}):
        if allowed_entry(path, allow_list) is None:
            out.append(
                f"{'.'.join(path)} = {value!r}: not on the rehearsal allow-list "
                "(regbench/rehearsal/overlay.py ALLOW: sizes and input locations only)"
            )
    return out


def merge(base: dict, *overlays: dict) -> dict:
    """``base`` with each overlay applied in turn, exactly as Snakemake merges ``--configfile``s."""
    from snakemake.utils import update_config

    out = copy.deepcopy(base)
    for o in overlays:
        update_config(out, copy.deepcopy(o or {}))
    return out


def load_yaml(path: str | Path) -> dict:
    with open(path) as fh:
        data = yaml.safe_load(fh)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping at the top level, found {type(data).__name__}")
    return data


# ---------------------------------------------------------------------------------------------
# grids


@dataclass(frozen=True)
class Grid:
    """A model grid: ``members(cfg) -> {group: {member name: settings dict}}`` and the grid
    dimensions (keys of each settings dict) whose every value must stay represented."""

    name: str
    dims: tuple[str, ...]
    members: Callable[[dict], dict[str, dict[str, dict]]]


GRIDS: dict[str, Grid] = {}


def register_grid(grid: Grid) -> Grid:
    GRIDS[grid.name] = grid
    return grid


def strip_allowed(obj, path: tuple[str, ...]):
    """A copy of ``obj`` (the config subtree at ``path``) without the size/input keys the
    allow-list lets an overlay change: what is left are the settings a member must keep."""
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        sub = path + (str(k),)
        entry = allowed_entry(sub)
        if entry is not None and entry.kind != "grid" and not isinstance(v, dict):
            continue
        stripped = strip_allowed(v, sub)
        if isinstance(v, dict) and v and stripped == {}:
            continue  # every key below is an allowed size (a width block the paper leaves at defaults)
        out[k] = stripped
    return out


def _accessibility_members(cfg: dict) -> dict[str, dict[str, dict]]:
    from regbench.studies.accessibility.experiments import expand_experiments

    acc = cfg.get("accessibility", {})
    archs = acc.get("architectures", {})
    out = {}
    for exp, models in expand_experiments(acc).items():
        out[f"accessibility.experiments.{exp}"] = {
            slug: {**spec, "architecture": strip_allowed(archs.get(spec["arch"], {}), ("accessibility", "architectures", spec["arch"]))}
            for slug, spec in models.items()
        }
    return out


def _dream_prixfixe_members(cfg: dict) -> dict[str, dict[str, dict]]:
    """pf-<first>-<core>-<final> of dream.prixfixe (the product of first x core x final, as
    rules/common/dream.smk builds it; restricted to ``members`` when the config lists them)."""
    pf = cfg.get("dream", {}).get("prixfixe", {})
    if not pf or not pf.get("enabled", True):
        return {"dream.prixfixe": {}}
    teams = ["autosome", "bhi", "unlockdna"]  # the schema defaults when a list is not given
    first, core, final = (pf.get(k, teams) for k in ("first", "core", "final"))
    common = strip_allowed({k: v for k, v in pf.items() if k not in ("first", "core", "final", "members", "enabled")},
                           ("dream", "prixfixe"))
    members = {}
    for f, c, z in itertools.product(first, core, final):
        members[f"pf-{f}-{c}-{z}"] = {"first": f, "core": c, "final": z, **common}
    if pf.get("members") is not None:
        members = {m: members[m] for m in pf["members"] if m in members}
    return {"dream.prixfixe": members}


def _dream_model_members(cfg: dict) -> dict[str, dict[str, dict]]:
    models = cfg.get("dream", {}).get("models", {})
    return {"dream.models": {name: {"name": name, **strip_allowed(spec, ("dream", "models", name))} for name, spec in models.items()}}


def _synthetic_loci_members(cfg: dict) -> dict[str, dict[str, dict]]:
    """Fine-tuned models of synthetic_loci: ``<head>/<split>`` for the running heads (``heads``
    restricted to ``head_members``) x (``authors`` + ``fold<k>`` for the ``cv_heads``), as
    rules/common/synthetic_loci.smk builds them; settings = the head's plus its split."""
    sl = cfg.get("synthetic_loci", {})
    heads = sl.get("heads", {})
    names = sl.get("head_members") if sl.get("head_members") is not None else list(heads)
    folds = [f"fold{k}" for k in range(int(sl.get("n_folds", 4)))]
    out = {}
    for h in names:
        if h not in heads:
            continue
        for split in ["authors"] + (folds if h in sl.get("cv_heads", []) else []):
            out[f"{h}/{split}"] = {**heads[h], "split": split}
    return {"synthetic_loci.models": out}


register_grid(Grid("accessibility.experiments", ("arch", "dataset", "loss", "bin", "aug", "seed"), _accessibility_members))
register_grid(Grid("dream.prixfixe", ("first", "core", "final"), _dream_prixfixe_members))
register_grid(Grid("dream.models", ("name", "arch", "recipe"), _dream_model_members))
register_grid(Grid("synthetic_loci.models", ("key_size", "value_size", "num_heads", "dropout", "split"), _synthetic_loci_members))


def _fmt(v) -> str:
    return repr(v) if not isinstance(v, str) else v


def grid_violations(paper_cfg: dict, merged_cfg: dict, grids: dict[str, Grid] | None = None) -> list[str]:
    """One message per broken grid rule of ``merged_cfg`` against ``paper_cfg``: a group the
    overlay removed, a member that is not a paper member or whose settings differ from the
    paper's, and a value of a grid dimension no rehearsed member carries."""
    out = []
    for grid in (GRIDS if grids is None else grids).values():
        paper, merged = grid.members(paper_cfg), grid.members(merged_cfg)
        for group, pmembers in paper.items():
            mmembers = merged.get(group)
            if mmembers is None:
                out.append(f"{group}: grid removed by the overlay")
                continue
            for name, settings in mmembers.items():
                if name not in pmembers:
                    out.append(f"{group}: member {name} is not in the paper grid")
                elif settings != pmembers[name]:
                    diff = sorted(k for k in set(settings) | set(pmembers[name]) if settings.get(k) != pmembers[name].get(k))
                    out.append(f"{group}: member {name} changes the paper's settings ({', '.join(diff)})")
            for dim in grid.dims:
                want = {_fmt(s.get(dim)) for s in pmembers.values()}
                have = {_fmt(s.get(dim)) for n, s in mmembers.items() if n in pmembers}
                for value in sorted(want - have):
                    out.append(f"{group}: no rehearsed member has {dim}={value} (every value of every grid dimension must stay)")
        for group in set(merged) - set(paper):
            out.append(f"{group}: grid not in the paper configuration")
    return out


#: what :func:`paper_width` returns for a CI path that names no width of the configuration
NOT_A_WIDTH = object()


def _registry_default(arch: str | None, key: str):
    """Default of hyper-parameter ``key`` of registry builder ``arch`` (tuples as lists), or None
    where the builder has no such named parameter with a default (e.g. a ``**hp`` alias)."""
    import inspect

    from regbench.models import registry

    try:
        param = inspect.signature(registry.get(arch)).parameters.get(key)
    except (KeyError, TypeError):
        return None
    if param is None or param.default is inspect.Parameter.empty or param.default is None:
        return None
    return list(param.default) if isinstance(param.default, tuple) else param.default


def _block_default(part: str, team: str, key: str):
    """Default of option ``key`` of the Prix Fixe ``part`` block of ``team`` (the block class's)."""
    import inspect

    from regbench.studies.dream.prixfixe import _blocks

    firsts, cores, finals = _blocks()
    cls = {"first": firsts, "core": cores, "final": finals}[part][team]
    default = inspect.signature(cls).parameters[key].default
    return list(default) if isinstance(default, tuple) else default


def paper_width(cfg: dict, path: tuple[str, ...]):
    """The paper's value of the CI width at ``path`` in ``cfg`` (paper + rehearsal): the
    configuration's value, else the registry default the builder then uses (None where the
    builder declares none). :data:`NOT_A_WIDTH` where ``path`` names no architecture, model, team
    or width key of ``cfg``. Paths (CI_ALLOW):

    * ``accessibility.architectures.<a>.hparams.<CI_WIDTH_KEYS>``
    * ``dream.models.<m>.hparams.scale``, ``dream.followups.models.<m>.hparams.scale`` (models
      whose builder takes ``scale``; the published widths are scale 1.0)
    * ``dream.prixfixe.first_channels.<team>`` / ``core_channels.<team>`` (an int for every cell
      or a team mapping in the config, else prixfixe.TEAM_FIRST_CHANNELS / TEAM_CORE_CHANNELS)
    * ``dream.prixfixe.block_kw.<part>.<team>.<key>`` (CI_PRIXFIXE_BLOCK_WIDTHS; block defaults)
    """
    def get(*keys):
        node = cfg
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        return node

    if len(path) == 5 and path[:2] == ("accessibility", "architectures") and path[3] == "hparams":
        arch = get(*path[:3])
        if not isinstance(arch, dict) or path[4] not in CI_WIDTH_KEYS:
            return NOT_A_WIDTH
        v = (arch.get("hparams") or {}).get(path[4])
        return v if v is not None else _registry_default(arch.get("model"), path[4])
    if path[-2:] == ("hparams", CI_SCALE_KEY) and path[:-3] in (("dream", "models"), ("dream", "followups", "models")):
        spec = get(*path[:-2])
        if not isinstance(spec, dict) or _registry_default(spec.get("arch"), CI_SCALE_KEY) is None:
            return NOT_A_WIDTH
        v = (spec.get("hparams") or {}).get(CI_SCALE_KEY)
        return float(v if v is not None else _registry_default(spec["arch"], CI_SCALE_KEY))
    pf = get("dream", "prixfixe")
    if not isinstance(pf, dict) or path[:2] != ("dream", "prixfixe"):
        return NOT_A_WIDTH
    from regbench.studies.dream.prixfixe import TEAM_CORE_CHANNELS, TEAM_FIRST_CHANNELS, TEAMS

    if len(path) == 4 and path[2] in CI_PRIXFIXE_TEAM_WIDTHS and path[3] in TEAMS:
        v = pf.get(path[2])
        if isinstance(v, dict):
            v = v.get(path[3])
        if v is None:
            v = (TEAM_FIRST_CHANNELS if path[2] == "first_channels" else TEAM_CORE_CHANNELS)[path[3]]
        return v
    if len(path) == 6 and path[2] == "block_kw" and tuple(path[3:]) in CI_PRIXFIXE_BLOCK_WIDTHS:
        v = get(*path)
        return v if v is not None else _block_default(*path[3:])
    return NOT_A_WIDTH


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def width_ok(value, paper_v) -> bool:
    """One CI width against the paper's ``paper_v`` (None: the paper's is not known).

    * ``scale`` (a paper value that is a float, or a ``scale`` key): a number in (0, paper];
    * ``"same"`` (a Prix Fixe core whose output is its input) only where the paper's is ``"same"``;
    * otherwise int(s) >= CI_MIN_WIDTH, each no larger than the paper's, as many as the paper's.
    """
    if value == "same" or paper_v == "same":
        return value == paper_v
    if isinstance(paper_v, float):
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) and 0 < value <= paper_v
    vals = value if isinstance(value, list) else [value]
    if not (vals and all(_is_int(v) and v >= CI_MIN_WIDTH for v in vals)):
        return False
    if paper_v is None:
        return True
    pv = paper_v if isinstance(paper_v, list) else [paper_v]
    return isinstance(value, list) == isinstance(paper_v, list) and len(pv) == len(vals) and all(
        _is_int(p) and v <= p for v, p in zip(vals, pv))


def ci_width_violations(base_cfg: dict, ci_overlay: dict) -> list[str]:
    """Values of the CI layer that are not narrower widths (:func:`width_ok`): every leaf must be
    a width of an architecture / model / Prix Fixe team ``base_cfg`` (paper + rehearsal) has
    (:func:`paper_width`), checked against the paper's value, or the registry default where the
    paper sets none."""
    out = []
    for path, value in leaf_paths(ci_overlay or {}):
        paper_v = paper_width(base_cfg, path)
        if paper_v is NOT_A_WIDTH:
            out.append(f"{'.'.join(path)}: not a width of an architecture of config/paper.yaml")
        elif not width_ok(value, paper_v):
            rule = (f"a number in (0, {paper_v!r}]" if isinstance(paper_v, float)
                    else f"int(s) >= {CI_MIN_WIDTH}, no larger than the paper's ({paper_v!r})")
            out.append(f"{'.'.join(path)} = {value!r}: a CI width must be {rule}")
    return out


def check(paper_cfg: dict, overlays: list[dict], ci_overlays: list[dict] = ()) -> list[str]:
    """Every allow-list and grid violation of ``overlays`` applied to ``paper_cfg``; ``ci_overlays``
    (the CI layer, applied last) may set only CI_ALLOW keys (never ALLOW's) to narrower widths."""
    out = []
    for o in overlays:
        out += overlay_violations(o)
    base = merge(paper_cfg, *overlays)
    for o in ci_overlays:
        out += overlay_violations(o, CI_ALLOW)
        out += ci_width_violations(base, o)
    # the grid members are compared with the paper's at the CI widths (checked just above)
    return out + grid_violations(merge(paper_cfg, *ci_overlays), merge(base, *ci_overlays))


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m regbench.rehearsal.overlay", description=__doc__.split("\n")[0])
    ap.add_argument("overlays", nargs="*", default=["config/rehearsal.yaml"])
    ap.add_argument("--paper", default="config/paper.yaml")
    ap.add_argument("--ci", nargs="*", default=[CI_LAYER], help="CI layer(s): only ci_width keys")
    a = ap.parse_args(argv)
    problems = check(load_yaml(a.paper), [load_yaml(p) for p in a.overlays], [load_yaml(p) for p in a.ci])
    for p in problems:
        print(p)
    print(f"{len(problems)} violation(s) in {', '.join(a.overlays)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
