"""Figure panels of the accessibility study (specs/accessibility.md §6): the drawing.

Every panel is drawn from the long metrics tables written by
:func:`regbench.studies.accessibility.evaluate.run_evaluation` (columns model, binary, seed, aug,
bin, loss, dataset, arch, metric, param, cell, value) and returns the subset it plots, which the
panel contract (:mod:`regbench.panels`) writes as the panel's data table. The panels are declared
in :mod:`regbench.studies.accessibility.panels` (what each reads, its config subset); each
``panel_<name>`` is a contract draw function ``(tables, cfg, pdf, png) -> rows``: :func:`_drawn`
row-binds its tables once (:func:`.collect.long_table`) and saves the figure. Assembling the
plotted tables (and the supplementary tables) is in :mod:`regbench.studies.accessibility.collect`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from regbench.plotting.style import STUDY_COLORS, new_figure, no_data, save_figure
from regbench.studies.accessibility.collect import (
    PanelDataError,
    bin_sizes,
    binary_table,
    cagi_delta_cdf,
    cagi_example,
    cagi_summary,
    distance_table,
    figure_options,
    flank_table,
    gia_cell,
    gia_pairs,
    gia_rows,
    long_table,
    loss_bin_table,
    robustness_table,
    select,
    sweep_table,
    triangle_table,
)

COLOR = STUDY_COLORS["accessibility"]




def _drawn(panel):
    """The contract draw function of ``panel(df, cfg) -> (figure, rows)``: ``df`` is the panel's
    tables row-bound (:func:`.collect.long_table`); saves the figure to ``pdf`` and ``png`` and
    returns the rows."""

    @functools.wraps(panel)
    def draw(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
        fig, rows = panel(long_table(tables), cfg)
        save_figure(fig, pdf, png)
        return rows

    return draw


# ---------------------------------------------------------------------------------------------
# panels: each draws from the long table of its inputs and returns (figure, rows); @_drawn makes
# it the contract's (tables, cfg, pdf, png) -> rows


@_drawn
def panel_2a(df, cfg):
    """Truth vs prediction track stretch of the test chromosome: the model of the ``tracks``
    evaluation (Basenji-128), cell line ``panels.tracks_cell`` (paper: GM23338)."""
    d = df[df["metric"] == "track"] if not df.empty else df
    fig, axes = new_figure(6.5, 2.6, nrows=2, sharex=True)
    if d.empty:
        no_data(axes[0])
        return fig, d
    cell = figure_options(cfg)["tracks_cell"]
    if cell not in set(d["cell"]):
        raise PanelDataError(f"panel 2a: accessibility.panels.tracks_cell {cell!r} has no track rows (cells: {sorted(set(d['cell']))})")
    d = d[(d["cell"] == cell) & (d["model"] == d["model"].iloc[0])].reset_index(drop=True)
    x = np.arange(len(d))
    axes[0].fill_between(x, d["truth"], color="0.4", lw=0)
    axes[0].set_ylabel(f"{cell}\nexperiment")
    axes[1].fill_between(x, d["value"], color=COLOR, lw=0)
    axes[1].set_ylabel(f"prediction\n{d['model'].iloc[0].split('-')[0]} b{d['bin'].iloc[0]}")
    axes[1].set_xlabel(f"test chromosome stretch ({d['param'].iloc[0]} ..., 32-bp steps)")
    return fig, d


def _loss_bin_scatter(df, arch, param):
    t = loss_bin_table(df, arch, param)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    markers = dict(zip(sorted(t["loss"].unique()), "osD^v<>"))
    bins = sorted(bin_sizes(t).unique())
    cmap = __import__("matplotlib").colormaps["viridis"]
    for row in t.itertuples(index=False):
        ax.scatter(row.mse, row.pearson, marker=markers[row.loss], color=cmap(bins.index(float(row.bin)) / max(1, len(bins) - 1)), s=28)
    for loss, mk in markers.items():
        ax.scatter([], [], marker=mk, color="0.3", label=loss)
    for b in bins:
        ax.scatter([], [], marker="s", color=cmap(bins.index(b) / max(1, len(bins) - 1)), label=f"bin {int(b)}")
    ax.legend(fontsize=6, ncol=2)
    ax.set_xlabel(f"MSE ({param})")
    ax.set_ylabel("Pearson r (whole chromosome)")
    return fig, t


@_drawn
def panel_2b(df, cfg):
    return _loss_bin_scatter(df, "basenji", "scaled")


@_drawn
def panel_ED1a(df, cfg):
    return _loss_bin_scatter(df, "bpnet", "raw")


def _triangle(df, arch):
    t = triangle_table(df, arch)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    mat = t.pivot(index="train_bin", columns="eval_bin", values="value")
    im = ax.imshow(mat.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(mat.shape[1]), mat.columns, rotation=90)
    ax.set_yticks(range(mat.shape[0]), mat.index)
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            v = mat.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="w")
    ax.set_xlabel("evaluation bin (bp)")
    ax.set_ylabel("training bin (bp)")
    fig.colorbar(im, ax=ax, label="Pearson r")
    return fig, t


@_drawn
def panel_2c(df, cfg):
    return _triangle(df, "basenji")


@_drawn
def panel_ED1b(df, cfg):
    return _triangle(df, "bpnet")


@_drawn
def panel_ED2(df, cfg):
    d = df[(df["metric"] == "pearson_smooth") & (df["cell"] == "mean") & (df["loss"] == "poisson")].copy()
    d["window"] = d["param"].astype(int)
    fig, ax = new_figure(3.6, 3.0)
    for model, g in d.groupby("model"):
        g = g.sort_values("window")
        ax.plot(g["window"], g["value"], marker="o", label=model.split("-")[0] + f" b{g['bin'].iloc[0]}")
    if d.empty:
        no_data(ax)
    else:
        ax.set_xscale("log", base=2)
        ax.legend(fontsize=6)
    ax.set_xlabel("box-car window (bp)")
    ax.set_ylabel("Pearson r (whole chromosome)")
    return fig, d


@_drawn
def panel_2d(df, cfg):
    d = select(df, "pearson_whole", "raw").copy()
    t = d.groupby(["dataset", "bin"], as_index=False)["value"].mean()
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    for ds, g in t.groupby("dataset"):
        ax.plot(bin_sizes(g), g["value"], marker="o", label=ds)
    ax.set_xscale("log", base=2)
    ax.legend(fontsize=6, title="training set")
    ax.set_xlabel("resolution (bp)")
    ax.set_ylabel("Pearson r (whole chromosome)")
    return fig, t


@_drawn
def panel_2e(df, cfg):
    """Per-sequence Pearson vs test-set coverage threshold, Basenji Poisson models at the bins of
    ``panels.test_threshold_bins`` (paper: every bin but 2048)."""
    bins = {int(b) for b in figure_options(cfg)["test_threshold_bins"]}
    d = df[(df["metric"] == "pearson_test_threshold") & (df["cell"] == "mean") & (df["loss"] == "poisson") & (df["arch"] == "basenji")].copy()
    d = d[bin_sizes(d).isin(bins)]
    d["threshold"] = d["param"].astype(float)
    fig, ax = new_figure(3.6, 3.0)
    for b, g in d.groupby("bin"):
        g = g.sort_values("threshold")
        ax.plot(g["threshold"], g["value"], marker=".", label=f"bin {b}")
    if d.empty:
        no_data(ax)
    else:
        ax.legend(fontsize=6)
    ax.set_xlabel("test-set coverage threshold")
    ax.set_ylabel("per-sequence Pearson r")
    return fig, d


@_drawn
def panel_3b(df, cfg):
    """Per-sequence Pearson vs variation score of the models at bin ``panels.robustness_bin``
    (paper: 128; Basenji-128 and BPNet-128, 3 seeds): marker = architecture, colour =
    augmentation, filled = coverage-threshold data, open = peak-centred data."""
    fig, ax = new_figure(3.8, 3.0)
    if df.empty:
        no_data(ax)
        return fig, df
    t = robustness_table(df, cfg)
    if t.empty:
        no_data(ax)
        return fig, t
    markers = dict(zip(sorted(t["arch"].unique()), "osD^v<>"))
    colors = dict(zip(["none", "rc", "shift", "rc_shift"], ["0.55", "tab:blue", "tab:orange", COLOR]))
    for row in t.itertuples(index=False):
        c = colors.get(row.aug, "k")
        ax.scatter(row.variation_score, row.pearson_per_seq, marker=markers[row.arch], s=26,
                   facecolors=c if row.data == "coverage" else "none", edgecolors=c)
    for arch, mk in markers.items():
        ax.scatter([], [], marker=mk, color="0.3", label=arch)
    for aug, c in colors.items():
        if aug in set(t["aug"]):
            ax.scatter([], [], marker="s", color=c, label=aug)
    ax.scatter([], [], marker="o", facecolors="none", edgecolors="0.3", label="peak-centred data")
    ax.legend(fontsize=5, ncol=2)
    ax.set_title(f"bin {int(figure_options(cfg)['robustness_bin'])}", fontsize=7)
    ax.set_xlabel("variation score (lower = more robust)")
    ax.set_ylabel("per-sequence Pearson r")
    return fig, t


def _binary_panel(df, which):
    t = binary_table(df)
    fig, axes = new_figure(6.0, 2.8, ncols=2)
    for ax, param in zip(axes, ("peak", "whole")):
        if t.empty:
            no_data(ax)
            continue
        for is_bin, g in t.groupby("binary"):
            quant = is_bin != "True"
            ax.scatter(g[f"pearson_coverage_{param}"], g[f"{which}_{param}"], label="quantitative" if quant else "binary",
                       s=24, marker="o" if quant else "^", color=COLOR if quant else "0.4")
            for row in g.itertuples(index=False):
                if row.arch in ("basenji", "bpnet"):  # the two non-"new" quantitative models
                    ax.annotate(row.arch, (getattr(row, f"pearson_coverage_{param}"), getattr(row, f"{which}_{param}")), fontsize=5)
        ax.set_xlabel(f"Pearson r (mean coverage, {param})")
        ax.set_ylabel(f"{which.upper()} ({param})")
        ax.legend(fontsize=6)
    return fig, t


@_drawn
def panel_4b(df, cfg):
    return _binary_panel(df, "auroc")


@_drawn
def panel_ED3(df, cfg):
    return _binary_panel(df, "aupr")


@_drawn
def panel_5a(df, cfg):
    """CAGI5 example (paper: TERT-GBM, ResidualBind-32 task heads): predicted coverage of the
    reference and alternative sequence of the element's variant with the largest |effect|, in
    the cell line with the largest |log2 ratio| (top); measured (middle) and predicted (robust,
    bottom) effects of every substitution along the element."""
    fig, axes = new_figure(6.5, 4.2, nrows=3)
    if df.empty:
        no_data(axes[0])
        return fig, df
    model, element, d, eff = cagi_example(df, cfg)
    prof = d[d["metric"].isin(["cagi_example_ref", "cagi_example_alt"]) & d["param"].astype(str).str.startswith(f"{element}|")].copy()
    var = d[(d["metric"] == "cagi_example_variant") & d["param"].astype(str).str.startswith(f"{element}|")]
    if not prof.empty:
        prof["bin_index"] = prof["param"].astype(str).str.split("|").str[-1].astype(int)
        for metric, col, lab in (("cagi_example_ref", "0.4", "reference"), ("cagi_example_alt", COLOR, "alternative")):
            g = prof[prof["metric"] == metric].sort_values("bin_index")
            axes[0].plot(g["bin_index"] * int(g["bin"].iloc[0]), g["value"], color=col, lw=0.8, label=lab)
        axes[0].legend(fontsize=6)
        v = var.iloc[0]
        axes[0].set_title(f"{element} {v['param'].split('|')[1]} ({v['cell']}, log2 ratio {v['value']:.3f})", fontsize=7)
        axes[0].set_ylabel("predicted coverage")
        axes[0].set_xlabel("position in the 2,048-bp input (bp)")
    else:
        no_data(axes[0], "no profile (binary model)")
    for ax, col, title in ((axes[1], "value", "measured"), (axes[2], "effect_robust", "predicted (robust)")):
        mat = eff.pivot_table(index="alt", columns="pos", values=col)
        lim = np.nanmax(np.abs(mat.to_numpy())) or 1
        ax.imshow(mat.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
        ax.set_yticks(range(len(mat.index)), mat.index)
        ax.set_title(f"{element}: {title} ({model.split('-')[0]})", fontsize=7)
    axes[2].set_xlabel("position in element")
    fig.tight_layout()
    table = pd.concat([eff.assign(kind="effect"), prof.assign(kind="profile"), var.assign(kind="variant")], ignore_index=True)
    return fig, table.drop(columns=["source"], errors="ignore")


@_drawn
def panel_5b(df, cfg):
    """Mean CAGI5 r (robust) vs whole-chromosome Pearson, binary models (binary -> quantitative
    conversion) and quantitative models."""
    t = cagi_summary(df)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    for is_bin, g in t.groupby("binary"):
        quant = is_bin != "True"
        ax.scatter(g["pearson_whole"], g["cagi_robust"], s=24, marker="o" if quant else "^", color=COLOR if quant else "0.4",
                   label=f"quantitative ({len(g)})" if quant else f"binary ({len(g)})")
    ax.legend(fontsize=6)
    ax.set_xlabel("Pearson r, whole chromosome\n(binary: logit vs mean coverage)")
    ax.set_ylabel("mean CAGI5 r (robust)")
    return fig, t


@_drawn
def panel_5c(df, cfg):
    """Robust - standard CAGI5 r per model (paper: 56 models), with the CDF inset of the deltas
    split by shift augmentation."""
    t = cagi_summary(df)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    t = t.sort_values("delta").reset_index(drop=True)
    ax.bar(range(len(t)), t["delta"], color=np.where(t["shift_trained"], COLOR, "0.6"))
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel(f"models (grey: no shift augmentation); {int((t['delta'] > 0).sum())}/{len(t)} improve")
    ax.set_ylabel("CAGI r: robust - standard")
    inset = ax.inset_axes([0.08, 0.55, 0.35, 0.38])
    for shift, g in t.groupby("shift_trained"):
        x, y = cagi_delta_cdf(g["delta"].to_numpy())
        inset.plot(x, y, drawstyle="steps-post", color=COLOR if shift else "0.5", lw=1, label="shift" if shift else "no shift")
    inset.tick_params(labelsize=5)
    inset.set_title("CDF of deltas", fontsize=5)
    inset.legend(fontsize=4, frameon=False)
    return fig, t


@_drawn
def panel_6a(df, cfg):
    """GIA flanks (Fig 6a): GI of every variant of the first pattern (paper: AP-1 ..TGA.TCA..)
    in the chosen cell, reference model, ranked; colour = PWM score of ``panels.gia_hue_motif``
    (MA0491.1), dashed = mean over all variants (random flanks), black dot = the marker variant
    ``panels.gia_marker`` (TGTGATTCATG)."""
    from regbench.studies.accessibility.gia import pwm_scores

    pc = figure_options(cfg)
    d, cell = flank_table(df, cfg, True)
    fig, ax = new_figure(3.8, 3.0)
    if d.empty:
        no_data(ax)
        return fig, d
    pattern = cfg["evaluation"]["gia"]["motif_pairs"][0][0]
    d = d[d["pattern"] == pattern].sort_values("rank").reset_index(drop=True)
    d["pwm_score"] = pwm_scores(d["variant"].tolist(), pc["gia_hue_motif"], cfg.get("jaspar", {}).get("release", "JASPAR2022"))
    d["marker"] = d["variant"] == pc["gia_marker"]
    sc = ax.scatter(d["rank"], d["value"], c=d["pwm_score"], cmap="viridis", s=6)
    fig.colorbar(sc, ax=ax, label=f"{pc['gia_hue_motif']} PWM score")
    ax.axhline(d["value"].mean(), color="k", ls="--", lw=0.5)
    m = d[d["marker"]]
    if len(m):
        ax.scatter(m["rank"], m["value"], color="k", s=18, zorder=3, label=f"{pc['gia_marker']} (PWM {m['pwm_score'].iloc[0]:.3f})")
        ax.legend(fontsize=6)
    ax.set_xlabel(f"{pattern} variants (ranked by GI)")
    ax.set_ylabel(f"global importance ({cell})")
    ax.set_title(d["model"].iloc[0].split("-")[0], fontsize=7)
    return fig, d


@_drawn
def panel_ED4(df, cfg):
    """GIA flanks of every wildcard pattern (columns) for every GIA model (lines)."""
    d, cell = flank_table(df, cfg, False)
    patterns = list(dict.fromkeys(d["pattern"])) if not d.empty else []
    fig, axes = new_figure(3.0 * max(1, len(patterns)), 3.0, ncols=max(1, len(patterns)), squeeze=False)
    if d.empty:
        no_data(axes[0, 0])
        return fig, d
    for ax, pat in zip(axes[0], patterns):
        for (exp, model), g in d[d["pattern"] == pat].groupby(["experiment", "model"]):
            g = g.sort_values("rank")
            ax.plot(g["rank"], g["value"], lw=0.8, label=model.split("-")[0])
        ax.set_title(pat, fontsize=7)
        ax.set_xlabel("variant (ranked)")
    axes[0, 0].set_ylabel(f"global importance ({cell})")
    axes[0, -1].legend(fontsize=5)
    return fig, d


def _distance(df, cfg, reference):
    d, cell = distance_table(df, cfg, reference)
    pairs = gia_pairs(cfg)
    fig, axes = new_figure(3.2 * len(pairs), 3.0, ncols=len(pairs), squeeze=False)
    if d.empty:
        no_data(axes[0, 0])
        return fig, d
    w = int(figure_options(cfg)["gia_distance_plot_window"])
    for ax, pair in zip(axes[0], pairs):
        g0 = d[(d["pair"] == pair) & d["relative"].abs().le(w)]
        for (exp, model), g in g0.groupby(["experiment", "model"]):
            g = g.sort_values("relative")
            ax.plot(g["relative"], g["value"], lw=0.8, label=model.split("-")[0])
        ax.set_title(pair.replace("+", " + "), fontsize=7)
        ax.set_xlabel("motif 2 - motif 1 (bp, edge to edge)")
    axes[0, 0].set_ylabel(f"global importance ({cell})")
    axes[0, -1].legend(fontsize=5)
    return fig, d


@_drawn
def panel_6b(df, cfg):
    return _distance(df, cfg, True)


@_drawn
def panel_ED5(df, cfg):
    return _distance(df, cfg, False)


def _coop(df, cfg, reference):
    d = gia_rows(df, cfg, reference) if not df.empty else df
    d = d[d["metric"] == "gia_coop_seq"].copy() if not d.empty else d
    pairs = gia_pairs(cfg)
    fig, axes = new_figure(3.2 * len(pairs), 3.0, ncols=len(pairs), squeeze=False)
    if d.empty:
        no_data(axes[0, 0])
        return fig, d
    d, cell = gia_cell(d, cfg)
    parts = d["param"].astype(str).str.split("|")
    d["pair"], d["what"], d["seq"] = parts.str[0], parts.str[1], parts.str[2].astype(int)
    rows = []
    for ax, pair in zip(axes[0], pairs):
        data, labels = [], []
        for (exp, model), g in d[d["pair"] == pair].groupby(["experiment", "model"]):
            w = g.pivot_table(index="seq", columns="what", values="value")
            w["sum"] = w["motif1"] + w["motif2"]
            for col in ("motif1", "motif2", "sum", "both"):
                data.append(w[col].to_numpy())
                labels.append(col if reference else f"{model.split('-')[0]}\n{col}")
                rows.append({"experiment": exp, "model": model, "pair": pair, "what": col, "n": len(w),
                             "mean": float(w[col].mean()), "median": float(w[col].median())})
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=0 if reference else 90, fontsize=6)
        ax.set_title(pair.replace("+", " + "), fontsize=7)
    axes[0, 0].set_ylabel(f"global importance ({cell})")
    return fig, pd.DataFrame(rows)


@_drawn
def panel_6c(df, cfg):
    return _coop(df, cfg, True)


@_drawn
def panel_ED6(df, cfg):
    return _coop(df, cfg, False)


@_drawn
def panel_SF1(df, cfg):
    """Hyper-parameter sweep (Supp Fig 1): best validation loss (and whole-chromosome Pearson
    when evaluated) of each member of the sweep experiment(s), against the hyper-parameters that
    vary between its architectures (paper: BPNet filters x kernel_3)."""
    fig, axes = new_figure(6.5, 3.0, ncols=2)
    h = df[df["evaluation"] == "history"] if not df.empty else df
    if h.empty:
        for ax in axes:
            no_data(ax)
        return fig, h
    t, hp = sweep_table(df, h, cfg)
    x = np.arange(len(t))
    axes[0].bar(x, t["valid_loss_best"], color=COLOR)
    axes[0].set_ylabel("best validation loss")
    axes[1].bar(x, t["pearson_whole"], color="0.5")
    axes[1].set_ylabel("Pearson r (whole chromosome)")
    for ax in axes:
        ax.set_xticks(x, t["setting"], rotation=90, fontsize=5)
        ax.set_xlabel(", ".join(c[3:] for c in hp) or "architecture")
    fig.tight_layout()
    return fig, t


@_drawn
def panel_SF2(df, cfg):
    """Motif occlusion (Supp. Fig. 2): per-sequence mean predicted coverage (mean over cell
    lines) of the original, motif-occluded and background-occluded sequences by number of
    motif instances (left), and the mean occlusion effect per cell line (right); first model
    that ran the occlusion (the reference model when it did)."""
    fig, (ax1, ax2) = new_figure(7.5, 3.0, ncols=2)
    d = df[df["metric"].astype(str).str.startswith("occlusion_")] if not df.empty else df
    if d.empty or not (d["metric"] == "occlusion_seq").any():
        no_data(ax1)
        no_data(ax2)
        return fig, d
    models = list(dict.fromkeys(d["model"]))
    ref = cfg.get("reference_model")
    model = ref if ref in models else models[0]
    d = d[d["model"] == model]
    seq = d[d["metric"] == "occlusion_seq"].copy()
    parts = seq["param"].astype(str).str.split("|")
    seq["seq"], seq["group"], seq["kind"] = parts.str[0], parts.str[1], parts.str[2]
    per = seq.groupby(["group", "kind", "seq"])["value"].mean().reset_index()
    kinds = [("original", "0.6"), ("removed", COLOR), ("background", "tab:blue")]
    groups = [g for g in ("1", "2", "3+") if g in set(per["group"])]
    for k, (kind, col) in enumerate(kinds):
        data = [per[(per["group"] == g) & (per["kind"] == kind)]["value"].to_numpy() for g in groups]
        pos = np.arange(len(groups)) * 4 + k
        bp = ax1.boxplot(data, positions=pos, widths=0.8, showfliers=False, patch_artist=True)
        for box in bp["boxes"]:
            box.set_facecolor(col)
        ax1.plot([], [], color=col, lw=6, label=kind)
    ax1.set_xticks(np.arange(len(groups)) * 4 + 1, [f"N={g}" for g in groups])
    ax1.set_ylabel("mean predicted coverage")
    ax1.set_xlabel("motif instances per sequence")
    ax1.legend(fontsize=6, frameon=False)
    eff = d[d["metric"].isin(["occlusion_effect_motif", "occlusion_effect_background"]) & (d["param"].astype(str) == "all") & (d["cell"] != "mean")]
    w = eff.pivot_table(index="cell", columns="metric", values="value")
    x = np.arange(len(w))
    ax2.bar(x - 0.2, w.get("occlusion_effect_motif", 0), 0.4, color=COLOR, label="motif occluded")
    ax2.bar(x + 0.2, w.get("occlusion_effect_background", 0), 0.4, color="tab:blue", label="background occluded")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.set_xticks(x, list(w.index), rotation=45, fontsize=6)
    ax2.set_ylabel("occluded - original coverage")
    ax2.legend(fontsize=6, frameon=False)
    fig.suptitle(model, fontsize=7)
    fig.tight_layout()
    table = d[d["metric"] != "occlusion_seq"].drop(columns=["source"], errors="ignore")
    return fig, table
