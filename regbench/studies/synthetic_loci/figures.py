"""Figures of the synthetic_loci study (one function per panel, each from a metrics TSV) and the
export of predicted tracks as bedGraph in payload coordinates."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

CLASS_ORDER = ["reference", "deletion", "combination", "tfsite", "inversion", "rearrangement"]
CLASS_COLORS = {
    "reference": "#000000",
    "deletion": "#1b9e77",
    "combination": "#66a61e",
    "tfsite": "#e6ab02",
    "inversion": "#d95f02",
    "rearrangement": "#7570b3",
}


def _classes(df):
    present = list(dict.fromkeys(df["class"]))
    return [c for c in CLASS_ORDER if c in present] + sorted(c for c in present if c not in CLASS_ORDER and c != "all")


def _finetuned_models(pp: pd.DataFrame) -> list[str]:
    return [m for m in dict.fromkeys(pp["model"]) if m != "baseline"]


def activity_scatter(pp: pd.DataFrame, pdf, png):
    """Predicted vs measured activity per payload, coloured by design class (held-out CV if available)."""
    from regbench.plotting.style import new_figure, save_figure

    ft = _finetuned_models(pp)
    proto = "cv" if (pp["protocol"] == "cv").any() and any(((pp["model"] == m) & (pp["protocol"] == "cv")).any() for m in ft) else "authors"
    models = ["baseline"] + [m for m in ft if ((pp["model"] == m) & (pp["protocol"] == proto)).any()][:1]
    fig, axes = new_figure(3.2 * len(models), 3.0, ncols=len(models), squeeze=False)
    for ax, m in zip(axes[0], models):
        d = pp[(pp["model"] == m) & (pp["protocol"] == proto)]
        for cls in _classes(d):
            g = d[d["class"] == cls]
            ax.scatter(g["activity"], g["pred"], s=14, color=CLASS_COLORS.get(cls, "grey"), label=cls, alpha=0.85)
        lim = [0, max(1.05, float(np.nanmax(d[["activity", "pred"]].to_numpy())) * 1.05)]
        ax.plot(lim, lim, color="grey", lw=0.6, ls="--")
        ax.set_xlim(lim)
        ax.set_ylim(lim)
        ax.set_xlabel("measured activity")
        ax.set_ylabel("predicted activity" + (" (calibrated peak sum)" if m == "baseline" else ""))
        ax.set_title(f"{m} ({'held-out folds' if proto == 'cv' else 'authors protocol'})")
    axes[0][0].legend(fontsize=6, loc="upper left")
    save_figure(fig, pdf, png)


def class_correlation(act: pd.DataFrame, pdf, png):
    """Pearson r of predicted vs measured activity per design class, baseline vs fine-tuned."""
    from regbench.plotting.style import new_figure, save_figure

    fig, ax = new_figure(4.8, 3.0)
    d = act[act["class"] != "reference"]
    combos = [(m, p) for m, p in dict.fromkeys(zip(d["model"], d["protocol"]))]
    classes = ["all"] + [c for c in _classes(d) if c != "reference"]
    w = 0.8 / max(len(combos), 1)
    for i, (m, p) in enumerate(combos):
        g = d[(d["model"] == m) & (d["protocol"] == p)].set_index("class")
        vals = [g["pearson"].get(c, np.nan) for c in classes]
        ax.bar(np.arange(len(classes)) + i * w - 0.4 + w / 2, vals, width=w, label=f"{m} ({p})")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(np.arange(len(classes)))
    ax.set_xticklabels(classes, rotation=30, ha="right")
    ax.set_ylabel("Pearson r (activity)")
    ax.set_ylim(-1, 1)
    ax.legend(fontsize=5, ncol=2)
    save_figure(fig, pdf, png)


def dhs_accessibility(dhs: pd.DataFrame, pdf, png, track: str):
    """Per-DHS accessibility along the locus (DHSs in payload order): measured vs baseline prediction,
    for the reference payload and the first payload of each class."""
    from regbench.plotting.style import new_figure, save_figure

    d = dhs[(dhs["model"] == "baseline") & (dhs["track"] == track)]
    picks = []
    for cls in _classes(d):
        picks.append(d.loc[d["class"] == cls, "name"].iloc[0])
    fig, axes = new_figure(1.6 * len(picks), 2.6, ncols=len(picks), squeeze=False, sharey=True)
    ref = d[d["class"] == "reference"]
    scale_m = float(np.nanmax(ref["accessibility"])) if len(ref) and np.isfinite(ref["accessibility"]).any() else float(np.nanmax(d["accessibility"])) if np.isfinite(d["accessibility"]).any() else 1.0
    scale_p = float(np.nanmax(ref["peak"])) if len(ref) else float(np.nanmax(d["peak"]))
    for ax, name in zip(axes[0], picks):
        g = d[d["name"] == name]
        x = np.arange(len(g))
        ax.bar(x - 0.2, g["accessibility"] / scale_m, width=0.4, label="measured", color="#444444")
        ax.bar(x + 0.2, g["peak"] / scale_p, width=0.4, label="predicted (baseline)", color="#7570b3")
        ax.set_xticks(x)
        ax.set_xticklabels(g["label"], rotation=90, fontsize=6)
        ax.set_title(f"{name}\n({g['class'].iloc[0]})", fontsize=6)
    axes[0][0].set_ylabel("accessibility / reference max")
    axes[0][0].legend(fontsize=5)
    save_figure(fig, pdf, png)


def error_before_after(act: pd.DataFrame, pdf, png):
    """MSE of predicted activity per class: baseline (calibrated) vs fine-tuned, per protocol."""
    from regbench.plotting.style import new_figure, save_figure

    protos = [p for p in ("cv", "authors") if (act["protocol"] == p).any()]
    fig, axes = new_figure(3.6 * len(protos), 3.0, ncols=len(protos), squeeze=False)
    for ax, p in zip(axes[0], protos):
        d = act[(act["protocol"] == p) & (act["class"] != "reference")]
        models = list(dict.fromkeys(d["model"]))
        classes = ["all"] + [c for c in _classes(d) if c != "reference"]
        w = 0.8 / max(len(models), 1)
        for i, m in enumerate(models):
            g = d[d["model"] == m].set_index("class")
            ax.bar(np.arange(len(classes)) + i * w - 0.4 + w / 2, [g["mse"].get(c, np.nan) for c in classes], width=w, label=m)
        ax.set_xticks(np.arange(len(classes)))
        ax.set_xticklabels(classes, rotation=30, ha="right")
        ax.set_ylabel("MSE (activity)")
        ax.set_title("held-out folds" if p == "cv" else "authors protocol (no held-out payload)")
        ax.legend(fontsize=6)
    save_figure(fig, pdf, png)


def error_per_fold(folds: pd.DataFrame, pdf, png):
    """Held-out MSE per fold, baseline vs fine-tuned (all classes, and rearrangement+inversion)."""
    from regbench.plotting.style import new_figure, save_figure

    fig, axes = new_figure(6.4, 2.8, ncols=2, squeeze=False)
    for ax, cls in zip(axes[0], ["all", "rearrangement"]):
        d = folds[folds["class"] == cls]
        for m, g in d.groupby("model", sort=False):
            ax.plot(g["fold"], g["mse"], marker="o", label=m)
        ax.set_xlabel("held-out fold")
        ax.set_ylabel("MSE (activity)")
        ax.set_title(cls)
        ax.legend(fontsize=6)
    save_figure(fig, pdf, png)


def retained_performance(tables: dict[str, pd.DataFrame], pdf, png):
    """Distribution over held-out regions of delta r (fine-tuned trunk + original head minus original
    Enformer, vs observed) and of r between the two models' predictions."""
    from regbench.plotting.style import new_figure, save_figure

    fig, axes = new_figure(6.4, 2.8, ncols=2, squeeze=False)
    for head, t in tables.items():
        r = t[t["level"] == "region"]
        dl = r["delta"].dropna()
        if len(dl):
            axes[0][0].hist(dl, bins=20, histtype="step", label=head)
        rb = t.loc[t["level"] == "track", "r_between"].dropna()
        if len(rb) < 5:
            rb = r["r_between"].dropna()
        axes[0][1].hist(rb, bins=20, histtype="step", label=head)
    axes[0][0].axvline(0, color="grey", lw=0.6)
    axes[0][0].set_xlabel("delta Pearson r vs observed (fine-tuned - original)")
    axes[0][0].set_ylabel("regions x tracks")
    axes[0][1].set_xlabel("Pearson r, original vs fine-tuned predictions")
    axes[0][0].legend(fontsize=6)
    axes[0][1].legend(fontsize=6)
    save_figure(fig, pdf, png)


