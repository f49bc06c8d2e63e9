"""Config-driven model grids (specs/accessibility.md §4) and the training of one model.

``config['accessibility']['experiments']`` maps an experiment name to a list of grid entries;
in an entry every list-valued key among :data:`GRID_KEYS` is expanded as a cartesian product::

    loss_resolution:
      - {arch: basenji, dataset: coverage_3072, loss: [poisson, mse], bin: [32, 128]}

gives 4 models. ``arch`` names an entry of ``config['accessibility']['architectures']``
(``{model: <registry name>, hparams: {...}, binary: bool}``). A model is named by its settings:
``<arch>-<dataset>-<loss>-b<bin>-<aug>-s<seed>`` and lives in
``results/accessibility/models/<experiment>/<slug>/`` (``model.pt``, ``history.tsv``,
``spec.json``); a model repeated with the same spec in a later experiment is trained once, in the
first experiment's folder (:func:`training_owners`). Nothing here imports numpy or torch at module level (the Snakefile calls
:func:`expand_experiments` and :func:`selected` at parse time: standard library only).
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import asdict
from pathlib import Path

GRID_KEYS = ("arch", "dataset", "loss", "bin", "aug", "seed")
DEFAULTS = {"loss": "poisson", "bin": 32, "aug": "rc_shift", "seed": 0}
AUGMENTATIONS = ("none", "rc", "shift", "rc_shift")


#: GFLOP of one forward pass of each paper model on one 2,048-bp window (15 tracks), counted with
#: ``torch.utils.flop_counter.FlopCounterMode`` on the models config/paper.yaml builds (2026-12-02;
#: per model type the largest over its grid entries and the bins it is trained at)
TRAIN_GFLOP_PER_WINDOW = {"basenji_v2": 8.24, "bpnet": 7.75, "cnn_base": 7.48, "residualbind_base": 15.39,
                          "residualbind_32": 12.88, "basset": 1.06, "cnn_binary": 0.36, "residualbind_binary": 4.74,
                          "basenji_binary": 8.12}
#: windows of one epoch at paper scale: 823k train + 44k valid (specs/accessibility.md §2.1,
#: before the coverage threshold: an upper bound for every dataset of the grid)
TRAIN_WINDOWS, VALID_WINDOWS = 823_000, 44_000
#: sustained fp32 FLOP/s of the paper's GPU (H100 SXM 67 TFLOP/s x 30 %, as
#: regbench.rehearsal.paper_scale.GPU_SUSTAINED) and the fixed part of a job (CUDA context,
#: opening the HDF5 set, writing checkpoints: estimate)
TRAIN_FLOP_S, TRAIN_STARTUP_S = 67e12 * 0.30, 600.0


def train_work_minutes(model: str, max_epochs: int) -> float:
    """Upper bound of one training job's GPU time (minutes): ``(startup + max_epochs x (train x 3
    + valid) x GFLOP x 1e9 / FLOP/s) / 60`` (3 = forward + backward; no early stopping)."""
    if model not in TRAIN_GFLOP_PER_WINDOW:
        raise ValueError(f"train_work_minutes: no FLOP count for model {model!r} (one of {sorted(TRAIN_GFLOP_PER_WINDOW)})")
    flop = max_epochs * (TRAIN_WINDOWS * 3 + VALID_WINDOWS) * TRAIN_GFLOP_PER_WINDOW[model] * 1e9
    return (TRAIN_STARTUP_S + flop / TRAIN_FLOP_S) / 60.0


#: paper-scale test sets of the GPU evaluations (windows / variants), specs/accessibility.md:
#: whole chr8 at 2,048 bp ~69.8k windows (§2.1); peak-centred chr8 test windows: PC-3's IDR set
#: has 4,012 (§2.4, tutorials/cell_line_13_IDR.bed), so 15 cells x 4,012 = 60,180 bounds both the
#: merged peak-centred test split (overlaps merged away) and the 15 per-cell IDR test sets
#: together; CAGI5 18,442 variants after the hg19 ref check (§5.8)
EVAL_WHOLE_WINDOWS, EVAL_PEAK_WINDOWS, EVAL_IDR_WINDOWS, EVAL_CAGI_VARIANTS = 69_800, 15 * 4_012, 15 * 4_012, 18_442
#: fixed part of one evaluation job (estimate, as TRAIN_STARTUP_S): CUDA context, loading the
#: model, opening the HDF5 sets, the host-side streaming metrics (box-car smoothing of the
#: 143 Mbp chromosome x 15 cells x 8 windows, O(n) each) and writing the tables
EVAL_STARTUP_S = 600.0


def _gia_forwards(gia: dict, length: int) -> int:
    """Forward passes of the GIA addition experiment (:func:`.gia.motif_pair_experiment`): n
    background sequences x (1 null + every flank variant of each distinct pattern (4 ** wildcards,
    :func:`.gia.expand_pattern`) + per pair the distance scan (:func:`.gia.distance_positions`) +
    3 cooperativity embeddings)."""
    pairs = [tuple(p) for p in gia.get("motif_pairs", [])]
    patterns = list(dict.fromkeys(p for pair in pairs for p in pair))
    emb = 1 + sum(4 ** p.count(".") for p in patterns)
    step, window = int(gia.get("distance_step", 2)), gia.get("distance_window")
    for p1, p2 in pairs:
        pos = range(0, length - len(p2), step)
        if window is not None:
            centre = length // 2
            lo, hi = centre - int(window) - len(p2), centre + len(p1) + int(window)
            pos = [q for q in pos if lo <= q <= hi]
        emb += len(pos) + 3
    return int(gia.get("n_sequences", 1000)) * emb


def eval_forwards(evaluations: list[str], ecfg: dict, length: int) -> dict[str, int]:
    """Forward passes (one 2,048-bp model input each) of one acc_evaluate job at paper scale, per
    evaluation (``ecfg`` = config accessibility.evaluation, ``length`` = input_length), counted as
    :mod:`.evaluate` runs them on the sizes above (EVAL_*):

    * whole: every whole-chr8 window once; tracks: ``tracks_windows``;
    * peak: the peak-centred split + the 15 IDR sets;
    * binary: binary_peak + binary_whole + peak + whole splits, once each;
    * robustness: peak windows x (``robust_shifts`` + 1 centre crop);
    * cagi: variants x 2 alleles x (1 standard + ``cagi_shifts`` robust offsets);
    * gia: :func:`_gia_forwards`; occlusion: ``n_windows`` x (1 + 2 x ``copies``: occluded
      motif and background control, :func:`.occlusion.occlusion_effects`);
    * tomtom (CPU job acc_tomtom) and history: 0.
    """
    oc = ecfg.get("occlusion", {})
    per = {
        "whole": EVAL_WHOLE_WINDOWS,
        "tracks": int(ecfg.get("tracks_windows", 50)),
        "peak": EVAL_PEAK_WINDOWS + EVAL_IDR_WINDOWS,
        "binary": 2 * EVAL_PEAK_WINDOWS + 2 * EVAL_WHOLE_WINDOWS,
        "robustness": EVAL_PEAK_WINDOWS * (int(ecfg.get("robust_shifts", 20)) + 1),
        "cagi": EVAL_CAGI_VARIANTS * 2 * (1 + int(ecfg.get("cagi_shifts", 10))),
        "gia": _gia_forwards(ecfg.get("gia", {}), length) if "gia" in evaluations else 0,
        "occlusion": int(oc.get("n_windows", 10_000)) * (1 + 2 * int(oc.get("copies", 25))),
        "tomtom": 0,
        "history": 0,
    }
    unknown = sorted(set(evaluations) - set(per))
    if unknown:
        raise ValueError(f"eval_forwards: no work count for evaluations {unknown}")
    return {e: per[e] for e in evaluations}


def eval_work_minutes(model: str, evaluations: list[str], ecfg: dict, length: int) -> float:
    """Upper bound of one acc_evaluate job's GPU time (minutes): ``(EVAL_STARTUP_S + forwards x
    GFLOP per window x 1e9 / TRAIN_FLOP_S) / 60`` with forwards = sum of :func:`eval_forwards`
    and the model's :data:`TRAIN_GFLOP_PER_WINDOW` (inference: one pass)."""
    if model not in TRAIN_GFLOP_PER_WINDOW:
        raise ValueError(f"eval_work_minutes: no FLOP count for model {model!r} (one of {sorted(TRAIN_GFLOP_PER_WINDOW)})")
    n = sum(eval_forwards(evaluations, ecfg, length).values())
    return (EVAL_STARTUP_S + n * TRAIN_GFLOP_PER_WINDOW[model] * 1e9 / TRAIN_FLOP_S) / 60.0


