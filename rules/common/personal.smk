"""Input functions, resource functions and target lists of the personal study (functions only:
`snakemake --lint` forbids mixing functions and rules in one file).

Genes are spread over chunks whose number is fixed at parse time from config (personal set:
ceil(genes.n_genes / chunk_size); reference set: ceil(genes.n_reference / chunk_size)), so a
dry-run lists every GPU job without reading any data (regbench.studies.personal.genes)."""

import math
import os

from regbench.studies.personal.plan import n_chunks as pers_count_chunks
from regbench.studies.personal.plan import phasing_command as pers_phasing_command
from regbench.studies.personal.plan import plink_qc_args as pers_plink_qc_args
from regbench.studies.personal.panels import panels as pers_panel_declarations
from regbench.studies.personal.models import PERS_RES
from regbench.studies.personal.models import PAPER_DIR as PERS_PAPER
from regbench.studies.personal.models import PAPER_MODEL as PERS_PAPER_MODEL
from regbench.studies.personal.models import enformer_card as pers_enformer_card
from regbench.studies.personal.models import model_dir as pers_model_dir

PERS = config["personal"]
# one model's folder as a path pattern of the rules: results/personal/models/{model}
PERS_MODEL = pers_model_dir("{model}")
PERS_ROSMAP = "resources/personal/rosmap"

PERS_CHUNKS = [f"{i:04d}" for i in range(pers_count_chunks(PERS))]
PERS_REF_CHUNKS = [f"{i:04d}" for i in range(pers_count_chunks(PERS, "reference"))]


def pers_chunk_files(pattern, chunks=None):
    return [pattern.format(chunk=c) for c in (PERS_CHUNKS if chunks is None else chunks)]


def pers_enformer_inputs(wildcards=None):
    """The Enformer: a save_pretrained directory built by the workflow (demo, rules/shared.smk), the
    downloaded config.json + pytorch_model.bin (paper), or nothing for a hub name."""
    w = str(config["enformer"]["weights"])
    if w.startswith("results/"):
        return [w]
    if len(Path(w).parts) == 2 and not w.startswith(("resources", "results", ".")):
        return []  # a Hugging Face hub name such as EleutherAI/enformer-official-rough
    return [f"{w}/config.json", f"{w}/pytorch_model.bin"]


def pers_vcf(wildcards=None):
    return {"vcf": PERS["inputs"]["vcf"], "tbi": PERS["inputs"]["vcf"] + ".tbi"}


def pers_genes_inputs(wildcards=None):
    inputs = {"gtf": PERS["inputs"]["gtf"], "expression": PERS["inputs"]["expression"]}
    if PERS["inputs"].get("enformer_regions"):
        inputs["regions"] = PERS["inputs"]["enformer_regions"]
    return inputs


def pers_heads():
    """Elastic-net heads built (elastic_net.heads; the first one is the predictions' ``finetuned``)."""
    return list(PERS.get("elastic_net", {}).get("heads", ["sklearn"]))


def pers_head_weights():
    return {h: f"{PERS_RES}/elastic_net/weights_{h}.csv" for h in pers_heads()}


def pers_elastic_net_inputs(wildcards):
    inputs = {
        "genes": f"{PERS_RES}/reference_genes.tsv",
        "expression": PERS["inputs"]["expression"],
        "reference": pers_chunk_files(f"{PERS_RES}/reference/chunk{{chunk}}.npz", PERS_REF_CHUNKS),
        "targets": config["enformer"]["targets_human"],
    }
    if "published" in pers_heads():
        inputs["published"] = PERS["published_weights"]
    if "sklearn" in pers_heads():
        inputs["population_mean"] = study_input("personal", "population_mean")
    return inputs


# --- the model axis: the paper's Enformer and any model card qualified for personal -------------


def pers_user_cards():
    """Model cards (config ``models:``) qualified for personal (LB_CARDS / LB_QUAL of
    rules/common/leaderboard.smk, included after this file: read at call time)."""
    return {n: c for n, c in LB_CARDS.items() if LB_QUAL[n]["personal"][0]}


def pers_model_cards():
    """Every model the study's personal_predict / _gene_stats / _ism / _drivers run: name -> card."""
    users = pers_user_cards()
    if PERS_PAPER_MODEL in users:
        raise WorkflowError(
            f"config models.{PERS_PAPER_MODEL}: the name is the personal study's built-in card "
            "(the paper's Enformer); give the card another name"
        )
    paper = pers_enformer_card(ENFORMER, config["enformer"]["targets_human"])
    return {PERS_PAPER_MODEL: paper, **users}


def pers_model_regex():
    return "|".join(re.escape(m) for m in pers_model_cards())


def pers_card(wildcards):
    return pers_model_cards()[wildcards.model]


def pers_model_inputs(wildcards):
    """What the model card reads: the Enformer weights and targets table (paper card), or the
    card's model file, checkpoint and declared inputs (a user card: a change re-scores it)."""
    if wildcards.model == PERS_PAPER_MODEL:
        return {"model": pers_enformer_inputs(), "targets": config["enformer"]["targets_human"]}
    return {"code": lb_card_files(wildcards.model)}


