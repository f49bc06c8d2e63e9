"""Payload-level metrics (spec §4 "Prediction / evaluation of payloads", recommended metrics).

Per payload, predictions are the mean over its ``predict`` windows. Two protocols:

- ``authors``: every payload trained (README protocol); the baseline's ``peaksum`` is calibrated to
  activity by a least-squares line fitted on all payloads; fine-tuned models are evaluated on the
  payloads they were trained on (not a held-out estimate, reported as the authors did).
- ``cv``: payload-level k-fold; for fold k the baseline line is fitted on the other folds and the
  fine-tuned ``fold<k>`` model (trained without fold k) predicts fold k. Held-out estimates.

Tables: ``payload_predictions`` (long: name, class, fold, activity, model, protocol, pred,
peaksum_<track>...), ``activity_correlation`` (model, protocol, class incl. ``all``, n, pearson,
spearman, mse), ``dhs_predictions`` / ``accessibility_correlation`` (per-DHS peak vs measured
accessibility), ``error_per_fold`` (model, fold, class, n, mse) and ``retained_summary``.
Correlations come from :mod:`regbench.metrics.correlation`; fewer than 3 points give NaN.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson, spearman

BASELINE = "baseline"


def calibrate(x_train: np.ndarray, y_train: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Least-squares line ``y = a + b x`` fitted on the training points, applied to ``x``."""
    x_train, y_train = np.asarray(x_train, float), np.asarray(y_train, float)
    if len(x_train) < 2 or np.ptp(x_train) == 0:
        return np.full(len(x), float(np.mean(y_train)) if len(y_train) else np.nan)
    b, a = np.polyfit(x_train, y_train, 1)
    return a + b * np.asarray(x, float)


def _corr(x, y, fn) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan")
    return float(fn(x[ok], y[ok]))