def train_max_epochs(spec: dict, cfg: dict) -> int:
    """``max_epochs`` of one grid entry (study training block, then the architecture's override)."""
    tcfg = dict(cfg["training"]["binary" if spec["binary"] else "quantitative"])
    tcfg.update(cfg["architectures"][spec["arch"]].get("train", {}))
    return int(tcfg.get("max_epochs", 100))


def model_slug(spec: dict) -> str:
    """``<arch>-<dataset>-<loss>-b<bin>-<aug>-s<seed>`` (binary models: bin ``na``)."""
    b = "na" if spec.get("bin") is None else spec["bin"]
    return f"{spec['arch']}-{spec['dataset']}-{spec['loss']}-b{b}-{spec['aug']}-s{spec['seed']}"


def expand_entry(entry: dict, architectures: dict) -> list[dict]:
    """Expand one grid entry into model specs (dicts with GRID_KEYS + ``binary``)."""
    base = {**DEFAULTS, **entry}
    lists = {k: (base[k] if isinstance(base[k], list) else [base[k]]) for k in GRID_KEYS}
    out = []
    for combo in itertools.product(*(lists[k] for k in GRID_KEYS)):
        spec = dict(zip(GRID_KEYS, combo))
        arch = architectures.get(spec["arch"])
        if arch is None:
            raise KeyError(f"accessibility.experiments: unknown arch {spec['arch']!r}; define it under accessibility.architectures")
        spec["binary"] = bool(arch.get("binary", False))
        if spec["binary"]:
            spec["bin"] = None
            spec["loss"] = "bce"
            spec["aug"] = "none"
        if spec["aug"] not in AUGMENTATIONS:
            raise ValueError(f"accessibility: unknown augmentation {spec['aug']!r}; one of {AUGMENTATIONS}")
        out.append(spec)
    return out


