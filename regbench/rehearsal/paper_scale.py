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
(read from a dry-run of the paper DAG with the SLURM profile).

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

#: accessibility: hg38.fa unzipped (UCSC, 3,209,286,105 bases + line breaks); the dataset rule's
#: inputs (genome + 15 bigWigs + 15 peak files); the coverage_3072 HDF5; the GIA tables of the
#: binary experiment (see the rows below for the sources)
ACC_HG38_MB = 3_273.0
ACC_DATASET_INPUT_MB = ACC_HG38_MB + 15 * 685.0 + 15 * 2.9
ACC_COVERAGE_H5_MB = 914_000 * 95_232 * 0.5 / 1e6
ACC_GIA_TABLES_MB = 245.0

PAPER_SCALE: dict[str, PaperScale] = {
    # --- shared (rehearsal-core)
    "download": PaperScale(1000.0, "constant", "linear",
                           "largest shared download: Enformer pytorch_model.bin, 1.0 GB (config/paper.yaml note); "
                           "the body is streamed to disk in 1 MiB chunks"),
    # --- accessibility (acc): sizes of the largest job's inputs on the real data (specs/accessibility.md)
    "acc_unzip_genome": PaperScale(983.0, "constant", "linear", "UCSC hg38.fa.gz, 983 MB; gzip -dc streams"),
    "acc_assembly_gaps": PaperScale(ACC_HG38_MB, "constant", "linear", "UCSC hg38.fa unzipped (3,209,286,105 bases in 50-bp lines); read 10 Mb at a time"),
    "acc_encode_bigwig": PaperScale(786.0, "constant", "linear", "largest rep1 fold-change bigWig GOPHER used: Panc1 ENCFF185TQC, 786 MB (data/sample_metafile.tsv)"),
    "acc_encode_peaks": PaperScale(3.5, "constant", "linear", "PC-3 IDR thresholded peaks ENCFF061YKV, 3.5 MB (data/sample_metafile.tsv)"),
    "acc_dataset": PaperScale(ACC_DATASET_INPUT_MB, "constant", "linear",
                              "hg38.fa 3,273 MB + 15 rep1 fold-change bigWigs x 685 MB (mean of Panc1 ENCFF185TQC 786 MB and "
                              "PC-3 ENCFF064FOF 584 MB, GOPHER data/sample_metafile.tsv) + 15 IDR peak files x 2.9 MB; "
                              "windows are read and written in chunks"),
    "acc_train": PaperScale(ACC_COVERAGE_H5_MB, "constant", "linear",
                            "coverage_3072.h5: ~914k windows (specs §2.1: 823k train + 44k valid + 46.6k test, before the "
                            "threshold) x 95,232 B (3,072 uint8 codes + 3,072 x 15 float16) x 0.5 gzip ratio (0.28 measured on "
                            "the rehearsal's synthetic tracks; real fold change compresses worse); batches streamed"),
    "acc_evaluate": PaperScale(20_000.0, "constant", "linear",
                               "largest job (a new model: whole, peak, binary, CAGI, Tomtom, GIA, occlusion): peak_3072.h5 "
                               "~14 GB + whole_2048.h5 2.2 GB (69.8k x 63.5 kB x 0.5) + 15 per-cell IDR sets ~3 GB + "
                               "binary sets 0.6 GB + CAGI5 codes; every evaluation streams its test split"),
    "acc_replicate_ceiling": PaperScale(2_200.0 + 13 * 686.0, "constant", "linear",
                                        "whole_2048.h5 2.2 GB + 13 rep2 fold-change bigWigs x 686 MB (Panc1 ENCFF174PXJ 677 MB, "
                                        "PC-3 ENCFF895PMJ 696 MB); streamed"),
    "acc_cagi_variants": PaperScale(3_200.0, "constant", "linear",
                                    "UCSC hg19.fa 3.2 GB + CAGI5 tables 1.3 MB; holds 18,442 x 2 windows of 3,072 bp (~113 MB "
                                    "as codes) whatever the genome size"),
    "acc_collect": PaperScale(ACC_GIA_TABLES_MB, "linear", "linear",
                              "the binary experiment's GIA tables: 8 models x ~204k rows (1,536 flanks + 3 x 1,019 distances "
                              "+ 3 x 3 x 1,000 per-sequence cooperativity rows, x 15 cells) x ~150 B = 245 MB"),
    **{f"acc_panel_{p}": PaperScale(ACC_GIA_TABLES_MB + 31.0, "linear", "linear",
                                    "all GIA tables: 9 models x ~31 MB (see acc_collect)") for p in ("6a", "6b", "6c", "ED4", "ED5", "ED6")},
    "acc_panel_SF2": PaperScale(60.0, "linear", "linear", "occlusion table: 10,000 windows x 3 kinds x 15 cells x ~130 B"),
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
