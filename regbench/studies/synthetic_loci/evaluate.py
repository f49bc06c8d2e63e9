"""Payload-level metrics (spec §4 "Prediction / evaluation of payloads", recommended metrics).

Per payload, predictions are the mean over its ``predict`` windows. The original Enformer predicts
DNase, not activity, so its "prediction" of activity is its summed DHS peaks (``peaksum``) in three
forms (:data:`BASELINES`): ``baseline`` = calibrated by a least-squares line (our own, strongest
baseline); ``baseline_raw`` = the peak sum as is (Enformer track units; its Pearson/Spearman are the
"raw peak-sum correlation", no fitted line, its MSE is in mixed units); ``baseline_wt`` = the peak sum
divided by that of the reference (wild-type LCR) payload(s), the scale-free mapping onto Table S4's
activity, which is relative to the wild-type allele (no fitted parameter). Two protocols:

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
#: baseline variants (model labels) -> what they are
BASELINES = {
    "baseline": "summed DHS peaks, least-squares line to activity (fitted on all payloads / other folds)",
    "baseline_raw": "summed DHS peaks as predicted (no fitted line; Enformer track units)",
    "baseline_wt": "summed DHS peaks / reference payload's summed peaks (no fitted parameter)",
}


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


#: pooled design classes of the abstract's claim: reference-like designs vs order/orientation changes
CLASS_GROUPS = {"reference_order": ("deletion", "combination"), "order_orientation": ("inversion", "rearrangement")}


def class_groups(pp: pd.DataFrame) -> pd.DataFrame:
    """n, pearson, spearman, mse per model, protocol and pooled class group (:data:`CLASS_GROUPS`):
    the abstract's "best for deletions and combinations, poorer for rearrangements that change DHS
    order or orientation" as one r per side (more payloads per r than the per-class rows)."""
    rows = []
    for group, classes in CLASS_GROUPS.items():
        d = pp[pp["class"].isin(classes)]
        if not len(d):
            continue
        sc = score(d.assign(**{"class": group}), by=["model", "protocol"])
        rows.append(sc[sc["class"] == group].rename(columns={"class": "group"}))
    cols = ["model", "protocol", "group", "n", "pearson", "spearman", "mse"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def mean_by_file(path, keys: list[str], cols=None, chunksize: int = 200_000) -> pd.DataFrame:
    """Per-group means of a (large) TSV, read ``chunksize`` rows at a time (streaming sums and
    counts; NaN ignored as in ``groupby().mean()``). ``cols``: the columns to average, or a
    predicate on the column name. Groups keep their order of first appearance."""
    sums = counts = None
    for part in pd.read_csv(path, sep="\t", chunksize=chunksize):
        use = [c for c in part.columns if c not in keys and (cols(c) if callable(cols) else c in cols)]
        g = part.groupby(keys, sort=False)[use]
        s, n = g.sum(min_count=1), g.count()
        sums = s if sums is None else sums.add(s, fill_value=0).reindex(list(dict.fromkeys([*sums.index, *s.index])))
        counts = n if counts is None else counts.add(n, fill_value=0).reindex(sums.index)
    if sums is None:
        return pd.DataFrame(columns=keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / counts.replace(0, np.nan)
    return out.reset_index()


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


def uncalibrated_baselines(ds: pd.DataFrame, baseline: pd.DataFrame, primary: str, log=None) -> pd.DataFrame:
    """``baseline_raw`` and ``baseline_wt`` rows (see :data:`BASELINES`) in the long
    :func:`payload_predictions` layout, under both protocols (nothing is fitted, so the numbers are
    the same; the ``cv`` copy keeps per-protocol panels complete). ``baseline_wt`` needs at least one
    payload of class ``reference`` (its mean peak sum is the divisor) and is left out otherwise."""
    base = ds[["name", "class", "fold", "activity"]].merge(payload_means(baseline), on="name", how="left")
    x = base[f"peaksum_{primary}"].to_numpy(float)
    out = []
    variants = [("baseline_raw", x)]
    ref = (base["class"] == "reference").to_numpy()
    if ref.any() and np.nanmean(x[ref]) > 0:
        variants.append(("baseline_wt", x / np.nanmean(x[ref])))
    elif log is not None:
        log.info("no reference payload with a positive peak sum: baseline_wt (peak sum / wild type) left out")
    for model, pred in variants:
        for proto in ("authors", "cv"):
            b = base.copy()
            b["pred"], b["model"], b["protocol"] = pred, model, proto
            out.append(b)
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


ACCESSIBILITY_SKIPPED = ("skipped: no measured accessibility per DHS (set synthetic_loci.inputs.accessibility to a TSV "
                         "MenDel.Name, DHS, accessibility)")


def accessibility_correlation(dhs: pd.DataFrame, measured: bool) -> pd.DataFrame:
    """Pearson/Spearman of the mean predicted DHS peak vs measured accessibility per model, track and
    class (+ ``all``), column ``status`` = ``ok``; without a measured table one row whose ``status``
    is :data:`ACCESSIBILITY_SKIPPED` (the panel and the report show it)."""
    cols = ["model", "track", "class", "n", "pearson", "spearman", "status"]
    if not measured:
        return pd.DataFrame([{"model": "", "track": "", "class": "all", "n": 0, "pearson": np.nan, "spearman": np.nan,
                              "status": ACCESSIBILITY_SKIPPED}], columns=cols)
    acc = score(dhs.rename(columns={"peak": "pred"}), pred="pred", truth="accessibility", by=["model", "track"])
    acc["status"] = "ok"
    return acc[cols]


def retained_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per head: per observed/listed track (``level`` track: medians over regions of the per-region
    rows), per track class (``level`` class: medians over regions of the ``region_class`` rows, i.e.
    of each region's median over the class's tracks) and over all tracks (``level`` all: median over
    tracks of the per-track median ``r_between``; track -1)."""
    rows = []
    for head, t in tables.items():
        r = t[t["level"] == "region"]
        for (track, desc), g in r.groupby(["track", "description"], sort=True):
            rows.append(
                {
                    "head": head,
                    "level": "track",
                    "track": int(track),
                    "description": desc,
                    "n_regions": len(g),
                    "median_r_original_vs_finetuned": float(np.nanmedian(g["r_between"])),
                    "median_r_obs_original": _nanmedian(g["r_obs_original"]),
                    "median_r_obs_finetuned": _nanmedian(g["r_obs_finetuned"]),
                    "median_delta": _nanmedian(g["delta"]),
                    "mean_delta": float(np.nanmean(g["delta"])) if g["delta"].notna().any() else float("nan"),
                }
            )
        rc = t[t["level"] == "region_class"]
        for desc, g in rc.groupby("description", sort=True):
            rows.append(
                {
                    "head": head,
                    "level": "class",
                    "track": -1,
                    "description": desc,
                    "n_regions": len(g),
                    "n_tracks": int(g["n"].max()),
                    "median_r_original_vs_finetuned": _nanmedian(g["r_between"]),
                    "median_r_obs_original": _nanmedian(g["r_obs_original"]),
                    "median_r_obs_finetuned": _nanmedian(g["r_obs_finetuned"]),
                    "median_delta": _nanmedian(g["delta"]),
                    "mean_delta": float(np.nanmean(g["delta"])) if g["delta"].notna().any() else float("nan"),
                }
            )
        tr = t[t["level"] == "track"]
        if len(tr):
            rows.append(
                {
                    "head": head,
                    "level": "all",
                    "track": -1,
                    "description": "all tracks (median over tracks of the per-track median r_original_vs_finetuned)",
                    "n_regions": int(tr["n"].max()),
                    "n_tracks": len(tr),
                    "median_r_original_vs_finetuned": _nanmedian(tr["r_between"]),
                    "median_r_obs_original": float("nan"),
                    "median_r_obs_finetuned": float("nan"),
                    "median_delta": float("nan"),
                    "mean_delta": float("nan"),
                }
            )
    cols = ["head", "level", "track", "description", "n_regions", "n_tracks", "median_r_original_vs_finetuned",
            "median_r_obs_original", "median_r_obs_finetuned", "median_delta", "mean_delta"]
    return pd.DataFrame(rows, columns=cols)


def _nanmedian(x) -> float:
    x = np.asarray(x, dtype=float)
    return float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")


RNA_SKIPPED = "skipped: the mESC CAGE head is disabled (synthetic_loci.cage.enabled: false)"
RNA_COLUMNS = ["what", "track", "class", "n", "pearson", "spearman", "status"]


def rna_tables(ds: pd.DataFrame, cage_windows: pd.DataFrame | None, heldout: pd.DataFrame | None, readout: str = "window") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predicted RNA (mESC CAGE head) per payload vs measured expression, and the head's held-out accuracy.

    Returns (payload table name, class, fold, activity, <track>..., rna; correlation table
    :data:`RNA_COLUMNS`: ``what`` = ``payload_rna_vs_activity`` (Pearson/Spearman of the predicted RNA of
    each track and of their mean ``rna`` with activity, per class + ``all``) or ``heldout_vs_observed``
    (median over held-out regions of the per-region r, per track)); a single ``skipped`` row when the
    head is disabled.
    """
    from regbench.studies.synthetic_loci.cage import rna_readout

    if cage_windows is None:
        return (pd.DataFrame(columns=["name", "class", "fold", "activity", "rna"]),
                pd.DataFrame([{"what": "payload_rna_vs_activity", "track": "", "class": "all", "n": 0, "pearson": np.nan,
                               "spearman": np.nan, "status": RNA_SKIPPED}], columns=RNA_COLUMNS))
    tracks = [c[len("binsum_"):] for c in cage_windows.columns if c.startswith("binsum_")]
    per = ds[["name", "class", "fold", "activity"]].merge(rna_readout(cage_windows, tracks, readout), on="name", how="inner")
    rows = []
    for t in tracks + ["rna"]:
        sc = score(per.assign(pred=per[t]), by=None)
        for r in sc.itertuples(index=False):
            rows.append({"what": "payload_rna_vs_activity", "track": t, "class": r[0], "n": r.n, "pearson": r.pearson, "spearman": r.spearman, "status": "ok"})
    if heldout is not None:
        h = heldout[heldout["region"] != "median"]
        for t, g in h.groupby("track", sort=False):
            rows.append({"what": "heldout_vs_observed", "track": t, "class": "all", "n": int(g["r"].notna().sum()),
                         "pearson": float(np.nanmedian(g["r"])) if g["r"].notna().any() else np.nan, "spearman": np.nan, "status": "ok"})
    return per, pd.DataFrame(rows, columns=RNA_COLUMNS)


def run_metrics(payloads_tsv, baseline_windows, baseline_peaks, window_tables, peak_tables, retained_tables, accessibility, out: dict,
                tracks: dict, cage_tables=(), cage_readout: str = "window", log=None) -> pd.DataFrame:
    """Rule entry. ``baseline_windows``/``baseline_peaks``: the paper Enformer's tables (model
    ``baseline`` of the metrics; predictions/enformer/); ``window_tables``/``peak_tables``: the
    fine-tuned models' tables under predictions/<head>/<split>/; ``cage_tables``: the CAGE head's
    payload windows and held-out tables (empty when disabled)."""
    from regbench.studies.synthetic_loci.payloads import read_accessibility
    from regbench.workflow import atomic_path

    ds = pd.read_csv(payloads_tsv, sep="\t", keep_default_na=False, na_values=[""])
    primary = next(iter(tracks))
    models = {}
    # streamed: per-payload window means and per-DHS peak means (the tables grow with payloads x windows)
    wcols = lambda c: c == "predicted" or c.startswith(("peaksum_", "binsum_"))  # noqa: E731
    baseline = mean_by_file(baseline_windows, ["name"], wcols)
    peaks = {BASELINE: mean_by_file(baseline_peaks, ["name", "label", "track"], ["peak"])}
    for wpath, ppath in zip(window_tables, peak_tables):
        parts = Path(wpath).parent.parts
        head, split = parts[-2], parts[-1]
        models[(head, split)] = mean_by_file(wpath, ["name"], wcols)
        if split == "authors":
            peaks[f"{head} trunk"] = mean_by_file(ppath, ["name", "label", "track"], ["peak"])
    pp = payload_predictions(ds, baseline, models, primary)
    pp = pd.concat([pp, uncalibrated_baselines(ds, baseline, primary, log)], ignore_index=True)
    act = score(pp, by=["model", "protocol"])
    measured = read_accessibility(accessibility[0]) if accessibility else None
    dhs = dhs_predictions(ds, peaks, measured)
    acc = accessibility_correlation(dhs, measured is not None)
    cv = pp[pp["protocol"] == "cv"]
    folds = score(cv, by=["model", "fold"])
    ret = retained_summary({Path(t).stem: pd.read_csv(t, sep="\t") for t in retained_tables})
    cw = next((mean_by_file(t, ["name"], wcols) for t in cage_tables if Path(t).name == "windows.tsv"), None)
    ch = next((pd.read_csv(t, sep="\t") for t in cage_tables if Path(t).name == "heldout.tsv"), None)
    rna_payloads, rna = rna_tables(ds, cw, ch, cage_readout)
    for key, df in [("payload_predictions", pp), ("activity", act), ("accessibility", acc), ("dhs", dhs), ("folds", folds), ("retained", ret),
                    ("rna", rna), ("rna_payloads", rna_payloads), ("class_groups", class_groups(pp))]:
        with atomic_path(out[key]) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if log is not None:
        if measured is None:
            log.info("accessibility correlation %s", ACCESSIBILITY_SKIPPED)
        sel = act[act["class"].isin(["all", "deletion", "combination", "inversion", "rearrangement"])]
        log.info("activity metrics:\n%s", sel.to_string(index=False))
    return act


def run_model_activity(model: str, payloads_tsv, windows_tsv, primary: str, out_predictions, out_activity) -> pd.DataFrame:
    """Rule entry (synthetic_loci_model_activity): the payload activity metrics of one pretrained
    readout model (a model card: the paper's Enformer or a user's model), computed as for the
    study's baseline by :func:`payload_predictions` (mean DHS-peak sum of the ``primary`` track over
    a payload's windows, calibrated to activity by a least-squares line fitted on all payloads,
    protocol ``authors``, or on the other folds, ``cv``) and :func:`score`. Writes the long
    per-payload table and the activity table (model, protocol, class incl. ``all``, n, pearson,
    spearman, mse), ``model`` = the card's name."""
    from regbench.workflow import atomic_path

    ds = pd.read_csv(payloads_tsv, sep="\t", keep_default_na=False, na_values=[""])
    w = pd.read_csv(windows_tsv, sep="\t")
    pp = payload_predictions(ds, w, {}, primary)
    pp["model"] = model
    act = score(pp, by=["model", "protocol"])
    for path, df in ((out_predictions, pp), (out_activity, act)):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return act
