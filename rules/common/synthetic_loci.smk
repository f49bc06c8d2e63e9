"""Input functions and target lists of the synthetic_loci study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""

from regbench.studies.synthetic_loci.panels import METRIC_TABLES as SL_METRIC_TABLES
from regbench.studies.synthetic_loci.panels import SL_DIR
from regbench.studies.synthetic_loci.panels import panels as sl_panel_declarations
from regbench.studies.synthetic_loci.panels import retained_tables as sl_retained_tables
from regbench.studies.synthetic_loci.models import PAPER_MODEL as SL_PAPER_MODEL
from regbench.studies.synthetic_loci.models import enformer_card


def sl_cfg():
    return config["synthetic_loci"]


# --- resources (issue 15) ------------------------------------------------------------------------
# Every step streams what grows with the data (payloads, windows, regions, CAGE windows): peak memory
# is set by the model and one chunk, so
#     mem_mb  = SL_MEM_MB[step] + SL_MEM_PER_WEIGHT_MB * (MB of Enformer weights among the inputs)
#     runtime = SL_RUNTIME_MIN[step] + units(step) * SL_SEC_PER_UNIT[step] / 60     [minutes]
# with units = 25.6-kb (window-bp) forward passes of the step (payload windows x shifts, training
# samples, regions x shifts x 2 models) or, for the CPU steps, payloads / CAGE windows x tracks.
# Constants: SL_MEM_MB = RSS of the step's Python process without the model (interpreter, torch,
# pandas, one chunk): 104-493 MB measured by benchmarks/memory_synthetic_loci.py (dataset 104 MB,
# metrics 168-187 MB, torch steps 465-493 MB, flat between n and 4n), rounded up to 1 GB (CPU
# steps) / 2 GB (GPU steps: CUDA's host-side context); SL_MEM_PER_WEIGHT_MB = 4: the state dict and
# the module both in memory while loading, plus the optimizer's two Adam moments when the trunk
# trains (full Enformer: 1.0 GB of weights -> 4 GB; on a CPU it also holds the activations: 4.1 GB
# peak at batch 1 x 196 kb, specs/environment.md). GPU seconds per unit are estimates (no GPU
# here): a full Enformer forward at 25.6 kb is ~0.43 TFLOP (3.29 TFLOP at 196 kb, convolutions
# linear in length), 0.05 s at 8 TFLOPS sustained fp32; 0.1 s per window is used, x3 for a training
# sample (forward + backward). CPU: measured on this 2-core machine (load ~13) 0.007 s per 40-kb
# payload (dataset) and 0.5 ms per 25.6-kb window and track (CAGE dataset); the constants below
# are 7x and 10x those (bigger real bigWigs, busy nodes).
SL_MEM_PER_WEIGHT_MB = 4
# Until a job's inputs exist (a dry-run of the paper DAG), the official weights (pytorch_model.bin,
# 1.0 GB) and the 83 payloads of Brosh et al. 2023 (preprint abstract) stand in for them.
SL_DEFAULT_WEIGHTS_MB = 1000
SL_DEFAULT_PAYLOADS = 83
SL_MEM_MB = {
    "dataset": 1000,
    "predict": 2000,
    "finetune": 2000,
    "retained": 2000,
    "cage_dataset": 1000,
    "cage_train": 2000,
}
SL_RUNTIME_MIN = {
    "dataset": 10,
    "predict": 15,
    "finetune": 15,
    "retained": 15,
    "cage_dataset": 15,
    "cage_train": 15,
}
SL_SEC_PER_UNIT = {
    "dataset": 0.05,
    "predict": 0.1,
    "finetune": 0.3,
    "retained": 0.1,
    "cage_dataset": 0.005,
    "cage_train": 0.15,
}


def _sl_lines(path):
    """Data rows of a small TSV/BED (header excluded for TSV), 0 if the file does not exist yet."""
    try:
        with open(path) as fh:
            n = sum(
                1 for line in fh if line.strip() and not line.startswith(("#", "track", "browser"))
            )
    except (FileNotFoundError, TypeError):
        return 0
    return n - 1 if str(path).endswith(".tsv") else n


def _sl_weights_mb(input):
    """MB of the Enformer weights among a job's inputs (a directory input counts its files); before
    they are downloaded (a dry-run), SL_DEFAULT_WEIGHTS_MB (the official weights)."""
    w = str(config["enformer"]["weights"])
    mb, seen = 0.0, False
    for f in input:
        f = str(f)
        if not f.startswith(w):
            continue
        seen = True
        if os.path.isdir(f):
            mb += (
                sum(
                    os.path.getsize(os.path.join(f, x))
                    for x in os.listdir(f)
                    if os.path.isfile(os.path.join(f, x))
                )
                / 2**20
            )
        elif os.path.isfile(f):
            mb += os.path.getsize(f) / 2**20
    return mb if mb > 0 or not seen else SL_DEFAULT_WEIGHTS_MB


def _sl_payloads(input):
    """Payloads of the study: rows of payloads.tsv once it exists, else SL_DEFAULT_PAYLOADS."""
    n = _sl_lines(getattr(input, "payloads", None))
    return n if n > 0 else SL_DEFAULT_PAYLOADS


def _sl_units(step, input):
    """Work units of one job of ``step`` (see the comment above)."""
    c = sl_cfg()
    shifts = int(c.get("shifts", 11))
    if step == "dataset":
        return _sl_lines(getattr(input, "table_s4", None)) or SL_DEFAULT_PAYLOADS
    if step == "predict":
        return _sl_payloads(input) * int(c["windows"]["predict"]["n_windows"]) * shifts
    if step == "finetune":
        t = c["train"]
        valid = _sl_payloads(input) * int(
            c["windows"].get("validation", {"n_windows": 0})["n_windows"]
        )
        return t["max_epochs"] * (t["steps_per_epoch"] * t["batch_size"] + valid / 3)
    if step == "retained":
        n = int(c.get("retained", {}).get("max_regions", 2000))
        rows = _sl_lines(getattr(input, "regions", None))
        return (min(n, rows) if rows else n) * shifts * 2
    cage = c.get("cage", {})
    if step == "cage_dataset":
        return int(cage.get("size", 0)) * int(cage.get("batches", 0)) * len(cage.get("tracks", {}))
    if step == "cage_train":
        t = cage.get("train", {})
        return (
            t.get("max_epochs", 20)
            * t.get("steps_per_epoch", 400)
            * t.get("batch_size", 4)
            * (1 + 2 / 3)
        )
    raise ValueError(step)


def sl_mem_mb(step):
    return input_sized(SL_MEM_MB[step], SL_MEM_PER_WEIGHT_MB, units=_sl_weights_mb)


def sl_runtime(step):
    return input_sized(
        SL_RUNTIME_MIN[step],
        SL_SEC_PER_UNIT[step] / 60,
        units=lambda input: _sl_units(step, input),
        grow="linear",
    )


def sl_heads():
    """Head configurations that run: ``heads``, restricted to ``head_members`` when it is set (the
    rehearsal's grid subset; regbench.rehearsal.overlay grid synthetic_loci.models)."""
    heads = sl_cfg()["heads"]
    members = sl_cfg().get("head_members")
    if members is None:
        return dict(heads)
    unknown = [m for m in members if m not in heads]
    if unknown:
        raise WorkflowError(
            f"config synthetic_loci.head_members: {unknown} not in synthetic_loci.heads {sorted(heads)}"
        )
    return {h: heads[h] for h in members}


def synthetic_loci_splits(head):
    """Splits of one head configuration: the authors' protocol, plus k folds for cv_heads."""
    cfg = sl_cfg()
    folds = [f"fold{k}" for k in range(cfg.get("n_folds", 4))]
    return ["authors"] + (folds if head in cfg.get("cv_heads", []) else [])


def synthetic_loci_models():
    """(head, split) of every fine-tuned model."""
    return [(h, s) for h in sl_heads() for s in synthetic_loci_splits(h)]


def synthetic_loci_prediction_tables(wildcards=None):
    """Per-window prediction tables of every fine-tuned model."""
    return [f"{SL_DIR}/predictions/{h}/{s}/windows.tsv" for h, s in synthetic_loci_models()]


def synthetic_loci_peak_tables(wildcards=None):
    return [f"{SL_DIR}/predictions/{h}/{s}/peaks.tsv" for h, s in synthetic_loci_models()]


# --- the model axis: pretrained readouts (the paper's Enformer and any qualified model card) -----


def sl_user_cards():
    """Model cards (config ``models:``) qualified for synthetic_loci (LB_CARDS / LB_QUAL of
    rules/common/leaderboard.smk, included after this file: read at call time)."""
    return {n: c for n, c in LB_CARDS.items() if LB_QUAL[n]["synthetic_loci"][0]}


def sl_model_cards():
    """Every pretrained readout the study predicts and scores: model name -> card."""
    users = sl_user_cards()
    if SL_PAPER_MODEL in users:
        raise WorkflowError(
            f"config models.{SL_PAPER_MODEL}: the name is the synthetic_loci study's built-in card "
            "(the paper's Enformer); give the card another name"
        )
    paper = enformer_card(ENFORMER, config["enformer"]["targets_mouse"], name=SL_PAPER_MODEL)
    return {SL_PAPER_MODEL: paper, **users}


def synthetic_loci_card(wildcards):
    return sl_model_cards()[wildcards.model]


def synthetic_loci_model_regex():
    return "|".join(re.escape(m) for m in sl_model_cards())


def synthetic_loci_model_inputs(wildcards):
    """What the model card reads: the Enformer weights and targets table (paper card), or the
    card's model file, checkpoint and declared inputs (a user card: a change re-scores it)."""
    if wildcards.model == SL_PAPER_MODEL:
        return {
            "enformer": synthetic_loci_enformer_inputs(),
            "targets": config["enformer"]["targets_mouse"],
        }
    card = sl_model_cards()[wildcards.model]
    files = [card.get("file"), card.get("checkpoint"), *card.get("inputs", [])]
    return {"code": [p for p in files if p]}


def sl_primary_track():
    """Key of the study's primary readout track (the first of ``synthetic_loci.tracks``)."""
    return next(iter(sl_cfg()["tracks"]))


def synthetic_loci_retained_tables(wildcards=None):
    return list(sl_retained_tables(sl_heads()))


def synthetic_loci_enformer_inputs(wildcards=None):
    """The base Enformer: a save_pretrained directory (demo: made by rules/shared.smk; paper: the
    downloaded config.json + pytorch_model.bin)."""
    w = config["enformer"]["weights"]
    if config.get("demo", False):
        return [w]
    return [f"{w}/config.json", f"{w}/pytorch_model.bin"]


def synthetic_loci_head(wildcards):
    h = dict(sl_cfg()["heads"][wildcards.head])
    h.setdefault("dropout", 0.1)
    return h


def synthetic_loci_accessibility_input(wildcards=None):
    a = sl_cfg()["inputs"].get("accessibility", "")
    return [a] if a and sl_present(a) else []


def sl_present(path):
    """``path`` as a rule input, or None for a user file (config synthetic_loci.user_files) that is
    not there: it is left out of the DAG and rule synthetic_loci_inputs reports it, with how to
    obtain it, together with every other input problem (no rule can make a user file)."""
    if path in sl_cfg().get("user_files", {}) and not os.path.exists(path):
        return None
    return path


def synthetic_loci_user_inputs(wildcards=None):
    """The payload inputs of the study (Table S4, payload FASTA, DHS BED) that are present."""
    inp = sl_cfg()["inputs"]
    return {k: inp[k] for k in ("table_s4", "payload_fasta", "dhs_bed") if sl_present(inp[k])}


def synthetic_loci_contract_inputs(wildcards=None):
    """Every input checked by synthetic_loci_inputs (regbench.studies.synthetic_loci.contract); present user
    files, downloads, the genome and, when the CAGE head is enabled, its tracks."""
    inp = sl_cfg()["inputs"]
    out = synthetic_loci_user_inputs()
    out.update({k: inp[k] for k in ("retained_regions", "genome")})
    out["fai"] = inp["genome"] + ".fai"
    if inp.get("accessibility") and sl_present(inp["accessibility"]):
        out["accessibility"] = inp["accessibility"]
    out.update(synthetic_loci_cage_track_files())
    return out


def sl_cage():
    """The mESC CAGE head section (empty dict when absent or disabled)."""
    c = sl_cfg().get("cage", {})
    return c if c.get("enabled", False) else {}


def synthetic_loci_cage_track_files(wildcards=None):
    """Named inputs cage_<identifier> -> bigWig of every CAGE head track (user files only when present)."""
    return {
        f"cage_{k}": v["file"]
        for k, v in sl_cage().get("tracks", {}).items()
        if sl_present(v["file"])
    }


def synthetic_loci_cage_tables(wildcards=None):
    """CAGE payload predictions and held-out evaluation (metrics inputs), when the head is enabled."""
    if not sl_cage():
        return []
    return [f"{SL_DIR}/cage/predictions/windows.tsv", f"{SL_DIR}/cage/heldout.tsv"]


def synthetic_loci_ctss_tracks():
    """CAGE tracks given as FANTOM5 CTSS (converted to bigWig by rule synthetic_loci_ctss_bigwig)."""
    return {k: v for k, v in sl_cage().get("tracks", {}).items() if v.get("ctss")}


def synthetic_loci_ctss_input(wildcards):
    return synthetic_loci_ctss_tracks()[wildcards.track]["ctss"]


def synthetic_loci_ctss_regex():
    t = synthetic_loci_ctss_tracks()
    return "|".join(re.escape(k) for k in t) if t else "(?!x)x"


def synthetic_loci_encode_regex():
    e = sl_cfg().get("encode", {})
    return "|".join(re.escape(k) for k in e) if e else "(?!x)x"


def synthetic_loci_encode_params(wildcards):
    """ENCODE resolver params of one mESC DNase experiment (config synthetic_loci.encode)."""
    spec = dict(sl_cfg()["encode"][wildcards.experiment])
    spec.setdefault("experiment", wildcards.experiment)
    spec.setdefault("label", f"synthetic_loci {wildcards.experiment}")
    return spec


def synthetic_loci_observed_files(wildcards=None):
    """Observed bigWigs of the retained-performance check (config synthetic_loci.retained.observed)."""
    return list(sl_cfg().get("retained", {}).get("observed", {}).values())


def synthetic_loci_heads_regex():
    return "|".join(re.escape(h) for h in sl_heads())


def synthetic_loci_targets():
    """Final targets of the study (figures and tables) that `all_synthetic_loci` and `all` build."""
    out = [
        f"{SL_DIR}/metrics/activity_correlation.tsv",
        f"{SL_DIR}/metrics/retained_summary.tsv",
        f"{SL_DIR}/inputs/contract.tsv",
    ]
    if "synthetic_loci/zenodo_13363228.json" in DOWNLOADS:
        out.append(f"{SL_DIR}/inputs/zenodo_13363228_files.tsv")
    out += [f"{SL_DIR}/tracks/baseline", f"{SL_DIR}/tracks/finetuned"]
    for p in SL_PANEL_DECLS:
        out += figure_outputs("synthetic_loci", p.name)
    return out


SL_PANEL_DECLS = (
    sl_panel_declarations(sl_cfg(), sl_heads()) if study_enabled("synthetic_loci") else []
)
register_panels(SL_PANEL_DECLS)
register_study_targets("synthetic_loci", synthetic_loci_targets)