def pers_model_heads(wildcards):
    """Elastic-net heads of the model's predictions: the paper card's (name -> weights CSV), none
    for a user card."""
    return pers_head_weights() if wildcards.model == PERS_PAPER_MODEL else {}


def pers_predict_inputs(wildcards):
    return {**pers_model_inputs(wildcards), "weights": list(pers_model_heads(wildcards).values())}


def personal_targets():
    """Final targets of the study (figures and tables) that `all_personal` and `all` build."""
    targets = []
    for p in PERS_PANEL_DECLS:
        targets += figure_outputs("personal", p.name)
    targets += [
        f"{PERS_PAPER}/summary/significance.tsv",
        f"{PERS_PAPER}/summary/predixcan.tsv",
        f"{PERS_PAPER}/summary/drivers.tsv",
    ]
    return targets


PERS_PANEL_DECLS = (
    pers_panel_declarations(
        PERS,
        pers_chunk_files(f"{PERS_PAPER}/ism/chunk{{chunk}}.npz"),
        pers_chunk_files(f"{PERS_RES}/driver_ism/chunk{{chunk}}.npz"),
    )
    if study_enabled("personal")
    else []
)
register_panels(PERS_PANEL_DECLS)
register_study_targets("personal", personal_targets)


# --- ROSMAP preprocessing (config personal.rosmap; paper configuration) ------------------------

PERS_ROS = PERS.get("rosmap") or {}


def pers_rosmap_chroms():
    return [str(c) for c in PERS_ROS.get("wgs", {}).get("chromosomes", [])]


def pers_rosmap_wgs_spec(wildcards):
    """Download spec of one chromosome's GRCh37 joint VCF: the file of that name inside the WGS
    Synapse folder (synapse://<folder>/<name>, regbench.data.synapse.resolve_path)."""
    w = PERS_ROS["wgs"]
    return {"url": f"synapse://{w['folder']}/{w['file'].format(chrom=wildcards.chrom)}"}


def pers_rosmap_covariate_files(wildcards=None):
    return {c["name"]: c["file"] for c in PERS_ROS.get("rnaseq", {}).get("covariates", [])}


def pers_phasing_inputs(wildcards):
    inputs = {
        "vcf": f"{PERS_ROSMAP}/qc/chr{wildcards.chrom}.vcf.gz",
        "tbi": f"{PERS_ROSMAP}/qc/chr{wildcards.chrom}.vcf.gz.tbi",
    }
    ph = PERS_ROS.get("phasing", {})
    if ph.get("tool", "eagle") == "eagle":
        inputs["eagle"] = f"{PERS_ROSMAP}/eagle/eagle"
        inputs["map"] = f"{PERS_ROSMAP}/eagle/genetic_map_hg38_withX.txt.gz"
    elif ph.get("genetic_map") == "eagle":
        inputs["map"] = f"{PERS_ROSMAP}/eagle/shapeit4_map_chr{wildcards.chrom}.txt"
    return inputs


# --- resources from input size (issue 15) ---------------------------------------------------------
#
# Peak RSS of the streamed CPU steps = interpreter + libraries + the observed expression of the
# study's genes + one genotype chunk decompressed (+ its prediction table):
#     mem_mb = PERS_MEM_BASE_MB + PERS_EXPR_FACTOR * size(expression TSV, MB)
#              + PERS_NPZ_FACTOR * size(largest genotype chunk NPZ, MB)
# Measured with benchmarks/memory_personal.py (chunks of 20 genes x 2,000 SNVs x 1,000 individuals,
# 40 MB int8 each, stored uncompressed): gene_stats 262 MB at 2 chunks / 294 MB at 8, drivers
# 304 / 314 MB (the pre-streaming code: 305 / 808 MB). Base (imports, tables) ~220 MB -> 600 with
# margin; pandas parses the expression TSV to ~1.5x its text size as float64; a savez_compressed
# int8 dosage chunk inflates ~8x, held once plus float64 copies of one gene's slice -> 10x.
# The retry doubles it (attempt).

PERS_MEM_BASE_MB = 600
PERS_EXPR_FACTOR = 1.5
PERS_NPZ_FACTOR = 10.0


def _size_mb(path):
    try:
        return os.path.getsize(path) / 1e6
    except OSError:
        return 0.0


def pers_stream_mem_mb(wildcards, input, attempt):
    """mem_mb of personal_gene_stats / personal_drivers (formula above)."""
    chunks = [_size_mb(p) for p in input.genotypes] or [0.0]
    mb = (
        PERS_MEM_BASE_MB
        + PERS_EXPR_FACTOR * _size_mb(input.expression)
        + PERS_NPZ_FACTOR * max(chunks)
    )
    return int(mb * attempt)


def pers_stream_runtime(wildcards, input, attempt):
    """runtime (min) of personal_gene_stats: 30 min + 10 min per GB of genotype NPZs (estimate: the
    50-draw null on ~3,000 SNVs x 1,161 individuals takes ~0.1-0.2 s per gene, 6,825 genes ~ 25 min
    at paper scale), doubled on retry."""
    total = sum(_size_mb(p) for p in input.genotypes) / 1e3
    return int((30 + 10 * total) * attempt)