def score(df: pd.DataFrame, pred: str = "pred", truth: str = "activity", by: list[str] | None = None) -> pd.DataFrame:
    """n, pearson, spearman, mse of ``pred`` vs ``truth`` per group of ``by`` and per class (+ ``all``)."""
    by = by or []
    rows = []
    groups = df.groupby(by, sort=False) if by else [((), df)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for cls, gc in [("all", g), *sorted(g.groupby("class"), key=lambda t: t[0])]:
            err = (gc[pred] - gc[truth]).to_numpy(float)
            rows.append(
                {
                    **dict(zip(by, key)),
                    "class": cls,
                    "n": len(gc),
                    "pearson": _corr(gc[pred], gc[truth], pearson),
                    "spearman": _corr(gc[pred], gc[truth], spearman),
                    "mse": float(np.nanmean(err**2)) if len(gc) else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def payload_means(windows: pd.DataFrame) -> pd.DataFrame:
    """Mean over windows per payload of ``predicted`` and every ``peaksum_*`` column."""
    cols = [c for c in windows.columns if c == "predicted" or c.startswith("peaksum_")]
    return windows.groupby("name", sort=False)[cols].mean().reset_index()


def payload_predictions(ds: pd.DataFrame, baseline: pd.DataFrame, models: dict[tuple[str, str], pd.DataFrame], primary: str) -> pd.DataFrame:
    """Long table of per-payload predictions of the baseline and the fine-tuned models (both protocols)."""
    base = ds[["name", "class", "fold", "activity"]].merge(payload_means(baseline), on="name", how="left")
    x = base[f"peaksum_{primary}"].to_numpy(float)
    y = base["activity"].to_numpy(float)
    out = []
    b = base.copy()
    b["pred"] = calibrate(x, y, x)
    b["model"], b["protocol"] = BASELINE, "authors"
    out.append(b)
    b = base.copy()
    b["pred"] = np.nan
    for k in sorted(base["fold"].unique()):
        held = (base["fold"] == k).to_numpy()
        b.loc[held, "pred"] = calibrate(x[~held], y[~held], x[held])
    b["model"], b["protocol"] = BASELINE, "cv"
    out.append(b)
    heads = sorted({h for h, _ in models})
    for h in heads:
        if (h, "authors") in models:
            m = ds[["name", "class", "fold", "activity"]].merge(payload_means(models[(h, "authors")]), on="name", how="inner")
            m["pred"], m["model"], m["protocol"] = m["predicted"], h, "authors"
            out.append(m)
        folds = [(s, w) for (hh, s), w in models.items() if hh == h and s.startswith("fold")]
        if folds:
            parts = []
            for s, w in folds:
                k = int(s[4:])
                m = ds.loc[ds["fold"] == k, ["name", "class", "fold", "activity"]].merge(payload_means(w), on="name", how="inner")
                parts.append(m)
            m = pd.concat(parts, ignore_index=True)
            m["pred"], m["model"], m["protocol"] = m["predicted"], h, "cv"
            out.append(m)
    return pd.concat(out, ignore_index=True)


def dhs_predictions(ds: pd.DataFrame, peaks: dict[str, pd.DataFrame], measured: pd.DataFrame | None) -> pd.DataFrame:
    """Per payload, DHS, track and model: mean predicted peak over windows (+ measured accessibility)."""
    rows = []
    for model, p in peaks.items():
        g = p.groupby(["name", "label", "track"], sort=False)["peak"].mean().reset_index()
        g["model"] = model
        rows.append(g)
    out = pd.concat(rows, ignore_index=True).merge(ds[["name", "class", "fold"]], on="name", how="left")
    if measured is not None:
        out = out.merge(measured, on=["name", "label"], how="left")
    else:
        out["accessibility"] = np.nan
    return out


def retained_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per head and track: medians of the per-region correlations of the retained-performance check."""
    rows = []
    for head, t in tables.items():
        r = t[t["level"] == "region"]
        for (track, desc), g in r.groupby(["track", "description"], sort=True):
            rows.append(
                {
                    "head": head,
                    "track": int(track),
                    "description": desc,
                    "n_regions": len(g),
                    "median_r_original_vs_finetuned": float(np.nanmedian(g["r_between"])),
                    "median_r_obs_original": float(np.nanmedian(g["r_obs_original"])),
                    "median_r_obs_finetuned": float(np.nanmedian(g["r_obs_finetuned"])),
                    "median_delta": float(np.nanmedian(g["delta"])),
                    "mean_delta": float(np.nanmean(g["delta"])),
                }
            )
        tr = t[t["level"] == "track"]
        if len(tr):
            rows.append(
                {
                    "head": head,
                    "track": -1,
                    "description": "all tracks (median over tracks of the per-track median r_original_vs_finetuned)",
                    "n_regions": int(tr["n"].max()),
                    "median_r_original_vs_finetuned": float(np.nanmedian(tr["r_between"])),
                    "median_r_obs_original": float("nan"),
                    "median_r_obs_finetuned": float("nan"),
                    "median_delta": float("nan"),
                    "mean_delta": float("nan"),
                }
            )
    return pd.DataFrame(rows)


def run_metrics(payloads_tsv, window_tables, peak_tables, retained_tables, accessibility, out: dict, tracks: dict, log=None) -> pd.DataFrame:
    """Rule entry. ``window_tables``/``peak_tables``: paths under predictions/<model>[/<split>]/."""
    from regbench.studies.synthetic_loci.payloads import read_accessibility
    from regbench.workflow import atomic_path

    ds = pd.read_csv(payloads_tsv, sep="\t", keep_default_na=False, na_values=[""])
    primary = next(iter(tracks))
    baseline, models, peaks = None, {}, {}
    for wpath, ppath in zip(window_tables, peak_tables):
        parts = Path(wpath).parent.parts
        w = pd.read_csv(wpath, sep="\t")
        p = pd.read_csv(ppath, sep="\t")
        if parts[-1] == BASELINE:
            baseline = w
            peaks[BASELINE] = p
        else:
            head, split = parts[-2], parts[-1]
            models[(head, split)] = w
            if split == "authors":
                peaks[f"{head} trunk"] = p
    pp = payload_predictions(ds, baseline, models, primary)
    act = score(pp, by=["model", "protocol"])
    measured = read_accessibility(accessibility[0]) if accessibility else None
    dhs = dhs_predictions(ds, peaks, measured)
    acc = score(dhs.rename(columns={"peak": "pred"}), pred="pred", truth="accessibility", by=["model", "track"]) if measured is not None else pd.DataFrame(columns=["model", "track", "class", "n", "pearson", "spearman", "mse"])
    acc = acc.drop(columns=["mse"], errors="ignore")
    cv = pp[pp["protocol"] == "cv"]
    folds = score(cv, by=["model", "fold"])
    ret = retained_summary({Path(t).stem: pd.read_csv(t, sep="\t") for t in retained_tables})
    for key, df in [("payload_predictions", pp), ("activity", act), ("accessibility", acc), ("dhs", dhs), ("folds", folds), ("retained", ret)]:
        with atomic_path(out[key]) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if log is not None:
        sel = act[act["class"].isin(["all", "deletion", "combination", "inversion", "rearrangement"])]
        log.info("activity metrics:\n%s", sel.to_string(index=False))
    return act
