"""Input functions and target lists of the accessibility study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file).

The model grid is expanded from config at parse time by
regbench.studies.accessibility.experiments (pure Python, no torch, no file reads)."""

from regbench.studies.accessibility.panels import collected_table as acc_collected_table
from regbench.studies.accessibility.panels import panels as acc_panel_declarations
from regbench.studies.accessibility.specs import CARD_EXPERIMENT as ACC_CARD_EXPERIMENT
from regbench.studies.accessibility.specs import model_specs as acc_study_specs
from regbench.studies.accessibility.experiments import (
    CPU_EVALUATIONS,
    ceiling_cells,
    cpu_work_minutes,
    eval_work_minutes,
    expand_experiments,
    model_evaluations,
    selected,
    TRAIN_GFLOP_PER_WINDOW,
    training_owners,
    train_max_epochs,
    train_work_minutes,
)

ACC = config["accessibility"]
#: the paper's models {experiment: {slug: spec}}: the model sets of the collected tables, panels
#: and published-vs-ours tables
ACC_MODELS = expand_experiments(ACC)
#: the model cards qualified for accessibility (rules/common/leaderboard.smk: LB_CARDS, LB_QUAL)
ACC_CARDS = {n: c for n, c in LB_CARDS.items() if LB_QUAL[n]["accessibility"][0]}
#: every model acc_train / acc_evaluate run: the paper's + the cards, keyed by their own name in
#: the experiment ACC_CARD_EXPERIMENT ("cards"), and the architectures they build (the study's +
#: one per card) - regbench/studies/accessibility/specs.py
ACC_SPECS, ACC_ARCHITECTURES = acc_study_specs(ACC_MODELS, ACC_CARDS, ACC)
#: {(experiment, slug): experiment whose models/ folder holds the weights}: a model repeated in a
#: later experiment with the same spec is trained once (experiments.training_owners)
ACC_TRAINED_IN = training_owners(ACC_MODELS)
ACC_RES = "results/accessibility"

ACC_TABLES = ["T2_targeted", "T3_new_models", "T4_tomtom", "T5_replicate_ceiling", "SD3_cagi"]


