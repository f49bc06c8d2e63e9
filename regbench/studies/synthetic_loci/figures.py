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
    from regbench.studies.synthetic_loci.evaluate import BASELINES

    return [m for m in dict.fromkeys(pp["model"]) if m not in BASELINES]


def activity_scatter(tables: dict, cfg: dict, pdf, png):
    """Predicted vs measured activity per payload, coloured by design class (held-out CV if available)."""
    from regbench.plotting.style import new_figure, save_figure

    pp = tables["payload_predictions"]
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
    return pp[pp["model"].isin(models) & (pp["protocol"] == proto)]


def class_correlation(tables: dict, cfg: dict, pdf, png):
    """Pearson r of predicted vs measured activity per design class: the baseline's summed DHS peaks
    without a fitted line (``baseline_raw``) and calibrated (``baseline``; per fold under CV), and
    each fine-tuned head."""
    from regbench.plotting.style import new_figure, save_figure

    act = tables["activity"]
    fig, ax = new_figure(4.8, 3.0)
    # baseline_wt is baseline_raw divided by a constant: same r, one bar is enough
    d = act[(act["class"] != "reference") & (act["model"] != "baseline_wt")]
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
    return d[d["class"].isin(classes)]


def dhs_accessibility(tables: dict, cfg: dict, pdf, png):
    """Per-DHS accessibility along the locus (DHSs in payload order): measured vs baseline prediction,
    for the reference payload and the first payload of each class."""
    from regbench.plotting.style import new_figure, save_figure

    dhs, track = tables["dhs"], cfg["track"]
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
    return d[d["name"].isin(picks)]


def accessibility_correlation(tables: dict, cfg: dict, pdf, png):
    """Mean predicted DHS peak (original Enformer, primary track) vs measured accessibility per DHS
    and payload, coloured by design class, with r per class in the legend; without measured
    accessibility the panel states that the comparison was skipped and why."""
    from regbench.plotting.style import new_figure, save_figure

    dhs, acc, track = tables["dhs"], tables["accessibility"], cfg["track"]
    fig, ax = new_figure(4.2, 3.4)
    if not (acc["status"] == "ok").any():
        ax.axis("off")
        msg = str(acc["status"].iloc[0]) if len(acc) else "skipped: no measured accessibility"
        ax.text(0.5, 0.5, msg.replace(" (", "\n("), ha="center", va="center", fontsize=7, wrap=True, transform=ax.transAxes)
        save_figure(fig, pdf, png)
        return acc
    d = dhs[(dhs["model"] == "baseline") & (dhs["track"] == track)].dropna(subset=["accessibility", "peak"])
    r = acc[(acc["model"] == "baseline") & (acc["track"] == track)].set_index("class")["pearson"]
    for cls in _classes(d):
        g = d[d["class"] == cls]
        ax.scatter(g["accessibility"], g["peak"], s=10, alpha=0.8, color=CLASS_COLORS.get(cls, "grey"), label=f"{cls} (r={r.get(cls, np.nan):.2f})")
    ax.set_xlabel("measured accessibility (per DHS)")
    ax.set_ylabel(f"predicted peak, original Enformer ({track})")
    ax.set_title(f"all DHSs: r = {r.get('all', np.nan):.2f}, n = {len(d)}")
    ax.legend(fontsize=5, loc="upper left")
    save_figure(fig, pdf, png)
    return d


def rna_vs_expression(tables: dict, cfg: dict, pdf, png):
    """Predicted RNA of each payload (mESC CAGE head on the original trunk, mean over its 5 tracks and
    the payload's windows) against measured Sox2 expression, coloured by design class with r per class;
    right: the head's accuracy on held-out regions (median per-region r vs observed CAGE, per track)."""
    from regbench.plotting.style import new_figure, save_figure

    per, rna = tables["rna_payloads"], tables["rna"]
    fig, axes = new_figure(7.0, 3.2, ncols=2, squeeze=False)
    ax, axh = axes[0]
    if not (rna["status"] == "ok").any():
        for a in axes[0]:
            a.axis("off")
        ax.text(0.5, 0.5, str(rna["status"].iloc[0]).replace(" (", "\n("), ha="center", va="center", fontsize=7, transform=ax.transAxes)
        save_figure(fig, pdf, png)
        return rna
    r = rna[(rna["what"] == "payload_rna_vs_activity") & (rna["track"] == "rna")].set_index("class")["pearson"]
    for cls in _classes(per):
        g = per[per["class"] == cls]
        ax.scatter(g["activity"], g["rna"], s=14, alpha=0.85, color=CLASS_COLORS.get(cls, "grey"), label=f"{cls} (r={r.get(cls, np.nan):.2f})")
    ax.set_xlabel("measured expression (activity)")
    ax.set_ylabel("predicted RNA (CAGE head, mean of tracks)")
    ax.set_title(f"all payloads: r = {r.get('all', np.nan):.2f}")
    ax.legend(fontsize=5, loc="upper left")
    h = rna[rna["what"] == "heldout_vs_observed"]
    if len(h):
        axh.bar(np.arange(len(h)), h["pearson"], color="#7570b3")
        axh.set_xticks(np.arange(len(h)))
        axh.set_xticklabels(h["track"], rotation=30, ha="right", fontsize=6)
        axh.set_ylabel("median r per held-out region (vs observed)")
        axh.set_ylim(min(0.0, float(np.nanmin(h["pearson"])) - 0.05), 1)
        axh.set_title("CAGE head, held-out regions")
    else:
        axh.axis("off")
    save_figure(fig, pdf, png)
    return pd.concat([per.assign(what="payload_rna_vs_activity"), h.rename(columns={"pearson": "median_r"})[["what", "track", "n", "median_r"]]],
                     ignore_index=True)


