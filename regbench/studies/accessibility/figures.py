"""Figure panels and supplementary tables of the accessibility study (specs/accessibility.md §6).

Every panel is drawn from the long metrics tables written by
:func:`regbench.studies.accessibility.evaluate.run_evaluation` (columns model, binary, seed, aug,
bin, loss, dataset, arch, metric, param, cell, value) and writes the subset it plots as its own
TSV next to the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.plotting.style import STUDY_COLORS, new_figure, no_data, save_figure
from regbench.plotting.tables import concat_tsvs, write_tsv

COLOR = STUDY_COLORS["accessibility"]


def _read(paths) -> pd.DataFrame:
    """Row-bind the input tables; ``source`` = the path, ``experiment`` = its folder name (the
    collected tables are ``results/accessibility/<experiment>/<evaluation>.tsv``; one slug can
    name a model of two experiments)."""
    from pathlib import Path

    return concat_tsvs(paths, each=lambda df, p: df.assign(source=p, experiment=Path(p).parent.name))


def _panels(cfg) -> dict:
    """The study's ``panels`` section with the schema defaults (the paper's choices)."""
    d = {"tracks_cell": "GM23338", "test_threshold_bins": [1, 32, 64, 128, 256, 512, 1024], "robustness_bin": 128,
         "cagi_example_element": "TERT-GBM", "gia_hue_motif": "MA0491.1", "gia_marker": "TGTGATTCATG",
         "gia_distance_plot_window": 250}
    d.update(cfg.get("panels") or {})
    d.setdefault("cagi_example_model", cfg.get("reference_model"))
    return d


class PanelDataError(ValueError):
    """A panel's configured example (cell line, model, element) is not in its input tables."""


def _sel(df, metric, param=None, cell="mean"):
    m = df["metric"] == metric
    if param is not None:
        m &= df["param"].astype(str) == str(param)
    if cell is not None:
        m &= df["cell"] == cell
    return df[m]


def _bins(df):
    return pd.to_numeric(df["bin"], errors="coerce")


# ---------------------------------------------------------------------------------------------
# panels: each takes the concatenated input tables and returns (figure, table)


def panel_2a(df, cfg):
    """Truth vs prediction track stretch of the test chromosome: the model of the ``tracks``
    evaluation (Basenji-128), cell line ``panels.tracks_cell`` (paper: GM23338)."""
    d = df[df["metric"] == "track"] if not df.empty else df
    fig, axes = new_figure(6.5, 2.6, nrows=2, sharex=True)
    if d.empty:
        no_data(axes[0])
        return fig, d
    cell = _panels(cfg)["tracks_cell"]
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
    d = df[(df["arch"] == arch) & (df["cell"] == "mean")]
    r = _sel(d, "pearson_whole", param).set_index("model")["value"]
    mse = _sel(d, "mse_whole", param).set_index("model")["value"]
    t = d.drop_duplicates("model").set_index("model")[["loss", "bin"]].join(r.rename("pearson")).join(mse.rename("mse")).reset_index()
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    markers = dict(zip(sorted(t["loss"].unique()), "osD^v<>"))
    bins = sorted(_bins(t).unique())
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


def panel_2b(df, cfg):
    return _loss_bin_scatter(df, "basenji", "scaled")


def panel_ED1a(df, cfg):
    return _loss_bin_scatter(df, "bpnet", "raw")


def _triangle(df, arch):
    d = df[(df["arch"] == arch) & (df["loss"] == "poisson") & (df["cell"] == "mean") & (df["metric"] == "pearson_triangle")].copy()
    d["train_bin"] = _bins(d).astype(int)
    d["eval_bin"] = d["param"].astype(int)
    t = d.groupby(["train_bin", "eval_bin"], as_index=False)["value"].mean()
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


def panel_2c(df, cfg):
    return _triangle(df, "basenji")


def panel_ED1b(df, cfg):
    return _triangle(df, "bpnet")


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


def panel_2d(df, cfg):
    d = _sel(df, "pearson_whole", "raw").copy()
    t = d.groupby(["dataset", "bin"], as_index=False)["value"].mean()
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        no_data(ax)
        return fig, t
    for ds, g in t.groupby("dataset"):
        ax.plot(_bins(g), g["value"], marker="o", label=ds)
    ax.set_xscale("log", base=2)
    ax.legend(fontsize=6, title="training set")
    ax.set_xlabel("resolution (bp)")
    ax.set_ylabel("Pearson r (whole chromosome)")
    return fig, t