# ---------------------------------------------------------------------------------------------
# Resources (issue 15): every step streams its data, so memory is a constant set by the chunk /
# batch and the model, plus the few tables a job holds whole; runtime grows with the input.
# input_sized(base, per_unit, units) = ceil(base + per_unit * units(input)), doubled (memory) or
# multiplied (runtime) by the retry attempt. Measured with benchmarks/memory_accessibility.py
# (peak RSS at n and 4n windows: ratios 1.00-1.06) and on the rehearsal (2 CPU cores):
# * acc_dataset: peak RSS 144-152 MB at 2,000 and 8,000 windows (benchmarks/memory.py, ratio 1.06)
#   plus the narrowPeak tables of every cell held whole: 14.1 MB of RAM per MB of gzip (measured:
#   5 tables of 120k peaks, 3.5 MB gzip each, hold 249 MB); base 2 GB covers the window table
#   of hg38 (~1M rows) and the peak merge. Time 1.27 ms per 3,072-bp window and cell line
#   (measured: 2,999 windows x 3 cells in 11.4 s on 2 loaded cores); a real fold-change bigWig
#   is ~0.685 GB for the ~1.0M windows of the genome -> 31 min per GB of bigWig input (paper:
#   15 x 685 MB -> ~5.2 h).
# * acc_train: batches read from HDF5 and one-hot encoded per batch: host memory = model +
#   optimizer + a few batches + the HDF5 chunk cache, flat in N (523 / 529 MB at 2,000 / 8,000
#   windows, one epoch over all of them); 8 GB leaves room for the CUDA
#   context and pinned buffers. Runtime: the training's work on the paper's GPU, at least
#   accessibility.train_runtime_min: experiments.train_work_minutes = (600 s + max_epochs x
#   (823k train x 3 + 44k valid windows) x GFLOP per window / 20.1 TFLOP/s) / 60, GFLOP counted
#   per model (experiments.TRAIN_GFLOP_PER_WINDOW: 0.36 cnn_binary .. 15.4 residualbind_base),
#   no early stopping (an upper bound): e.g. residualbind_base at 100 epochs 3,217 min, the
#   bpnet sweep at 40 epochs 656 min. The fixed 720 min was short for the 100-epoch grid.
# * acc_evaluate / acc_tomtom: each evaluation streams its test set `evaluation.chunk` windows at
#   a time (eval_whole at bin 1 with smoothing: 481 / 490 MB at 1,000 / 4,000 windows;
#   robustness 398 / 403 MB; Tomtom 462 / 463 MB); the largest resident arrays are per-window
#   summaries ((N, C) floats: 70k x 15 x 8 B), the CAGI5 codes (2 x 18,442 x 3,072 uint8 =
#   113 MB) and the occlusion codes (10,000 x 2,048 uint8): 8 GB with the CUDA context.
#   Runtime of acc_evaluate (acc_eval_runtime): the job's GPU work, counted as acc_train's:
#   experiments.eval_work_minutes = (600 s + forwards x GFLOP per 2,048-bp window / 20.1 TFLOP/s)
#   / 60, forwards = experiments.eval_forwards of the model's evaluations on the paper's test sets
#   (whole chr8 69.8k windows; peak-centred and IDR sets <= 15 x 4,012; CAGI5 18,442 variants x 2
#   alleles x (1 + cagi_shifts); GIA n_sequences x (1 + 1,536 flank variants + 3,059 distance
#   positions + 9); occlusion n_windows x (1 + 2 x copies)); the largest job
#   (new_models resbind32_all_exp, 5.97 M forwards x 12.88 GFLOP) 74 min; the fixed 240 min
#   ignored the work.
# * CPU steps (acc_cpu_runtime): experiments.cpu_work_minutes = (60 s + units x s per unit) / 60
#   with the per-unit CPU seconds measured by benchmarks/cost_per_unit.py (constants in
#   experiments.py): acc_cagi_variants 18,463 CAGI5 rows x 0.765 ms (1.2 min; memory 17.7 kB
#   per variant = 327 MB held); acc_replicate_ceiling 69,800 whole-chr8 windows x 13 rep2 cells
#   x 0.278 ms (5.2 min; streamed, 268 / 280 MB); acc_panel_SF2 (acc_panel_runtime) 1 occlusion model x 10,000
#   windows x 3 kinds x 15 cells = 450,000 rows x 4.6 us (1.0 min; 0.79 kB per row = 357 MB
#   held): memory fits the profile's default 8 GB. Requests are at least ACC_MIN_RUNTIME.
ACC_RESOURCES = {
    ("dataset", "mem_mb"): input_sized(
        2000, 15.0, units=lambda input: sum(_acc_size_mb(p, 2.9) for p in input.peaks)
    ),
    ("dataset", "runtime"): input_sized(
        15,
        31.0 / 1024,
        units=lambda input: sum(_acc_size_mb(p, 685.0) for p in input.bigwigs),
        grow="linear",
    ),
    ("train", "mem_mb"): mem_mb_scaled(8000),
    ("train", "runtime"): lambda wildcards, attempt: acc_train_runtime(wildcards) * attempt,
    ("evaluate", "mem_mb"): mem_mb_scaled(8000),
    ("evaluate", "runtime"): lambda wildcards, attempt: acc_eval_runtime(wildcards) * attempt,
}
#: smallest runtime request (minutes) of the work-counted jobs: queue and shared-filesystem
#: latencies the per-unit costs do not include (not measured: a floor, not a forecast)
ACC_MIN_RUNTIME = 10
#: runtime (minutes per attempt) of the evaluation of a model card's architecture without a FLOP
#: count (not in experiments.TRAIN_GFLOP_PER_WINDOW): the former leaderboard request (not
#: measured); its training gets accessibility.train_runtime_min
ACC_UNCOUNTED_EVAL_RUNTIME = 240
#: runtime (minutes per attempt) of panels without a work count: the SLURM profile's
#: default-resources value
ACC_PANEL_RUNTIME = 60


