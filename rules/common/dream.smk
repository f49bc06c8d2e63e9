"""Input functions, target lists and resource requests of the dream study (functions only:
`snakemake --lint` forbids mixing functions and rules in one file)."""

import itertools
import math

from regbench.studies.dream.panels import followup_table as dream_followup_table
from regbench.studies.dream.panels import panels as dream_panel_declarations
from regbench.studies.dream.subsets import SUBSETS as DREAM_SUBSETS
from regbench.studies.dream.specs import model_specs as dream_study_specs


def dream_cfg(key, default=None):
    return config["dream"].get(key, default)


def dream_grid_specs():
    """pf-<first>-<core>-<final> -> model spec, from config dream.prixfixe."""
    pf = dream_cfg("prixfixe", {})
    if not pf.get("enabled", True):
        return {}
    kw = pf.get("block_kw", {})
    specs = {}
    members = pf.get("members")
    for first, core, final in itertools.product(pf["first"], pf["core"], pf["final"]):
        if members is not None and f"pf-{first}-{core}-{final}" not in members:
            continue
        hparams = {
            "first": first,
            "core": core,
            "final": final,
            "first_kw": kw.get("first", {}).get(first, {}),
            "core_kw": kw.get("core", {}).get(core, {}),
            "final_kw": kw.get("final", {}).get(final, {}),
        }
        # omitted widths: the per-team widths of the DREAM-optimised models (prixfixe.block_widths)
        for key in ("first_channels", "core_channels"):
            if pf.get(key) is not None:
                hparams[key] = pf[key]
        spec = {
            "arch": "dream_prixfixe",
            "recipe": pf.get("recipe", "autosome"),
            "recipe_kw": pf.get("recipe_kw", {}),
            "hparams": hparams,
            "train": pf["train"],
        }
        if "holdout_fraction" in pf:
            spec["holdout_fraction"] = pf["holdout_fraction"]
        specs[f"pf-{first}-{core}-{final}"] = spec
    return specs


def dream_model_specs():
    """Every yeast model of the paper: the named models of config dream.models + the Prix Fixe grid."""
    return {**dream_cfg("models", {}), **dream_grid_specs()}


#: the paper's yeast models (the model set of dream_score and the panels)
DREAM_MODELS = dream_model_specs()
#: every model dream_train trains: the paper's + the model cards qualified for dream
#: (rules/common/leaderboard.smk: LB_CARDS, LB_QUAL), as study model specs
DREAM_TRAIN_SPECS = dream_study_specs(
    DREAM_MODELS,
    {n: c for n, c in LB_CARDS.items() if LB_QUAL[n]["dream"][0]},
    config["dream"],
)
DREAM_NAMED = list(dream_cfg("models", {}))
DREAM_FOLLOWUP = dream_cfg("followups", {})
DREAM_FOLLOWUP_ON = DREAM_FOLLOWUP.get("enabled", True)


def dream_followup_models(task):
    """Follow-up models trained on ``task`` (drosophila / human): DREAM models and baselines."""
    if not DREAM_FOLLOWUP_ON:
        return []
    return [
        m
        for m, s in DREAM_FOLLOWUP.get("models", {}).items()
        if task in s.get("tasks", ["drosophila", "human"])
    ]


DREAM_FMODELS = sorted(
    set(dream_followup_models("drosophila")) | set(dream_followup_models("human"))
)
DREAM_HAS_LABELS = bool(config["dream"]["inputs"].get("test_labels"))
DREAM_STORE = "results/dream/data/train_store"


def dream_spec(wildcards):
    return DREAM_TRAIN_SPECS[wildcards.model]


def dream_fspec_for(fmodel, task):
    """A follow-up model's spec with train = followups.train < task_train[task] < the model's train."""
    spec = dict(DREAM_FOLLOWUP["models"][fmodel])
    spec["train"] = {
        **DREAM_FOLLOWUP.get("train", {}),
        **DREAM_FOLLOWUP.get("task_train", {}).get(task, {}),
        **spec.get("train", {}),
    }
    return spec


def dream_fspec_drosophila(wildcards):
    return dream_fspec_for(wildcards.fmodel, "drosophila")


def dream_fspec_human(wildcards):
    return dream_fspec_for(wildcards.fmodel, "human")


