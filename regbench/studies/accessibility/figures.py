"""Figure panels and supplementary tables of the accessibility study (specs/accessibility.md §6).

Every panel is drawn from the long metrics tables written by
:func:`regbench.studies.accessibility.evaluate.run_evaluation` (columns model, binary, seed, aug,
bin, loss, dataset, arch, metric, param, cell, value) and writes the subset it plots as its own
TSV next to the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.plotting.style import STUDY_COLORS, new_figure, save_figure
from regbench.workflow import atomic_path

COLOR = STUDY_COLORS["accessibility"]


def concat_tables(paths: list[str], out, evaluation: str | None = None) -> pd.DataFrame:
    """Row-bind TSVs (skipping empty ones), keep the rows of ``evaluation`` if given, write ``out``."""
    parts = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t")
        except pd.errors.EmptyDataError:
            continue
        if evaluation is not None and "evaluation" in df.columns:
            df = df[df["evaluation"] == evaluation]
        parts.append(df)
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df


def _read(paths) -> pd.DataFrame:
    parts = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t")
        except pd.errors.EmptyDataError:
            continue
        df["source"] = str(p)
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _sel(df, metric, param=None, cell="mean"):
    m = df["metric"] == metric
    if param is not None:
        m &= df["param"].astype(str) == str(param)
    if cell is not None:
        m &= df["cell"] == cell
    return df[m]


def _write(table: pd.DataFrame, path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)


def _empty(ax, msg="no data"):
    ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes)


def _bins(df):
    return pd.to_numeric(df["bin"], errors="coerce")


# ---------------------------------------------------------------------------------------------
# panels: each takes the concatenated input tables and returns (figure, table)


def panel_2a(df, cfg):
    """Truth vs prediction track stretch (reference Basenji model, first cell line)."""
    d = df[df["metric"] == "track"]
    fig, axes = new_figure(6.5, 2.6, nrows=2, sharex=True)
    if d.empty:
        _empty(axes[0])
        return fig, d
    cell = d["cell"].iloc[0]
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
        _empty(ax)
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
        _empty(ax)
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
        _empty(ax)
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
        _empty(ax)
        return fig, t
    for ds, g in t.groupby("dataset"):
        ax.plot(_bins(g), g["value"], marker="o", label=ds)
    ax.set_xscale("log", base=2)
    ax.legend(fontsize=6, title="training set")
    ax.set_xlabel("resolution (bp)")
    ax.set_ylabel("Pearson r (whole chromosome)")
    return fig, t


def panel_2e(df, cfg):
    d = df[(df["metric"] == "pearson_test_threshold") & (df["cell"] == "mean") & (df["loss"] == "poisson") & (df["arch"] == "basenji")].copy()
    d["threshold"] = d["param"].astype(float)
    fig, ax = new_figure(3.6, 3.0)
    for b, g in d.groupby("bin"):
        g = g.sort_values("threshold")
        ax.plot(g["threshold"], g["value"], marker=".", label=f"bin {b}")
    if d.empty:
        _empty(ax)
    else:
        ax.legend(fontsize=6)
    ax.set_xlabel("test-set coverage threshold")
    ax.set_ylabel("per-sequence Pearson r")
    return fig, d


def panel_3b(df, cfg):
    d = df[df["cell"] == "mean"]
    v = _sel(d, "variation_score", "peak").set_index("model")["value"].rename("variation_score")
    r = _sel(d, "pearson_per_seq", "robust_centre").set_index("model")["value"].rename("pearson_per_seq")
    t = d.drop_duplicates("model").set_index("model")[["arch", "bin", "aug", "seed", "dataset"]].join(v).join(r).reset_index()
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        _empty(ax)
        return fig, t
    for aug, g in t.groupby("aug"):
        ax.scatter(g["variation_score"], g["pearson_per_seq"], label=aug, s=24)
    ax.legend(fontsize=6, title="augmentation")
    ax.set_xlabel("variation score (lower = more robust)")
    ax.set_ylabel("per-sequence Pearson r")
    return fig, t


def _binary_table(df):
    d = df[df["cell"] == "mean"]
    rows = []
    for model, g in d.groupby("model"):
        row = {"model": model, "arch": g["arch"].iloc[0], "binary": str(g["binary"].iloc[0])}
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
            _empty(ax)
            continue
        for is_bin, g in t.groupby("binary"):
            ax.scatter(g[f"pearson_coverage_{param}"], g[f"{which}_{param}"], label="binary" if is_bin == "True" else "quantitative", s=24)
        ax.set_xlabel(f"Pearson r (coverage, {param})")
        ax.set_ylabel(f"{which.upper()} ({param})")
        ax.legend(fontsize=6)
    return fig, t


def panel_4b(df, cfg):
    return _binary_panel(df, "auroc")


def panel_ED3(df, cfg):
    return _binary_panel(df, "aupr")


def panel_5a(df, cfg):
    """Measured vs predicted (robust) effects along one element of the reference model."""
    fig, axes = new_figure(6.5, 2.8, nrows=2, sharex=True)
    if df.empty:
        _empty(axes[0])
        return fig, df
    ref = _reference(df["model"], cfg)
    d = df[df["model"] == ref[0]]
    var = d.groupby("element")["value"].var().idxmax()
    d = d[d["element"] == var].copy()
    for ax, col, title in ((axes[0], "value", "measured"), (axes[1], "effect_robust", f"predicted ({ref[0].split('-')[0]}, robust)")):
        mat = d.pivot_table(index="alt", columns="pos", values=col)
        lim = np.nanmax(np.abs(mat.to_numpy())) or 1
        ax.imshow(mat.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
        ax.set_yticks(range(len(mat.index)), mat.index)
        ax.set_title(f"{var}: {title}", fontsize=7)
    axes[1].set_xlabel("position in element")
    return fig, d


def _cagi_summary(df):
    d = df[df["cell"] == "mean"]
    rows = []
    for model, g in d.groupby("model"):
        row = {"model": model, "arch": g["arch"].iloc[0], "aug": g["aug"].iloc[0], "binary": str(g["binary"].iloc[0])}
        for metric, name in (("cagi_standard", "cagi_standard"), ("cagi_robust", "cagi_robust")):
            s = g[(g["metric"] == metric) & (g["param"] == "mean")]["value"]
            row[name] = float(s.iloc[0]) if len(s) else np.nan
        s = g[(g["metric"] == "pearson_whole") & (g["param"] == "raw")]["value"]
        row["pearson_whole"] = float(s.iloc[0]) if len(s) else np.nan
        rows.append(row)
    t = pd.DataFrame(rows)
    if len(t):
        t = t[t["cagi_standard"].notna()]
        t["delta"] = t["cagi_robust"] - t["cagi_standard"]
        t["shift_trained"] = t["aug"].astype(str).str.contains("shift")
    return t


def panel_5b(df, cfg):
    t = _cagi_summary(df)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        _empty(ax)
        return fig, t
    ax.scatter(t["pearson_whole"], t["cagi_robust"], color=COLOR, s=24)
    ax.set_xlabel("Pearson r (whole chromosome)")
    ax.set_ylabel("mean CAGI5-like r (robust)")
    return fig, t


def panel_5c(df, cfg):
    t = _cagi_summary(df)
    fig, ax = new_figure(3.6, 3.0)
    if t.empty:
        _empty(ax)
        return fig, t
    t = t.sort_values("delta").reset_index(drop=True)
    ax.bar(range(len(t)), t["delta"], color=np.where(t["shift_trained"], COLOR, "0.6"))
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel(f"models (grey: no shift augmentation); {int((t['delta'] > 0).sum())}/{len(t)} improve")
    ax.set_ylabel("CAGI r: robust - standard")
    return fig, t


def _reference(models, cfg):
    models = list(dict.fromkeys(models))
    ref = cfg.get("reference_model")
    return [ref] if ref in models else models[:1]


def _gia_ref(df, cfg, reference=True):
    models = list(dict.fromkeys(df["model"]))
    ref = _reference(models, cfg)
    return df[df["model"].isin(ref if reference else models)]


def _flanks(df, cfg, reference):
    d = _gia_ref(df, cfg, reference)
    d = d[d["metric"] == "gia_flank"].copy()
    cell = cfg["evaluation"]["gia"].get("cell")
    d = d[d["cell"] == cell] if cell in set(d["cell"]) else d
    fig, ax = new_figure(3.8 if reference else 6.0, 3.0)
    if d.empty:
        _empty(ax)
        return fig, d
    import re

    best = re.compile("[AG]TGA[CG]TCA[CT]")
    worst = re.compile("[CT]TGA[CG]TCA[AG]")
    d["flank_class"] = ["best" if best.search(s) else "worst" if worst.search(s) else "other" for s in d["param"]]
    for i, (model, g) in enumerate(d.groupby("model")):
        g = g.sort_values("value", ascending=False).reset_index(drop=True)
        colors = g["flank_class"].map({"best": "tab:red", "worst": "tab:blue", "other": "0.7"})
        ax.scatter(np.arange(len(g)) + i * 0.0, g["value"], c=colors, s=8, label=model.split("-")[0])
        ax.axhline(g["value"].mean(), color="k", ls="--", lw=0.5)
    ax.set_xlabel("flank variant (ranked); red = planted best flanks, blue = worst")
    ax.set_ylabel(f"global importance ({cell})")
    return fig, d


def panel_6a(df, cfg):
    return _flanks(df, cfg, True)


def panel_ED4(df, cfg):
    return _flanks(df, cfg, False)


def _distance(df, cfg, reference):
    d = _gia_ref(df, cfg, reference)
    d = d[d["metric"] == "gia_distance"].copy()
    cell = cfg["evaluation"]["gia"].get("cell")
    d = d[d["cell"] == cell] if cell in set(d["cell"]) else d
    d["relative"] = pd.to_numeric(d["param"].astype(str).str.split("|").str[1], errors="coerce")
    d = d.dropna(subset=["relative"])
    fig, ax = new_figure(3.8 if reference else 6.0, 3.0)
    if d.empty:
        _empty(ax)
        return fig, d
    for model, g in d.groupby("model"):
        g = g.sort_values("relative")
        ax.plot(g["relative"], g["value"], lw=0.8, label=model.split("-")[0])
    ax.legend(fontsize=6)
    ax.set_xlabel("distance of motif 2 from motif 1 (bp, edge to edge; sign = side)")
    ax.set_ylabel(f"global importance ({cell})")
    return fig, d


def panel_6b(df, cfg):
    return _distance(df, cfg, True)


def panel_ED5(df, cfg):
    return _distance(df, cfg, False)


def _coop(df, cfg, reference):
    d = _gia_ref(df, cfg, reference)
    d = d[d["metric"] == "gia_coop_seq"].copy()
    cell = cfg["evaluation"]["gia"].get("cell")
    d = d[d["cell"] == cell] if cell in set(d["cell"]) else d
    d["what"] = d["param"].astype(str).str.split("|").str[0]
    d["seq"] = d["param"].astype(str).str.split("|").str[1]
    fig, ax = new_figure(3.8 if reference else 6.0, 3.0)
    if d.empty:
        _empty(ax)
        return fig, d
    data, labels = [], []
    for model, g in d.groupby("model"):
        w = g.pivot_table(index="seq", columns="what", values="value")
        w["sum"] = w.get("motif1", 0) + w.get("motif2", 0)
        for col in ("motif1", "motif2", "sum", "both"):
            if col in w:
                data.append(w[col].to_numpy())
                labels.append(f"{model.split('-')[0]}\n{col}" if not reference else col)
    ax.boxplot(data, showfliers=False)
    ax.set_xticks(range(1, len(labels) + 1), labels, rotation=90 if not reference else 0, fontsize=6)
    ax.set_ylabel(f"global importance ({cell})")
    return fig, d


def panel_6c(df, cfg):
    return _coop(df, cfg, True)


def panel_ED6(df, cfg):
    return _coop(df, cfg, False)


def panel_SF2(df, cfg):
    """Motif occlusion (Supp. Fig. 2): per-sequence mean predicted coverage (mean over cell
    lines) of the original, motif-occluded and background-occluded sequences by number of
    motif instances (left), and the mean occlusion effect per cell line (right); first model
    that ran the occlusion (the reference model when it did)."""
    fig, (ax1, ax2) = new_figure(7.5, 3.0, ncols=2)
    d = df[df["metric"].astype(str).str.startswith("occlusion_")] if not df.empty else df
    if d.empty or not (d["metric"] == "occlusion_seq").any():
        _empty(ax1)
        _empty(ax2)
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
    if panel in ("5b", "5c") and not df.empty:
        pass
    fig, table = PANELS[panel](df, cfg)
    _write(table, table_out)
    save_figure(fig, pdf, png)
    return table


def write_table(name: str, inputs: list[str], out) -> pd.DataFrame:
    """Supplementary tables: wide per-model summaries of the long metrics tables."""
    df = _read(inputs)
    if name == "T5_replicate_ceiling" or df.empty:
        t = df.drop(columns=["source"], errors="ignore")
    elif name == "SD3_cagi":
        t = df[df["metric"].astype(str).str.startswith("cagi_")].pivot_table(index=["model", "param"], columns="metric", values="value").reset_index()
    elif name == "T4_tomtom":
        keep = df[(df["cell"] == "mean") & df["metric"].isin(["hit_ratio", "mean_qvalue", "planted_hit_ratio", "planted_best_hit_ratio", "planted_motifs_found", "n_filters", "auroc", "pearson_coverage"])]
        keep = keep.assign(metric=np.where(keep["metric"].isin(["auroc", "pearson_coverage"]), keep["metric"] + "_" + keep["param"].astype(str), keep["metric"]))
        t = keep.pivot_table(index=["model", "arch"], columns="metric", values="value").reset_index()
    else:
        keep = df[df["cell"] == "mean"]
        keep = keep.assign(metric=keep["metric"] + "_" + keep["param"].astype(str))
        t = keep.pivot_table(index=["model", "arch"], columns="metric", values="value").reset_index()
    _write(t, out)
    return t