def acc_eval_runtime(wildcards):
    """Minutes of one acc_evaluate job: its GPU work (formula in the comment above), at least
    ACC_MIN_RUNTIME."""
    spec = acc_spec(wildcards)
    model = ACC_ARCHITECTURES[spec["arch"]]["model"]
    if model not in TRAIN_GFLOP_PER_WINDOW:
        return ACC_UNCOUNTED_EVAL_RUNTIME
    work = eval_work_minutes(
        model, acc_model_evaluations(wildcards), ACC["evaluation"], int(ACC["input_length"])
    )
    return max(ACC_MIN_RUNTIME, math.ceil(work))


def acc_cpu_runtime(step):
    """Resource callable: :func:`acc_cpu_minutes` of the CPU step ``step`` (cagi_variants,
    replicate_ceiling) times the attempt."""
    minutes = acc_cpu_minutes(step)

    def _rt(wildcards, attempt):
        return minutes * attempt

    return _rt


def acc_cpu_minutes(step):
    """Minutes (per attempt) of the CPU step ``step`` from its paper-scale work count (comment
    above), at least ACC_MIN_RUNTIME."""
    return max(ACC_MIN_RUNTIME, math.ceil(cpu_work_minutes(step, ACC)))


def acc_panel_runtime(panel):
    """Minutes (per attempt) of one panel job (its Panel.runtime): SF2 from its work count, the
    others ACC_PANEL_RUNTIME."""
    return acc_cpu_minutes(f"panel_{panel}") if panel == "SF2" else ACC_PANEL_RUNTIME


def acc_train_runtime(wildcards):
    """Minutes of one acc_train job (formula in the comment above), at least train_runtime_min
    (a card's architecture without a FLOP count: train_runtime_min)."""
    spec = acc_spec(wildcards)
    model = ACC_ARCHITECTURES[spec["arch"]]["model"]
    if model not in TRAIN_GFLOP_PER_WINDOW:
        return int(ACC["train_runtime_min"])
    work = train_work_minutes(
        model, train_max_epochs(spec, {**ACC, "architectures": ACC_ARCHITECTURES})
    )
    return max(int(ACC["train_runtime_min"]), math.ceil(work))


def _acc_size_mb(path, typical_mb):
    """Size of an input in MB; before it exists (a dry-run of the paper DAG), the typical size of
    the real file (IDR peaks 2.9 MB, fold-change bigWig 685 MB: GOPHER data/sample_metafile.tsv)."""
    try:
        return os.path.getsize(path) / 2**20
    except OSError:
        return typical_mb


def acc_resource(step, kind):
    return ACC_RESOURCES[(step, kind)]


def acc_models(experiment):
    """The paper's models of an experiment (no card)."""
    return ACC_MODELS.get(experiment, {})


def acc_spec(wildcards):
    return ACC_SPECS[wildcards.experiment][wildcards.model]


def acc_is_card(wildcards):
    return wildcards.experiment == ACC_CARD_EXPERIMENT and wildcards.model in ACC_CARDS


def acc_spec_param(wildcards):
    return dict(acc_spec(wildcards))


def acc_train_cfg(wildcards):
    """The config subset one training job depends on (edits elsewhere do not retrain it)."""
    arch = acc_spec(wildcards)["arch"]
    return {
        "input_length": ACC["input_length"],
        "architectures": {arch: ACC_ARCHITECTURES[arch]},
        "training": ACC["training"],
        "precision": ACC.get("precision", {}),
    }


