"""Panels of the personal study (Sasse et al. 2023 Figs. 1-2, Extended Data 1-2, Supp. Figs. 1-12).

Each function draws one panel (or two variants, chosen by ``cfg["panel"]``) through the panel
contract (:mod:`regbench.panels`): ``draw(tables, cfg, pdf, png) -> rows drawn``, with the tables
and config subset that :mod:`.panels` declares for it (per-chunk attribution archives arrive as
``{stem: path}``). The example
genes (Figs. 1D/1E: ``positive``, 2B/2D/2G and Supp. Figs. 2-3: see ``EXAMPLE_ROLE``) are the
ones ``genes.examples`` names (DDX11, GSTM3 on the paper config), else the most significant gene
of that sign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson
from regbench.plotting.style import STUDY_COLORS, new_figure, no_data, save_figure

C = STUDY_COLORS["personal"]
NEG = "steelblue"
#: panel -> example gene role it shows (Fig. 1D/1E DDX11, Fig. 2B/2D/2G GSTM3, Supp. 2/3 DDX11)
EXAMPLE_ROLE = {"fig1d": "positive", "fig1e": "positive", "fig2b": "negative", "fig2d": "negative",
                "fig2g": "negative", "supp2": "positive", "supp3": "positive"}


def _panel_role(cfg: dict) -> tuple[str, str | None]:
    """The panel a shared draw function is drawing (``cfg["panel"]``) and its example gene's role."""
    return cfg["panel"], EXAMPLE_ROLE.get(cfg["panel"])


def _scatter_r(ax, x, y, xlabel, ylabel, title=""):
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    ax.scatter(x[ok], y[ok], s=6, color=C, alpha=0.7, lw=0)
    r = pearson(x[ok], y[ok]) if ok.sum() > 2 else np.nan
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} R = {r:.2f}, n = {int(ok.sum())}".strip())
    return r


def _heads(df: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in df.columns if c.startswith(prefix)]


def _example(st: pd.DataFrame, role: str) -> str | None:
    from regbench.studies.personal.significance import example_genes

    return example_genes(st).get(role)


def _gene_label(st: pd.DataFrame, gene: str) -> str:
    row = st[st["gene_id"] == gene]
    name = str(row["gene_name"].iloc[0]) if len(row) and "gene_name" in row else ""
    return f"{name} ({gene})" if name and name != gene else gene


def _mean_vs_pred(fig, df, test_only=False):
    heads = [c for c in _heads(df, "finetuned_")] or ["finetuned"]
    if test_only:
        df = df[df["split"] == "test"]
    axes = fig.axes
    for ax, col in zip(axes, heads):
        head = col.removeprefix("finetuned_")
        _scatter_r(ax, df[col], df["observed_mean"], f"predicted, {head} elastic-net head",
                   "observed mean expression", "test genes" if test_only else "all genes")


def _individual(ax, df, role, pred, st):
    d = df[df["role"] == role]
    if d.empty:
        return no_data(ax, f"no {role} example gene", axis_off=True)
    col = pred if pred in d else "predicted"
    gene = d["gene_id"].iloc[0]
    _scatter_r(ax, d[col], d["observed"], f"predicted ({col})", "observed expression", _gene_label(st, gene))


def _volcano(ax, st):
    x = st["r"].to_numpy(float)
    y = -np.log10(st["p"].to_numpy(float).clip(1e-300))
    col = np.abs(st["mean_pred"].to_numpy(float))
    ax.scatter(x, y, c=col, s=6, cmap="viridis", lw=0)
    sig = st["significant"].astype(bool)
    if sig.any():
        ax.axhline(-np.log10(st.loc[sig, "p"].max()), color="red", lw=0.8)
    ax.set_xlabel("Pearson R (predicted vs observed, per gene)")
    ax.set_ylabel("-log10 p (gene-specific null)")
    n_neg = int((sig & (st["r"] < 0)).sum())
    ax.set_title(f"{int(sig.sum())} significant, {n_neg} negative (n = {len(st)})")