def expand_experiments(cfg: dict) -> dict[str, dict[str, dict]]:
    """``{experiment: {slug: spec}}`` from the study config (order kept, duplicates merged)."""
    archs = cfg.get("architectures", {})
    result = {}
    for name, entries in cfg.get("experiments", {}).items():
        models = {}
        for entry in entries:
            for spec in expand_entry(entry, archs):
                models[model_slug(spec)] = spec
        result[name] = models
    return result


def training_owners(models: dict[str, dict[str, dict]]) -> dict[tuple[str, str], str]:
    """``{(experiment, slug): experiment whose model folder holds its weights}``.

    A model whose spec equals a model's of an earlier experiment (config order) is trained once,
    in that earlier experiment's folder ``models/<owner>/<slug>/``: the training of a model
    depends only on its spec and the study config (:func:`train_config`, :func:`train_model`),
    so a second run would repeat the first (measured on the demo's CPU: Basenji-128 of
    ``augmentation`` and ``loss_resolution``, every tensor equal; on a GPU only cuDNN's
    non-determinism would differ, unless ``deterministic: true``). The paper grid has 12 such
    repeats (the Basenji coverage models of ``threshold`` and ``augmentation``, BPNet of
    ``augmentation``). Each experiment still evaluates and collects its own copy of the model's
    evaluations. ``models``: :func:`expand_experiments`.
    """
    owners: dict[tuple[str, str], str] = {}
    first: dict[str, str] = {}
    for experiment, specs in models.items():
        for slug, spec in specs.items():
            key = json.dumps(spec, sort_keys=True)
            owners[(experiment, slug)] = first.setdefault(key, experiment)
    return owners