def acc_eval_cfg(wildcards):
    """The config subset one evaluation job depends on. A card runs the evaluations it declares
    (evaluation_models picks among the paper's models) and, read out, stands for the study's
    cell lines."""
    arch = acc_spec(wildcards)["arch"]
    cfg = {
        "input_length": ACC["input_length"],
        "architectures": {arch: ACC_ARCHITECTURES[arch]},
        "evaluation": ACC["evaluation"],
        "evaluation_models": ACC.get("evaluation_models", {}),
        "precision": ACC.get("precision", {}),
        "panels": {
            "cagi_example_element": ACC.get("panels", {}).get("cagi_example_element", "TERT-GBM")
        },
    }
    if acc_is_card(wildcards):
        cfg.update(evaluation_models={}, cells=ACC["cells"])
    return cfg


def acc_bigwig(cell, rep="rep1"):
    return ACC["inputs"]["bigwig"].format(cell=cell, rep=rep)


def acc_peaks(cell):
    return ACC["inputs"]["peaks"].format(cell=cell)


ACC_ENCODE = ACC.get("encode", {})
ACC_ENCODE_CELLS = ACC_ENCODE.get("cells", {})
ACC_ENCODE_SUFFIX = ".encode.json"  # provenance record next to each resolved ENCODE file


def acc_encode_cells_regex():
    """Wildcard constraint: the cells with an ENCODE experiment in config (none in the demo)."""
    if not ACC_ENCODE_CELLS:
        return "(?!x)x"
    return "|".join(re.escape(c) for c in ACC_ENCODE_CELLS)


def acc_encode_params(cell, kind, rep):
    """What regbench.data.encode.fetch_from_config needs for one file of one cell line."""
    entry = ACC_ENCODE_CELLS[cell]
    return {
        "experiment": entry["experiment"],
        "kind": kind,
        "replicate": int(rep.removeprefix("rep")),
        "replicates": entry.get("replicates", 2),
        "assembly": ACC_ENCODE.get("assembly", "GRCh38"),
        "pinned": entry.get("pinned", {}).get(f"{kind}_{rep}"),
        "base_url": ACC_ENCODE.get("base_url", "https://www.encodeproject.org"),
        "retries": ACC_ENCODE.get("retries", 3),
        "timeout": ACC_ENCODE.get("timeout", 120),
        "label": f"{cell} {kind} {rep}",
    }


def acc_encode_bigwig_params(wildcards):
    return acc_encode_params(wildcards.cell, "fc", wildcards.rep)


def acc_encode_peaks_params(wildcards):
    return acc_encode_params(wildcards.cell, "peaks", "rep1")


def acc_ceiling_cells():
    """Cell lines with a second replicate (the replicate ceiling compares rep1 with rep2): all
    cells unless the ENCODE section says an experiment has a single replicate."""
    return ceiling_cells(ACC)


def acc_encode_provenance_files():
    """Provenance records of every resolved file: per cell (config order) rep1 fc, rep1 peaks and
    rep2 fc (the latter only for experiments with 2+ replicates)."""
    out = []
    for c in ACC["cells"]:
        if c in ACC_ENCODE_CELLS:
            out += [acc_bigwig(c, "rep1") + ACC_ENCODE_SUFFIX, acc_peaks(c) + ACC_ENCODE_SUFFIX]
            if ACC_ENCODE_CELLS[c].get("replicates", 2) >= 2:
                out.append(acc_bigwig(c, "rep2") + ACC_ENCODE_SUFFIX)
    return out


def acc_dataset_path(name):
    return f"{ACC_RES}/datasets/{name}.h5"


def acc_dataset_inputs(wildcards):
    out = {
        "genome": ACC["inputs"]["genome"],
        "blacklist": ACC["inputs"]["blacklist"],
        "bigwigs": [acc_bigwig(c) for c in ACC["cells"]],
        "peaks": [acc_peaks(c) for c in ACC["cells"]],
    }
    if ACC.get("exclude_assembly_gaps", True):
        out["gaps"] = f"{ACC_RES}/assembly_gaps.bed"
    if ACC["inputs"].get("regions"):
        out["regions"] = ACC["inputs"]["regions"]
    return out