def pers_drivers_runtime(wildcards, input, attempt):
    """runtime (min) of personal_drivers: 120 min + 10 min per GB of genotype NPZs (estimate: backward
    selection costs ~n_ind x n_snv per step, tens of steps per gene, ~20 s for a 3,000-SNV gene of
    1,161 individuals, 256 XAI genes ~ 90 min), doubled on retry."""
    total = sum(_size_mb(p) for p in input.genotypes) / 1e3
    return int((120 + 10 * total) * attempt)


# personal_elastic_net runtime: the fit's coordinate descent costs ~ n_genes x n_features per pass,
# i.e. grows with the reference-feature input. Measured in the 4-study CI rehearsal (2026-12-03,
# loaded 2-core machine): 7.52 s wall for 1.754 MB of job input -> at most 4.3 s per MB (the
# start-up included: an upper bound). x 2 head-room: runtime = 15 + 8.6 s per MB of reference
# features (the chunk NPZs; the other inputs are small tables);
# before the input exists (the paper DAG's dry-run): the paper's reference features, 13,397 genes
# x 5,313 tracks x 3 readouts float32 = 854 MB (regbench.rehearsal.paper_scale) -> 138 min.
PERS_ENET_S_PER_MB = 4.3 * 2
PERS_ENET_PAPER_MB = 13397 * 5313 * 3 * 4 / 1e6


def pers_elastic_net_runtime(wildcards, input, attempt):
    """runtime (min) of personal_elastic_net (formula above), multiplied by the attempt."""
    mb = sum(_size_mb(p) for p in input.reference) or PERS_ENET_PAPER_MB
    return int(15 + math.ceil(PERS_ENET_S_PER_MB * mb / 60)) * attempt


# personal_plink_qc runtime: PLINK 1.9 parses the lifted joint VCF and writes the QC'd GT-only
# VCF. Measured (benchmarks/cost_per_unit.py, the rule's command, 2026-12-02): 1.09 / 4.28 CPU s
# on generated GT-only VCFs of 1,000 samples x 5,000 / 20,000 records (1.6 / 6.5 MB bgzip):
# 0.66 s per MB of bgzip input; peak RSS 287 MB at both sizes (PLINK's workspace, --memory =
# mem_mb, bounds it). Per compressed MB, x 2 head-room: runtime = 30 + 0.022 min per MB of input
# VCF; before the input exists (the paper DAG's dry-run), a GRCh37 chromosome of the real cohort:
# 1,894 samples x 3.9 M records x ~35 B per sample field / 10 (bgzip) = 25.9 GB (estimate, as
# regbench.rehearsal.paper_scale.ROSMAP_B37_CHR_MB) -> 600 min.
PERS_PLINK_MIN_PER_MB = 0.66 * 2 / 60
PERS_B37_CHR_MB = 1894 * 3.9e6 * 35 / 10 / 1e6


def pers_plink_qc_runtime(wildcards, input, attempt):
    """runtime (min) of personal_plink_qc (formula above), multiplied by the attempt."""
    mb = _size_mb(input.vcf) or PERS_B37_CHR_MB
    return int(30 + PERS_PLINK_MIN_PER_MB * mb) * attempt


# personal_liftover: Picard LiftoverVcf decodes every genotype and sorts its output in RAM up to
# MAX_RECORDS_IN_RAM records before spilling. Measured (2026-12-02, the rule's Picard 2.27.5
# command on the rehearsal's chr1 VCF repeated to 2,104 / 8,404 records x 120 samples): 4.74 /
# 8.22 CPU s -> 4.6 us per genotype; peak RSS 134 / 216 MB -> ~108 B of heap per genotype held.
# At paper scale (1,894 samples) Picard's default 500,000 records in RAM would need ~100 GB of
# heap; PERS_LIFTOVER_RECORDS_IN_RAM caps it (passed as MAX_RECORDS_IN_RAM): 20,000 x 1,894 x
# 108 B = 4.1 GB, half the smallest heap (0.8 x 16 GB). Runtime: genotypes x (4.6 us Picard + 0.2 us bcftools rename,
# measured with benchmarks/cost_per_unit.py's bcftools) x 1.5 + 60 min; genotypes = input MB x
# 1e6 / 3.5 (GT:AD:DP:GQ:PL ~35 B per sample field, bgzip ~10x); before the input exists, a GRCh37
# chromosome of the real cohort, 1,894 x 3.9 M = 7.4e9 genotypes -> 947 min.
PERS_LIFTOVER_RECORDS_IN_RAM = 20_000
PERS_LIFTOVER_S_PER_GT = 4.6e-6 + 0.2e-6
PERS_B37_CHR_GENOTYPES = 1894 * 3.9e6


def pers_liftover_runtime(wildcards, input, attempt):
    """runtime (min) of personal_liftover (formula above), multiplied by the attempt."""
    mb = _size_mb(input.vcf)
    gts = mb * 1e6 / 3.5 if mb else PERS_B37_CHR_GENOTYPES
    return int(60 + gts * PERS_LIFTOVER_S_PER_GT * 1.5 / 60) * attempt
