"""Collection for the accessibility figures and tables (specs/accessibility.md §6): reading the
long metrics tables written by :func:`regbench.studies.accessibility.evaluate.run_evaluation`
(columns model, binary, seed, aug, bin, loss, dataset, arch, metric, param, cell, value) and
assembling the tables the panels plot (drawn in :mod:`regbench.studies.accessibility.figures`;
the panel contract reads a panel's tables, :func:`long_table` row-binds them) and the
supplementary tables (:func:`write_table`). No matplotlib here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from regbench.plotting.tables import concat_tsvs, write_tsv
from regbench.studies.accessibility.panels import collected_table


def _tagged(df: pd.DataFrame, path: str) -> pd.DataFrame:
    """``df`` with ``source`` = its path and ``experiment`` = the path's folder name (the
    collected tables are ``results/accessibility/<experiment>/<evaluation>.tsv``; one slug can
    name a model of two experiments)."""
    return df.assign(source=path, experiment=Path(path).parent.name)


def read_tables(paths) -> pd.DataFrame:
    """Row-bind the collected tables at ``paths`` (in order, header-less files skipped), each
    :func:`_tagged` (the supplementary tables, :func:`write_table`)."""
    return concat_tsvs(paths, each=_tagged)


def long_table(tables: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """The long table a panel draws from: the groups the panel contract read
    (``{evaluation: {experiment: table}}``, :mod:`.panels`), row-bound in declared order, each
    table :func:`_tagged` with its path (:func:`.panels.collected_table`). Columns: the metrics
    tables' (model, binary, seed, aug, bin, loss, dataset, arch, evaluation, metric, param,
    cell, value, ...) + source, experiment; no table gives an empty DataFrame."""
    parts = [_tagged(t, collected_table(experiment, evaluation))
             for evaluation, group in tables.items() for experiment, t in group.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def figure_options(cfg) -> dict:
    """The study's ``panels`` section with the schema defaults (the paper's choices)."""
    d = {"tracks_cell": "GM23338", "test_threshold_bins": [1, 32, 64, 128, 256, 512, 1024], "robustness_bin": 128,
         "cagi_example_element": "TERT-GBM", "gia_hue_motif": "MA0491.1", "gia_marker": "TGTGATTCATG",
         "gia_distance_plot_window": 250}
    d.update(cfg.get("panels") or {})
    d.setdefault("cagi_example_model", cfg.get("reference_model"))
    return d


class PanelDataError(ValueError):
    """A panel's configured example (cell line, model, element) is not in its input tables."""


def select(df, metric, param=None, cell="mean"):
    m = df["metric"] == metric
    if param is not None:
        m &= df["param"].astype(str) == str(param)
    if cell is not None:
        m &= df["cell"] == cell
    return df[m]


def bin_sizes(df):
    return pd.to_numeric(df["bin"], errors="coerce")


def loss_bin_table(df, arch, param):
    """One row per model of ``arch`` (loss, bin, whole-chromosome Pearson and MSE of ``param``):
    panels 2b / ED1a."""
    d = df[(df["arch"] == arch) & (df["cell"] == "mean")]
    r = select(d, "pearson_whole", param).set_index("model")["value"]
    mse = select(d, "mse_whole", param).set_index("model")["value"]
    return d.drop_duplicates("model").set_index("model")[["loss", "bin"]].join(r.rename("pearson")).join(mse.rename("mse")).reset_index()


def triangle_table(df, arch):
    """Mean Pearson per (training bin, evaluation bin) of the Poisson models of ``arch``:
    panels 2c / ED1b."""
    d = df[(df["arch"] == arch) & (df["loss"] == "poisson") & (df["cell"] == "mean") & (df["metric"] == "pearson_triangle")].copy()
    d["train_bin"] = bin_sizes(d).astype(int)
    d["eval_bin"] = d["param"].astype(int)
    return d.groupby(["train_bin", "eval_bin"], as_index=False)["value"].mean()


