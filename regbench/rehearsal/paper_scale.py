"""Paper-scale input sizes per rule, and the model projecting rehearsal measurements onto them.

``results/rehearsal/resources.tsv`` (written by :mod:`regbench.rehearsal.driver`) has one row per
rule of the rehearsal that has a benchmark file. For a rule, the rehearsal measures (from the
rule's ``benchmark:`` files) the largest ``max_rss`` (MB) and wall time ``s`` over its jobs, and
its largest job input ``x`` (MB): the sum of a job's input files (folders: every file below), or
of its outputs when the rule has no inputs (downloads). ``P`` is the largest job input of the
rule at paper scale.

The model (:func:`project`), per rule, from :data:`PAPER_SCALE` (``P`` in MB, with its source):

* memory ``constant`` (streamed steps: memory set by the batch/chunk, not by N):
  ``mem_paper = max_rss``;
* memory ``linear`` (the step holds its input): ``mem_paper = B + (max_rss - B) * P / x``, where
  ``B`` = the smallest ``max_rss`` measured in the same rehearsal (the interpreter and imports,
  which do not grow with the data);
* memory ``arrays`` (the step holds arrays whose paper-scale size is known from the data's
  dimensions, while the rehearsal's tiny input leaves the RSS to the imports, so that a linear
  scaling would multiply import noise): ``mem_paper = max_rss + arrays_mb``, with
  ``arrays_mb`` the arithmetic on the paper arrays (dimensions x bytes x copies) in the row;
* time (CPU rules) ``linear``: ``time_paper = T + (s - T) * P / x``, ``constant``:
  ``time_paper = s``, where ``T`` = the shortest wall time measured in the same rehearsal (starting
  the interpreter and its imports: a fixed cost, not scaled by the data);
* time ``gpu`` (GPU rules, :class:`GpuTime`): a forecast from the work, not from the rehearsal's
  CPU seconds of a shrunken model:
  ``time_paper = startup_s + items * passes * flop_per_item / throughput``, with ``items`` the
  paper-scale count of model inputs one job runs (windows x shifts, training samples, ...),
  ``passes`` 1 for inference and 3 for training (forward + backward ~ 2 forwards),
  ``flop_per_item`` the paper model's FLOP per input (:func:`enformer_flop`) and ``throughput``
  the sustained FLOP/s of the paper's GPU at the study's precision (:data:`GPU_SUSTAINED`).
  ``startup_s`` is the fixed part (CUDA context, loading weights, reading genome indexes). Every
  constant carries its source; none is measured on a GPU here (the rehearsal machines have
  none), so they are estimates from published peaks and the spec's measured FLOP counts.

Rules without a row (or ``P`` unknown) get no projection (``NA``) and ``over_request`` ``NA``:
the table then says which rows a study owner still has to fill. ``over_request`` is true when a
projection exceeds the ``mem_mb`` or ``runtime`` (minutes) the paper configuration requests
(read from a dry-run of the paper DAG with the SLURM profile, per rule the largest over its
jobs). In that dry-run no input exists yet, so a resource function of input size must return
its paper-scale request when its input is absent (as ``rules/common/dream.smk`` does with the
paper's row count), not its minimum.

Figure panels (one job each) get their rows from the tables each panel declares
(``regbench.studies.<study>.panels``): paper rows x text bytes per row gives ``P``, paper rows x
bytes held per row (pandas ``memory_usage(deep=True)`` on the rehearsal's tables, or a panel's
measured RSS growth) gives ``arrays_mb`` (:data:`PERS_PANEL_TABLES`, :data:`DREAM_PANEL_TABLES`).

Adding a row: ``PaperScale(paper_mb, mem, time, source)`` under the rule name; the source says
where the number comes from (a file listing, a paper, ``config/paper.yaml``), so that it can be
checked. ``mem="constant"`` is a claim that the step streams: back it with the step's row in
``benchmarks/memory.py`` (peak RSS ratio <= 1.25 between N and 4N).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from regbench.studies.accessibility import experiments as acc_exp

MODELS = ("constant", "linear", "arrays")
TIME_MODELS = ("constant", "linear", "gpu", "work")

#: FLOP of one full-size Enformer forward pass on 196,608 bp (specs/environment.md, counted:
#: 3.29 TFLOP, ~77 % convolutions, ~5 % attention).
ENFORMER_TFLOP_196KB = 3.29
#: Peak dense FLOP/s of an NVIDIA H100 SXM (datasheet values as quoted in specs/environment.md):
#: fp32 (no tensor cores) 67 TFLOP/s, bf16 tensor cores 989 TFLOP/s.
H100_PEAK = {"fp32": 67e12, "bf16": 989e12}
#: Sustained fraction of peak assumed for Enformer-like convolution stacks: 30 %, the low end of
#: the 30-50 % range specs/environment.md assumes (not measured here: no GPU).
SUSTAINED_FRACTION = 0.30
#: Sustained FLOP/s per precision (H100_PEAK x SUSTAINED_FRACTION).
GPU_SUSTAINED = {k: v * SUSTAINED_FRACTION for k, v in H100_PEAK.items()}


def enformer_flop(length_bp: int) -> float:
    """FLOP of one full-size Enformer forward on ``length_bp`` (convolutions dominate and are
    linear in length; the 5 % attention share is taken as linear too, an overestimate below
    196,608 bp)."""
    return ENFORMER_TFLOP_196KB * 1e12 * length_bp / 196_608


@dataclass(frozen=True)
class GpuTime:
    """Work of one paper-scale job of a GPU rule (see the module docstring); ``source`` says where
    ``items`` and ``startup_s`` come from."""

    items: float
    flop_per_item: float
    passes: float
    precision: str
    startup_s: float
    source: str

    def __post_init__(self):
        if self.precision not in GPU_SUSTAINED:
            raise ValueError(f"GpuTime: precision {self.precision!r} not in {sorted(GPU_SUSTAINED)}")
        if not self.source.strip():
            raise ValueError("GpuTime: give the source of the item count and start-up time")

    @property
    def minutes(self) -> float:
        return (self.startup_s + self.items * self.passes * self.flop_per_item / GPU_SUSTAINED[self.precision]) / 60.0


@dataclass(frozen=True)
class WorkTime:
    """Work of one paper-scale job of a CPU rule: ``units`` x measured ``s_per_unit`` + a fixed
    ``startup_s`` (module docstring); ``source`` says where the count and the cost come from."""

    units: float
    s_per_unit: float
    startup_s: float
    source: str

    def __post_init__(self):
        if self.units < 0 or self.s_per_unit < 0 or self.startup_s < 0:
            raise ValueError("WorkTime: units, s_per_unit and startup_s must be >= 0")
        if not self.source.strip():
            raise ValueError("WorkTime: give the source of the unit count and the per-unit cost")

    @property
    def minutes(self) -> float:
        return (self.startup_s + self.units * self.s_per_unit) / 60.0


def per_unit_cost(units_a: float, seconds_a: float, units_b: float, seconds_b: float) -> float:
    """Seconds per unit from two runs of one step at two sizes (the start-up cancels):
    ``(seconds_b - seconds_a) / (units_b - units_a)``."""
    if units_b == units_a:
        raise ValueError("per_unit_cost: the two runs need different sizes")
    return (seconds_b - seconds_a) / (units_b - units_a)


@dataclass(frozen=True)
class PaperScale:
    """The input of one job of a rule at paper scale (MB) and how memory and time grow with it."""

    paper_mb: float | None
    mem: str
    time: str
    source: str
    gpu: GpuTime | None = None
    work: WorkTime | None = None
    arrays_mb: float | None = None

    def __post_init__(self):
        if self.mem not in MODELS or self.time not in TIME_MODELS:
            raise ValueError(f"PaperScale: mem must be one of {MODELS} and time one of {TIME_MODELS}, "
                             f"got {self.mem!r}/{self.time!r}")
        if (self.time == "gpu") != (self.gpu is not None):
            raise ValueError("PaperScale: time='gpu' goes with a GpuTime (gpu=...), and only then")
        if (self.mem == "arrays") != (self.arrays_mb is not None):
            raise ValueError("PaperScale: mem='arrays' goes with arrays_mb=..., and only then")
        if (self.time == "work") != (self.work is not None):
            raise ValueError("PaperScale: time='work' goes with a WorkTime (work=...), and only then")
        if not self.source.strip():
            raise ValueError("PaperScale: give the source of the paper-scale size")


#: DREAM training set: 6,739,258 sequences (config/paper.yaml note) x 119.5 bytes per line (the
#: mean line length of the 6,369 real training lines in shared/data/dream/demo_train.txt,
#: 760,902 bytes) = 805 MB.
DREAM_TRAIN_MB = 6_739_258 * 760_902 / 6_369 / 1e6
DREAM_STORE_MB = 6_739_258 * (142 + 4 + 8) / 1e6
DREAM_HUMAN_MB = 3 * 226_253 * 270 / 1e6

#: synthetic_loci: mm10 = GRCm38, 2,730,871,774 bp (UCSC chrom.sizes total incl. unplaced contigs)
#: as FASTA with 50-bp lines; the Enformer weights dominate every GPU job's input (1.0 GB,
#: config/paper.yaml note), and the model's size sets both its memory and its time per window.
MM10_FA_MB = 2_730_871_774 * 51 / 50 / 1e6
ENFORMER_MB = 1000.0
SL_GPU = ("the Enformer weights (pytorch_model.bin 1.0 GB, config/paper.yaml note) + targets + the payload/region "
          "tables (< 1 MB). Memory constant: the step streams its data and on the paper's GPU the activations are "
          "in GPU memory; host RSS = interpreter + CUDA context + the weights (state dict and module) = the request "
          "2 GB + 4 x weights MB (rules/common/synthetic_loci.smk), not the rehearsal's CPU activations scaled. Time: "
          "GpuTime (full Enformer on seq_length 26,880 bp, fp32 as synthetic_loci.precision)")
#: synthetic_loci GPU work at paper scale (config/paper.yaml synthetic_loci; 83 payloads, Brosh et
#: al. 2023, as rules/common/synthetic_loci.smk SL_DEFAULT_PAYLOADS), in forward passes of the full
#: Enformer on seq_length = 26,880 bp, the counting of rules/common/synthetic_loci.smk _sl_units:
SL_FLOP = enformer_flop(26_880)
SL_PREDICT_FORWARDS = 83 * 32 * 11  # payloads x predict n_windows x shifts = 29,216
SL_FINETUNE_FORWARDS = 10 * 100 * 4 * 3 + 10 * 83 * 48  # epochs x steps x batch x 3 (fwd+bwd) + epochs x validation windows
SL_RETAINED_FORWARDS = 2000 * 11 * 2  # retained.max_regions x shifts x (baseline + fine-tuned)
SL_CAGE_TRAIN_FORWARDS = 20 * 400 * 4 * (1 + 2 / 3)  # cage.train defaults (20 epochs x 400 steps x 4) + validation; frozen trunk: 1 pass
#: fixed part of every synthetic_loci GPU job (estimate): CUDA context and torch import ~30 s,
#: reading the 1.0 GB weights ~10 s, mm10 .fai / payload tables < 5 s; rounded up
SL_STARTUP_S = 60.0


def _sl_gpu(forwards: float, what: str) -> GpuTime:
    return GpuTime(forwards, SL_FLOP, 1.0, "fp32", SL_STARTUP_S,
                   f"{what}; full Enformer forward at 26,880 bp = {SL_FLOP / 1e12:.2f} TFLOP "
                   f"(enformer_flop); fp32 at {GPU_SUSTAINED['fp32'] / 1e12:.0f} TFLOP/s sustained (H100, 30 % of peak)")

#: ROSMAP phased WGS, 1,161 individuals x ~40 M SNV/indel records, bgzip VCF: estimate 1,161 x
#: 4 bytes per GT ("0|1\t") x 40e6 records = 186 GB text, ~12x bgzip -> 15.5 GB
ROSMAP_VCF_MB = 1161 * 4 * 40e6 / 12 / 1e6
#: one GRCh37 joint-VCF chromosome (chr2, the largest by records): 1,894 samples x ~3.9 M records x
#: ~35 bytes per sample field (GT:AD:DP:GQ:PL) = 258 GB text, ~10x bgzip -> 26 GB (estimate)
ROSMAP_B37_CHR_MB = 1894 * 3.9e6 * 35 / 10 / 1e6
#: hg38 FASTA (3.1 GB, UCSC hg38.fa unzipped) + Enformer weights (1.0 GB, config/paper.yaml note)
HG38_MB = 3100.0
#: genotype chunk NPZs of the personal study: 6,825 genes x ~3,000 SNVs in TSS +-100 kb x 1,161
#: individuals int8 = 23.8 GB (issue 15's 24 GB), savez_compressed ~8x -> 3.0 GB; predictions
#: 6,825 x 1,161 rows x ~70 bytes = 555 MB; expression 13,397 x 839 x ~9 bytes = 101 MB
PERS_GENOTYPES_MB, PERS_PREDICTIONS_MB, PERS_EXPRESSION_MB = 3000.0, 555.0, 101.0

#: CPU seconds per unit measured here with ``python benchmarks/cost_per_unit.py`` (2026-12-02,
#: two sizes each, CPU time user + sys so the shared machine's load does not inflate it; the
#: start-up cancels in the difference, :func:`per_unit_cost`):
#:   personal_gene_stats 1 / 3 chunks of 20 genes x 2,000 SNVs x 1,000 individuals: 1.85 / 5.20 s
#:     -> 0.0837 s per gene; personal_drivers 2 / 6 ISM genes: 1.57 / 3.99 s -> 0.603 s per gene;
#:   personal_concat (bcftools 1.16 concat --threads 2 -Oz, 2 chromosomes x 1,000 samples x
#:     5,000 / 20,000 records): 2.24 / 8.17 s -> 1.98e-7 s per genotype
#:   personal_plink_qc (the rule's PLINK 1.9 command, 1,000 samples x 5,000 / 20,000 records,
#:     1.6 / 6.5 MB bgzip): 1.09 / 4.28 s -> 0.66 s per MB of bgzip input, peak RSS 287 MB at both;
#:   personal_gtex_target (gtex_tissue_mean on gzip GCTs of 250 / 1,000 genes x 17,382 samples):
#:     3.16 / 6.18 s -> 2.32e-7 s per GCT cell
PERS_PLINK_S_PER_MB = 0.66
PERS_GTEX_S_PER_CELL = 2.32e-7
PERS_GENE_STATS_S_PER_GENE = 0.0837
PERS_DRIVERS_S_PER_GENE = 0.603
PERS_CONCAT_S_PER_GT = 1.98e-7
#: paper genes carry ~3,000 SNVs x 1,161 individuals, the measurement 2,000 x 1,000: the per-gene
#: work (dosage x null draws, forward/backward regressions) scales with SNVs x individuals
PERS_GENE_WORK_SCALE = 3000 * 1161 / (2000 * 1000)
#: fixed part of a streamed personal CPU job: interpreter + pandas/scipy imports (~5-15 s here)
#: and reading the 101 MB expression table (~10 s); rounded up
PERS_STARTUP_S = 60.0
#: ROSMAP WGS genotype count of the concatenated VCF: ~40 M records x 1,161 samples (as
#: ROSMAP_VCF_MB)
ROSMAP_GENOTYPES = 40e6 * 1161

PERSONAL_SCALE: dict[str, PaperScale] = {
    "personal_liftover": PaperScale(ROSMAP_B37_CHR_MB + 1.0, "constant", "work",
                                    "one GRCh37 chromosome VCF (ROSMAP_B37_CHR_MB estimate) + chain; Picard keeps at most "
                                    "MAX_RECORDS_IN_RAM = 20,000 records (rules/common/personal.smk: 20,000 x 1,894 x "
                                    "108 B measured per genotype = 4.1 GB of the 12.8 GB heap) and spills the sort to disk",
                                    work=WorkTime(1894 * 3.9e6, 4.8e-6, 60.0,
                                                  "1,894 x 3.9 M genotypes x (4.6 us Picard LiftoverVcf, measured at 2,104 / "
                                                  "8,404 records x 120 samples: 4.74 / 8.22 CPU s, + 0.2 us bcftools rename) "
                                                  "+ 60 s")),
    "personal_plink_qc": PaperScale(ROSMAP_B37_CHR_MB, "constant", "work",
                                    "lifted chromosome VCF ~ the GRCh37 one (estimate); PLINK's workspace is bounded by "
                                    "--memory = the request (287 MB peak RSS at 5e6 and 2e7 genotypes, benchmarks/cost_per_unit.py)",
                                    work=WorkTime(ROSMAP_B37_CHR_MB, PERS_PLINK_S_PER_MB, 30.0,
                                                  "25.9 GB bgzip input x 0.66 s per MB (the rule's command measured at two "
                                                  "sizes on GT-only VCFs; per compressed MB, PERS_PLINK_S_PER_MB) + 30 s")),
    "personal_phase": PaperScale(None, "linear", "linear",
                                 "NA on purpose: the paper phases with Eagle 2.4.1 (no reference panel, 8 threads), which "
                                 "is not installable here and whose manual/paper give no per-genotype cost we can cite; "
                                 "the rehearsal runs a stand-in binary, so scaling its seconds or RSS would say nothing "
                                 "about Eagle. SHAPEIT4 (the alternative tool) could not be timed at two sizes in this "
                                 "session (one 2,000 x 300 run took > 4 min on the loaded machine). Input: the QC'd "
                                 "chromosome VCF ~ ROSMAP_B37_CHR_MB / 4 (GT only, estimate)"),
    "personal_concat": PaperScale(ROSMAP_VCF_MB, "constant", "work",
                                  "22 phased chromosome VCFs = chrAll.phased.vcf.gz (ROSMAP_VCF_MB estimate); bcftools streams "
                                  "(peak RSS 6.5 MB at 1e7 and 4e7 genotypes, benchmarks/cost_per_unit.py)",
                                  work=WorkTime(ROSMAP_GENOTYPES, PERS_CONCAT_S_PER_GT, 10.0,
                                                "40 M records x 1,161 samples x 1.98e-7 CPU s per genotype (bcftools "
                                                "concat measured at two sizes, PERS_CONCAT_S_PER_GT) + 10 s")),
    "personal_expression": PaperScale(400.0, "arrays", "constant",
                                      "counts 60,000 genes x 1,100 specimens x ~6 bytes = 400 MB (estimate), covariate "
                                      "tables and the VCF's sample list (KB); memory: the counts as float64 (60,000 x "
                                      "1,100 x 8 B = 528 MB) x 4 copies (parsed, filtered, TMM-normalised, log2 CPM) + "
                                      "the expressed genes' matrix for the PCs (~20,000 x 839 x 8 B x 2 = 270 MB) = 2.4 GB",
                                      arrays_mb=4 * 528.0 + 270.0),
    "personal_gtex_target": PaperScale(2600.0, "constant", "work",
                                       "GTEx v8 gene TPM GCT 2.6 GB (config note), read 2,000 rows at a time",
                                       work=WorkTime(56_200 * 17_382, PERS_GTEX_S_PER_CELL, 30.0,
                                                     "56,200 genes x 17,382 samples x 2.32e-7 s per cell (gtex_tissue_mean "
                                                     "measured at two sizes, PERS_GTEX_S_PER_CELL) + 30 s")),
    "personal_genes": PaperScale(39.0 + PERS_EXPRESSION_MB, "constant", "linear",
                                 "GENCODE v27 GTF 39 MB + observed expression (PERS_EXPRESSION_MB); the GTF is read "
                                 "line by line keeping gene rows (58,301), the expression's first column only"),
    "personal_genotypes": PaperScale(ROSMAP_VCF_MB + HG38_MB, "constant", "constant",
                                     "the whole VCF + genome are inputs, but a job reads 100 genes' tabix regions: "
                                     "memory and time follow the chunk, not the files"),
    "personal_reference": PaperScale(HG38_MB + ENFORMER_MB, "constant", "constant",
                                     "genome + Enformer weights; a job predicts its chunk of 100 genes"),
    "personal_predict": PaperScale(ROSMAP_VCF_MB + HG38_MB + ENFORMER_MB, "constant", "constant",
                                   "VCF + genome + weights; a job predicts the haplotypes of its 100 genes"),
    "personal_ensemble": PaperScale(ROSMAP_VCF_MB + HG38_MB + ENFORMER_MB, "constant", "constant", "as personal_predict"),
    "personal_ism": PaperScale(PERS_GENOTYPES_MB / 69 + HG38_MB + ENFORMER_MB, "constant", "constant",
                               "one genotype chunk + genome + weights; per chunk"),
    "personal_tss_ism": PaperScale(HG38_MB + ENFORMER_MB, "constant", "constant", "genome + weights; per chunk"),
    "personal_driver_ism": PaperScale(HG38_MB + ENFORMER_MB, "constant", "constant", "genome + weights; per chunk"),
    "personal_elastic_net": PaperScale(13397 * 5313 * 3 * 4 / 1e6, "arrays", "linear",
                                       "reference features 13,397 genes x 5,313 tracks x 3 readouts float32 (held in "
                                       "memory); memory: those 854 MB + a float64 copy for the solver (1,708 MB) + one "
                                       "cross-validation fold's copy (1,708 MB) = 4.3 GB",
                                       arrays_mb=854.0 + 2 * 1708.0),
    "personal_predixcan": PaperScale(ROSMAP_VCF_MB, "constant", "constant",
                                     "VCF (tabix regions of the model SNVs, gene by gene) + PredictDB"),
    "personal_gene_stats": PaperScale(PERS_GENOTYPES_MB + PERS_PREDICTIONS_MB + PERS_EXPRESSION_MB, "constant", "work",
                                      "genotype chunks + predictions + expression; streamed one chunk at a time "
                                      "(benchmarks/memory_personal.py)",
                                      work=WorkTime(6825, PERS_GENE_STATS_S_PER_GENE * PERS_GENE_WORK_SCALE, PERS_STARTUP_S,
                                                    "6,825 genes x 0.0837 s per gene measured (benchmarks/cost_per_unit.py) "
                                                    "x 1.74 (3,000 SNVs x 1,161 individuals vs 2,000 x 1,000) + 60 s")),
    "personal_drivers": PaperScale(PERS_GENOTYPES_MB + PERS_PREDICTIONS_MB + PERS_EXPRESSION_MB, "constant", "work",
                                   "as personal_gene_stats (streamed; benchmarks/memory_personal.py)",
                                   work=WorkTime(256, PERS_DRIVERS_S_PER_GENE * PERS_GENE_WORK_SCALE, PERS_STARTUP_S,
                                                 "256 XAI genes (specs/personal.md: BH-significant and |R| > 0.2) x 0.603 s "
                                                 "per gene measured (benchmarks/cost_per_unit.py) x 1.74 + 60 s")),
    "personal_cnn_train": PaperScale(HG38_MB + PERS_EXPRESSION_MB, "constant", "linear",
                                     "genome + expression; the windows are held as uint8 codes (13,397 x 40,001 bp = "
                                     "536 MB, independent of the genome size), one-hot per batch"),
    "personal_cnn_eval": PaperScale(ROSMAP_VCF_MB + HG38_MB, "constant", "linear",
                                    "VCF + genome; haplotypes gene by gene for 190 individuals"),
}

#: accessibility: hg38.fa unzipped (UCSC, 3,209,286,105 bases + line breaks); the dataset rule's
#: inputs (genome + 15 bigWigs + 15 peak files); the coverage_3072 HDF5; the GIA tables of the
#: binary experiment (see the rows below for the sources)
ACC_HG38_MB = 3_273.0
ACC_DATASET_INPUT_MB = ACC_HG38_MB + 15 * 685.0 + 15 * 2.9
ACC_COVERAGE_H5_MB = 914_000 * 95_232 * 0.5 / 1e6
ACC_GIA_TABLES_MB = 245.0


def _acc_paper_cfg() -> dict:
    """The accessibility section of config/paper.yaml (the work counts below come from it, through
    the functions the rules' requests use: regbench.studies.accessibility.experiments)."""
    import yaml

    with open(Path(__file__).resolve().parents[2] / "config" / "paper.yaml") as fh:
        return yaml.safe_load(fh)["accessibility"]


ACC_PAPER = _acc_paper_cfg()
#: the acc_evaluate job with the most GPU work at paper scale (experiments.largest_eval_job)
ACC_EVAL_LARGEST = acc_exp.largest_eval_job(ACC_PAPER)
#: memory held by acc_evaluate beyond the streamed chunks (the rehearsal's RSS covers the rest):
#: CAGI5 ref/alt codes 2 x 18,442 x 3,072 B = 113 MB; the occlusion codes and their strings
#: 10,000 x 2,048 x 2 B = 41 MB and one predicted chunk of 64 windows x 51 copies x 2,048 x 4 x
#: 4 B = 107 MB; the GIA background 1,000 x 2,048 x 4 x 4 B = 33 MB; per-window summaries
#: (N, C) float64 of the whole and peak sets, 4 x 69.8k x 15 x 8 B = 34 MB
ACC_EVAL_ARRAYS_MB = (2 * 18_442 * 3_072 + 10_000 * 2_048 * 2 + 64 * 51 * 2_048 * 16 + 1_000 * 2_048 * 16
                      + 4 * 69_800 * 15 * 8) / 1e6


def _acc_cpu_work(step: str, what: str) -> WorkTime:
    units, s_per_unit = acc_exp.cpu_work(step, ACC_PAPER)
    return WorkTime(units, s_per_unit, acc_exp.CPU_STARTUP_S,
                    f"{what}: {units:,.0f} units x {s_per_unit:.3g} CPU s per unit (benchmarks/cost_per_unit.py "
                    f"--only acc_, constants in regbench/studies/accessibility/experiments.py) + "
                    f"{acc_exp.CPU_STARTUP_S:.0f} s; the rule requests the same (experiments.cpu_work_minutes)")

#: gzip -dc | file and samtools faidx, CPU per MB of gzip input, measured here (2026-12-02) on
#: generated FASTA (random ACGT, gzip -6: 6.4 / 25.4 MB gz -> 0.28 / 1.05 s): 0.0405 s per MB;
#: used for every decompress-and-write step (unzip_genome, dream_untar)
GUNZIP_S_PER_MB = (1.05 - 0.28) / (25.4 - 6.4)
#: download rate assumed for the paper's cluster (not measured: the rehearsal's mirror is local):
#: 10 MB/s, a conservative floor for ENCODE / Synapse / Zenodo over a university link
DOWNLOAD_S_PER_MB = 0.1

#: Panel jobs (one per panel, :mod:`regbench.panels`): ``draw_panel`` reads every named ``.tsv``
#: whole into pandas, so a panel's memory grows with its tables (``arrays``: rows at paper scale x
#: bytes per row held), while its time stays the start-up (interpreter, pandas, matplotlib: 1.4-4.8 s
#: in the rehearsal) unless a table is large. Per table (path under the study's results folder):
#: (paper rows, text bytes per row, bytes per row held, source of the row count). Bytes per row:
#: measured on the rehearsal's tables (3-study rehearsal, 2026-12-03): file size / rows and
#: ``read_tsv(...).memory_usage(deep=True).sum()`` / rows (the RangeIndex's 128 B spread over a few
#: rows makes them upper bounds), unless a panel's measured RSS growth per row is given.
PERS_XAI_GENES = 256  # BH-significant and |R| > 0.2 (specs/personal.md §3)
PERS_ISM_GENES = PERS_XAI_GENES + 2  # ism.ism_genes: the XAI genes + the 2 example genes
PERS_SNVS_PER_GENE = 3000  # SNVs in TSS +- 100 kb per gene (as PERS_GENE_WORK_SCALE; spec: ~1-5 k)
PERS_INDIVIDUALS = 1161  # individuals of the VCF (the 839 with expression are a subset): upper bound
PERS_DRIVERS = 1091  # drivers of the XAI genes (specs/personal.md: 296 / 1,091 carried by > 75 %)
#: supp6 (the panel that draws every SNV) measured with ``benchmarks/cost_per_unit.py --only
#: personal_panel_supp6`` (2026-12-03): peak RSS 192 / 237 MB at 20,000 / 80,000 SNV rows ->
#: 750 B per row held (read + the dropna copy + the drawn subset), CPU 2.53 / 2.29 s (no growth
#: measurable: start-up bound at 80k rows)
PERS_SNV_ROW_B = (237 - 192) * 1e6 / 60_000
#: supp2 measured with ``--only personal_panel_supp2`` at 2 x 1,500 and 2 x 3,000 SNVs (the paper's
#: size) x 1,161 individuals: peak RSS 454 / 721 MB -> 89 kB per SNV row (the int64 dosage row,
#: its float copy and the SNV clustering's distances); CPU 4.10 / 8.03 s -> 1.31 ms per SNV row
PERS_GENOTYPE_ROW_B = (721 - 454) * 1e6 / 3000
PERS_SUPP2_S_PER_ROW = (8.03 - 4.10) / 3000
PERS_PANEL_TABLES: dict[str, tuple[float, float, float, str]] = {
    "reference_predictions.tsv": (13_397, 96.1, 321.9, "13,397 reference genes (config personal.genes.n_reference)"),
    "individual_predictions.tsv": (2 * PERS_INDIVIDUALS, 76.4, 243.7, "2 example genes x 1,161 individuals"),
    "gene_stats.tsv": (6_825, 269.0, 560.0, "6,825 genes (config personal.genes.n_genes)"),
    "snvs.tsv": (PERS_ISM_GENES * PERS_SNVS_PER_GENE, 187.5, PERS_SNV_ROW_B,
                 "258 ISM genes x ~3,000 SNVs = 774,000 rows; 750 B per row held (supp6 measured)"),
    "driver_support.tsv": (PERS_XAI_GENES, 133.0, 276.0, "256 XAI genes"),
    "drivers_backward.tsv": (PERS_DRIVERS, 89.0, 244.0, "1,091 drivers"),
    "drivers.tsv": (PERS_DRIVERS, 140.5, 328.0, "1,091 drivers"),
    "example_genotypes.tsv": (2 * PERS_SNVS_PER_GENE, 73 + 2 * PERS_INDIVIDUALS, PERS_GENOTYPE_ROW_B,
                              "2 example genes x ~3,000 SNVs, 1,161 dosage columns (2 B each in the text); "
                              "89 kB per row held (supp2 measured at paper size)"),
    "motifs/kmer_clusters.tsv": (PERS_DRIVERS, 28.0, 133.0, "at most one cluster per driver k-mer"),
    "motifs/driver_windows.tsv": (PERS_DRIVERS, 202.0, 259.0, "1,091 drivers"),
    "ensemble_stats.tsv": (6_825, 68.5, 163.0, "6,825 genes"),
    "cnn/reference_predictions.tsv": (13_397, 50.0, 229.0, "13,397 reference genes"),
    "cnn/gene_stats.tsv": (6_825, 95.7, 189.0, "6,825 genes"),
    # archives (.npz, read lazily by member): the ISM chunks hold per ISM gene a 1,536-bin float32
    # gradient profile and per example gene a 196,608-bp float32 track; supp12 stacks the profiles
    # as float64 (258 x 1,536 x 8 B = 3.2 MB); the driver-ISM chunks hold per driver 2 windows of
    # 41 x 4 float32 (attribution.driver_flank 20), one read
    "ism": (1, PERS_ISM_GENES * 1536 * 4 + 2 * 196_608 * 4, PERS_ISM_GENES * 1536 * 8 + 196_608 * 8,
            "69 chunk npz (6,825 genes / 100): 258 profiles + 2 attribution tracks"),
    "driver_ism": (1, PERS_DRIVERS * 2 * 41 * 4 * 4, 2 * 41 * 4 * 4, "69 chunk npz: 1,091 driver windows, one read"),
}
#: DREAM: 33 models (the 6 named + the 27 Prix Fixe grid cells: 33 dream_train jobs in the paper DAG)
#: x 9 test subsets (scores.tsv: 81 rows / 9 models in the rehearsal, the subsets are not cut); the
#: follow-ups: drosophila 4 models x 2 tasks, human 4 models x 3 cells x 10 folds
DREAM_MODELS_PAPER = 33
DREAM_TEST_ROWS = 71_103  # test sequences with MAUDE labels (config/paper.yaml note)
DREAM_PANEL_TABLES: dict[str, tuple[float, float, float, str]] = {
    "scores.tsv": (DREAM_MODELS_PAPER * 9, 58.0, 232.4, "33 models x 9 test subsets"),
    "summary.tsv": (DREAM_MODELS_PAPER, 114.8, 307.8, "33 models"),
    "prixfixe_grid.tsv": (27, 101.7, 341.0, "27 Prix Fixe cells (3 first x 3 core x 3 final blocks)"),
    "followups/drosophila.tsv": (8, 40.8, 224.5, "4 models x 2 tasks (dev, hk)"),
    "followups/human.tsv": (120, 45.3, 230.2, "4 models x 3 cells x 10 folds (config dream.followups)"),
}


def _table_key(path: str, results: str) -> str:
    rel = path[len(results) + 1:] if path.startswith(results + "/") else path
    return rel.split("/", 1)[0] if rel.endswith(".npz") else rel


def _panel_scale(tables: dict[str, tuple[float, float, float, str]], keys: list[str], what: str,
                 work: WorkTime | None = None) -> PaperScale:
    """The PaperScale of one panel job reading ``keys`` of ``tables`` (see PERS_PANEL_TABLES); an
    NA row naming the tables not sized there (a new panel's table: add its row)."""
    unknown = [k for k in keys if k not in tables]
    if unknown:
        return PaperScale(None, "arrays", "constant", f"NA: {what} reads {', '.join(unknown)}, not sized in "
                          "PERS_PANEL_TABLES / DREAM_PANEL_TABLES (paper rows, bytes per row)", arrays_mb=0.0)
    rows = [tables[k] for k in keys]
    paper_mb = sum(n * text for n, text, _, _ in rows) / 1e6
    arrays_mb = sum(n * held for n, _, held, _ in rows) / 1e6
    src = "; ".join(f"{k}: {src} ({n * text / 1e6:.3g} MB text, {n * held / 1e6:.3g} MB held)"
                    for k, (n, text, held, src) in zip(keys, rows))
    time_note = "" if work else ("; time constant: start-up bound (imports + matplotlib; supp6 drew 20,000 and 80,000 "
                                 "SNV rows in the same 2.3-2.5 CPU s), plus seconds to parse the largest table")
    return PaperScale(paper_mb, "arrays", "work" if work else "constant",
                      f"{what} reads {src}; memory: the rehearsal RSS + the tables held{time_note}",
                      work=work, arrays_mb=arrays_mb)


def _study_panel_scales() -> dict[str, PaperScale]:
    """A row per personal and dream panel rule of the paper configuration, from the tables each
    panel declares (regbench.studies.<study>.panels: one implementation of what a panel reads)."""
    import yaml

    from regbench.studies.dream import panels as dream_panels
    from regbench.studies.personal import panels as pers_panels

    with open(Path(__file__).resolve().parents[2] / "config" / "paper.yaml") as fh:
        pers_cfg = yaml.safe_load(fh)["personal"]
    out = {}
    paper = pers_panels.PAPER_DIR  # the paper model's tables: keyed as the study's own (gene_stats.tsv, ism)
    for p in pers_panels.panels(pers_cfg, [f"{paper}/ism/chunk0000.npz"],
                                [f"{pers_panels.PERS_RES}/driver_ism/chunk0000.npz"]):
        keys = []
        for v in p.inputs().values():
            for path in [v] if isinstance(v, str) else v:
                k = _table_key(path, paper if path.startswith(paper + "/") else pers_panels.PERS_RES)
                if k not in keys:
                    keys.append(k)
        work = None
        if "example_genotypes.tsv" in keys:  # the clustering of the dosage matrix: measured at paper size
            work = WorkTime(2 * PERS_SNVS_PER_GENE, PERS_SUPP2_S_PER_ROW, 10.0,
                            "6,000 SNV rows x 1.31 ms (supp2 measured at two sizes, the larger the paper's; "
                            "PERS_SUPP2_S_PER_ROW) + 10 s")
        out[p.rule] = _panel_scale(PERS_PANEL_TABLES, keys, f"panel {p.name}", work)
    for p in dream_panels.panels(["m"], True, True, True, True):
        keys = [_table_key(v, dream_panels.DREAM_RES) for v in p.inputs().values()]
        out[p.rule] = _panel_scale(DREAM_PANEL_TABLES, keys, f"panel {p.name}")
    return out


PAPER_SCALE: dict[str, PaperScale] = {
    # --- shared (rehearsal-core)
    "download": PaperScale(1000.0, "constant", "linear",
                           "largest shared download: Enformer pytorch_model.bin, 1.0 GB (config/paper.yaml note); "
                           "the body is streamed to disk in 1 MiB chunks"),
    "unzip_genome": PaperScale(983.0, "constant", "work",
                               "largest genome: UCSC hg38.fa.gz, 983 MB (mm10.fa.gz ~870 MB, hg19 smaller); "
                               "gzip -dc | file and samtools faidx stream",
                               work=WorkTime(983.0, GUNZIP_S_PER_MB, 10.0,
                                             "983 MB gzip x 0.0405 s per MB (GUNZIP_S_PER_MB, measured at two sizes) + 10 s")),
    # --- synthetic_loci
    "synthetic_loci_inputs": PaperScale(MM10_FA_MB, "constant", "constant",
                                        "mm10.fa (2.73 Gbp as 50-bp lines) is an input but only its .fai and the 39.9-kb "
                                        "region are read; the user files (83 payloads, Brosh 2023) are read line by line"),
    "synthetic_loci_dataset": PaperScale(MM10_FA_MB, "constant", "constant",
                                         "mm10.fa input (read at the Sox2 region only); 83 payloads streamed one at a time: "
                                         "seconds, not proportional to the genome file"),
    "synthetic_loci_predict_pretrained": PaperScale(ENFORMER_MB, "constant", "gpu", SL_GPU, gpu=_sl_gpu(
        SL_PREDICT_FORWARDS, "83 payloads x 32 windows x 11 shifts = 29,216 forwards")),
    "synthetic_loci_finetune": PaperScale(ENFORMER_MB, "constant", "gpu", SL_GPU, gpu=_sl_gpu(
        SL_FINETUNE_FORWARDS, "10 epochs x 100 steps x batch 4 training samples x 3 passes + 10 x 83 x 48 "
        "validation windows = 51,840 forward-equivalents")),
    "synthetic_loci_predict_finetuned": PaperScale(2 * ENFORMER_MB, "constant", "gpu",
                                                   SL_GPU + "; plus the fine-tuned model.pt (1.0 GB)", gpu=_sl_gpu(
        SL_PREDICT_FORWARDS, "83 payloads x 32 windows x 11 shifts = 29,216 forwards")),
    "synthetic_loci_retained": PaperScale(2 * ENFORMER_MB, "constant", "gpu", SL_GPU + "; plus the fine-tuned model.pt (1.0 GB)",
                                          gpu=_sl_gpu(SL_RETAINED_FORWARDS, "2,000 regions x 11 shifts x 2 models = 44,000 forwards")),
    "synthetic_loci_cage_train": PaperScale(ENFORMER_MB + MM10_FA_MB, "constant", "gpu",
                                            "Enformer weights (1.0 GB) + mm10.fa (read per window) + the CAGE dataset "
                                            "(500k x 200 x 5 float16 targets, gzip HDF5, < 1 GB); memory follows the model",
                                            gpu=_sl_gpu(SL_CAGE_TRAIN_FORWARDS, "20 epochs x 400 steps x batch 4 x (1 + 2/3 "
                                                        "validation) = 53,333 trunk forwards (frozen trunk)")),
    "synthetic_loci_cage_predict": PaperScale(ENFORMER_MB, "constant", "gpu", SL_GPU, gpu=_sl_gpu(
        SL_PREDICT_FORWARDS, "83 payloads x 32 windows x 11 shifts = 29,216 forwards")),
    "synthetic_loci_cage_heldout": PaperScale(ENFORMER_MB + MM10_FA_MB, "constant", "gpu", SL_GPU + "; mm10.fa read per region",
                                              gpu=_sl_gpu(SL_RETAINED_FORWARDS, "2,000 regions x 11 shifts x 2 models = 44,000 forwards")),
    "synthetic_loci_cage_dataset": PaperScale(500.0, "constant", "linear",
                                              "five mESC CAGE bigWigs (~100 MB each, FANTOM5/GEO; estimate) read 256 windows at a "
                                              "time; time grows with the 500,000 windows (20 x 25,000), not with the file size"),
    "synthetic_loci_ctss_bigwig": PaperScale(60.0, "constant", "work",
                                             "FANTOM5 mESC CTSS bed.gz, ~60 MB (estimate: a few million tags per library); "
                                             "read in chunks of 1M lines",
                                             work=WorkTime(60e6 * 4.5 / 45, 5.19e-6, 30.0,
                                                           "60 MB gzip x ~4.5 (gzip ratio of BED text) / ~45 B per line = 6 M "
                                                           "lines x 5.19 us per line (ctss_to_bigwig measured 2026-12-02 on "
                                                           "generated CTSS of 200k / 800k lines: 1.26 / 4.37 CPU s) + 30 s")),
    "synthetic_loci_encode_dnase": PaperScale(1000.0, "constant", "work",
                                              "ENCODE mm10 DNase read-depth normalized bigWig (estimate ~1 GB); streamed to disk",
                                              work=WorkTime(1000.0, DOWNLOAD_S_PER_MB, 30.0,
                                                            "1 GB at 10 MB/s (DOWNLOAD_S_PER_MB, assumed) + 30 s")),
    "synthetic_loci_zenodo_files": PaperScale(0.01, "constant", "constant", "Zenodo records API answer, a few kB"),
    "synthetic_loci_metrics": PaperScale(60.0, "constant", "linear",
                                         "16 models x (32 windows x 83 payloads x ~10 DHSs x 2 tracks) peak rows (~3 MB each) "
                                         "+ retained tables (2,000 regions): read in chunks"),
    # a model card's payload activity (only with config models: cards; the paper config has none)
    "synthetic_loci_model_activity": PaperScale(0.5, "constant", "constant",
                                                "payloads.tsv + one model's windows table (83 payloads x 32 windows, "
                                                "a few hundred kB): pandas in memory, seconds"),
    "synthetic_loci_tracks": PaperScale(40.0, "constant", "linear",
                                        "two profiles.npz of 83 payloads x 26,880 bp x 2 tracks float32 (18 MB each), one payload read at a time"),
    # one job per panel (panel contract): the per-payload / per-class / per-fold tables grow from the
    # rehearsal's 8 payloads (config/rehearsal.yaml) to the paper's 83: ~10x a few KB, tens of extra
    # points, while each job's time is imports + matplotlib (1.55-2.56 s per job in the rehearsal)
    **{f"synthetic_loci_panel_{p}": PaperScale(1.0, "constant", "constant",
                                               "its metrics table: per payload (83 in the paper, 8 in the rehearsal), class (6) "
                                               "or fold rows, < 1 MB; imports and matplotlib dominate RSS and time")
       for p in ("activity_scatter", "class_correlation", "dhs_accessibility", "accessibility_correlation", "error_before_after",
                 "rna_vs_expression", "error_per_fold")},
    "synthetic_loci_panel_retained_performance": PaperScale(20.0, "constant", "linear",
                                                            "retained tables: 2,000 regions x 6 rows per head, ~20 MB"),
    # --- dream (constant memory backed by benchmarks/memory_dream.py: encode 0.996, training 1.03-1.06)
    "dream_encode": PaperScale(DREAM_TRAIN_MB, "constant", "work",
                               "train_sequences.txt: 6,739,258 lines (config/paper.yaml) x 119.5 bytes/line (real "
                               "demo_train.txt) = 805 MB; streamed in chunks of dream.encode_chunk_rows",
                               work=WorkTime(2 * 6_739_258, 2.7e-6, 30.0,
                                             "two passes over 6,739,258 rows x 2.7 us per row (DREAM_ENCODE_US_PER_ROW, "
                                             "rules/common/dream.smk, measured with benchmarks/memory_dream.py) + 30 s; the "
                                             "rehearsal's 0.6 s is start-up")),
    "dream_train": PaperScale(DREAM_STORE_MB, "constant", "constant",
                              "encoded store of 6,739,258 rows x (142 code bytes, the longest real training sequence "
                              "(Unlock_DNA notebook: max length 142) + 4 + 8) = 1,038 MB; batches read and encoded per "
                              "batch; time is set by the step cap (epochs x steps), not by the file"),
    "dream_followup_human": PaperScale(DREAM_HUMAN_MB, "constant", "work",
                                       "human_mpra_data: 3 cells x at most 226,253 rows (K562_clean.tsv, specs/dream.md "
                                       "§1.1) x ~270 bytes (230-bp oligo + id, value, fold) = 183 MB, an upper bound; one "
                                       "job holds one cell's strings (memory_dream: ~820 B per row, ~0.19 GB for K562 on "
                                       "top of the constant) and one-hot encodes per batch",
                                       work=WorkTime(80 * math.ceil(226_253 * 0.8 / 32), 0.05, 900.0,
                                                     "the largest job (K562): 80 epochs x ceil(226,253 x 0.8 / 32) = 5,657 "
                                                     "steps (config/paper.yaml dream.followups.train) x 0.05 s per GPU step "
                                                     "(the constant of rules/common/dream.smk dream_followup_runtime) + 15 min")),
    "dream_followup_drosophila": PaperScale(None, "constant", "linear",
                                            "NA: drosophila_starrseq_data.tar.gz: row count not in the spec (DeepSTARR's "
                                            "split files, UNVERIFIED layout); same per-batch encoding as the human job"),
    "dream_untar": PaperScale(DREAM_HUMAN_MB, "constant", "work",
                              "human_mpra_data.tar.gz unpacked (DREAM_HUMAN_MB, an upper bound of its content); tar "
                              "streams", work=WorkTime(DREAM_HUMAN_MB, GUNZIP_S_PER_MB, 10.0,
                                                       "183 MB x 0.0405 s per MB (GUNZIP_S_PER_MB) + 10 s")),
    "personal_rosmap_wgs": PaperScale(ROSMAP_B37_CHR_MB, "constant", "work",
                                      "one GRCh37 chromosome VCF from Synapse (ROSMAP_B37_CHR_MB estimate), streamed to disk",
                                      work=WorkTime(ROSMAP_B37_CHR_MB, DOWNLOAD_S_PER_MB, 30.0,
                                                    "25.9 GB at 10 MB/s (DOWNLOAD_S_PER_MB, assumed) + 30 s")),
    "personal_eagle_unpack": PaperScale(None, "constant", "linear",
                                        "NA: the Eagle_v2.4.1.tar.gz size is not in the configuration (no published "
                                        "checksum or size); two members are extracted"),
    "personal_predictdb": PaperScale(None, "constant", "linear",
                                     "NA: the PredictDB download's size is not in the configuration"),
    "personal_finemapped": PaperScale(1.062, "arrays", "constant",
                                      "Supplementary Table 1 (Data/SupplementaryTable1.tsv of mostafavilabuw/EnformerAssessment): "
                                      "1,062,463 bytes, 6,820 genes x 25 columns (the stored repository copy at commit fc843a8; the "
                                      "configuration pins commit 66cf3b9, not checked byte for byte); read whole, one "
                                      "column kept: 6,820 rows x ~500 B held (19 float64 columns + 6 short strings, an "
                                      "estimate) = 3.4 MB; time: start-up (1 MB)",
                                      arrays_mb=6_820 * 500 / 1e6),
    "personal_liftover_reference": PaperScale(ACC_HG38_MB, "arrays", "work",
                                              "UCSC hg38.fa unzipped (ACC_HG38_MB, symlinked); Picard CreateSequenceDictionary "
                                              "reads it sequence by sequence: peak RSS 255 / 684 MB at one 51 / 204 MB "
                                              "sequence (benchmarks/cost_per_unit.py --only personal_liftover_reference, "
                                              "2026-12-03) -> 2.80 MB per MB of the largest sequence: chr1 248,956,422 bp as "
                                              "50-bp lines (254 MB) x 2.80 = 711 MB on top of the rehearsal's RSS",
                                              arrays_mb=248_956_422 * 51 / 50 / 1e6 * (684 - 255) / (204 - 51),
                                              work=WorkTime(ACC_HG38_MB, (3.64 - 3.09) / (204 - 51), 10.0,
                                                            "3,273 MB x 0.0036 CPU s per MB (the same runs: 3.09 / 3.64 s "
                                                            "at 51 / 204 MB) + 10 s")),
    "downloads_checksums": PaperScale(13_994 / 1e6, "constant", "constant",
                                      "no input: writes the checksum source of every configured download from the "
                                      "configuration (regbench.data.checksums.write_checksum_tables; it hashes no file): "
                                      "49 downloads in config/paper.yaml (config_checks.all_downloads), the same 49 rows "
                                      "as the rehearsal's checksums.tsv (13,994 B)"),
    # --- personal (job inputs at paper scale; "estimate" rows are arithmetic on published sizes)
    **PERSONAL_SCALE,
    # --- figure panels of personal and dream (one job each; PERS_PANEL_TABLES, DREAM_PANEL_TABLES)
    **_study_panel_scales(),
    "dream_score": PaperScale(
        DREAM_MODELS_PAPER * DREAM_TEST_ROWS * 14.7 / 1e6 + DREAM_TEST_ROWS * 130.5 / 1e6 + 0.1 * DREAM_TEST_ROWS / 458,
        "arrays", "linear",
        "33 models' predictions x 71,103 test rows x 14.7 B (the rehearsal's prediction files: 6,747 B / 459 lines) "
        "= 34.5 MB + the MAUDE labels 71,103 x 130.5 B (rehearsal: 59,911 B / 459 lines) = 9.3 MB + the subset and "
        "public id files (0.1 MB for the rehearsal's 458 test rows, x 71,103 / 458) = 15.5 MB; memory: the labels "
        "held (175 B per row deep, measured) + every model's predictions (16.3 B per row deep, measured) twice "
        "(read and joined to the labels), an upper bound if scored one model at a time; time linear: an upper "
        "bound (the start-up is scaled too)",
        arrays_mb=(DREAM_TEST_ROWS * 175 + 2 * DREAM_MODELS_PAPER * DREAM_TEST_ROWS * 16.3 + 0.1e6 * DREAM_TEST_ROWS / 458) / 1e6),
    "dream_prixfixe_grid": PaperScale(DREAM_MODELS_PAPER * 114.8 / 1e6, "constant", "constant",
                                      "summary.tsv: 33 models x 114.8 B per row (rehearsal); a 27-cell grid"),
    "dream_followup_table": PaperScale(120 * 73 / 1e6, "constant", "constant",
                                       "human: 4 models x 3 cells x 10 folds = 120 fold tables x 73 B (the rehearsal's "
                                       "K562_fold0.tsv: one row of metrics); drosophila: 4 tables"),
    "published_vs_ours": PaperScale(6_825 * 269.0 / 1e6 + 0.01, "arrays", "constant",
                                    "the largest job at paper scale is personal's: gene_stats.tsv 6,825 genes x 269 B "
                                    "(PERS_PANEL_TABLES) + the summary tables (one row per claim, KB); synthetic_loci's "
                                    "metrics tables grow with the payloads 8 -> 83 (0.013 MB -> ~0.14 MB); memory: "
                                    "gene_stats held (6,825 x 560 B)",
                                    arrays_mb=6_825 * 560.0 / 1e6),
    "report_front_page": PaperScale(0.011, "constant", "constant",
                                    "the studies' published_vs_ours.tsv: one row per published claim, the same count at "
                                    "paper scale (the rehearsal's 4 tables: 0.011 MB)"),
    "lb_page": PaperScale(20.0, "constant", "constant",
                          "estimate: the reference tables it declares - accessibility's collected whole/peak/"
                          "robustness/cagi tables (models x 15 cells x a few metric rows x ~80 B, under 1 MB each), "
                          "personal's simple-CNN gene_stats (6,825 genes x 269 B = 1.8 MB) and the one-row-per-model "
                          "summaries of dream (33 x 114.8 B) and synthetic_loci; each table is read, reduced to its "
                          "headline rows (regbench.leaderboard.page.reference_scores) and dropped; no card at paper "
                          "scale (config/paper.yaml has no models:)"),
    "personal_ensemble_stats": PaperScale(
        6_825 * 269.0 / 1e6 + 6_825 * PERS_INDIVIDUALS * 34.1 / 1e6 + PERS_EXPRESSION_MB, "arrays", "linear",
        "gene_stats 1.8 MB + 69 ensemble chunks of 100 genes x 1,161 individuals rows x 34.1 B (rehearsal chunk: "
        "8,189 B / 240 rows) = 270 MB + expression (PERS_EXPRESSION_MB); streamed one chunk at a time "
        "(predictions.ensemble_stats): memory = one chunk's rows held (116,100 x 146.6 B deep, measured on the "
        "rehearsal chunk) + the expression as float64 (13,397 x 839 x 8 B, an upper bound: read_expression keeps the "
        "chunk's genes); time linear: an upper bound (the start-up is scaled too)",
        arrays_mb=(100 * PERS_INDIVIDUALS * 146.6 + 13_397 * 839 * 8) / 1e6),
    "personal_motifs": PaperScale(ACC_HG38_MB + 1.5, "arrays", "work",
                                  "hg38.fa (3,273 MB, fetched per driver through its .fai: pyfaidx) + 69 driver-ISM npz "
                                  "(~1.5 MB, PERS_PANEL_TABLES driver_ism) + 69 TSS-ISM tables (one row per gene); what "
                                  "grows is motifs.kmer_clusters, run for the ref and the var background: pairwise "
                                  "alignment of the drivers' 13-mers, vectorised over pairs. Measured with "
                                  "benchmarks/cost_per_unit.py --only personal_motifs (2026-12-03): 546 / 1,091 k-mers "
                                  "(148,785 / 594,595 pairs): peak RSS 224 / 421 MB -> 442 B per pair held; memory: "
                                  "1,091 drivers' 594,595 pairs x 442 B = 263 MB on top of the rehearsal's RSS",
                                  arrays_mb=PERS_DRIVERS * (PERS_DRIVERS - 1) / 2 * (421 - 224) * 1e6 / (594_595 - 148_785) / 1e6,
                                  work=WorkTime(2 * PERS_DRIVERS * (PERS_DRIVERS - 1) / 2, 4.74e-6, 60.0,
                                                "2 backgrounds x 594,595 pairs x 4.74 us (the same runs: 1.09 / 3.20 CPU s) "
                                                "+ 60 s (start-up and 2 x 1,091 genome fetches, PERS_STARTUP_S)")),
    # --- accessibility (acc): sizes of the largest job's inputs on the real data (specs/accessibility.md)
    "acc_assembly_gaps": PaperScale(ACC_HG38_MB, "constant", "linear", "UCSC hg38.fa unzipped (3,209,286,105 bases in 50-bp lines); read 10 Mb at a time"),
    "acc_encode_bigwig": PaperScale(786.0, "constant", "linear", "largest rep1 fold-change bigWig GOPHER used: Panc1 ENCFF185TQC, 786 MB (data/sample_metafile.tsv)"),
    "acc_encode_peaks": PaperScale(3.5, "constant", "linear", "PC-3 IDR thresholded peaks ENCFF061YKV, 3.5 MB (data/sample_metafile.tsv)"),
    "acc_dataset": PaperScale(ACC_DATASET_INPUT_MB, "constant", "linear",
                              "hg38.fa 3,273 MB + 15 rep1 fold-change bigWigs x 685 MB (mean of Panc1 ENCFF185TQC 786 MB and "
                              "PC-3 ENCFF064FOF 584 MB, GOPHER data/sample_metafile.tsv) + 15 IDR peak files x 2.9 MB; "
                              "windows are read and written in chunks"),
    "acc_train": PaperScale(ACC_COVERAGE_H5_MB, "constant", "gpu",
                            "coverage_3072.h5: ~914k windows (specs §2.1: 823k train + 44k valid + 46.6k test, before the "
                            "threshold) x 95,232 B (3,072 uint8 codes + 3,072 x 15 float16) x 0.5 gzip ratio (0.28 measured on "
                            "the rehearsal's synthetic tracks; real fold change compresses worse); batches streamed",
                            gpu=GpuTime(100 * (823_000 * 3 + 44_000), 15.39e9, 1.0, "fp32", 600.0,
                                        "the largest job: residualbind_base, 100 epochs (no early stopping) x (823k train "
                                        "windows x 3 passes + 44k valid) forward-equivalents x 15.39 GFLOP per 2,048-bp "
                                        "window (FlopCounterMode; experiments.TRAIN_GFLOP_PER_WINDOW) + 600 s; the rule "
                                        "requests the same work per model (experiments.train_work_minutes)")),
    "acc_evaluate": PaperScale(20_000.0, "arrays", "gpu",
                               "largest job (a new model: whole, peak, binary, CAGI, Tomtom, GIA, occlusion): peak_3072.h5 "
                               "~14 GB + whole_2048.h5 2.2 GB (69.8k x 63.5 kB x 0.5) + 15 per-cell IDR sets ~3 GB + "
                               "binary sets 0.6 GB + CAGI5 codes; every evaluation streams its test split; memory: the "
                               "rehearsal's RSS + the arrays held whole (ACC_EVAL_ARRAYS_MB: CAGI5 codes, occlusion codes "
                               "and one predicted chunk, GIA background, per-window summaries)",
                               arrays_mb=ACC_EVAL_ARRAYS_MB,
                               gpu=GpuTime(ACC_EVAL_LARGEST["forwards"], ACC_EVAL_LARGEST["gflop"] * 1e9, 1.0, "fp32",
                                           acc_exp.EVAL_STARTUP_S,
                                           f"the largest job of config/paper.yaml (experiments.largest_eval_job): "
                                           f"{ACC_EVAL_LARGEST['experiment']}/{ACC_EVAL_LARGEST['slug']}, evaluations "
                                           f"{'+'.join(ACC_EVAL_LARGEST['evaluations'])} = {ACC_EVAL_LARGEST['forwards']:,} "
                                           f"forwards (experiments.eval_forwards: whole chr8 69.8k, peak/IDR 15 x 4,012, "
                                           f"CAGI5 18,442 x 2 x 11, GIA 1,000 x 4,605, occlusion 10,000 x 51) x "
                                           f"{ACC_EVAL_LARGEST['gflop']} GFLOP per 2,048-bp window "
                                           f"(experiments.TRAIN_GFLOP_PER_WINDOW) + 600 s; the rule requests the same "
                                           f"work per model (experiments.eval_work_minutes)")),
    "acc_replicate_ceiling": PaperScale(2_200.0 + 13 * 686.0, "constant", "work",
                                        "whole_2048.h5 2.2 GB + 13 rep2 fold-change bigWigs x 686 MB (Panc1 ENCFF174PXJ 677 MB, "
                                        "PC-3 ENCFF895PMJ 696 MB); streamed 256 windows at a time (benchmarks/memory.py "
                                        "acc_replicate_ceiling: 267 / 271 MB at 1,000 / 4,000 windows, ratio 1.013)",
                                        work=_acc_cpu_work("replicate_ceiling", "69,800 whole-chr8 windows x the rep2 cells")),
    "acc_cagi_variants": PaperScale(3_200.0, "arrays", "work",
                                    "UCSC hg19.fa 3.2 GB (read through its .fai, per variant) + CAGI5 tables 1.3 MB; holds "
                                    "the ref/alt strings and codes of every variant until the npz is written: 17.7 kB per "
                                    "variant measured (benchmarks/cost_per_unit.py: 198 / 304 MB at 2,000 / 8,000 SNVs) x "
                                    "18,463 rows = 327 MB",
                                    arrays_mb=acc_exp.CAGI_TABLE_ROWS * acc_exp.CAGI_MB_PER_VARIANT,
                                    work=_acc_cpu_work("cagi_variants", "18,463 CAGI5 rows (specs §5.8)")),
    "acc_jaspar_meme": PaperScale(0.446, "constant", "constant",
                                  "the rule has no input: its output, the JASPAR2022 CORE vertebrates MEME file written from "
                                  "pyjaspar's local database, 446,311 B in the rehearsal; the paper's release/collection "
                                  "(config/paper.yaml accessibility.jaspar; not overridden by config/rehearsal.yaml), so the "
                                  "same file at paper scale"),
    "acc_encode_provenance": PaperScale(43 * 13_215 / 8 / 1e6, "constant", "constant",
                                        "43 ENCODE provenance records (15 rep1 fold change + 15 IDR peaks + 13 rep2, "
                                        "rules/common/accessibility.smk acc_encode_provenance_files) x 1.65 kB (the "
                                        "rehearsal's 8 records: 13,215 B); one small JSON each"),
    "acc_collect": PaperScale(ACC_GIA_TABLES_MB, "linear", "linear",
                              "the binary experiment's GIA tables: 8 models x ~204k rows (1,536 flanks + 3 x 1,019 distances "
                              "+ 3 x 3 x 1,000 per-sequence cooperativity rows, x 15 cells) x ~150 B = 245 MB"),
    **{f"acc_panel_{p}": PaperScale(ACC_GIA_TABLES_MB + 31.0, "linear", "linear",
                                    "all GIA tables: 9 models x ~31 MB (see acc_collect)") for p in ("6a", "6b", "6c", "ED4", "ED5", "ED6")},
    # accessibility rules outside the 3-study rehearsal of issue 15: no measurement to project
    **{r: PaperScale(None, "constant", "linear",
                     "NA: accessibility panel/table/collection rule not sized yet (the last rehearsal ran "
                     "synthetic_loci, dream and personal only, so there is no measurement to project; its tables' "
                     "paper-scale rows are still to be derived from specs/accessibility.md)")
       for r in ("acc_collect_cagi_variants", "acc_tomtom", *(f"acc_panel_{p}" for p in (
           "2a", "2b", "2c", "2d", "2e", "3b", "4b", "5a", "5b", "5c", "ED1a", "ED1b", "ED2", "ED3", "SF1")),
                 "acc_table_SD3_cagi", "acc_table_T2_targeted", "acc_table_T3_new_models", "acc_table_T4_tomtom",
                 "acc_table_T5_replicate_ceiling")},
    "acc_panel_SF2": PaperScale(60.0, "arrays", "work",
                                "occlusion table: 10,000 windows x 3 kinds x 15 cells x ~130 B, read whole: 0.79 kB of RSS "
                                "per row measured (benchmarks/cost_per_unit.py: 179 / 393 MB at 90,000 / 360,000 rows) x "
                                "the paper's rows (experiments.occlusion_rows)",
                                arrays_mb=acc_exp.occlusion_rows(ACC_PAPER) * acc_exp.SF2_MB_PER_ROW,
                                work=_acc_cpu_work("panel_SF2", "occlusion_seq rows: occlusion models x n_windows x 3 "
                                                   "kinds x cells (experiments.occlusion_rows)")),
}


def project(scale: PaperScale | None, max_rss_mb: float, seconds: float, input_mb: float,
            baseline_mb: float, baseline_s: float = 0.0) -> tuple[float | None, float | None]:
    """(projected paper memory MB, projected paper time minutes) for one rule (module docstring);
    None when the paper-scale size is unknown or the rehearsal input size is 0. ``baseline_mb`` /
    ``baseline_s``: the smallest RSS / wall time of the rehearsal (fixed interpreter costs)."""
    if scale is None or scale.paper_mb is None or not input_mb or input_mb <= 0 or math.isnan(input_mb):
        return None, None
    ratio = scale.paper_mb / input_mb
    if scale.mem == "constant":
        mem = max_rss_mb
    elif scale.mem == "arrays":
        mem = max_rss_mb + scale.arrays_mb
    else:
        base = min(baseline_mb, max_rss_mb)
        mem = base + (max_rss_mb - base) * ratio
    if scale.time == "gpu":
        minutes = scale.gpu.minutes
    elif scale.time == "work":
        minutes = scale.work.minutes
    elif scale.time == "linear":
        t0 = min(max(baseline_s, 0.0), seconds)
        minutes = (t0 + (seconds - t0) * ratio) / 60.0
    else:
        minutes = seconds / 60.0
    return mem, minutes