def panel_2e(df, cfg):
    """Per-sequence Pearson vs test-set coverage threshold, Basenji Poisson models at the bins of
    ``panels.test_threshold_bins`` (paper: every bin but 2048)."""
    bins = {int(b) for b in _panels(cfg)["test_threshold_bins"]}
    d = df[(df["metric"] == "pearson_test_threshold") & (df["cell"] == "mean") & (df["loss"] == "poisson") & (df["arch"] == "basenji")].copy()
    d = d[_bins(d).isin(bins)]
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


def panel_3b(df, cfg):
    """Per-sequence Pearson vs variation score of the models at bin ``panels.robustness_bin``
    (paper: 128; Basenji-128 and BPNet-128, 3 seeds): marker = architecture, colour =
    augmentation, filled = coverage-threshold data, open = peak-centred data."""
    fig, ax = new_figure(3.8, 3.0)
    if df.empty:
        no_data(ax)
        return fig, df
    d = df[(df["cell"] == "mean") & (_bins(df) == int(_panels(cfg)["robustness_bin"]))]
    v = _sel(d, "variation_score", "peak").set_index("model")["value"].rename("variation_score")
    r = _sel(d, "pearson_per_seq", "robust_centre").set_index("model")["value"].rename("pearson_per_seq")
    t = d.drop_duplicates("model").set_index("model")[["arch", "bin", "aug", "seed", "dataset"]].join(v).join(r).reset_index()
    if t.empty:
        no_data(ax)
        return fig, t
    t["data"] = np.where(t["dataset"].astype(str).str.startswith("peak"), "peak", "coverage")
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
    ax.set_title(f"bin {int(_panels(cfg)['robustness_bin'])}", fontsize=7)
    ax.set_xlabel("variation score (lower = more robust)")
    ax.set_ylabel("per-sequence Pearson r")
    return fig, t


def _binary_table(df):
    """One row per (experiment, model): AUROC / AUPR (binary test sets) and coverage Pearson
    (binary -> quantitative conversion) on the peak-centred and whole-chromosome sets."""
    d = df[df["cell"] == "mean"] if not df.empty else df
    rows = []
    for (exp, model), g in (d.groupby(["experiment", "model"]) if not d.empty else []):
        row = {"experiment": exp, "model": model, "arch": g["arch"].iloc[0], "binary": str(g["binary"].iloc[0])}
        for metric in ("auroc", "aupr", "pearson_coverage"):
            for param in ("peak", "whole"):
                s = g[(g["metric"] == metric) & (g["param"] == param)]["value"]
                row[f"{metric}_{param}"] = float(s.iloc[0]) if len(s) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _binary_panel(df, which):
    t = _binary_table(df)
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


def panel_4b(df, cfg):
    return _binary_panel(df, "auroc")


def panel_ED3(df, cfg):
    return _binary_panel(df, "aupr")


def _cagi_example(df, cfg):
    """The 5a model's rows (``panels.cagi_example_model``) and its element."""
    pc = _panels(cfg)
    model = pc["cagi_example_model"]
    if model not in set(df["model"]):
        raise PanelDataError(f"panel 5a: accessibility.panels.cagi_example_model {model!r} has no CAGI rows "
                             f"(models: {sorted(set(df['model']))[:8]}...)")
    d = df[df["model"] == model]
    d = d[d["experiment"] == d["experiment"].iloc[0]]  # a slug can name runs of two experiments
    effects = d[d["element"].notna()] if "element" in d else d.iloc[:0]
    element = pc["cagi_example_element"]
    if element is None:
        element = effects.groupby("element")["value"].var().idxmax()
    elif element not in set(effects["element"]):
        raise PanelDataError(f"panel 5a: accessibility.panels.cagi_example_element {element!r} is not among the "
                             f"CAGI5 elements {sorted(set(effects['element']))}")
    return model, element, d, effects[effects["element"] == element].copy()


def panel_5a(df, cfg):
    """CAGI5 example (paper: TERT-GBM, ResidualBind-32 task heads): predicted coverage of the
    reference and alternative sequence of the element's variant with the largest |effect|, in
    the cell line with the largest |log2 ratio| (top); measured (middle) and predicted (robust,
    bottom) effects of every substitution along the element."""
    fig, axes = new_figure(6.5, 4.2, nrows=3)
    if df.empty:
        no_data(axes[0])
        return fig, df
    model, element, d, eff = _cagi_example(df, cfg)
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