def dream_subset_names():
    """Test subsets the inputs hold (config dream.test_subset_names; default all eight)."""
    return dream_cfg("test_subset_names", list(DREAM_SUBSETS))


def dream_subset_files(directory=None):
    d = directory or study_input("dream", "test_subsets")
    return [f"{d}/{DREAM_SUBSETS[n][0]}" for n in dream_subset_names()]


def dream_public_files(directory=None):
    d = directory or study_input("dream", "public_ids")
    return [f"{d}/{DREAM_SUBSETS[n][1]}" for n in dream_subset_names()]


def dream_train_inputs(wildcards):
    inputs = {
        "train": DREAM_STORE,
        "plasmid": study_input("dream", "plasmid"),
        "subsets": dream_subset_files(),
    }
    if DREAM_HAS_LABELS:
        inputs["test_labels"] = study_input("dream", "test_labels")
    if DREAM_TRAIN_SPECS[wildcards.model].get("file"):  # a card's model code: a change retrains it
        inputs["code"] = DREAM_TRAIN_SPECS[wildcards.model]["file"]
    return inputs


def dream_score_inputs(wildcards):
    """What the official score of one model reads (rule dream_model_score)."""
    return {
        "predictions": f"results/dream/predictions/{wildcards.model}.tsv",
        "holdout": f"results/dream/holdout/{wildcards.model}.tsv",
        "test_labels": study_input("dream", "test_labels"),
        "subsets": dream_subset_files(),
        "public_ids": dream_public_files(),
    }


def dream_human_tables():
    return expand(
        "results/dream/followups/human/{fmodel}/{cell}_fold{fold}.tsv",
        fmodel=dream_followup_models("human"),
        cell=DREAM_FOLLOWUP.get("human_cells", []),
        fold=DREAM_FOLLOWUP.get("human_folds", []),
    )


def dream_targets():
    targets = expand("results/dream/predictions/{model}.tsv", model=DREAM_MODELS)
    targets += expand("results/dream/holdout/{model}.tsv", model=DREAM_MODELS)
    if DREAM_HAS_LABELS:
        targets += ["results/dream/scores.tsv", "results/dream/summary.tsv"]
        if dream_grid_specs():
            targets += ["results/dream/prixfixe_grid.tsv"]
    for p in DREAM_PANEL_DECLS:
        targets += figure_outputs("dream", p.name)
    return targets


def dream_followup_tables(wildcards):
    """Per-model tables of one follow-up (wildcard followup: drosophila or human)."""
    if wildcards.followup == "drosophila":
        return expand(
            "results/dream/followups/drosophila/{fmodel}.tsv",
            fmodel=dream_followup_models("drosophila"),
        )
    return dream_human_tables()


DREAM_PANEL_DECLS = (
    dream_panel_declarations(
        DREAM_NAMED,
        has_labels=DREAM_HAS_LABELS,
        prixfixe=bool(dream_grid_specs()),
        drosophila=DREAM_FOLLOWUP_ON
        and DREAM_FOLLOWUP.get("drosophila", True)
        and bool(dream_followup_models("drosophila")),
        human=DREAM_FOLLOWUP_ON
        and bool(DREAM_FOLLOWUP.get("human_cells"))
        and bool(dream_followup_models("human")),
    )
    if study_enabled("dream")
    else []
)
register_panels(DREAM_PANEL_DECLS)
register_study_targets("dream", dream_targets)


def dream_drosophila_input(wildcards):
    return study_input("dream", "drosophila")


def dream_human_input(wildcards):
    return study_input("dream", "human")


