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

Output TSV: ``level="region"`` rows (region, track, description, r_between, r_obs_original,
r_obs_finetuned, delta) for the observed tracks (all tracks when there are <= 16), and
``level="track"`` rows with the median over regions of ``r_between`` for every track (n).
"""

from __future__ import annotations

import os

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
    log=None,
    *,
    precision: str,
) -> pd.DataFrame:
    from regbench.genome.fasta import Genome
    from regbench.genome.intervals import read_bed
    from regbench.genome.onehot import one_hot
    from regbench.genome.tracks import bin_mean, read_windows
    from regbench.predict.device import resolve_device
    from regbench.predict.engine import predict
    from regbench.predict.enformer import EnformerHead, read_targets, track_index
    from regbench.studies.synthetic_loci.finetune import load_base, load_finetuned
    from regbench.workflow import atomic_path

    observed = observed or {}
    targets = read_targets(targets_path)
    obs_idx = {track_index(targets, d): p for d, p in observed.items()}
    n_tracks = len(targets)
    per_region = set(obs_idx) if n_tracks > 16 else set(range(n_tracks))
    genome = Genome(genome_path)
    reg = sample_regions(read_bed(regions_path), window, max_regions, seed)
    original = EnformerHead(load_base(enformer_source, use_tf_gamma), "mouse")
    finetuned = load_finetuned(enformer_source, model_dir, head, finetune_window, use_tf_gamma).track_head("mouse")
    dev = resolve_device()  # this job's own models: on the GPU once, not per engine call
    original.to(dev)
    finetuned.to(dev)
    shift_list = tuple(range(int(shifts)))
    rows, between = [], []
    for c0 in range(0, len(reg), chunk):
        r = reg.iloc[c0 : c0 + chunk]
        x = one_hot([genome.fetch(c, s, e) for c, s, e in r.itertuples(index=False)], n_value=n_value)
        po = predict(original, x, batch_size=batch_size, shifts=shift_list, precision=precision, progress=False)
        pf = predict(finetuned, x, batch_size=batch_size, shifts=shift_list, precision=precision, progress=False)
        rb = rowwise_pearson(po, pf)  # (n, T)
        between.append(rb)
        obs_r = {}
        for t, bw in obs_idx.items():
            obs = bin_mean(read_windows(bw, r["chrom"].tolist(), r["start"].to_numpy(), r["end"].to_numpy()), 128)
            lo = np.log10(np.clip(obs, 0, None) + 1)
            obs_r[t] = (
                rowwise_pearson(np.log10(po[:, :, t] + 1)[:, :, None], lo[:, :, None])[:, 0],
                rowwise_pearson(np.log10(pf[:, :, t] + 1)[:, :, None], lo[:, :, None])[:, 0],
            )
        for i, (c, s, e) in enumerate(r.itertuples(index=False)):
            for t in sorted(per_region):
                ro, rf = obs_r.get(t, (np.full(len(r), np.nan), np.full(len(r), np.nan)))
                rows.append(
                    {
                        "level": "region",
                        "region": f"{c}:{s}-{e}",
                        "track": t,
                        "description": str(targets["description"].iloc[t]),
                        "n": 1,
                        "r_between": rb[i, t],
                        "r_obs_original": ro[i],
                        "r_obs_finetuned": rf[i],
                        "delta": rf[i] - ro[i],
                    }
                )
        if log is not None:
            log.info("retained: %d/%d regions", min(c0 + chunk, len(reg)), len(reg))
    rb = np.concatenate(between)
    for t in range(n_tracks):
        rows.append(
            {
                "level": "track",
                "region": "",
                "track": t,
                "description": str(targets["description"].iloc[t]),
                "n": int(np.isfinite(rb[:, t]).sum()),
                "r_between": float(np.nanmedian(rb[:, t])) if np.isfinite(rb[:, t]).any() else np.nan,
                "r_obs_original": np.nan,
                "r_obs_finetuned": np.nan,
                "delta": np.nan,
            }
        )
    df = pd.DataFrame(rows)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df