def error_before_after(tables: dict, cfg: dict, pdf, png):
    """MSE of predicted activity per class: baseline calibrated (``baseline``) and scaled to the wild
    type (``baseline_wt``, no fitted parameter) vs fine-tuned, per protocol (``baseline_raw`` is in
    Enformer units and left out of this panel; its MSE is in the table)."""
    from regbench.plotting.style import new_figure, save_figure

    act = tables["activity"]
    protos = [p for p in ("cv", "authors") if (act["protocol"] == p).any()]
    fig, axes = new_figure(3.6 * len(protos), 3.0, ncols=len(protos), squeeze=False)
    for ax, p in zip(axes[0], protos):
        d = act[(act["protocol"] == p) & (act["class"] != "reference") & (act["model"] != "baseline_raw")]
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
    return act[act["protocol"].isin(protos) & (act["class"] != "reference") & (act["model"] != "baseline_raw")]


def error_per_fold(tables: dict, cfg: dict, pdf, png):
    """Held-out MSE per fold, baseline vs fine-tuned (all classes, and rearrangement+inversion)."""
    from regbench.plotting.style import new_figure, save_figure

    folds = tables["folds"]
    fig, axes = new_figure(6.4, 2.8, ncols=2, squeeze=False)
    for ax, cls in zip(axes[0], ["all", "rearrangement"]):
        d = folds[(folds["class"] == cls) & (folds["model"] != "baseline_raw")]  # raw: Enformer units
        for m, g in d.groupby("model", sort=False):
            ax.plot(g["fold"], g["mse"], marker="o", label=m)
        ax.set_xlabel("held-out fold")
        ax.set_ylabel("MSE (activity)")
        ax.set_title(cls)
        ax.legend(fontsize=6)
    save_figure(fig, pdf, png)
    return folds[folds["class"].isin(["all", "rearrangement"]) & (folds["model"] != "baseline_raw")]


def retained_performance(tables: dict, cfg: dict, pdf, png):
    """Left: per held-out region, delta Pearson r vs the observed signal (fine-tuned trunk + original
    mouse head minus original Enformer) of each observed track. Right: per track class, the
    distribution over regions of r between the two models' predictions (each region's median over
    the class's tracks), one box per head."""
    from regbench.plotting.style import new_figure, save_figure

    tables = tables["retained"]  # {head: table}
    fig, axes = new_figure(7.2, 3.0, ncols=2, squeeze=False)
    heads = list(tables)
    for head, t in tables.items():
        dl = t.loc[(t["level"] == "region") & t["delta"].notna(), "delta"]
        if len(dl):
            axes[0][0].hist(dl, bins=20, histtype="step", label=head)
    axes[0][0].axvline(0, color="grey", lw=0.6)
    axes[0][0].set_xlabel("delta Pearson r vs observed (fine-tuned - original)")
    axes[0][0].set_ylabel("regions x observed tracks")
    axes[0][0].legend(fontsize=6)
    classes = sorted({c for t in tables.values() for c in t.loc[t["level"] == "region_class", "description"]})
    w = 0.8 / max(len(heads), 1)
    for h, (head, t) in enumerate(tables.items()):
        rc = t[t["level"] == "region_class"]
        data = [rc.loc[rc["description"] == c, "r_between"].dropna().to_numpy() for c in classes]
        pos = np.arange(len(classes)) + h * w - 0.4 + w / 2
        keep = [k for k, d in enumerate(data) if len(d)]
        if keep:
            bp = axes[0][1].boxplot([data[k] for k in keep], positions=pos[keep], widths=w * 0.9, patch_artist=True, showfliers=False)
            for b in bp["boxes"]:
                b.set_facecolor(f"C{h}")
                b.set_alpha(0.6)
        axes[0][1].plot([], [], color=f"C{h}", lw=4, alpha=0.6, label=head)
    axes[0][1].set_xticks(np.arange(len(classes)))
    axes[0][1].set_xticklabels(classes, fontsize=7)
    axes[0][1].set_ylabel("r, original vs fine-tuned (per region)")
    axes[0][1].legend(fontsize=6)
    save_figure(fig, pdf, png)
    return pd.concat([t[t["level"].isin(["region", "region_class"])].assign(head=h) for h, t in tables.items()] or [pd.DataFrame()], ignore_index=True)


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