def robustness_table(df, cfg):
    """One row per model at bin ``panels.robustness_bin``: variation score, per-sequence Pearson
    and ``data`` (peak or coverage training set): panel 3b."""
    d = df[(df["cell"] == "mean") & (bin_sizes(df) == int(figure_options(cfg)["robustness_bin"]))]
    v = select(d, "variation_score", "peak").set_index("model")["value"].rename("variation_score")
    r = select(d, "pearson_per_seq", "robust_centre").set_index("model")["value"].rename("pearson_per_seq")
    t = d.drop_duplicates("model").set_index("model")[["arch", "bin", "aug", "seed", "dataset"]].join(v).join(r).reset_index()
    if len(t):
        t["data"] = np.where(t["dataset"].astype(str).str.startswith("peak"), "peak", "coverage")
    return t


def sweep_table(df, history, cfg):
    """The sweep experiments (those with ``history`` rows): one row per member with its
    hyper-parameters (``hp_*``), best validation loss, epochs run and whole-chromosome Pearson,
    sorted by the hyper-parameters that vary; returns (table, those ``hp_*`` columns): panel SF1."""
    archs = cfg.get("architectures", {})
    exps = set(history["experiment"])
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
    return t.sort_values(hp or ["arch"]).reset_index(drop=True), hp


def binary_table(df):
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


def cagi_example(df, cfg):
    """The 5a model's rows (``panels.cagi_example_model``) and its element."""
    pc = figure_options(cfg)
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


def cagi_summary(df):
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


def cagi_delta_cdf(delta: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Empirical CDF of robust - standard CAGI deltas as in the authors' Fig 5c inset
    (``np.histogram(delta, bins=10)``): returns (bin right edges, cumulative fraction)."""
    counts, edges = np.histogram(np.asarray(delta, dtype=np.float64), bins=bins)
    return edges[1:], np.cumsum(counts) / max(counts.sum(), 1)


def reference_models(models, cfg):
    models = list(dict.fromkeys(models))
    ref = cfg.get("reference_model")
    return [ref] if ref in models else models[:1]


def gia_rows(df, cfg, reference=True):
    models = list(dict.fromkeys(df["model"]))
    ref = reference_models(models, cfg)
    return df[df["model"].isin(ref if reference else models)]


def gia_cell(d, cfg):
    cell = cfg["evaluation"]["gia"]["cell"]
    return d[d["cell"] == cell], cell


def gia_pairs(cfg) -> list[str]:
    from regbench.studies.accessibility.gia import pair_label

    return [pair_label(*p) for p in cfg["evaluation"]["gia"]["motif_pairs"]]


def gia_metric(df, cfg, reference, metric):
    """Rows of one GIA ``metric`` for the GIA models, in the GIA cell: (rows, cell or None)."""
    d = gia_rows(df, cfg, reference) if not df.empty else df
    d = d[d["metric"] == metric].copy() if not d.empty else d
    if d.empty:
        return d, None
    return gia_cell(d, cfg)


def flank_table(df, cfg, reference):
    d, cell = gia_metric(df, cfg, reference, "gia_flank")
    if cell is None:
        return d, None
    parts = d["param"].astype(str).str.split("|")
    d["pattern"], d["variant"] = parts.str[0], parts.str[1]
    d["rank"] = d.groupby(["experiment", "model", "pattern"])["value"].rank(ascending=False, method="first").astype(int)
    return d.drop(columns=["source"], errors="ignore"), cell


def distance_table(df, cfg, reference):
    d, cell = gia_metric(df, cfg, reference, "gia_distance")
    if cell is None:
        return d, None
    parts = d["param"].astype(str).str.split("|")
    d["pair"], d["position"] = parts.str[0], parts.str[1].astype(int)
    d["relative"] = pd.to_numeric(parts.str[2], errors="coerce")
    return d.drop(columns=["source"], errors="ignore"), cell


def write_table(name: str, inputs: list[str], out) -> pd.DataFrame:
    """Supplementary tables: wide per-model summaries (one row per experiment and model) of the
    long metrics tables. T2_targeted: per-sequence Pearson on the peak-centred and per-cell IDR
    test sets with the training dataset (peak-centred vs coverage-threshold training)."""
    df = read_tables(inputs)
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