def _cagi_summary(df):
    """One row per (experiment, model) with CAGI5 standard/robust scores and the whole-chromosome
    score: profile Pearson (raw) for quantitative models; for binary models the paper's
    binary -> quantitative conversion (Pearson of the logit with the mean coverage of each
    whole-chromosome test window, ``pearson_coverage``/``whole`` of the binary evaluation)."""
    d = df[df["cell"] == "mean"] if not df.empty else df
    rows = []
    for (exp, model), g in (d.groupby(["experiment", "model"]) if not d.empty else []):
        row = {"experiment": exp, "model": model, "arch": g["arch"].iloc[0], "dataset": g["dataset"].iloc[0],
               "aug": g["aug"].iloc[0], "binary": str(g["binary"].iloc[0])}
        for metric in ("cagi_standard", "cagi_robust"):
            s = g[(g["metric"] == metric) & (g["param"] == "mean")]["value"]
            row[metric] = float(s.iloc[0]) if len(s) else np.nan
        if row["binary"] == "True":
            s, row["whole_metric"] = g[(g["metric"] == "pearson_coverage") & (g["param"] == "whole")]["value"], "pearson_coverage_whole"
        else:
            s, row["whole_metric"] = g[(g["metric"] == "pearson_whole") & (g["param"] == "raw")]["value"], "pearson_whole_raw"
        row["pearson_whole"] = float(s.iloc[0]) if len(s) else np.nan
        rows.append(row)
    t = pd.DataFrame(rows)
    if len(t):
        t = t[t["cagi_standard"].notna()].reset_index(drop=True)
        t["delta"] = t["cagi_robust"] - t["cagi_standard"]
        t["shift_trained"] = t["aug"].astype(str).str.contains("shift")
    return t


def panel_5b(df, cfg):
    """Mean CAGI5 r (robust) vs whole-chromosome Pearson, binary models (binary -> quantitative
    conversion) and quantitative models."""
    t = _cagi_summary(df)
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