def _distance_hist(axes, d, groups, main_col, lim, bin_bp, zoom=None):
    bins = np.arange(-lim, lim + bin_bp, bin_bp)
    for ax, (grp, col) in zip(axes, groups):
        v = d.loc[d["group"] == grp]
        ax.hist(v["distance_to_tss"], bins=bins, color=col, alpha=0.9, label=f"drivers (n={len(v)})")
        if main_col in v:
            m = v[v[main_col].astype(bool)]
            ax.hist(m["distance_to_tss"], bins=bins, color="orange", alpha=0.9, label=f"main drivers (n={len(m)})")
        ax.axvline(0, color="goldenrod", ls="--", lw=0.8)
        ax.set_title(f"{grp} genes")
        ax.set_xlabel("distance to TSS (bp)")
        ax.set_ylabel("drivers")
        ax.legend(fontsize=6)
        if zoom:
            ax.set_xlim(-zoom, zoom)


def reference_vs_mean(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 1B / Supp. Fig. 1: predicted (reference sequence) vs mean observed expression per gene, per head (Supp. 1: test genes only)."""
    panel = cfg["panel"]
    df = tables["reference_predictions"]
    n = max(1, len(_heads(df, "finetuned_")))
    fig, _ = new_figure(3.4 * n, 3.0, ncols=n, squeeze=False)
    _mean_vs_pred(fig, df, test_only=panel == "supp1")
    data = df[df["split"] == "test"] if panel == "supp1" else df
    save_figure(fig, pdf, png)
    return data


def example_individuals(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 1D / 2B: predicted vs observed expression across individuals of the example gene."""
    panel, role = _panel_role(cfg)
    fig, ax = new_figure(3.6, 3.0)
    ind = tables["individual_predictions"]
    _individual(ax, ind, role, "predicted_finetuned" if panel == "fig1d" else "predicted", tables["gene_stats"])
    data = ind[ind["role"] == role]
    save_figure(fig, pdf, png)
    return data


def example_snv_ism(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 1E / 2D: the example gene's SNVs, ISM against distance to TSS (1E) or against the eQTL slope (2D), drivers circled."""
    panel, role = _panel_role(cfg)
    data = pd.DataFrame()
    fig, ax = new_figure(3.8, 3.0)
    snvs, st = tables["snvs"], tables["gene_stats"]
    gene = _example(st, role)
    d = snvs[snvs["gene_id"] == gene] if gene else snvs.iloc[:0]
    if d.empty:
        no_data(ax, f"no ISM for the {role} example gene", axis_off=True)
    else:
        drv = d["driver"].astype(bool)
        if panel == "fig1e":
            sc = ax.scatter(d["distance_to_tss"], d["ism"], c=d["frequency"], s=10, cmap="magma_r", lw=0)
            fig.colorbar(sc, ax=ax, label="carrier frequency")
            ax.set_xlabel("distance to TSS (bp)")
            ax.set_ylabel("ISM (raw readout)")
            ax.scatter(d.loc[drv, "distance_to_tss"], d.loc[drv, "ism"], s=40, facecolors="none", edgecolors="red")
        else:
            minfreq = float(cfg.get("figures", {}).get("eqtl_min_frequency", 0.01))
            d = d[d["frequency"] > minfreq]
            drv = d["driver"].astype(bool)
            ax.scatter(d["ism"], d["eqtl_slope"], s=10, color=C, lw=0)
            ax.scatter(d.loc[drv, "ism"], d.loc[drv, "eqtl_slope"], s=40, facecolors="none", edgecolors="red")
            ax.axhline(0, color="grey", lw=0.5)
            ax.axvline(0, color="grey", lw=0.5)
            ax.set_xlabel("ISM")
            ax.set_ylabel("eQTL slope")
        ax.set_title(f"{_gene_label(st, gene)}: {len(d)} SNVs, {int(drv.sum())} drivers (red)")
        data = d
    save_figure(fig, pdf, png)
    return data


def volcano(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 2A / Extended Data Fig. 2B: per-gene R against its significance (volcano)."""
    fig, ax = new_figure(3.6, 3.0)
    data = tables["gene_stats"]
    _volcano(ax, data)
    save_figure(fig, pdf, png)
    return data


def predixcan_comparison(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 2C / Supp. Fig. 4: Enformer R vs PrediXcan R per gene."""
    panel = cfg["panel"]
    fig, ax = new_figure(3.6, 3.0)
    st = tables["gene_stats"]
    d = st[st["r_predixcan"].notna()]
    data = d
    if d.empty:
        no_data(ax, "no gene with a PrediXcan model", axis_off=True)
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
    save_figure(fig, pdf, png)
    return data


def driver_support(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 2E: gain-weighted fraction of eQTL-supported drivers, positive vs negative genes."""
    fig, ax = new_figure(3.6, 3.0)
    s = tables["driver_support"].dropna(subset=["supported_fraction"])
    s = s[s["group"].isin(["positive", "negative"])]
    data = s
    if s.empty:
        no_data(ax, "no gene with drivers", axis_off=True)
    else:
        for i, grp in enumerate(["positive", "negative"]):
            v = s.loc[s["group"] == grp, "supported_fraction"].to_numpy(float)
            if len(v) > 1:
                ax.violinplot(v, positions=[i], showmedians=True)
            ax.scatter(np.full(len(v), i) + np.linspace(-0.1, 0.1, len(v)), v, s=8, color=C)
        ax.set_xticks([0, 1], [f"positive (n={(s['group'] == 'positive').sum()})",
                               f"negative (n={(s['group'] == 'negative').sum()})"])
        ax.set_ylabel("gain-weighted fraction of supported drivers")
    save_figure(fig, pdf, png)
    return data


def driver_distance_backward(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 2F: distance of backward drivers to the TSS (1-kb bins, main drivers on top; right pair zoomed)."""
    # plot_driverdistance.py: backward drivers, 1-kb bins over -70..70 kb, main drivers on
    # top; the right-hand pair zooms to +-20 kb
    fig, axes = new_figure(10.0, 3.0, ncols=4)
    b = tables["drivers_backward"]
    b = b[b["group"].isin(["positive", "negative"])]
    data = b
    if b.empty:
        for ax in axes:
            no_data(ax, "no backward drivers in positive/negative genes", axis_off=True)
    else:
        f = cfg.get("figures", {})
        lim, bw, zoom = int(f.get("driver_distance_limit", 70000)), int(f.get("driver_distance_bin", 1000)), \
            int(f.get("driver_distance_zoom", 20000))
        groups = [("positive", "forestgreen"), ("negative", "indigo")]
        _distance_hist(axes[:2], b, groups, "main", lim, bw)
        _distance_hist(axes[2:], b, groups, "main", lim, bw, zoom=zoom)
    save_figure(fig, pdf, png)
    return data


def attribution_track(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Fig. 2G: gradient x input along the example gene's window, SNVs and drivers marked."""
    panel, role = _panel_role(cfg)
    data = pd.DataFrame()
    fig, ax = new_figure(7.0, 2.6)
    st, snvs = tables["gene_stats"], tables["snvs"]
    gene = _example(st, role)
    track = _attribution_track(list(tables["ism"].values()), gene) if gene else None
    if track is None:
        no_data(ax, f"no attribution track for the {role} example gene", axis_off=True)
    else:
        w = int(cfg.get("window_bp", len(track)))
        x = np.arange(len(track)) - w // 2
        ax.plot(x, track, lw=0.4, color="grey")
        d = snvs[snvs["gene_id"] == gene]
        tss = int(st.loc[st["gene_id"] == gene, "tss"].iloc[0])
        for sub, col, lab in ((d[~d["driver"].astype(bool)], "lightblue", "SNVs"),
                              (d[d["driver"].astype(bool)], "red", "drivers")):
            off = (sub["pos"] - tss).to_numpy(int)
            ok = (off + w // 2 >= 0) & (off + w // 2 < len(track))
            ax.scatter(off[ok], track[off[ok] + w // 2], s=10, color=col, label=f"{lab} (n={int(ok.sum())})", zorder=3)
        ax.legend(fontsize=6)
        data = pd.DataFrame({"gene_id": gene, "offset": x, "attribution": track})
        data = data[data["attribution"] != 0] if (data["attribution"] != 0).any() else data
        ax.set_xlabel("position relative to TSS (bp, genomic orientation)")
        ax.set_ylabel("gradient x input (ref - mean alt)")
        ax.set_title(_gene_label(st, gene))
    save_figure(fig, pdf, png)
    return data


def drivers_per_gene(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 7: forward drivers per gene, positive vs negative genes."""
    fig, ax = new_figure(3.6, 3.0)
    s = tables["driver_support"]
    s = s[(s["n_drivers"] > 0) & s["group"].isin(["positive", "negative"])]
    data = s
    if s.empty:
        no_data(ax, "no gene with drivers", axis_off=True)
    else:
        mx = int(s["n_drivers"].max())
        for grp, col in (("positive", C), ("negative", NEG)):
            ax.hist(s.loc[s["group"] == grp, "n_drivers"], bins=np.arange(0.5, mx + 1.5), alpha=0.6,
                    color=col, label=grp)
        ax.legend()
        ax.set_xlabel("forward drivers per gene")
        ax.set_ylabel("genes")
    save_figure(fig, pdf, png)
    return data


def single_track_vs_other(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Extended Data Fig. 1A / 1B: R of the single CAGE track vs the elastic-net heads (1A) or the shift+RC ensemble (1B)."""
    panel = cfg["panel"]
    st = tables["stats"]
    others = _heads(st, "r_finetuned_") if panel == "ed1a" else ["r_cage_ensemble"]
    others = [c for c in others if c in st] or (["r_finetuned"] if panel == "ed1a" and "r_finetuned" in st else [])
    fig, axes = new_figure(3.4 * max(1, len(others)), 3.0, ncols=max(1, len(others)), squeeze=False)
    data = st[["gene_id", "r", "significant"] + others] if others else st.iloc[:0]
    if not others:
        no_data(axes[0, 0], "not computed", axis_off=True)
    for ax, other in zip(axes[0], others):
        lab = f"R {other.removeprefix('r_finetuned_')} elastic-net head" if panel == "ed1a" else \
            "R ensembled (shifts + RC)"
        _scatter_r(ax, st["r"], st[other], "R single CAGE track", lab)
        sig = st["significant"].astype(bool)
        agree = (np.sign(st.loc[sig, "r"]) == np.sign(st.loc[sig, other])).mean() if sig.any() else np.nan
        ax.set_title(ax.get_title() + f"\nsign agreement (significant genes) {agree:.0%}")
    save_figure(fig, pdf, png)
    return data


def finemapped(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Extended Data Fig. 1C: R of genes with SuSiE fine-mapped eQTLs vs the others."""
    fig, ax = new_figure(3.6, 3.0)
    st = tables["gene_stats"]
    fm = st["finemapped"].astype(bool) if "finemapped" in st else pd.Series(False, index=st.index)
    bins = np.linspace(-1, 1, 41)
    ax.hist(st.loc[~fm, "r"].dropna(), bins=bins, alpha=0.5, color="grey", density=True, label="other genes")
    sub = st.loc[fm]
    data = st.assign(finemapped=fm.to_numpy())[["gene_id", "r", "significant", "finemapped"]]
    sig = sub["significant"].astype(bool)
    ax.hist(sub["r"].dropna(), bins=bins, alpha=0.6, color=C, density=True,
            label=f"SuSiE fine-mapped eQTL genes (n={len(sub)}, {int((sub['r'] < 0).sum())} R<0; "
                  f"significant {int(sig.sum())}, {int((sig & (sub['r'] < 0)).sum())} R<0)")
    ax.legend(fontsize=6)
    ax.set_xlabel("Pearson R per gene")
    save_figure(fig, pdf, png)
    return data


def cnn_test_genes(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Extended Data Fig. 2A: the 40-kb CNN's prediction vs observed mean expression on test genes."""
    fig, ax = new_figure(3.6, 3.0)
    d = tables["reference_predictions"]
    d = d[d["split"] == "test"]
    data = d
    if len(d) < 3:
        no_data(ax, "fewer than 3 test genes", axis_off=True)
    else:
        _scatter_r(ax, d["predicted"], d["observed_mean"], "CNN prediction", "observed mean expression", "test genes")
    save_figure(fig, pdf, png)
    return data


def example_genotypes(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 2: the example gene's ALT dosage matrix (clustered) and SNVs carried per individual."""
    panel, role = _panel_role(cfg)
    fig, axes = new_figure(7.0, 3.0, ncols=2, gridspec_kw={"width_ratios": [2.2, 1]})
    eg, st = tables["example_genotypes"], tables["gene_stats"]
    gene = _example(st, role)
    minfreq = float(cfg.get("figures", {}).get("genotype_min_frequency", 0.1))
    d = eg[(eg["gene_id"] == gene) & (eg["frequency"] >= minfreq)] if gene else eg.iloc[:0]
    data = d
    if d.empty:
        for ax in axes:
            no_data(ax, "no common SNVs of the example gene", axis_off=True)
    else:
        m = d.drop(columns=["gene_id", "role", "pos", "ref", "alt", "frequency"]).to_numpy(float)  # SNV x ind
        order_s = _leaf_order(m)
        order_i = _leaf_order(m.T)
        axes[0].imshow(m[order_s][:, order_i], aspect="auto", cmap="Greys", interpolation="nearest", vmin=0, vmax=2)
        axes[0].set_xlabel(f"individuals (n={m.shape[1]}, clustered)")
        axes[0].set_ylabel(f"SNVs with frequency >= {minfreq:g} (n={m.shape[0]})")
        axes[0].set_title(f"{_gene_label(st, gene)}: ALT dosage")
        per = (m > 0).sum(axis=0)
        axes[1].hist(per, bins=np.arange(per.max() + 2) - 0.5, color=C)
        axes[1].set_xlabel("SNVs carried per individual")
        axes[1].set_ylabel("individuals")
    save_figure(fig, pdf, png)
    return data


def driver_window_ism(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 3: ISM importance around the example gene's main driver, reference and ALT background."""
    panel, role = _panel_role(cfg)
    data = pd.DataFrame()
    fig, axes = new_figure(7.0, 3.2, nrows=2, sharex=True)
    drivers, st = tables["drivers"], tables["gene_stats"]
    gene = _example(st, role)
    win = _driver_window(list(tables["driver_ism"].values()), drivers, gene)
    if win is None:
        for ax in axes:
            no_data(ax, "no main-driver window ISM of the example gene", axis_off=True)
    else:
        key, seq, ref, var, flank = win
        x = np.arange(len(seq)) - flank
        data = pd.DataFrame({"key": key, "offset": x, "base": list(seq), "ref_importance": -ref.sum(axis=1) / 3.0,
                             "var_importance": -var.sum(axis=1) / 3.0})
        for ax, m, lab in ((axes[0], ref, "reference"), (axes[1], var, "with the driver's ALT")):
            z = -m.sum(axis=1) / 3.0
            ax.bar(x, z, color=np.where(z >= 0, C, NEG), width=0.9)
            ax.axvline(0, color="red", lw=0.6, ls="--")
            ax.set_ylabel(f"ISM importance\n({lab})")
        axes[1].set_xticks(x, list(seq), fontsize=5)
        axes[0].set_title(f"{_gene_label(st, gene)}: main driver {key.rsplit('_', 1)[1]} (+-{flank} bp)")
    save_figure(fig, pdf, png)
    return data


def linear_approximation(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 5: R of the linear ISM / gradient approximation with Enformer's prediction per gene."""
    fig, axes = new_figure(7.0, 3.0, ncols=2)
    s = tables["driver_support"]
    s = s[s["xai"].astype(bool)] if "xai" in s else s
    data = s[["gene_id", "linear_approx_r", "linear_approx_grad_r"]]
    for ax, col, lab in ((axes[0], "linear_approx_r", "ISM"), (axes[1], "linear_approx_grad_r", "gradient")):
        v = s[col].dropna().to_numpy(float)
        if not len(v):
            no_data(ax, f"no {lab} approximation", axis_off=True)
            continue
        ax.hist(v, bins=np.linspace(-1, 1, 41), color=C)
        ax.axvline(0.2, color="grey", ls="--", lw=0.8)
        ax.set_xlabel(f"R({lab} x genotype sum, Enformer prediction)")
        ax.set_ylabel("genes")
        ax.set_title(f"{lab}: {(v > 0.2).mean():.0%} of {len(v)} genes > 0.2, median {np.median(v):.2f}")
    save_figure(fig, pdf, png)
    return data


def ism_vs_gradient(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 6: ISM vs gradient attributions of SNVs, pooled and per gene."""
    fig, axes = new_figure(7.0, 3.0, ncols=2)
    snvs = tables["snvs"]
    d = snvs.dropna(subset=["ism", "grad"])
    data = d[["gene_id", "pos", "ism", "grad"]]
    if d.empty:
        for ax in axes:
            no_data(ax, "no SNV with ISM and gradient", axis_off=True)
    else:
        _scatter_r(axes[0], d["ism"], d["grad"], "ISM", "gradient (alt - ref)", "all SNVs")
        per = [pearson(g["ism"].to_numpy(float), g["grad"].to_numpy(float)) for _, g in d.groupby("gene_id") if len(g) > 2]
        per = np.asarray([p for p in per if np.isfinite(p)])
        axes[1].hist(per, bins=np.linspace(-1, 1, 41), color=C)
        axes[1].set_xlabel("R(ISM, gradient) per gene")
        axes[1].set_ylabel("genes")
        axes[1].set_title(f"median {np.median(per):.2f} (n = {len(per)})" if len(per) else "")
    save_figure(fig, pdf, png)
    return data


def kmer_clusters(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 8: drivers per 13-mer cluster, eQTL-supported or not, reference and ALT background."""
    fig, axes = new_figure(7.0, 3.0, ncols=2)
    cl = tables["kmer_clusters"]
    data = cl
    for ax, bg in zip(axes, ("ref", "var")):
        d = cl[(cl["background"] == bg) & (cl["n"] >= 2)].head(30) if len(cl) else cl
        if d.empty:
            no_data(ax, f"no {bg} 13-mer cluster of >= 2 drivers", axis_off=True)
            continue
        x = np.arange(len(d))
        ax.bar(x, d["n_supported"], color=C, label="supported")
        ax.bar(x, d["n_unsupported"], bottom=d["n_supported"], color=NEG, label="unsupported")
        ax.set_xlabel("13-mer cluster (largest first)")
        ax.set_ylabel("drivers")
        ax.set_title(f"{bg} sequence: min Fisher p {d['fisher_p'].min():.2g}")
        ax.legend(fontsize=6)
    save_figure(fig, pdf, png)
    return data


def driver_distance_forward(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 9 / 10: distance of forward drivers to the TSS (Supp. 10: main drivers only)."""
    panel = cfg["panel"]
    fig, axes = new_figure(7.0, 3.0, ncols=2)
    d = tables["drivers"]
    cut = float(cfg.get("xai", {}).get("abs_r_min", 0.2))
    d = d.assign(group=np.where(d["gene_r"] > cut, "positive", np.where(d["gene_r"] < -cut, "negative", "none")))
    if panel == "supp10":
        d = d[d["main"].astype(bool)]
    data = d[d["group"] != "none"]
    if d[d["group"] != "none"].empty:
        for ax in axes:
            no_data(ax, "no forward drivers", axis_off=True)
    else:
        w = int(cfg.get("window_bp", 196608)) // 2
        _distance_hist(axes, d, [("positive", "forestgreen"), ("negative", "indigo")], "main" if panel == "supp9" else "",
                       w, max(1, int(cfg.get("figures", {}).get("driver_distance_bin", 1000))))
    save_figure(fig, pdf, png)
    return data


def motif_windows(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 11: max |ISM z| near main drivers and motif size per z threshold."""
    fig, axes = new_figure(7.0, 3.0, ncols=2)
    ws = tables["driver_windows"]
    data = ws
    if ws.empty:
        for ax in axes:
            no_data(ax, "no main-driver window ISM", axis_off=True)
    else:
        for bg, col in (("ref", C), ("var", NEG)):
            v = np.sort(ws[f"{bg}_max_abs_z"].to_numpy(float))
            axes[0].plot(v, np.arange(1, len(v) + 1) / len(v), color=col, label=bg)
            sizes = [c for c in ws.columns if c.startswith(f"{bg}_size_")]
            axes[1].plot([float(c.split("_")[-1]) for c in sizes], [ws[c].mean() for c in sizes], "o-", color=col, label=bg)
        axes[0].set_xlabel("max |ISM z| within +-20 bp of the main driver")
        axes[0].set_ylabel("cumulative fraction of drivers")
        axes[1].set_xlabel("z threshold")
        axes[1].set_ylabel("mean motif size (bp)")
        for ax in axes:
            ax.legend(fontsize=6)
    save_figure(fig, pdf, png)
    return data


def gradient_clusters(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Supp. Fig. 12: clusters of the genes' gradient profiles around the TSS."""
    data = pd.DataFrame()
    fig, ax = new_figure(7.0, 3.2)
    prof = _profiles(list(tables["ism"].values()))
    if prof is None or len(prof[0]) < 2:
        no_data(ax, "fewer than 2 gradient profiles", axis_off=True)
    else:
        from sklearn.cluster import AgglomerativeClustering

        ids, p = prof
        k = min(int(cfg.get("figures", {}).get("gradient_clusters", 5)), len(ids))
        lab = AgglomerativeClustering(n_clusters=k, linkage="complete").fit(p).labels_
        data = pd.DataFrame({"gene_id": ids, "cluster": lab})
        w = int(cfg.get("window_bp", 196608))
        x = (np.arange(p.shape[1]) * 128 + 64) - w // 2
        for c in np.unique(lab):
            ax.plot(x, p[lab == c].mean(axis=0), lw=0.8, label=f"cluster {c} (n={int((lab == c).sum())})")
        ax.axvline(0, color="goldenrod", ls="--", lw=0.8)
        ax.set_xlabel("position relative to TSS (bp)")
        ax.set_ylabel("std of normalised attribution (128 bp)")
        ax.legend(fontsize=6)
    save_figure(fig, pdf, png)
    return data


def _leaf_order(m: np.ndarray) -> np.ndarray:
    """Row order of a hierarchical clustering (average linkage, Euclidean) of ``m``."""
    if len(m) < 3:
        return np.arange(len(m))
    from scipy.cluster.hierarchy import leaves_list, linkage

    return leaves_list(linkage(m, "average"))


def _attribution_track(npzs, gene):
    for p in npzs:
        with np.load(p, allow_pickle=False) as z:
            if f"attribution_{gene}" in z.files:
                return z[f"attribution_{gene}"].astype(float)
    return None


def _driver_window(npzs, drivers, gene):
    main = drivers[(drivers["gene_id"] == gene) & drivers["main"].astype(bool)]
    if main.empty:
        return None
    key = f"{gene}_{int(main['pos'].iloc[0])}"
    for p in npzs:
        with np.load(p, allow_pickle=False) as z:
            if f"ref_{key}" in z.files:
                return key, str(z[f"seq_{key}"]), z[f"ref_{key}"], z[f"var_{key}"], int(z["flank"])
    return None


def _profiles(npzs):
    ids, rows = [], []
    for p in npzs:
        with np.load(p, allow_pickle=False) as z:
            ids += list(z["gene_ids"].astype(str))
            if len(z["profiles"]):
                rows.append(z["profiles"])
    if not rows:
        return None
    return ids, np.concatenate(rows).astype(float)