def selected(evaluation: str, slug: str, cfg: dict, experiment: str | None = None) -> bool:
    """Whether ``evaluation`` runs on model ``slug`` of ``experiment``.

    ``evaluation_models.<evaluation>``: absent or empty = every model; otherwise entries that are
    slug substrings (``resbind32_``), or ``<experiment>/<slug substring>`` to pick a model of one
    experiment when a slug names runs of two (e.g. Basenji-128 in augmentation and
    loss_resolution). With ``experiment`` None a qualified entry matches on its slug part.
    """
    sel = cfg.get("evaluation_models", {}).get(evaluation)
    if not sel:
        return True
    for s in sel:
        exp, _, part = s.rpartition("/")
        if part in slug and (not exp or experiment is None or exp == experiment):
            return True
    return False


# --- paper-scale work of the other jobs (issue 15): the requests of rules/common/accessibility.smk
# and the rows of regbench.rehearsal.paper_scale are both computed here, from one config

#: evaluations with their own CPU job (rule acc_tomtom), not run by the GPU job acc_evaluate
CPU_EVALUATIONS = ("tomtom",)
#: CAGI5 rows before the hg19 reference check (specs/accessibility.md §5.8: 18,463, 18,442 kept)
CAGI_TABLE_ROWS = 18_463
#: CPU seconds (and MB of RSS) per unit, measured with ``python benchmarks/cost_per_unit.py --only
#: acc_`` (2026-12-03, CPU time user + sys at two sizes, start-up cancels; peak RSS per size):
#:   acc_cagi_variants 2,000 / 8,000 SNVs: 1.58 / 6.17 s, 198 / 304 MB -> 7.65e-4 s and 17.7 kB
#:     per variant (the ref/alt strings and codes are held until the npz is written);
#:   acc_replicate_ceiling 1,000 / 4,000 windows x 3 cells: 0.90 / 3.40 s -> 2.78e-4 s per window
#:     x cell (a 2,048-bp bigWig read + 8 bin sizes of streaming Pearson); 268 / 280 MB: streamed;
#:   acc_panel_SF2 90,000 / 360,000 occlusion_seq rows: 1.29 / 2.52 s, 179 / 393 MB -> 4.56e-6 s
#:     and 0.79 kB per row (the panel reads its collected table whole)
CAGI_S_PER_VARIANT, CAGI_MB_PER_VARIANT = (6.17 - 1.58) / 6_000, (304 - 198) / 6_000
CEILING_S_PER_WINDOW_CELL = (3.40 - 0.90) / 9_000
SF2_S_PER_ROW, SF2_MB_PER_ROW = (2.52 - 1.29) / 270_000, (393 - 179) / 270_000
#: fixed part of these CPU jobs (estimate, as the personal study's PERS_STARTUP_S): interpreter
#: and pandas/h5py/matplotlib imports, opening the genome index or the HDF5 set; rounded up
CPU_STARTUP_S = 60.0


def model_evaluations(cfg: dict, experiment: str, slug: str) -> list[str]:
    """Evaluations of the GPU job acc_evaluate of one model (not :data:`CPU_EVALUATIONS`)."""
    return [e for e in cfg["evaluations"].get(experiment, []) if selected(e, slug, cfg, experiment) and e not in CPU_EVALUATIONS]


def ceiling_cells(cfg: dict) -> list[str]:
    """Cell lines with a second replicate (all unless ``encode.cells.<cell>.replicates`` < 2)."""
    enc = (cfg.get("encode") or {}).get("cells", {})
    return [c for c in cfg["cells"] if enc.get(c, {}).get("replicates", 2) >= 2]