# --- resource requests from input size (issue 15) -------------------------------------------
#
# Every DREAM step streams its data (regbench/studies/dream/store.py, recipes.RecipeData), so
# memory is a constant per step (chunk or batch + model) plus a small per-row term; runtime is
# rows x time per row (encoding) or optimizer steps x time per step (training). Rows are
# estimated from the input's bytes: the training table has BYTES_PER_ROW bytes per line
# (measured on the real 6,370-row demo_train.txt of the de Boer repository: 760,902 B / 6,370 =
# 119.5 B) and the encoded store W + 4 + 8 bytes per row (codes, length, y; W = 142 at paper
# scale). Measured constants (this machine, 2 CPU cores; python benchmarks/memory_dream.py and
# the benchmark files of the demo / rehearsal runs):
#   encode: peak RSS 227 MB at 500,000 and at 2,000,000 rows (chunks of 20,000; ratio 0.996), so
#           ~400 MB + chunk_rows x 1.2 kB allows chunks of 200,000 with head-room; time below
#   train:  peak RSS set by the model and batch: a shrunken DREAM-CNN run grew 16 MB from 100,000
#           to 400,000 rows (53 B per row: the shuffled index of the trainer and the split), so
#           DREAM_TRAIN_BYTES_PER_ROW = 60
DREAM_BYTES_PER_ROW = 119.5
DREAM_STORE_BYTES_PER_ROW = 142 + 4 + 8
DREAM_ENCODE_US_PER_ROW = 2.7
DREAM_TRAIN_BYTES_PER_ROW = 60
#: host memory of a training job, by recipe (model, optimizer, a few batches, DataLoader
#: workers' copies of the batch buffers; CUDA context): a constant, not a function of N
DREAM_TRAIN_BASE_MB = {"autosome": 6000, "bhi": 6000, "unlockdna": 10000}
#: seconds per optimizer step on one GPU at the paper batch size (architecture -> s). Used only
#: for the SLURM runtime request; a job past its request is retried with twice the time.
DREAM_SECONDS_PER_STEP = {
    "legnet": 0.06,
    "dream_cnn": 0.08,
    "dream_rnn": 0.25,
    "dream_attn": 0.15,
    "dream_prixfixe": 0.25,
    "bhi_deepgxp": 0.12,
    "unlock_conformer": 0.40,
}
#: training FLOPs per sample (forward + backward) of the named paper architectures at their
#: config/paper.yaml size and recipe input (GFLOP), counted with
#: torch.utils.flop_counter.FlopCounterMode on a batch of 2 (LSTM layers are not counted, so
#: dream_rnn and bhi_deepgxp are lower bounds). A step of batch B costs B x this.
DREAM_TRAIN_GFLOP_PER_SAMPLE = {
    "dream_cnn": 3.23,
    "dream_rnn": 2.23,
    "dream_attn": 5.21,
    "legnet": 3.06,
    "bhi_deepgxp": 1.65,
    "unlock_conformer": 73.0,
}
#: peak IEEE-FP32 throughput (no tensor cores; TF32 is off at precision fp32,
#: regbench.predict.device.fp32_math) of the fastest GPU a paper run would get: H100 / H200 SXM,
#: 67 TFLOP/s (NVIDIA datasheets). No fp32 step can be faster than FLOPs / this; at 0.40 s per
#: step the 47 M-parameter Conformer (37.4 TFLOP per step of 512) would need 93 TFLOP/s.
DREAM_GPU_FP32_TFLOPS = 67.0


def path_size_mb(path):
    """Size in MB of a file, or of every file under a directory; 0 when it does not exist yet."""
    p = Path(path)
    if p.is_file():
        return p.stat().st_size / 1e6
    if p.is_dir():
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6
    return 0.0


#: rows of the real training table (Rafi et al. 2024): the estimate while the input does not
#: exist yet (a dry run; Snakemake evaluates resources again before it submits the job)
DREAM_PAPER_TRAIN_ROWS = 6_739_258


def dream_train_rows(path):
    """Rows of the training table at ``path``: the encoded store (directory) or the text table,
    from its size; the paper's row count when it is not there yet."""
    mb = path_size_mb(path)
    if mb == 0:
        return DREAM_PAPER_TRAIN_ROWS
    per_row = DREAM_STORE_BYTES_PER_ROW if Path(path).is_dir() else DREAM_BYTES_PER_ROW
    return int(mb * 1e6 / per_row)


def dream_encode_mem_mb(wildcards, input, attempt):
    """Streaming: a constant set by the chunk (x 1.5 head-room), doubled on retry."""
    chunk = int(dream_cfg("encode_chunk_rows", 200_000))
    return int((400 + chunk * 1.2e-3) * 1.5) * attempt