def cagi_delta_cdf(delta: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Empirical CDF of robust - standard CAGI deltas as in the authors' Fig 5c inset
    (``np.histogram(delta, bins=10)``): returns (bin right edges, cumulative fraction)."""
    counts, edges = np.histogram(np.asarray(delta, dtype=np.float64), bins=bins)
    return edges[1:], np.cumsum(counts) / max(counts.sum(), 1)


def panel_5c(df, cfg):
    """Robust - standard CAGI5 r per model (paper: 56 models), with the CDF inset of the deltas
    split by shift augmentation."""
    t = _cagi_summary(df)
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


def _reference(models, cfg):
    models = list(dict.fromkeys(models))
    ref = cfg.get("reference_model")
    return [ref] if ref in models else models[:1]


def _gia_ref(df, cfg, reference=True):
    models = list(dict.fromkeys(df["model"]))
    ref = _reference(models, cfg)
    return df[df["model"].isin(ref if reference else models)]


def _gia_cell(d, cfg):
    cell = cfg["evaluation"]["gia"]["cell"]
    return d[d["cell"] == cell], cell


def _gia_pairs(cfg) -> list[str]:
    from regbench.studies.accessibility.gia import pair_label

    return [pair_label(*p) for p in cfg["evaluation"]["gia"]["motif_pairs"]]


def _gia_metric(df, cfg, reference, metric):
    """Rows of one GIA ``metric`` for the GIA models, in the GIA cell: (rows, cell or None)."""
    d = _gia_ref(df, cfg, reference) if not df.empty else df
    d = d[d["metric"] == metric].copy() if not d.empty else d
    if d.empty:
        return d, None
    return _gia_cell(d, cfg)


def _flank_table(df, cfg, reference):
    d, cell = _gia_metric(df, cfg, reference, "gia_flank")
    if cell is None:
        return d, None
    parts = d["param"].astype(str).str.split("|")
    d["pattern"], d["variant"] = parts.str[0], parts.str[1]
    d["rank"] = d.groupby(["experiment", "model", "pattern"])["value"].rank(ascending=False, method="first").astype(int)
    return d.drop(columns=["source"], errors="ignore"), cell


def panel_6a(df, cfg):
    """GIA flanks (Fig 6a): GI of every variant of the first pattern (paper: AP-1 ..TGA.TCA..)
    in the chosen cell, reference model, ranked; colour = PWM score of ``panels.gia_hue_motif``
    (MA0491.1), dashed = mean over all variants (random flanks), black dot = the marker variant
    ``panels.gia_marker`` (TGTGATTCATG)."""
    from regbench.studies.accessibility.gia import pwm_scores

    pc = _panels(cfg)
    d, cell = _flank_table(df, cfg, True)
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


def panel_ED4(df, cfg):
    """GIA flanks of every wildcard pattern (columns) for every GIA model (lines)."""
    d, cell = _flank_table(df, cfg, False)
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


def _distance_table(df, cfg, reference):
    d, cell = _gia_metric(df, cfg, reference, "gia_distance")
    if cell is None:
        return d, None
    parts = d["param"].astype(str).str.split("|")
    d["pair"], d["position"] = parts.str[0], parts.str[1].astype(int)
    d["relative"] = pd.to_numeric(parts.str[2], errors="coerce")
    return d.drop(columns=["source"], errors="ignore"), cell


def _distance(df, cfg, reference):
    d, cell = _distance_table(df, cfg, reference)
    pairs = _gia_pairs(cfg)
    fig, axes = new_figure(3.2 * len(pairs), 3.0, ncols=len(pairs), squeeze=False)
    if d.empty:
        no_data(axes[0, 0])
        return fig, d
    w = int(_panels(cfg)["gia_distance_plot_window"])
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


def panel_6b(df, cfg):
    return _distance(df, cfg, True)


def panel_ED5(df, cfg):
    return _distance(df, cfg, False)


def _coop(df, cfg, reference):
    d = _gia_ref(df, cfg, reference) if not df.empty else df
    d = d[d["metric"] == "gia_coop_seq"].copy() if not d.empty else d
    pairs = _gia_pairs(cfg)
    fig, axes = new_figure(3.2 * len(pairs), 3.0, ncols=len(pairs), squeeze=False)
    if d.empty:
        no_data(axes[0, 0])
        return fig, d
    d, cell = _gia_cell(d, cfg)
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


def panel_6c(df, cfg):
    return _coop(df, cfg, True)


def panel_ED6(df, cfg):
    return _coop(df, cfg, False)


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
    archs = cfg.get("architectures", {})
    exps = set(h["experiment"])
    d = df[df["experiment"].isin(exps) & (df["cell"] == "mean")]
    rows = []
    for (exp, model), g in d.groupby(["experiment", "model"]):
        arch = g["arch"].iloc[0]
        row = {"experiment": exp, "model": model, "arch": arch, **{f"hp_{k}": v for k, v in archs.get(arch, {}).get("hparams", {}).items()}}
        for metric, param in (("valid_loss_best", "history"), ("epochs_run", "history"), ("pearson_whole", "raw")):
            s = g[(g["metric"] == metric) & (g["param"].astype(str) == param)]["value"]
            row[metric] = float(s.iloc[0]) if len(s) else np.nan
        rows.append(row)
    t = pd.DataFrame(rows)
    hp = [c for c in t.columns if c.startswith("hp_") and t[c].astype(str).nunique() > 1]
    t["setting"] = t[hp].astype(str).agg(" ".join, axis=1) if hp else t["arch"]
    t = t.sort_values(hp or ["arch"]).reset_index(drop=True)
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


PANELS = {k[6:]: v for k, v in globals().items() if k.startswith("panel_")}


def draw_panel(panel: str, inputs: list[str], pdf, png, table_out, cfg: dict) -> pd.DataFrame:
    """Draw ``panel`` from its input tables; write the figure and the plotted table."""
    df = _read(inputs)
    fig, table = PANELS[panel](df, cfg)
    write_tsv(table, table_out)
    save_figure(fig, pdf, png)
    return table


def write_table(name: str, inputs: list[str], out) -> pd.DataFrame:
    """Supplementary tables: wide per-model summaries (one row per experiment and model) of the
    long metrics tables. T2_targeted: per-sequence Pearson on the peak-centred and per-cell IDR
    test sets with the training dataset (peak-centred vs coverage-threshold training)."""
    df = _read(inputs)
    if name == "T5_replicate_ceiling" or df.empty:
        t = df.drop(columns=["source", "experiment"], errors="ignore")
    elif name == "SD3_cagi":
        keep = df[df["metric"].isin(["cagi_standard", "cagi_robust"])]
        t = keep.pivot_table(index=["experiment", "model", "param"], columns="metric", values="value").reset_index()
    elif name == "T4_tomtom":
        keep = df[(df["cell"] == "mean") & df["metric"].isin(["hit_ratio", "mean_qvalue", "planted_hit_ratio", "planted_best_hit_ratio", "planted_motifs_found", "n_filters", "auroc", "pearson_coverage"])]
        keep = keep.assign(metric=np.where(keep["metric"].isin(["auroc", "pearson_coverage"]), keep["metric"] + "_" + keep["param"].astype(str), keep["metric"]))
        t = keep.pivot_table(index=["experiment", "model", "arch"], columns="metric", values="value").reset_index()
    else:
        keep = df[df["cell"] == "mean"]
        keep = keep.assign(metric=keep["metric"] + "_" + keep["param"].astype(str))
        t = keep.pivot_table(index=["experiment", "model", "arch", "dataset", "bin"], columns="metric", values="value").reset_index()
        if name == "T2_targeted":
            # per-cell IDR test sets: one row per cell line, cell = param; their mean over cells
            idr = df[df["metric"] == "pearson_per_seq_idr"].groupby(["experiment", "model"])["value"].mean().rename("pearson_per_seq_idr_mean")
            t = t.join(idr, on=["experiment", "model"])
    write_tsv(t, out)
    return t