def largest_eval_job(cfg: dict) -> dict:
    """The acc_evaluate job with the most GPU work in ``cfg`` (an accessibility section):
    ``experiment``, ``slug``, ``model``, ``evaluations``, ``forwards`` (:func:`eval_forwards`
    summed), ``gflop`` (per window) and ``minutes`` (:func:`eval_work_minutes`)."""
    best = None
    for experiment, models in expand_experiments(cfg).items():
        for slug, spec in models.items():
            model = cfg["architectures"][spec["arch"]]["model"]
            evs = model_evaluations(cfg, experiment, slug)
            minutes = eval_work_minutes(model, evs, cfg["evaluation"], int(cfg["input_length"]))
            if best is None or minutes > best["minutes"]:
                best = {"experiment": experiment, "slug": slug, "model": model, "evaluations": evs, "minutes": minutes,
                        "forwards": sum(eval_forwards(evs, cfg["evaluation"], int(cfg["input_length"])).values()),
                        "gflop": TRAIN_GFLOP_PER_WINDOW[model]}
    return best


def occlusion_rows(cfg: dict) -> int:
    """``occlusion_seq`` rows of the collected occlusion tables (panel SF2 reads them all):
    models running occlusion x ``n_windows`` (an upper bound: windows with a motif) x 3 kinds
    (original, removed, background) x cell lines."""
    n_models = sum(1 for e, models in expand_experiments(cfg).items() for slug in models
                   if "occlusion" in cfg["evaluations"].get(e, []) and selected("occlusion", slug, cfg, e))
    n = int(cfg["evaluation"].get("occlusion", {}).get("n_windows", 10_000))
    return n_models * n * 3 * len(cfg["cells"])


def cpu_work(step: str, cfg: dict) -> tuple[float, float]:
    """(units, CPU s per unit) of one paper-scale job of a CPU step: ``cagi_variants`` (CAGI5
    rows), ``replicate_ceiling`` (whole-chr8 windows x cells with a rep2) or ``panel_SF2``
    (:func:`occlusion_rows`); the constants above."""
    if step == "cagi_variants":
        return CAGI_TABLE_ROWS, CAGI_S_PER_VARIANT
    if step == "replicate_ceiling":
        return EVAL_WHOLE_WINDOWS * len(ceiling_cells(cfg)), CEILING_S_PER_WINDOW_CELL
    if step == "panel_SF2":
        return occlusion_rows(cfg), SF2_S_PER_ROW
    raise ValueError(f"cpu_work: no work count for step {step!r}")


def cpu_work_minutes(step: str, cfg: dict) -> float:
    """``(CPU_STARTUP_S + units x s per unit) / 60`` of :func:`cpu_work`."""
    units, s_per_unit = cpu_work(step, cfg)
    return (CPU_STARTUP_S + units * s_per_unit) / 60.0


def build_model(spec: dict, cfg: dict, n_tracks: int):
    """Build the registry model of ``spec`` with the architecture's hparams, the bin size and
    the number of cell lines (hparam names ``bin_size``/``n_tracks``/``input_length``). An
    architecture with a ``file`` (a model card's code, :mod:`.specs`) imports it first, so its
    ``registry.register`` calls run."""
    from regbench.models import registry

    arch = cfg["architectures"][spec["arch"]]
    if arch.get("file"):
        registry.load_user_models(arch["file"])
    hp = dict(arch.get("hparams", {}))
    hp.setdefault("n_tracks", n_tracks)
    hp.setdefault("input_length", int(cfg["input_length"]))
    if not spec["binary"]:
        hp["bin_size"] = int(spec["bin"])
        if arch.get("loss_hparam"):
            hp[arch["loss_hparam"]] = spec["loss"]
    return registry.build(arch["model"], **hp)


