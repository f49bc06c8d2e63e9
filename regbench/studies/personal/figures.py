"""Panels of the personal study (Sasse et al. 2023 Figs. 1-2, Extended Data 1-2, Supp. 1/4/7).

Each panel is drawn from the per-gene / per-SNV tables under ``results/personal/``:
``make_panel(panel, inputs, pdf, png)``; ``inputs`` are the tables named by
``pers_figure_inputs`` in rules/common/personal.smk, in that order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson
from regbench.plotting.style import STUDY_COLORS, new_figure, save_figure

C = STUDY_COLORS["personal"]


def _read(p):
    return pd.read_csv(p, sep="\t")


def _scatter_r(ax, x, y, xlabel, ylabel, title=""):
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    ax.scatter(x[ok], y[ok], s=6, color=C, alpha=0.7, lw=0)
    r = pearson(x[ok], y[ok]) if ok.sum() > 2 else np.nan
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} R = {r:.2f}, n = {int(ok.sum())}".strip())


def _empty(ax, msg):
    ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _mean_vs_pred(ax, df, test_only=False, pred="finetuned", obs="observed_mean"):
    if test_only:
        df = df[df["split"] == "test"]
    _scatter_r(ax, df[pred], df[obs], "predicted (reference sequence)", "observed mean expression",
               "test genes" if test_only else "all genes")


def _individual(ax, df, role, pred):
    d = df[df["role"] == role]
    if d.empty:
        return _empty(ax, f"no significant {role} gene")
    col = pred if pred in d else "predicted"
    _scatter_r(ax, d[col], d["observed"], f"predicted ({col})", "observed expression",
               d["gene_id"].iloc[0])


def _volcano(ax, st, alpha=0.05):
    x = st["r"].to_numpy(float)
    y = -np.log10(st["p"].to_numpy(float).clip(1e-300))
    col = np.abs(st["mean_pred"].to_numpy(float))
    sc = ax.scatter(x, y, c=col, s=6, cmap="viridis", lw=0)
    sig = st["significant"].astype(bool)
    if sig.any():
        ax.axhline(-np.log10(st.loc[sig, "p"].max()), color="red", lw=0.8)
    ax.set_xlabel("Pearson R (predicted vs observed, per gene)")
    ax.set_ylabel("-log10 p (gene-specific null)")
    n_neg = int((sig & (st["r"] < 0)).sum())
    ax.set_title(f"{int(sig.sum())} significant, {n_neg} negative (n = {len(st)})")
    return sc


def _example_gene(st, snvs, positive=True):
    genes = set(snvs["gene_id"])
    s = st[st["gene_id"].isin(genes) & st["significant"].astype(bool)]
    s = s[s["r"] > 0] if positive else s[s["r"] < 0]
    if s.empty:
        s = st[st["gene_id"].isin(genes)]
    if s.empty:
        return None
    return s.sort_values("t", ascending=False)["gene_id"].iloc[0]


def make_panel(panel: str, inputs: list[str], pdf: str, png: str, cfg: dict | None = None) -> None:
    fig, ax = new_figure(3.6, 3.0)
    if panel in ("fig1b", "supp1"):
        _mean_vs_pred(ax, _read(inputs[0]), test_only=panel == "supp1")
    elif panel in ("fig1d", "fig2b"):
        _individual(ax, _read(inputs[0]), "positive" if panel == "fig1d" else "negative",
                    "predicted_finetuned" if panel == "fig1d" else "predicted")
    elif panel in ("fig1e", "fig2d"):
        snvs, st = _read(inputs[0]), _read(inputs[1])
        gene = _example_gene(st, snvs, positive=panel == "fig1e")
        if gene is None:
            _empty(ax, "no gene with ISM")
        else:
            d = snvs[snvs["gene_id"] == gene]
            drv = d["driver"].astype(bool)
            if panel == "fig1e":
                sc = ax.scatter(d["distance_to_tss"], d["ism"], c=d["frequency"], s=10,
                                cmap="magma_r", lw=0)
                fig.colorbar(sc, ax=ax, label="carrier frequency")
                ax.set_xlabel("distance to TSS (bp)")
                ax.set_ylabel("ISM (raw readout)")
                ax.scatter(d.loc[drv, "distance_to_tss"], d.loc[drv, "ism"], s=40,
                           facecolors="none", edgecolors="red")
            else:
                ax.scatter(d["ism"], d["eqtl_slope"], s=10, color=C, lw=0)
                ax.scatter(d.loc[drv, "ism"], d.loc[drv, "eqtl_slope"], s=40,
                           facecolors="none", edgecolors="red")
                ax.axhline(0, color="grey", lw=0.5)
                ax.axvline(0, color="grey", lw=0.5)
                ax.set_xlabel("ISM")
                ax.set_ylabel("eQTL slope")
            ax.set_title(f"{gene}: {int(drv.sum())} drivers (red)")
    elif panel == "fig2a":
        _volcano(ax, _read(inputs[0]))
    elif panel in ("fig2c", "supp4"):
        st = _read(inputs[0])
        d = st[st["r_predixcan"].notna()]
        if d.empty:
            _empty(ax, "no gene with a PrediXcan model")
        elif panel == "fig2c":
            sig = d["significant"].astype(bool)
            ax.scatter(d.loc[~sig, "r_predixcan"], d.loc[~sig, "r"], s=6, color="lightgrey", lw=0)
            ax.scatter(d.loc[sig, "r_predixcan"], d.loc[sig, "r"], s=6, color=C, lw=0)
            for v in (-0.2, 0.2):
                ax.axvline(v, color="grey", lw=0.5, ls="--")
                ax.axhline(v, color="grey", lw=0.5, ls="--")
            ax.plot([d["r_predixcan"].mean()], [d["r"].mean()], "x", color="green", ms=8)
            ax.set_xlabel("PrediXcan R")
            ax.set_ylabel("Enformer R")
            ax.set_title(f"n = {len(d)}: {(d['r_predixcan'] > 0.2).sum()} vs {(d['r'] > 0.2).sum()} with R > 0.2")
        else:
            _scatter_r(ax, d["r_predixcan"], d["r"].abs(), "PrediXcan R", "|Enformer R|")
    elif panel == "fig2e":
        s = _read(inputs[0]).dropna(subset=["supported_fraction"])
        s = s[s["group"].isin(["positive", "negative"])]
        if s.empty:
            _empty(ax, "no gene with drivers")
        else:
            for i, grp in enumerate(["positive", "negative"]):
                v = s.loc[s["group"] == grp, "supported_fraction"].to_numpy(float)
                if len(v) > 1:
                    ax.violinplot(v, positions=[i], showmedians=True)
                ax.scatter(np.full(len(v), i) + np.linspace(-0.1, 0.1, len(v)), v, s=8, color=C)
            ax.set_xticks([0, 1], [f"positive (n={(s['group'] == 'positive').sum()})",
                                   f"negative (n={(s['group'] == 'negative').sum()})"])
            ax.set_ylabel("gain-weighted fraction of supported drivers")
    elif panel == "fig2f":
        b = _read(inputs[0])
        if b.empty:
            _empty(ax, "no backward drivers")
        else:
            lim = max(1000, int(np.abs(b["distance_to_tss"]).max()) + 1)
            bins = np.linspace(-lim, lim, 41)
            for grp, col in (("positive", C), ("negative", "steelblue")):
                ax.hist(b.loc[b["group"] == grp, "distance_to_tss"], bins=bins, alpha=0.6,
                        color=col, label=f"{grp} (n={(b['group'] == grp).sum()})")
            ax.legend()
            ax.set_xlabel("driver distance to TSS (bp)")
            ax.set_ylabel("drivers")
    elif panel == "supp7":
        s = _read(inputs[0])
        s = s[s["n_drivers"] > 0]
        if s.empty:
            _empty(ax, "no gene with drivers")
        else:
            mx = int(s["n_drivers"].max())
            for grp, col in (("positive", C), ("negative", "steelblue")):
                ax.hist(s.loc[s["group"] == grp, "n_drivers"], bins=np.arange(0.5, mx + 1.5),
                        alpha=0.6, color=col, label=grp)
            ax.legend()
            ax.set_xlabel("forward drivers per gene")
            ax.set_ylabel("genes")
    elif panel in ("ed1a", "ed1b"):
        st = _read(inputs[0])
        other = "r_finetuned" if panel == "ed1a" else "r_cage_ensemble"
        if other not in st:
            _empty(ax, f"{other} not computed")
        else:
            _scatter_r(ax, st["r"], st[other], "R single CAGE track",
                       "R elastic-net head" if panel == "ed1a" else "R ensembled (shifts + RC)")
            sig = st["significant"].astype(bool)
            agree = (np.sign(st.loc[sig, "r"]) == np.sign(st.loc[sig, other])).mean() if sig.any() else np.nan
            ax.set_title(ax.get_title() + f"\nsign agreement (significant genes) {agree:.0%}")
    elif panel == "ed1c":
        st = _read(inputs[0])
        fm = st["finemapped"].astype(bool) if "finemapped" in st else np.zeros(len(st), bool)
        bins = np.linspace(-1, 1, 41)
        ax.hist(st.loc[~fm, "r"].dropna(), bins=bins, alpha=0.5, color="grey", density=True, label="other genes")
        ax.hist(st.loc[fm, "r"].dropna(), bins=bins, alpha=0.6, color=C, density=True,
                label=f"fine-mapped causal eQTL (n={int(fm.sum())}, {int((st.loc[fm, 'r'] < 0).sum())} R<0)")
        ax.legend()
        ax.set_xlabel("Pearson R per gene")
    elif panel == "ed2a":
        d = _read(inputs[0])
        if "split" in d and (d["split"] == "test").sum() > 2:
            d = d[d["split"] == "test"]
        _scatter_r(ax, d["predicted"], d["observed_mean"], "CNN prediction", "observed mean expression")
    elif panel == "ed2b":
        _volcano(ax, _read(inputs[0]))
    else:
        raise ValueError(f"unknown personal panel {panel!r}")
    save_figure(fig, pdf, png)