def acc_dataset_spec(wildcards):
    """Configured dataset, or idr_<cell>: the peak-centred test set of one cell line's IDR peaks
    (specs §2.4)."""
    name = wildcards.dataset
    if name.startswith("idr_") and name not in ACC["datasets"]:
        return {
            "kind": "peak",
            "length": ACC["context_length"],
            "cells": [name[4:]],
            "test_only": True,
        }
    return ACC["datasets"][name]


def acc_train_inputs(wildcards):
    """The model's training dataset (+ a card's own files)."""
    inputs = {"dataset": acc_dataset_path(acc_spec(wildcards)["dataset"])}
    if acc_is_card(wildcards):
        inputs["code"] = lb_card_files(wildcards.model)
    return inputs


def acc_eval_datasets():
    """Evaluation inputs by role (paths); roles are named in config accessibility.eval_datasets."""
    roles = dict(ACC["eval_datasets"])
    out = {k: acc_dataset_path(v) for k, v in roles.items() if k != "idr"}
    out["idr"] = {c: acc_dataset_path(f"idr_{c}") for c in ACC["cells"]} if roles.get("idr") else {}
    out["cagi"] = f"{ACC_RES}/cagi/variants.npz"
    out["cagi_table"] = f"{ACC_RES}/cagi/variants.tsv"
    out["jaspar"] = f"{ACC_RES}/jaspar.meme"
    return out


ACC_EVAL_NEEDS = {
    "whole": ["whole"],
    "tracks": ["whole"],
    "peak": ["peak"],
    "binary": ["binary_peak", "binary_whole", "peak", "whole"],
    "robustness": ["peak"],
    "cagi": ["cagi", "cagi_table"],
    "tomtom": ["peak", "jaspar"],
    "gia": ["whole"],
    "occlusion": ["whole"],
    "history": [],
}


def acc_evaluations(experiment):
    return ACC["evaluations"].get(experiment, [])


# evaluations with their own CPU job (acc_tomtom: first-layer activations + Tomtom on the CPU),
# so the GPU job acc_evaluate does not hold a GPU while they run
ACC_CPU_EVALUATIONS = CPU_EVALUATIONS


def acc_model_evaluations(wildcards):
    """Evaluations of the model's GPU job acc_evaluate (not ACC_CPU_EVALUATIONS): a card's are
    those its benchmarks.accessibility.evaluations declare."""
    if acc_is_card(wildcards):
        evaluations = ACC_CARDS[wildcards.model]["benchmarks"]["accessibility"]["evaluations"]
        return [e for e in evaluations if e not in ACC_CPU_EVALUATIONS]
    return model_evaluations(ACC, wildcards.experiment, wildcards.model)


def acc_model_dir(experiment, model):
    """Folder of the trained weights an evaluation of ``experiment``'s ``model`` reads: its own, or
    that of the earlier experiment holding the same model (ACC_TRAINED_IN)."""
    return f"{ACC_RES}/models/{ACC_TRAINED_IN.get((experiment, model), experiment)}/{model}"


def acc_eval_inputs(wildcards):
    """The trained model (not for a pretrained card: read out through the study's loader from
    its own files) and the evaluations' datasets."""
    ds = acc_eval_datasets()
    files = []
    for e in acc_model_evaluations(wildcards):
        files += [ds[k] for k in ACC_EVAL_NEEDS[e]]
        if e == "peak":
            files += list(ds["idr"].values())
    d = acc_model_dir(wildcards.experiment, wildcards.model)
    inputs = {"model": f"{d}/model.pt", "spec": f"{d}/spec.json", "data": sorted(set(files))}
    if acc_is_card(wildcards):
        inputs["code"] = lb_card_files(wildcards.model)
        if ACC_CARDS[wildcards.model]["benchmarks"]["accessibility"]["mode"] == "readout":
            del inputs["model"], inputs["spec"]
    return inputs


