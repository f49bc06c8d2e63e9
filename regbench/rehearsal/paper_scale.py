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

PAPER_SCALE: dict[str, PaperScale] = {
    # --- shared (rehearsal-core)
    "download": PaperScale(1000.0, "constant", "linear",
                           "largest shared download: Enformer pytorch_model.bin, 1.0 GB (config/paper.yaml note); "
                           "the body is streamed to disk in 1 MiB chunks"),
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
