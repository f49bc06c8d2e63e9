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
* time ``linear``: ``time_paper = s * P / x``; ``constant``: ``time_paper = s``. Times are CPU
  wall times on the rehearsal machine; for GPU rules they are an upper bound, not a forecast.

Rules without a row (or ``P`` unknown) get no projection (``NA``) and ``over_request`` ``NA``:
the table then says which rows a study owner still has to fill. ``over_request`` is true when a
projection exceeds the ``mem_mb`` or ``runtime`` (minutes) the paper configuration requests
(read from a dry-run of the paper DAG with the SLURM profile, per rule the largest over its
jobs). In that dry-run no input exists yet, so a resource function of input size must return
its paper-scale request when its input is absent (as ``rules/common/dream.smk`` does with the
paper's row count), not its minimum.

Adding a row: ``PaperScale(paper_mb, mem, time, source)`` under the rule name; the source says
where the number comes from (a file listing, a paper, ``config/paper.yaml``), so that it can be
checked. ``mem="constant"`` is a claim that the step streams: back it with the step's row in
``benchmarks/memory.py`` (peak RSS ratio <= 1.25 between N and 4N).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MODELS = ("constant", "linear")


@dataclass(frozen=True)
class PaperScale:
    """The input of one job of a rule at paper scale (MB) and how memory and time grow with it."""

    paper_mb: float | None
    mem: str
    time: str
    source: str

    def __post_init__(self):
        if self.mem not in MODELS or self.time not in MODELS:
            raise ValueError(f"PaperScale: mem/time must be one of {MODELS}, got {self.mem!r}/{self.time!r}")
        if not self.source.strip():
            raise ValueError("PaperScale: give the source of the paper-scale size")


#: DREAM training set: 6,739,258 sequences (config/paper.yaml note) x 119.5 bytes per line (the
#: mean line length of the 6,369 real training lines in shared/data/dream/demo_train.txt,
#: 760,902 bytes) = 805 MB.
DREAM_TRAIN_MB = 6_739_258 * 760_902 / 6_369 / 1e6

#: synthetic_loci: mm10 = GRCm38, 2,730,871,774 bp (UCSC chrom.sizes total incl. unplaced contigs)
#: as FASTA with 50-bp lines; the Enformer weights dominate every GPU job's input (1.0 GB,
#: config/paper.yaml note), and the model's size sets both its memory and its time per window.
MM10_FA_MB = 2_730_871_774 * 51 / 50 / 1e6
ENFORMER_MB = 1000.0
SL_GPU = ("the Enformer weights (pytorch_model.bin 1.0 GB, config/paper.yaml note) + targets + the payload/region "
          "tables (< 1 MB). Memory constant: the step streams its data and on the paper's GPU the activations are "
          "in GPU memory; host RSS = interpreter + CUDA context + the weights (state dict and module) = the request "
          "2 GB + 4 x weights MB (rules/common/synthetic_loci.smk), not the rehearsal's CPU activations scaled. Time "
          "linear: an upper bound from CPU time of the shrunken model, not a GPU forecast")

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

PERSONAL_SCALE: dict[str, PaperScale] = {
    "personal_liftover": PaperScale(ROSMAP_B37_CHR_MB + 1.0, "constant", "linear",
                                    "one GRCh37 chromosome VCF (ROSMAP_B37_CHR_MB estimate) + chain; Picard "
                                    "spills sorting to disk (MAX_RECORDS_IN_RAM), so memory is the JVM heap"),
    "personal_plink_qc": PaperScale(ROSMAP_B37_CHR_MB, "linear", "linear",
                                    "lifted chromosome VCF ~ the GRCh37 one (estimate); PLINK holds 2 bits per genotype"),
    "personal_phase": PaperScale(ROSMAP_B37_CHR_MB / 4, "linear", "linear",
                                 "QC'd chromosome VCF (GT only after PLINK --recode: ~1/4 of the joint VCF, estimate); "
                                 "Eagle holds the chromosome's haplotypes"),
    "personal_concat": PaperScale(ROSMAP_VCF_MB, "constant", "linear",
                                  "22 phased chromosome VCFs = chrAll.phased.vcf.gz (ROSMAP_VCF_MB estimate); bcftools streams"),
    "personal_expression": PaperScale(400.0, "linear", "constant",
                                      "counts 60,000 genes x 1,100 specimens x ~6 bytes = 400 MB (estimate), covariate "
                                      "tables and the VCF's sample list (KB)"),
    "personal_gtex_target": PaperScale(2600.0, "constant", "linear",
                                       "GTEx v8 gene TPM GCT 2.6 GB (config note), read 2,000 rows at a time"),
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
    "personal_elastic_net": PaperScale(13397 * 5313 * 3 * 4 / 1e6, "linear", "linear",
                                       "reference features 13,397 genes x 5,313 tracks x 3 readouts float32 (held in memory)"),
    "personal_predixcan": PaperScale(ROSMAP_VCF_MB, "constant", "constant",
                                     "VCF (tabix regions of the model SNVs, gene by gene) + PredictDB"),
    "personal_gene_stats": PaperScale(PERS_GENOTYPES_MB + PERS_PREDICTIONS_MB + PERS_EXPRESSION_MB, "constant", "linear",
                                      "genotype chunks + predictions + expression; streamed one chunk at a time "
                                      "(benchmarks/memory_personal.py)"),
    "personal_drivers": PaperScale(PERS_GENOTYPES_MB + PERS_PREDICTIONS_MB + PERS_EXPRESSION_MB, "constant", "linear",
                                   "as personal_gene_stats (streamed; benchmarks/memory_personal.py)"),
    "personal_cnn_train": PaperScale(HG38_MB + PERS_EXPRESSION_MB, "constant", "linear",
                                     "genome + expression; the windows are held as uint8 codes (13,397 x 40,001 bp = "
                                     "536 MB, independent of the genome size), one-hot per batch"),
    "personal_cnn_eval": PaperScale(ROSMAP_VCF_MB + HG38_MB, "constant", "linear",
                                    "VCF + genome; haplotypes gene by gene for 190 individuals"),
}

PAPER_SCALE: dict[str, PaperScale] = {
    # --- shared (rehearsal-core)
    "download": PaperScale(1000.0, "constant", "linear",
                           "largest shared download: Enformer pytorch_model.bin, 1.0 GB (config/paper.yaml note); "
                           "the body is streamed to disk in 1 MiB chunks"),
    # --- synthetic_loci
    "synthetic_loci_mm10": PaperScale(870.0, "constant", "linear",
                                      "mm10.fa.gz, ~870 MB (UCSC bigZips listing; order of magnitude, not re-checked offline); "
                                      "gzip -dc | file and samtools faidx stream"),
    "synthetic_loci_inputs": PaperScale(MM10_FA_MB, "constant", "constant",
                                        "mm10.fa (2.73 Gbp as 50-bp lines) is an input but only its .fai and the 39.9-kb "
                                        "region are read; the user files (83 payloads, Brosh 2023) are read line by line"),
    "synthetic_loci_dataset": PaperScale(MM10_FA_MB, "constant", "constant",
                                         "mm10.fa input (read at the Sox2 region only); 83 payloads streamed one at a time: "
                                         "seconds, not proportional to the genome file"),
    "synthetic_loci_predict_baseline": PaperScale(ENFORMER_MB, "constant", "linear", SL_GPU),
    "synthetic_loci_finetune": PaperScale(ENFORMER_MB, "constant", "linear", SL_GPU),
    "synthetic_loci_predict_finetuned": PaperScale(2 * ENFORMER_MB, "constant", "linear", SL_GPU + "; plus the fine-tuned model.pt (1.0 GB)"),
    "synthetic_loci_retained": PaperScale(2 * ENFORMER_MB, "constant", "linear", SL_GPU + "; plus the fine-tuned model.pt (1.0 GB)"),
    "synthetic_loci_cage_train": PaperScale(ENFORMER_MB + MM10_FA_MB, "constant", "linear",
                                            "Enformer weights (1.0 GB) + mm10.fa (read per window) + the CAGE dataset "
                                            "(500k x 200 x 5 float16 targets, gzip HDF5, < 1 GB); memory follows the model"),
    "synthetic_loci_cage_predict": PaperScale(ENFORMER_MB, "constant", "linear", SL_GPU),
    "synthetic_loci_cage_heldout": PaperScale(ENFORMER_MB + MM10_FA_MB, "constant", "linear", SL_GPU + "; mm10.fa read per region"),
    "synthetic_loci_cage_dataset": PaperScale(500.0, "constant", "linear",
                                              "five mESC CAGE bigWigs (~100 MB each, FANTOM5/GEO; estimate) read 256 windows at a "
                                              "time; time grows with the 500,000 windows (20 x 25,000), not with the file size"),
    "synthetic_loci_ctss_bigwig": PaperScale(60.0, "constant", "linear",
                                             "FANTOM5 mESC CTSS bed.gz, ~60 MB (estimate: a few million tags per library); "
                                             "read in chunks of 1M lines"),
    "synthetic_loci_encode_dnase": PaperScale(1000.0, "constant", "linear",
                                              "ENCODE mm10 DNase read-depth normalized bigWig (estimate ~1 GB); streamed to disk"),
    "synthetic_loci_zenodo_files": PaperScale(0.01, "constant", "constant", "Zenodo records API answer, a few kB"),
    "synthetic_loci_metrics": PaperScale(60.0, "constant", "linear",
                                         "16 models x (32 windows x 83 payloads x ~10 DHSs x 2 tracks) peak rows (~3 MB each) "
                                         "+ retained tables (2,000 regions): read in chunks"),
    "synthetic_loci_tracks": PaperScale(40.0, "constant", "linear",
                                        "two profiles.npz of 83 payloads x 26,880 bp x 2 tracks float32 (18 MB each), one payload read at a time"),
    "synthetic_loci_figures": PaperScale(20.0, "constant", "linear", "the metrics tables (83 payloads; retained 2,000 regions x 6 rows), ~20 MB held while drawing: matplotlib dominates the RSS"),

    # --- personal (job inputs at paper scale; "estimate" rows are arithmetic on published sizes)
    **PERSONAL_SCALE,
    # --- dream
    "dream_train": PaperScale(DREAM_TRAIN_MB, "linear", "constant",
                              "train_sequences.txt: 6,739,258 lines (config/paper.yaml) x 119.5 bytes/line (real "
                              "demo_train.txt) = 805 MB; time is set by the step cap, not by the file"),
}


def project(scale: PaperScale | None, max_rss_mb: float, seconds: float, input_mb: float,
            baseline_mb: float) -> tuple[float | None, float | None]:
    """(projected paper memory MB, projected paper time minutes) for one rule; None when the
    paper-scale size is unknown or the rehearsal input size is 0."""
    if scale is None or scale.paper_mb is None or not input_mb or input_mb <= 0 or math.isnan(input_mb):
        return None, None
    ratio = scale.paper_mb / input_mb
    if scale.mem == "constant":
        mem = max_rss_mb
    else:
        base = min(baseline_mb, max_rss_mb)
        mem = base + (max_rss_mb - base) * ratio
    minutes = seconds / 60.0 * (ratio if scale.time == "linear" else 1.0)
    return mem, minutes