def dream_encode_runtime(wildcards, input, attempt):
    """Two passes over the rows x measured time per row x 3 head-room, at least 10 minutes."""
    rows = dream_train_rows(input[0])
    return max(10, math.ceil(2 * rows * DREAM_ENCODE_US_PER_ROW / 60e6 * 3)) * attempt


def dream_train_steps(spec, rows):
    """Optimizer steps of one yeast training run: epochs x min(steps_per_epoch, items / batch)."""
    t = spec.get("train", {})
    holdout = float(spec.get("holdout_fraction", dream_cfg("holdout_fraction", 0.1)))
    items = (
        rows
        * (1 - holdout)
        * (
            2
            if spec.get("recipe") == "autosome" and spec.get("recipe_kw", {}).get("use_rc", True)
            else 1
        )
    )
    per_epoch = math.ceil(items / int(t.get("batch_size", 64)))
    if t.get("steps_per_epoch"):
        per_epoch = min(per_epoch, int(t["steps_per_epoch"]))
    return int(t.get("max_epochs", 10)) * per_epoch


def dream_train_mem_mb(wildcards, input, attempt):
    """Recipe constant (model, batches, workers) + DREAM_TRAIN_BYTES_PER_ROW per training row."""
    spec = DREAM_TRAIN_SPECS[wildcards.model]
    rows = dream_train_rows(input.train)
    return (
        int(
            DREAM_TRAIN_BASE_MB.get(spec.get("recipe"), 6000)
            + DREAM_TRAIN_BYTES_PER_ROW * rows / 1e6
        )
        * attempt
    )


def dream_seconds_per_step(spec):
    """GPU seconds per optimizer step: DREAM_SECONDS_PER_STEP, and in fp32 training at least
    the step's FLOPs at the GPU's fp32 peak (batch x GFLOP per sample / DREAM_GPU_FP32_TFLOPS)."""
    sec = DREAM_SECONDS_PER_STEP.get(spec["arch"], 0.25)
    gflop = DREAM_TRAIN_GFLOP_PER_SAMPLE.get(spec["arch"])
    if gflop and dream_cfg("precision", {}).get("training", "fp32") == "fp32":
        batch = int(spec.get("train", {}).get("batch_size", 64))
        sec = max(sec, batch * gflop / (DREAM_GPU_FP32_TFLOPS * 1e3))
    return sec


def dream_train_runtime(wildcards, input, attempt):
    """Minutes: optimizer steps x seconds per step x 1.5 + 30 min (test predictions, checkpoints)."""
    spec = DREAM_TRAIN_SPECS[wildcards.model]
    rows = dream_train_rows(input.train)
    sec = dream_train_steps(spec, rows) * dream_seconds_per_step(spec)
    return (30 + math.ceil(sec * 1.5 / 60)) * attempt


DREAM_HUMAN_PAPER_ROWS = 226_253


def dream_followup_runtime(wildcards, input, attempt):
    """Minutes of one follow-up job (a model on Drosophila, or a model x cell x fold on human):
    rows / batch x epochs x seconds per step; rows from the input directory's size (~260 B per
    row in both follow-up tables). Before the input exists (the paper DAG's dry-run), a human job
    counts the largest cell's rows (K562_clean.tsv: 226,253, specs/dream.md §1.1; the fixed
    240-min default was short: 80 epochs x 5,657 steps -> 581 min); Drosophila's row count is
    not in the spec, so it keeps dream.followup_runtime_min."""
    task = "human" if hasattr(wildcards, "cell") else "drosophila"
    spec = dream_fspec_for(wildcards.fmodel, task)
    mb = path_size_mb(input.data)
    if mb == 0 and task == "drosophila":
        return int(dream_cfg("followup_runtime_min", 240)) * attempt
    if mb == 0:
        rows = DREAM_HUMAN_PAPER_ROWS
    else:
        rows = mb * 1e6 / 260 / (3 if task == "human" else 1)  # one cell's table of three
    t = spec["train"]
    steps = int(t.get("max_epochs", 10)) * math.ceil(rows * 0.8 / int(t.get("batch_size", 32)))
    if t.get("steps_per_epoch"):
        steps = min(steps, int(t.get("max_epochs", 10)) * int(t["steps_per_epoch"]))
    return (15 + math.ceil(steps * 0.05 * 1.5 / 60)) * attempt