def run_figures(inp: dict, out: dict, tracks: dict, log=None):
    pp = pd.read_csv(inp["payload_predictions"], sep="\t")
    act = pd.read_csv(inp["activity"], sep="\t")
    dhs = pd.read_csv(inp["dhs"], sep="\t")
    folds = pd.read_csv(inp["folds"], sep="\t")
    ret = {Path(p).stem: pd.read_csv(p, sep="\t") for p in inp["retained"]}
    activity_scatter(pp, out["activity_scatter_pdf"], out["activity_scatter_png"])
    class_correlation(act, out["class_correlation_pdf"], out["class_correlation_png"])
    dhs_accessibility(dhs, out["dhs_accessibility_pdf"], out["dhs_accessibility_png"], next(iter(tracks)))
    error_before_after(act, out["error_before_after_pdf"], out["error_before_after_png"])
    error_per_fold(folds, out["error_per_fold_pdf"], out["error_per_fold_png"])
    retained_performance(ret, out["retained_performance_pdf"], out["retained_performance_png"])


# ------------------------------------------------------------------------------------------------
# predicted tracks


def write_bedgraphs(profiles_npz: str | os.PathLike, payloads_tsv: str | os.PathLike, outdir: str | os.PathLike) -> list[Path]:
    """One bedGraph per payload and track (``<record>.<track>.bedGraph``) of the mean predicted
    profile, in **payload** coordinates (chrom = payload record name; positions outside the payload
    and not covered by any window are omitted; runs of equal value merged)."""
    from regbench.workflow import atomic_path

    ds = pd.read_csv(payloads_tsv, sep="\t", keep_default_na=False, na_values=[""]).set_index("name")
    z = np.load(profiles_npz, allow_pickle=False)
    tracks = [str(t) for t in z["tracks"]]
    names = [str(n) for n in z["names"]]
    outdir = Path(outdir)
    written = []
    with atomic_path(outdir) as tmp:
        tmp.mkdir(parents=True)
        for i, name in enumerate(names):
            prof = z[f"p{i}"]  # (L, T), sequence coordinates
            rec, off, plen = ds.loc[name, "record"], int(ds.loc[name, "offset"]), int(ds.loc[name, "payload_length"])
            lo, hi = max(off, 0), min(off + plen, len(prof))
            for t, key in enumerate(tracks):
                v = prof[lo:hi, t]
                pos = np.arange(lo, hi) - off
                ok = np.isfinite(v)
                lines = []
                if ok.any():
                    change = np.flatnonzero(np.diff(v) != 0) + 1
                    starts = np.concatenate([[0], change])
                    ends = np.concatenate([change, [len(v)]])
                    for s, e in zip(starts, ends):
                        if ok[s]:
                            lines.append(f"{rec}\t{pos[s]}\t{pos[e - 1] + 1}\t{v[s]:.5g}\n")
                f = tmp / f"{rec}.{key}.bedGraph"
                f.write_text(f'track type=bedGraph name="{rec} {key}"\n' + "".join(lines))
                written.append(outdir / f.name)
    return written