def check_output(model, spec: dict, cfg: dict, n_tracks: int) -> tuple[int, ...]:
    """Run one all-zero batch ``(1, input_length, 4)`` through ``model`` (eval mode, no
    gradients; its train/eval mode is restored) and check the output: ``(1, input_length //
    bin, n_tracks)`` (binary models ``(1, n_tracks)``). Returns the shape; ``ValueError`` naming
    the architecture otherwise (e.g. a model card's architecture that ignores ``bin_size``)."""
    import torch

    L = int(cfg["input_length"])
    want = (1, n_tracks) if spec["binary"] else (1, L // int(spec["bin"]), n_tracks)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        shape = tuple(model(torch.zeros(1, L, 4)).shape)
    model.train(was_training)
    if shape != want:
        raise ValueError(f"accessibility architecture {spec['arch']!r} ({cfg['architectures'][spec['arch']]['model']}): "
                         f"the model must map (1, {L}, 4) to {want}, it returned {shape}")
    return shape


def make_augment(aug: str, input_len: int, bin_size: int | None, behaviour: str = "code"):
    """The GOPHER batch transform for grid setting ``aug`` ("none", "rc", "shift", "rc_shift").

    A :class:`regbench.train.augment.GopherAugment`: ``(x (B, W, 4), y (B, W, C) bp) ->
    (x (B, input_len, 4), y binned)``; shift = per-sample random crop, otherwise the centre crop;
    ``behaviour`` "code" (RC coin flip per mini-batch, the authors' code) or "paper" (per sample).
    Binary targets ``(B, C)`` pass through.
    """
    from regbench.train.augment import GopherAugment

    return GopherAugment(input_len, bin_size, rc="rc" in aug, shift="shift" in aug, behaviour=behaviour)


def train_config(spec: dict, cfg: dict, device=None):
    """The :class:`regbench.train.trainer.TrainConfig` of one model: ``training.binary`` or
    ``training.quantitative``, then the architecture's ``train`` overrides (paper: the CNN /
    ResidualBind "new models" use patience 10 and LR x0.2 after 3 epochs, specs §4.2), then the
    seed of the grid entry (+ ``seed_offset``) and the study's ``precision.training``."""
    from regbench.predict.device import study_precision
    from regbench.train.trainer import TrainConfig

    tcfg = dict(cfg["training"]["binary" if spec["binary"] else "quantitative"])
    tcfg.update(cfg["architectures"][spec["arch"]].get("train", {}))
    tcfg["seed"] = int(spec["seed"]) + int(cfg.get("seed_offset", 0))
    tcfg["precision"] = study_precision(cfg, "training")
    if device is not None:
        tcfg["device"] = device
    return TrainConfig(**tcfg)


def train_model(spec: dict, cfg: dict, dataset_path, outdir, log=None, device=None) -> dict:
    """Train one model of the grid with :func:`regbench.train.trainer.fit`; returns a summary.

    Batches are streamed from the HDF5 dataset (:func:`.datasets.onehot_view` /
    :func:`.datasets.target_view`): each mini-batch reads its rows and one-hot encodes the uint8
    codes, so memory is set by the batch, not by the number of windows.
    A checkpoint in ``outdir`` is resumed only when it was written with the same spec,
    architecture, trainer settings and dataset (:func:`regbench.train.trainer.reset_if_changed`).
    Quantitative: train on the stored (3072-bp) windows with :func:`make_augment` (shift crop,
    RC, binning); validation on the centre crop (``input_length``), binned. Binary: windows as
    stored, BCE, no augmentation.
    """
    import h5py
    import torch

    from regbench.studies.accessibility.datasets import onehot_view, target_view
    from regbench.train.losses import get_loss
    from regbench.train.trainer import file_digest, fit, reset_if_changed

    outdir = Path(outdir)
    input_len = int(cfg["input_length"])
    train_cfg = train_config(spec, cfg, device)
    arch = cfg["architectures"][spec["arch"]]
    settings = {"spec": spec, "architecture": arch, "train": asdict(train_cfg), "dataset": str(dataset_path)}
    if arch.get("file"):  # a card's code changed: never resume from the weights of the old code
        settings["file_sha256"] = file_digest(arch["file"])
    reset_if_changed(outdir, settings, log or logging.getLogger(__name__))
    with h5py.File(dataset_path, "r") as h5:
        tr, va = h5["train"], h5["valid"]
        cells = [c.decode() if isinstance(c, bytes) else str(c) for c in h5.attrs["cells"]]
        torch.manual_seed(train_cfg.seed)
        model = build_model(spec, cfg, len(cells))
        check_output(model, spec, cfg, len(cells))
        if spec["binary"]:
            train = (onehot_view(tr["codes"]), target_view(tr["labels"]))
            valid = (onehot_view(va["codes"], crop=input_len), target_view(va["labels"]))
            loss = get_loss("bce", logits=bool(cfg["architectures"][spec["arch"]].get("logits", False)))
            augment = make_augment("none", input_len, None) if tr["codes"].shape[1] != input_len else None
        else:
            train = (onehot_view(tr["codes"]), target_view(tr["y"]))
            valid = (onehot_view(va["codes"], crop=input_len), target_view(va["y"], crop=input_len, bin_size=int(spec["bin"])))
            loss = get_loss(spec["loss"])
            augment = make_augment(spec["aug"], input_len, int(spec["bin"]), cfg.get("augmentation_behaviour", "code"))
        res = fit(model, train, valid, loss, train_cfg, outdir, augment=augment, log=log)
        n_train = int(len(train[0]))
    summary = {"slug": model_slug(spec), **spec, "cells": cells, "best_epoch": res.best_epoch, "epochs_run": res.epochs_run, "n_train": n_train}
    with open(outdir / "spec.json", "w") as fh:
        json.dump(summary, fh, indent=1)
    return summary


def load_model(spec: dict, cfg: dict, model_dir):
    """The one loader of a model of the study: ``(model, cells)``, the model in eval mode on the
    CPU mapping ``(N, input_length, 4)`` to ``(N, input_length // bin, len(cells))`` (binary
    models ``(N, len(cells))``), its tracks in the order of ``cells``.

    * a trained model (the paper's grid, a model card in ``mode: train``): the architecture of
      ``spec`` rebuilt and ``model_dir/model.pt`` loaded; ``cells`` from ``model_dir/spec.json``
      (the training dataset's cell lines);
    * a pretrained model card (``mode: readout``: its architecture entry holds the ``card``,
      :func:`regbench.studies.accessibility.specs.card_architecture`): the card's model with its
      checkpoint (:func:`regbench.leaderboard.cards.pretrained_model`, output shape checked on one
      batch) and its declared ``tracks`` (cell line -> output track) standing for the study's
      ``cfg["cells"]``, in that order (:func:`select_tracks`); ``model_dir`` is not read.
    """
    from regbench.train.trainer import load_trained

    arch = cfg["architectures"][spec["arch"]]
    if "card" in arch:
        from regbench.leaderboard.cards import pretrained_model, resolve_track

        card, cells = arch["card"], list(cfg["cells"])
        model, shape = pretrained_model(card, "accessibility", int(cfg["input_length"]))
        idx = [resolve_track(card, card["benchmarks"]["accessibility"]["tracks"][c]) for c in cells]
        if max(idx) >= shape[2]:
            raise ValueError(f"models.{card['name']}: accessibility readout tracks {idx} outside the output {shape}")
        return select_tracks(model, idx), cells
    cells = json.loads((Path(model_dir) / "spec.json").read_text())["cells"]
    model = load_trained(build_model(spec, cfg, len(cells)), model_dir)
    model.eval()
    return model, cells


def select_tracks(model, tracks: list[int]):
    """``nn.Module`` returning ``model(x)[:, :, tracks]`` (eval mode) - a pretrained profile
    model's declared tracks, in the order the study wants them."""
    import torch
    from torch import nn

    class _Select(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model
            self.register_buffer("idx", torch.tensor([int(t) for t in tracks], dtype=torch.long), persistent=False)

        def forward(self, x):
            return self.model(x)[:, :, self.idx]

    return _Select().eval()


def predictor(model, batch_size: int = 64, device=None, logits: bool = False, *, precision: str):
    """``f(x (N, L, 4)) -> np.ndarray`` through :func:`regbench.predict.engine.predict` at
    ``precision`` on ``device`` (the model stays where it is).

    ``logits=True`` returns pre-sigmoid outputs of binary models (a copy with the GOPHER zoo's
    ``model.logits = True`` switch).
    """
    import copy

    import numpy as np

    from regbench.predict.engine import predict

    net = model
    if logits:
        if not hasattr(model, "logits"):
            raise TypeError("predictor(logits=True): the model has no 'logits' switch")
        net = copy.deepcopy(model)
        net.logits = True

    def f(x):
        return predict(net, np.asarray(x, dtype=np.float32), batch_size=batch_size, device=device, precision=precision,
                       progress=False)

    return f
