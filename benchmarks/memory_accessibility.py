"""Accessibility (GOPHER) steps for ``benchmarks/memory.py``: ``STEPS = [(name, fn, n)]``.

Each ``fn(n)`` writes its inputs for ``n`` windows into a temporary folder (chromosome by
chromosome / chunk by chunk, so input generation itself stays flat) and runs the study's library
function on them in this process, as its rule would:

Power of each step (why its ``n`` is large enough): had the step kept one array of ``a`` bytes
per window, its RSS would be ``R + a n`` at n and ``R + 4 a n`` at 4n (``R``: the step's
measured RSS at n, interpreter + imports + batch buffers), a ratio above 1.25 as soon as
``a n > R / 11``. Each step below names the smallest array its pre-streaming code held and the
R it measured (``python benchmarks/memory.py``, 2026-12-02):

* ``acc_dataset``: :func:`regbench.studies.accessibility.datasets.build_dataset` (coverage
  kind, 3,072 bp, 3 cell lines) on a genome and bigWigs of ``n`` windows. Before streaming it held
  three float32 ``(n, 3072)`` arrays, their stack and the float16 copy (~95 kB per window). The
  stack alone, float32 ``(n, 3072, 3)``, is a = 36.9 kB: at n = 1,000 a n = 36.9 MB > R / 11
  (R = 139 MB measured -> 12.6 MB);
* ``acc_train``: :func:`regbench.studies.accessibility.experiments.train_model` (Basenji, bin 32,
  one epoch over every window): before, float32 one-hot x and float32 targets of every window
  (~86 kB per window). x alone, float32 ``(n, 3072, 4)``, is a = 49.2 kB: at n = 1,000
  a n = 49 MB > R / 11 (R = 462 MB measured -> 42 MB);
* ``acc_eval_whole``: the ``whole`` evaluation at bin 1 with box-car smoothing at every window
  size of the paper and the 25 test thresholds: before, x, y, y_bp and float64 predictions of
  the whole chromosome plus the upsampled and smoothed copies (> 150 kB per window). The float64
  predictions alone, ``(n, 2048, 3)``, are a = 49.2 kB: at n = 1,000 a n = 49 MB > R / 11
  (R = 474 MB measured at n = 800 -> 43 MB; n = 800 gave 39 MB, short of it). Its cost is the
  15 streaming correlations per window (53 CPU s for 800 + 3,200 windows here);
* ``acc_robustness``: the variation score (K = 20 shifts): before, float64 ``(K, n, 2048, C)``
  predictions, a = 983 kB per window: at n = 50 a n = 49 MB > R / 11 (R = 393 MB measured at
  n = 40 -> 36 MB);
* ``acc_replicate_ceiling``: :func:`regbench.studies.accessibility.evaluate.replicate_ceiling`
  (rep1 of a whole-chromosome set vs one generated rep2 bigWig per cell, 8 bin sizes): unstreamed
  it would hold float64 rep1 and rep2 ``(n, 2048, 3)``, a = 98 kB per window: at n = 1,000
  a n = 98 MB > R / 11 (R = 268 MB measured with benchmarks/cost_per_unit.py -> 24 MB);
* ``acc_tomtom``: first-layer activations of 64 filters -> PPMs
  (:func:`regbench.studies.accessibility.filters.streamed_ppms`): before, every activation
  ``(n, 2048, 64)`` float32, a = 524 kB per window: at n = 100 a n = 52 MB > R / 11
  (R = 372 MB measured at n = 80 -> 34 MB).

Inputs are generated vectorised (FASTA as one byte array per chromosome, bigWig entries of
``BW_SPAN`` bp): per-base pyBigWig entries and per-line string slicing took ~29 of the ~36 s of
acc_dataset at 1,000 windows (measured 2026-12-02), most of the old 688 s row.

A streamed step's RSS at 4n over n stays <= 1.25.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

CELLS = ["c0", "c1", "c2"]
CHROM_WINDOWS = 50  # windows per chromosome: more windows = more chromosomes, not longer ones
#: at least chr1..chr10, so that chr8 (test) and chr9 (valid) exist; with CHROM_WINDOWS = 50 any
#: n >= 500 gives n / 50 chromosomes, so 4n windows really are 4x the windows of n
MIN_CHROMS = 10
#: bigWig resolution of the generated tracks (bp per entry; the dataset still reads per base)
BW_SPAN = 16


def _genome(tmp: Path, n_windows: int, length: int, seed: int = 0) -> tuple[Path, list[str], list[str], Path, dict]:
    """FASTA, one bigWig per cell (a coverage bump > 2 in every window) and IDR-like peaks for
    ``n_windows`` windows of ``length`` bp spread over chr1..chrK (chr8/chr9 among them),
    written chromosome by chromosome."""
    import gzip

    import pyBigWig

    rng = np.random.default_rng(seed)
    n_chrom = max(MIN_CHROMS, -(-n_windows // CHROM_WINDOWS))
    size = CHROM_WINDOWS * length
    sizes = {f"chr{i + 1}": size for i in range(n_chrom)}
    fa = tmp / "genome.fa"
    with open(fa, "wb") as fh:
        for c in sizes:
            # 60-bp lines built as one (rows, 61) byte array: ~100x faster than slicing a str per line
            full, rest = divmod(size, 60)
            lines = np.full((full + 1, 61), ord("\n"), np.uint8)
            lines[:, :60] = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, (full + 1, 60))]
            fh.write(f">{c}\n".encode() + lines[:full].tobytes())
            if rest:
                fh.write(lines[full, :rest].tobytes() + b"\n")
    bws, peaks = [], []
    for k, cell in enumerate(CELLS):
        path = tmp / f"{cell}.bw"
        bw = pyBigWig.open(str(path), "w")
        bw.addHeader(list(sizes.items()))
        for c in sizes:
            # one value per BW_SPAN bp (per-base entries made pyBigWig writing ~80 % of the step's
            # wall time); the bump sits on the bin holding each window's centre
            v = rng.gamma(1.0, 0.5, size // BW_SPAN)
            v[(length // 2) // BW_SPAN :: length // BW_SPAN] += 4.0 + k
            bw.addEntries(c, 0, values=v.astype(np.float64), span=BW_SPAN, step=BW_SPAN)
        bw.close()
        bws.append(str(path))
        pk = tmp / f"{cell}.bed.gz"
        with gzip.open(pk, "wt") as fh:
            for c in sizes:
                for w in range(0, size, length * 7):
                    fh.write(f"{c}\t{w + 1000}\t{w + 1300}\tp\t0\t.\t5\t-1\t-1\t150\n")
        peaks.append(str(pk))
    black = tmp / "black.bed"
    black.write_text("chr1\t0\t10\n")
    return fa, bws, peaks, black, sizes


def _h5(tmp: Path, n: int, length: int, splits=("test",), seed: int = 0) -> Path:
    """A dataset file of ``n`` windows per split (codes + float16 coverage), written in chunks."""
    import h5py

    from regbench.studies.accessibility.datasets import _SplitWriter

    rng = np.random.default_rng(seed)
    path = tmp / "set.h5"
    with h5py.File(path, "w") as h5:
        h5.attrs["cells"], h5.attrs["kind"], h5.attrs["length"] = CELLS, "coverage", length
        for split in splits:
            w = _SplitWriter(h5, split, length, len(CELLS), False)
            for c0 in range(0, n, 256):
                m = min(256, n - c0)
                y = rng.gamma(1.0, 1.0, (m, length, len(CELLS))).astype(np.float16)
                w.append({"codes": rng.integers(0, 4, (m, length)).astype(np.uint8), "y": y,
                          "chrom": np.array(["chr8"] * m, dtype=object), "start": np.arange(c0, c0 + m) * length,
                          "end": np.arange(c0 + 1, c0 + m + 1) * length})
    return path


def _cfg(**evaluation) -> dict:
    ev = {"batch_size": 64, "chunk": 64}
    ev.update(evaluation)
    return {"input_length": 2048, "evaluation": ev,
            "architectures": {"basenji": {"model": "basenji_v2", "hparams": {"filters_1": 8, "filters_2": 16, "n_blocks": 2}},
                              "cnn": {"model": "cnn_base", "hparams": {"filters": [64, 8, 8], "dense": 8, "top": 8}}},
            "training": {"quantitative": {"max_epochs": 1, "batch_size": 32, "lr": 1e-3, "device": "cpu"},
                         "binary": {"max_epochs": 1}}}


def _spec(arch="basenji", bin_size=32):
    return {"arch": arch, "dataset": "set", "loss": "poisson", "bin": bin_size, "aug": "rc_shift", "seed": 0, "binary": False}


def dataset_step(n: int) -> None:
    from regbench.studies.accessibility.datasets import build_dataset

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        fa, bws, peaks, black, _ = _genome(tmp, n, 3072)
        counts = build_dataset({"kind": "coverage", "length": 3072, "threshold": 2}, fa, bws, peaks, black, CELLS, tmp / "out.h5")
        assert sum(counts.values()) >= 0.9 * n, counts


def train_step(n: int) -> None:
    import torch

    from regbench.studies.accessibility.experiments import train_model

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = _h5(tmp, n, 3072, splits=("train", "valid"))
        train_model(_spec(), _cfg(), path, tmp / "model")


def _model(arch="basenji", bin_size=32):
    import torch

    from regbench.studies.accessibility.experiments import build_model

    torch.manual_seed(0)
    return build_model(_spec(arch, bin_size), _cfg(), len(CELLS)).eval()


def eval_whole_step(n: int) -> None:
    import torch

    from regbench.studies.accessibility.evaluate import run_evaluations

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = _h5(tmp, n, 2048)
        cfg = _cfg(smooth_windows=[1, 32, 64, 128, 256, 512, 1024, 2048], test_thresholds=list(range(25)))
        run_evaluations(["whole"], _spec(bin_size=1), cfg, _model(bin_size=1), CELLS, {"whole": str(path)}, tmp / "out.tsv")


def robustness_step(n: int) -> None:
    import torch

    from regbench.studies.accessibility.evaluate import run_evaluations

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = _h5(tmp, n, 3072)
        run_evaluations(["robustness"], _spec(), _cfg(robust_shifts=20), _model(), CELLS, {"peak": str(path)},
                        tmp / "out.tsv")


def tomtom_step(n: int) -> None:
    import h5py
    import torch

    from regbench.studies.accessibility.datasets import onehot_view
    from regbench.studies.accessibility.filters import streamed_ppms

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = _h5(tmp, n, 2048)
        with h5py.File(path, "r") as h5:
            ppms = streamed_ppms(_model("cnn", 32), onehot_view(h5["test"]["codes"]), n, batch_size=64)
        assert ppms.shape == (64, 24, 4)


def replicate_ceiling_step(n: int) -> None:
    import pyBigWig

    from regbench.studies.accessibility.evaluate import replicate_ceiling

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        h5 = _h5(tmp, n, 2048)
        bws = []
        for cell in CELLS:  # chr8 of n windows, one value per BW_SPAN bp, written in one call
            path = tmp / f"{cell}.rep2.bw"
            bw = pyBigWig.open(str(path), "w")
            bw.addHeader([("chr8", n * 2048)])
            bw.addEntries("chr8", 0, values=rng.gamma(1.0, 1.0, n * 2048 // BW_SPAN), span=BW_SPAN, step=BW_SPAN)
            bw.close()
            bws.append(str(path))
        df = replicate_ceiling(h5, bws, [1, 32, 64, 128, 256, 512, 1024, 2048], tmp / "ceiling.tsv", cells=list(CELLS))
        assert set(df["bin"]) == {1, 32, 64, 128, 256, 512, 1024, 2048}


STEPS = [
    ("acc_dataset", dataset_step, 1000),
    ("acc_train", train_step, 1000),
    ("acc_eval_whole", eval_whole_step, 1000),
    ("acc_robustness", robustness_step, 50),
    ("acc_tomtom", tomtom_step, 100),
    ("acc_replicate_ceiling", replicate_ceiling_step, 1000),
]
