"""DREAM figure panels, each drawn from a TSV under ``results/dream/``.

| panel | from | reproduces |
|---|---|---|
| ``leaderboard_scores`` | summary.tsv | Fig. 1 / Table 1 (Pearson and Spearman scores of the named models, private test set and public leaderboard, with the published public-leaderboard scores as marks) |
| ``subset_performance`` | scores.tsv | Fig. 2 (per-subset Pearson r of the models) |
| ``prixfixe_pearson`` / ``prixfixe_spearman`` | summary.tsv (pf-* rows) -> prixfixe_grid.tsv | Fig. 4 (Prix Fixe grid) |
| ``drosophila`` | followups/drosophila.tsv | Fig. 3a (Drosophila STARR-seq, Dev / Hk; DREAM models and DeepSTARR, published DeepSTARR r as marks) |
| ``human`` | followups/human.tsv | Fig. 3b (human lentiMPRA, K562 / HepG2 / WTC11; DREAM models and MPRA-LegNet) |

Published values (:mod:`.published`) are drawn as black horizontal marks over the bar of the
model and group they belong to. Every panel also writes the table it draws
(``results/dream/panels/<panel>.tsv``): each is a draw function of the panel contract
(:mod:`regbench.panels`, declared in :mod:`.panels`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.plotting.style import new_figure, save_figure
from regbench.plotting.tables import write_tsv
from regbench.studies.dream.data import SUBSETS

SUBSET_ORDER = ["all", *SUBSETS]


def _bars(ax, table: pd.DataFrame, group: str, series: str, value: str, err: str | None = None, order=None,
          marks: list[dict] | None = None):
    """Grouped bars; ``marks`` (model, column = group, value) draw published values over the bars."""
    groups = order or list(dict.fromkeys(table[group]))
    names = list(dict.fromkeys(table[series]))
    width = 0.8 / max(1, len(names))
    drawn = False
    for j, name in enumerate(names):
        sub = table[table[series] == name].set_index(group)
        vals = [sub[value].get(g, np.nan) for g in groups]
        errs = [sub[err].get(g, 0.0) for g in groups] if err else None
        xs = np.arange(len(groups)) + (j - (len(names) - 1) / 2) * width
        ax.bar(xs, vals, width, yerr=errs, label=name)
        for m in marks or []:
            if m["model"] == name and m["column"] in groups:
                x = xs[groups.index(m["column"])]
                ax.hlines(m["value"], x - width / 2, x + width / 2, color="k", lw=2, label=None if drawn else "published")
                drawn = True
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels(groups, rotation=45, ha="right")
    ax.axhline(0, color="0.5", lw=0.5)


def subset_performance(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Pearson r per test subset (pairs: r of differences), one bar per model of ``cfg["models"]``."""
    t = tables["scores"]
    t = t[t["model"].isin(cfg["models"])]
    fig, ax = new_figure(6.5, 3.0)
    _bars(ax, t, "subset", "model", "pearson", order=SUBSET_ORDER)
    ax.set_ylabel("Pearson r (public ids removed)")
    ax.legend(fontsize=6, ncol=2)
    save_figure(fig, pdf, png)
    return t


def prixfixe_grid(summary_tsv: str, grid_tsv: str) -> pd.DataFrame:
    """Grid table from the summary rows named ``pf-<first>-<core>-<final>``."""
    s = pd.read_csv(summary_tsv, sep="\t")
    s = s[s["model"].str.startswith("pf-")].copy()
    parts = s["model"].str.split("-", expand=True)
    s["first"], s["core"], s["final"] = parts[1], parts[2], parts[3]
    cols = ["first", "core", "final", "model", "pearson_score", "spearman_score", "holdout_pearson"]
    g = s[[c for c in cols if c in s.columns]].sort_values(["final", "first", "core"])
    return write_tsv(g, grid_tsv, "%.6g")


def prixfixe_heatmap(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Heatmap of the Prix Fixe grid: rows first / core, columns final block; cell =
    ``cfg["value"]`` (``pearson_score`` or ``spearman_score``)."""
    value = cfg["value"]
    g = tables["grid"].copy()
    data = g[["model", "first", "core", "final", value]]
    g["first / core"] = g["first"] + " / " + g["core"]
    m = g.pivot(index="first / core", columns="final", values=value)
    fig, ax = new_figure(3.2, 0.35 * len(m) + 1.0)
    im = ax.imshow(m.to_numpy(dtype=float), cmap="viridis", aspect="auto")
    ax.set_xticks(range(m.shape[1]))
    ax.set_xticklabels(m.columns)
    ax.set_yticks(range(m.shape[0]))
    ax.set_yticklabels(m.index)
    ax.set_xlabel("final layers block")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="w")
    fig.colorbar(im, ax=ax, label=value.replace("_", " "))
    save_figure(fig, pdf, png)
    return data


def drosophila_panel(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Test Pearson r per task, DREAM models next to DeepSTARR; published DeepSTARR r as marks."""
    from regbench.studies.dream.published import reference_marks

    t = tables["drosophila"]
    fig, ax = new_figure(3.2, 2.6)
    _bars(ax, t, "task", "model", "pearson", marks=reference_marks("drosophila"))
    ax.set_ylabel("Pearson r (test, chr2R)")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(fig, pdf, png)
    return t


def human_panel(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Mean +- sd over test folds of Pearson r per cell, DREAM models next to MPRA-LegNet."""
    from regbench.studies.dream.published import reference_marks

    t = tables["human"]
    agg = t.groupby(["model", "cell"], sort=False)["pearson"].agg(["mean", "std"]).reset_index().fillna(0.0)
    fig, ax = new_figure(3.5, 2.6)
    _bars(ax, agg, "cell", "model", "mean", err="std", marks=reference_marks("human"))
    ax.set_ylabel("Pearson r (held-out folds, mean +- sd)")
    ax.legend(fontsize=6)
    save_figure(fig, pdf, png)
    return agg.assign(n_folds=t.groupby(["model", "cell"], sort=False).size().to_numpy())


def leaderboard_scores(tables: dict, cfg: dict, pdf: str, png: str) -> pd.DataFrame:
    """Pearson and Spearman scores of the named models (``cfg["models"]``) on the private test set
    (public ids removed) and on the public leaderboard, published public-leaderboard scores as marks."""
    from regbench.studies.dream.published import reference_marks

    s = tables["summary"]
    s = s[s["model"].isin(cfg["models"])]
    cols = ["pearson_score", "spearman_score", "pearson_score_public", "spearman_score_public"]
    long = s.melt(id_vars="model", value_vars=[c for c in cols if c in s.columns], var_name="score", value_name="value")
    fig, ax = new_figure(5.0, 2.8)
    _bars(ax, long, "score", "model", "value", order=[c for c in cols if c in s.columns], marks=reference_marks("summary"))
    ax.set_ylabel("DREAM score")
    ax.set_ylim(top=1.0)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(fig, pdf, png)
    return long