def acc_tomtom_inputs(wildcards):
    ds = acc_eval_datasets()
    d = acc_model_dir(wildcards.experiment, wildcards.model)
    return {
        "model": f"{d}/model.pt",
        "spec": f"{d}/spec.json",
        "data": [ds[k] for k in ACC_EVAL_NEEDS["tomtom"]],
    }


def acc_eval_table(experiment, model, evaluation):
    """Per-model table holding an evaluation's rows: tomtom.tsv (job acc_tomtom) or
    evaluations.tsv (job acc_evaluate)."""
    name = evaluation if evaluation in ACC_CPU_EVALUATIONS else "evaluations"
    return f"{ACC_RES}/evals/{experiment}/{model}/{name}.tsv"


def acc_wildcard_evaluation(wildcards):
    return wildcards.evaluation


def acc_eval_models(experiment, evaluation):
    """Models of an experiment that run an evaluation."""
    return [m for m in acc_models(experiment) if selected(evaluation, m, ACC, experiment)]


def acc_collect_inputs(wildcards):
    return [
        acc_eval_table(wildcards.experiment, m, wildcards.evaluation)
        for m in acc_eval_models(wildcards.experiment, wildcards.evaluation)
    ]


def acc_collect_extra_inputs(wildcards):
    return [
        f"{ACC_RES}/evals/{wildcards.experiment}/{m}/cagi_variants.tsv"
        for m in acc_eval_models(wildcards.experiment, "cagi")
    ]


def acc_collected_experiments(evaluation):
    """Experiments (config order) with a collected table of ``evaluation``: those running it on
    at least one model."""
    return [
        e
        for e in ACC["evaluations"]
        if evaluation in acc_evaluations(e) and acc_eval_models(e, evaluation)
    ]


def acc_all_collected(evaluation):
    return [acc_collected_table(e, evaluation) for e in acc_collected_experiments(evaluation)]


def acc_model_experiment(slug):
    """First experiment (config order) holding model ``slug`` (the first experiment otherwise)."""
    return next((e for e, m in ACC_MODELS.items() if slug in m), next(iter(ACC_MODELS)))


def acc_example_experiment():
    """Experiment holding the Fig 5a model (accessibility.panels.cagi_example_model)."""
    return acc_model_experiment(
        ACC.get("panels", {}).get("cagi_example_model", ACC.get("reference_model"))
    )


def acc_table_inputs(table):
    return {
        "T2_targeted": acc_all_collected("peak"),
        "T3_new_models": [f"{ACC_RES}/new_models/whole.tsv", f"{ACC_RES}/new_models/peak.tsv"],
        "T4_tomtom": acc_all_collected("tomtom") + acc_all_collected("binary"),
        "T5_replicate_ceiling": [f"{ACC_RES}/replicate_ceiling.tsv"],
        "SD3_cagi": acc_all_collected("cagi"),
    }[table]


# the study's panels through the panel contract (regbench/studies/accessibility/panels.py;
# rules/panels.smk builds them, rules acc_panel_<panel>)
ACC_PANEL_DECLS = acc_panel_declarations(
    ACC,
    {e: acc_collected_experiments(e) for e in ACC_EVAL_NEEDS},
    acc_example_experiment(),
    acc_panel_runtime,
)
register_panels(ACC_PANEL_DECLS)


def accessibility_targets():
    """Final targets of the study (figures and tables) that `all_accessibility` and `all` build."""
    targets = []
    for p in ACC_PANEL_DECLS:
        targets += figure_outputs("accessibility", p.name)
    targets += [f"{ACC_RES}/tables/{t}.tsv" for t in ACC_TABLES]
    if ACC_ENCODE_CELLS:
        targets.append(f"{ACC_RES}/encode_files.tsv")
    return targets


register_study_targets("accessibility", accessibility_targets)
