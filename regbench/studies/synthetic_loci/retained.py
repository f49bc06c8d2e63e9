"""Retained-performance check (spec §5): fine-tuned trunk + original mouse head vs the original Enformer.

On held-out genomic windows (demo: the held-out contig; paper: a user-provided BED, e.g. 2,000
random 25.6-kb mappable blocks or the Basenji mouse test fold), both models predict every track of
the mouse head (1-bp shift ensemble). Per region and track:

- ``r_between``: Pearson r across bins between the original and the fine-tuned predictions
  (the authors' ``array_correlation.py``);
- for tracks with an observed bigWig (``observed``: description -> path): Pearson r across bins of
  ``log10(pred + 1)`` vs ``log10(obs + 1)`` (obs = mean per 128-bp bin; authors'
  ``array_correlation_bw.py``) for the original (``r_obs_original``) and fine-tuned
  (``r_obs_finetuned``) models, and ``delta = r_obs_finetuned - r_obs_original``.

Observed signal is binned like the track's training target (its row of the targets table:
``sum_stat`` per 128-bp bin, ``x scale``, clipped at ``clip``; :func:`regbench.studies.synthetic_loci.
cage.measure_bins`). Regions: a BED (``fold`` keeps the rows whose 4th column equals it, e.g. the
``test`` fold of Basenji's mouse ``sequences.bed``), ``max_regions`` sampled (seeded), each re-centred
to ``window`` bp.

Output TSV (``level``):

- ``region``: one row per region and track for the observed tracks (all tracks when there are <= 16);
- ``region_class``: one row per region and track class (the description's prefix: ``DNASE``,
  ``CAGE``, ``CHIP``, ``ATAC``), with the median over the class's tracks of ``r_between`` and, where
  the class has observed tracks, of ``r_obs_*`` and ``delta`` (so with 1,643 tracks every region still
  has per-class rows);
- ``track``: per track, the median over regions of ``r_between`` (n regions).

Streaming: regions are predicted ``chunk`` at a time, rows are appended to the output as they are
made, and the per-track ``r_between`` values go to a float32 memory map on disk (regions x tracks)
whose columns give the per-track medians at the end; peak memory is set by the chunk and the model.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson


def sample_regions(regions: pd.DataFrame, window: int, max_regions: int, seed: int) -> pd.DataFrame:
    """Up to ``max_regions`` regions (seeded, original order kept), re-centred to ``window`` bp."""
    if len(regions) > max_regions:
        idx = np.sort(np.random.default_rng(seed).choice(len(regions), size=max_regions, replace=False))
        regions = regions.iloc[idx]
    mid = ((regions["start"].to_numpy() + regions["end"].to_numpy()) // 2).astype(int)
    return pd.DataFrame({"chrom": regions["chrom"].to_numpy(), "start": mid - window // 2, "end": mid - window // 2 + window})


def track_class(description: str) -> str:
    """Class of a Basenji target from its description (``DNASE:129 ES-CJ7`` -> ``DNASE``; no prefix -> ``OTHER``)."""
    d = str(description)
    return d.split(":", 1)[0].strip().upper() if ":" in d else "OTHER"


def rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r along axis 1 (bins) of (N, bins, T) arrays -> (N, T); NaN where constant."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(pearson(a, b, axis=1), dtype=float)


def run_retained(
    enformer_source,
    model_dir,
    head: dict,
    targets_path,
    genome_path,
    regions_path,
    window: int,
    out,
    finetune_window: int,
    max_regions: int = 2000,
    seed: int = 5,
    observed: dict[str, str] | None = None,
    shifts: int = 11,
    batch_size: int = 4,
    n_value: float = 0.25,
    use_tf_gamma=None,
    chunk: int = 64,
    fold: str | None = None,
    log=None,
    *,
    precision: str,
) -> pd.DataFrame:
    """Retained-performance check (module docstring); writes ``out`` and returns its ``track`` and
    ``region_class`` rows (the per-region rows stay on disk)."""
    import tempfile

    from regbench.genome.fasta import Genome
    from regbench.genome.intervals import read_bed
    from regbench.genome.onehot import one_hot
    from regbench.genome.tracks import read_windows
    from regbench.predict.device import resolve_device
    from regbench.predict.engine import predict
    from regbench.predict.enformer import EnformerHead, read_targets, track_index
    from regbench.studies.synthetic_loci.cage import measure_bins
    from regbench.studies.synthetic_loci.heads import load_base, load_finetuned
    from regbench.workflow import atomic_path

    observed = observed or {}
    targets = read_targets(targets_path)
    obs_idx = {track_index(targets, d): p for d, p in observed.items()}
    n_tracks = len(targets)
    desc = targets["description"].astype(str).tolist()
    classes = [track_class(d) for d in desc]
    class_idx = {c: np.array([t for t in range(n_tracks) if classes[t] == c]) for c in dict.fromkeys(classes)}
    per_region = sorted(set(obs_idx) if n_tracks > 16 else set(range(n_tracks)))
    genome = Genome(genome_path)
    reg = read_bed(regions_path)
    if fold:
        reg = reg[reg["name"].astype(str) == fold]
    reg = sample_regions(reg, window, max_regions, seed)
    original = EnformerHead(load_base(enformer_source, use_tf_gamma, window), "mouse")
    finetuned = load_finetuned(enformer_source, model_dir, head, finetune_window, use_tf_gamma).track_head("mouse")
    dev = resolve_device()  # this job's own models: on the GPU once, not per engine call
    original.to(dev)
    finetuned.to(dev)
    shift_list = tuple(range(int(shifts)))
    cols = ["level", "region", "track", "description", "n", "r_between", "r_obs_original", "r_obs_finetuned", "delta"]
    summary = []
    with atomic_path(out) as tmp, open(tmp, "w") as fh, tempfile.TemporaryDirectory(dir=Path(out).parent) as scratch:
        fh.write("\t".join(cols) + "\n")
        between = np.lib.format.open_memmap(Path(scratch) / "r_between.npy", mode="w+", dtype=np.float32, shape=(len(reg), n_tracks))

        def emit(rows):
            pd.DataFrame(rows, columns=cols).to_csv(fh, sep="\t", index=False, header=False, float_format="%.6g")

        for c0 in range(0, len(reg), chunk):
            r = reg.iloc[c0 : c0 + chunk]
            x = one_hot([genome.fetch(c, s, e) for c, s, e in r.itertuples(index=False)], n_value=n_value)
            po = predict(original, x, batch_size=batch_size, shifts=shift_list, precision=precision, progress=False)
            pf = predict(finetuned, x, batch_size=batch_size, shifts=shift_list, precision=precision, progress=False)
            rb = rowwise_pearson(po, pf)  # (n, T)
            between[c0 : c0 + len(r)] = rb
            ro = np.full(rb.shape, np.nan)
            rf = np.full(rb.shape, np.nan)
            for t, bw in obs_idx.items():
                tg = targets.iloc[t]
                obs = measure_bins(read_windows(bw, r["chrom"].tolist(), r["start"].to_numpy(), r["end"].to_numpy(), nan=None), 128,
                                   str(tg["sum_stat"]) if str(tg["sum_stat"]) in ("sum", "mean") else "mean", float(tg["scale"]), float(tg["clip"]))
                lo = np.log10(np.clip(obs.astype(np.float32), 0, None) + 1)
                ro[:, t] = rowwise_pearson(np.log10(np.clip(po[:, :, t], 0, None) + 1)[:, :, None], lo[:, :, None])[:, 0]
                rf[:, t] = rowwise_pearson(np.log10(np.clip(pf[:, :, t], 0, None) + 1)[:, :, None], lo[:, :, None])[:, 0]
            rows = []
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for i, (c, s, e) in enumerate(r.itertuples(index=False)):
                    name = f"{c}:{s}-{e}"
                    for t in per_region:
                        rows.append(["region", name, t, desc[t], 1, rb[i, t], ro[i, t], rf[i, t], rf[i, t] - ro[i, t]])
                    for cls, idx in class_idx.items():
                        ob = [t for t in idx if t in obs_idx]
                        rows.append(["region_class", name, -1, cls, len(idx), np.nanmedian(rb[i, idx]),
                                     np.nanmedian(ro[i, ob]) if ob else np.nan, np.nanmedian(rf[i, ob]) if ob else np.nan,
                                     np.nanmedian(rf[i, ob] - ro[i, ob]) if ob else np.nan])
            emit(rows)
            if log is not None:
                log.info("retained: %d/%d regions", min(c0 + chunk, len(reg)), len(reg))
        rows = []
        for t0 in range(0, n_tracks, 256):
            blk = np.asarray(between[:, t0 : t0 + 256], dtype=np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(blk, axis=0) if len(blk) else np.full(blk.shape[1], np.nan)
            for k in range(blk.shape[1]):
                rows.append(["track", "", t0 + k, desc[t0 + k], int(np.isfinite(blk[:, k]).sum()), med[k], np.nan, np.nan, np.nan])
        emit(rows)
        summary += rows
        del between
    return pd.DataFrame(summary, columns=cols)
