"""Per-benchmark scoring of a model card through the study libraries' own code.

Accessibility and DREAM have no code here: a qualified card is one more model of the studies'
own rules - ``acc_train`` / ``acc_evaluate`` train (mode train) or read out (mode readout) and
evaluate it in the experiment ``cards`` (:mod:`regbench.studies.accessibility.specs`), ``dream_train``
trains it with a team recipe and ``dream_model_score`` writes its official score
(:mod:`regbench.studies.dream.specs`); :func:`collect_scores` reads their tables.

Personal and synthetic_loci cards are not scored here either: the study's own rules predict and
score them as they do the paper's Enformer (personal: ``personal_predict``, ``personal_gene_stats``,
``personal_ism``, ``personal_drivers`` -> ``results/personal/models/<model>/``,
:mod:`regbench.studies.personal.models`; synthetic_loci:
``results/synthetic_loci/metrics/<model>/activity_correlation.tsv``).

The per-model table ``results/leaderboard/<model>/scores.tsv`` (:func:`collect_scores`) is long:

| column | meaning |
|---|---|
| model | card name |
| benchmark | accessibility, personal, synthetic_loci, dream |
| status | ``ok`` (scored) or ``skipped`` (the card cannot serve the benchmark; see reason) |
| metric | metric key (``HEADLINES`` keys are the leaderboard columns; others are details) |
| value | float (NaN for skipped rows) |
| headline | True for the leaderboard's columns |
| reason | why the benchmark was skipped, or how it was scored |
| source | path (relative to the scores.tsv folder) of the table the value comes from |

Headline metrics are extracted from the study tables by the same functions for user models and
for the reference models (:func:`accessibility_headlines`, :func:`dream_headlines`), so a user
row and a reference row are computed the same way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.leaderboard.cards import BENCHMARKS, pretrained_model, qualify
from regbench.workflow import atomic_path

log_ = logging.getLogger("regbench.leaderboard")

#: (benchmark, metric key, column label, higher is better)
HEADLINES: list[tuple[str, str, str, bool]] = [
    ("accessibility", "pearson_whole", "whole-chrom. Pearson r", True),
    ("accessibility", "pearson_peak", "peak per-seq. Pearson r", True),
    ("accessibility", "variation_score", "variation score (robustness)", False),
    ("accessibility", "cagi_robust", "CAGI5 robust r", True),
    ("dream", "pearson_score", "DREAM Pearson score", True),
    ("dream", "spearman_score", "DREAM Spearman score", True),
    ("personal", "mean_gene_r", "mean per-gene R", True),
    ("personal", "n_significant", "significant genes", True),
    ("personal", "sign_concordance", "driver / eQTL sign concordance", True),
    ("synthetic_loci", "activity_pearson", "payload activity Pearson r", True),
    ("synthetic_loci", "mean_class_pearson", "mean per-class Pearson r", True),
    ("synthetic_loci", "activity_mse", "payload activity MSE", False),
]
HEADLINE_KEYS = {(b, m) for b, m, _, _ in HEADLINES}

#: accessibility headline -> (metric, param, cell) in the study's evaluation tables
ACC_HEADLINE_ROWS = {
    "pearson_whole": ("pearson_whole", "raw", "mean"),
    "pearson_peak": ("pearson_per_seq", "peak", "mean"),
    "variation_score": ("variation_score", "peak", "mean"),
    "cagi_robust": ("cagi_robust", "mean", "mean"),
}

COLUMNS = ["model", "benchmark", "status", "metric", "value", "headline", "reason", "source"]


# --- accessibility ------------------------------------------------------------------------------


def accessibility_headlines(table: pd.DataFrame) -> pd.DataFrame:
    """Headline metrics per model from study evaluation tables (long: model, metric, param, cell,
    value; one or several models). Returns columns model, metric, value."""
    rows = []
    if table.empty or "metric" not in table.columns:
        return pd.DataFrame(columns=["model", "metric", "value"])
    t = table.copy()
    t["param"] = t["param"].astype(str)
    t["cell"] = t["cell"].astype(str)
    for key, (metric, param, cell) in ACC_HEADLINE_ROWS.items():
        sel = t[(t["metric"] == metric) & (t["param"] == param) & (t["cell"] == cell)]
        for model, g in sel.groupby("model", sort=True):
            rows.append({"model": model, "metric": key, "value": float(g["value"].astype(float).iloc[0])})
    return pd.DataFrame(rows, columns=["model", "metric", "value"])


# --- dream --------------------------------------------------------------------------------------


def dream_headlines(summary: pd.DataFrame) -> pd.DataFrame:
    """Headline metrics per model from a DREAM summary table (model, pearson_score,
    spearman_score, ...). Returns columns model, metric, value."""
    rows = []
    for r in summary.to_dict("records"):
        for key in ("pearson_score", "spearman_score"):
            if key in r:
                rows.append({"model": r["model"], "metric": key, "value": float(r[key])})
    return pd.DataFrame(rows, columns=["model", "metric", "value"])


# --- personal / synthetic_loci (reference tables) ------------------------------------------------


def _kv(table: pd.DataFrame | None) -> dict:
    if table is None or table.empty:
        return {}
    return dict(zip(table["metric"].astype(str), table["value"]))


def _numeric_kv(table: pd.DataFrame | None) -> dict[str, float]:
    """The numeric entries of a metric/value summary; labels such as the personal driver
    summary's ``prediction_column`` (the predictions column it used) are not scores."""
    out = {}
    for k, v in _kv(table).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def personal_headlines(model: str, significance: pd.DataFrame | None = None, drivers: pd.DataFrame | None = None,
                       gene_stats: pd.DataFrame | None = None) -> pd.DataFrame:
    """Headline metrics of one personal-study model: from the study's summary tables
    (``summary/significance.tsv``: mean_r, n_significant; ``summary/drivers.tsv``:
    frac_supported_drivers = fraction of driver SNVs whose ISM sign agrees with the eQTL slope)
    or, for models with only a per-gene table (the simple CNN), from ``gene_stats`` (r,
    significant). Returns columns model, metric, value."""
    sig, drv = _kv(significance), _kv(drivers)
    rows = []
    if sig:
        rows += [{"model": model, "metric": "mean_gene_r", "value": float(sig["mean_r"])},
                 {"model": model, "metric": "n_significant", "value": float(sig["n_significant"])}]
    elif gene_stats is not None and not gene_stats.empty:
        rows.append({"model": model, "metric": "mean_gene_r", "value": float(gene_stats["r"].astype(float).mean())})
        if "significant" in gene_stats:
            rows.append({"model": model, "metric": "n_significant",
                         "value": float(gene_stats["significant"].astype(str).str.lower().eq("true").sum())})
    if "frac_supported_drivers" in drv:
        rows.append({"model": model, "metric": "sign_concordance", "value": float(drv["frac_supported_drivers"])})
    return pd.DataFrame(rows, columns=["model", "metric", "value"])


def synthetic_headlines(activity: pd.DataFrame) -> pd.DataFrame:
    """Headline metrics per (model, protocol) of the synthetic-loci ``activity_correlation``
    table (model, protocol, class, n, pearson, spearman, mse): Pearson and MSE over all payloads
    (class ``all``) and the mean of the per-class Pearson r. Model label ``<model> (<protocol>)``."""
    rows = []
    for (model, protocol), g in activity.groupby(["model", "protocol"], sort=False):
        label = f"{model} ({protocol})"
        a = g[g["class"] == "all"]
        if len(a):
            rows.append({"model": label, "metric": "activity_pearson", "value": float(a["pearson"].iloc[0])})
            rows.append({"model": label, "metric": "activity_mse", "value": float(a["mse"].iloc[0])})
        c = g[g["class"] != "all"]["pearson"].astype(float)
        if c.notna().any():
            rows.append({"model": label, "metric": "mean_class_pearson", "value": float(c.mean())})
    return pd.DataFrame(rows, columns=["model", "metric", "value"])


# --- the per-model table ------------------------------------------------------------------------


def _rel(path, base) -> str:
    return os.path.relpath(Path(path).resolve(), Path(base).resolve())


def collect_scores(card: dict, config: dict, out_tsv, acc_table: str | None = None,
                   dream: dict | None = None, personal: dict | None = None, synthetic: str | None = None,
                   figure: tuple[str, str] | None = None) -> pd.DataFrame:
    """Write ``scores.tsv`` for one card (see module docstring) and its figure.

    acc_table: the study's evaluations of the card (rule acc_evaluate:
    ``results/accessibility/evals/cards/<model>/evaluations.tsv``).
    dream: {scores, summary}: the study's official score of the card (rule dream_model_score:
    ``results/dream/official/<model>/{scores,summary}.tsv``, :func:`regbench.studies.dream.runs.score_one`).
    personal: {significance, gene_stats, drivers}: the study's per-model tables of the card (rules
    personal_gene_stats, personal_drivers: ``results/personal/models/<model>/summary/significance.tsv``,
    ``gene_stats.tsv``, ``summary/drivers.tsv``; ``drivers`` optional).
    synthetic: the study's per-model activity table (rule synthetic_loci_model_activity; headline: protocol
    ``authors``, as the study reports its baseline Enformer; ``cv`` rows as details).
    figure: (pdf, png) of the per-model figure (:func:`model_figure`).
    Benchmarks the card does not qualify for get one ``skipped`` row with the reason.
    """
    name = card["name"]
    base = Path(out_tsv).parent
    q = qualify(card, config)
    rows: list[dict] = []

    def add(bench, metric, value, reason, source, status="ok"):
        rows.append({"model": name, "benchmark": bench, "status": status, "metric": metric, "value": value,
                     "headline": (bench, metric) in HEADLINE_KEYS, "reason": reason, "source": source})

    for bench in BENCHMARKS:
        ok, reason = q[bench]
        if not ok:
            add(bench, "", np.nan, reason, "", status="skipped")
            continue
        if bench == "accessibility":
            if not acc_table:
                raise ValueError(f"collect_scores: {name} qualifies for accessibility but no evaluation table was given")
            t = pd.read_csv(acc_table, sep="\t")
            src = _rel(acc_table, base)
            for h in accessibility_headlines(t).itertuples(index=False):
                add(bench, h.metric, h.value, reason, src)
            for r in t[t["cell"].astype(str) == "mean"].to_dict("records"):
                add(bench, f"{r.get('evaluation', 'eval')}:{r['metric']}:{r['param']}", float(r["value"]), reason, src)
        elif bench == "dream":
            if not dream:
                raise ValueError(f"collect_scores: {name} qualifies for dream but no official score (dream_model_score) was given")
            summary = pd.read_csv(dream["summary"], sep="\t").iloc[0]
            src = _rel(dream["summary"], base)
            for h in dream_headlines(pd.DataFrame([summary])).itertuples(index=False):
                add(bench, h.metric, h.value, reason, src)
            for r in pd.read_csv(dream["scores"], sep="\t").itertuples(index=False):
                add(bench, f"subset:{r.subset}:pearson", float(r.pearson), reason, _rel(dream["scores"], base))
                add(bench, f"subset:{r.subset}:spearman", float(r.spearman), reason, _rel(dream["scores"], base))
            for k in ("holdout_pearson", "holdout_spearman"):
                add(bench, k, float(summary[k]), reason, src)
        elif bench == "personal":
            if not personal:
                raise ValueError(f"collect_scores: {name} qualifies for personal but no gene statistics were given")
            sig = pd.read_csv(personal["significance"], sep="\t")
            src = _rel(personal["significance"], base)
            drv = None
            if personal.get("drivers"):
                try:
                    drv = pd.read_csv(personal["drivers"], sep="\t")
                except pd.errors.EmptyDataError:
                    drv = None
            for h in personal_headlines(name, sig, drv).itertuples(index=False):
                src_h = _rel(personal["drivers"], base) if h.metric == "sign_concordance" else src
                why = reason
                if h.metric == "sign_concordance":
                    why += "; fraction of forward driver SNVs (study ISM of the card's model) whose sign agrees with the eQTL slope"
                add(bench, h.metric, h.value, why, src_h)
            if drv is None:
                add(bench, "sign_concordance", np.nan, reason + "; driver analysis not run", "")
            for k, v in _numeric_kv(sig).items():
                if k not in ("mean_r", "n_significant"):
                    add(bench, f"significance:{k}", v, reason, src)
            for k, v in _numeric_kv(drv).items():
                if k != "frac_supported_drivers":
                    add(bench, f"drivers:{k}", v, reason, _rel(personal["drivers"], base))
        elif bench == "synthetic_loci":
            if not synthetic:
                raise ValueError(f"collect_scores: {name} qualifies for synthetic_loci but no activity table was given")
            act = pd.read_csv(synthetic, sep="\t")
            src = _rel(synthetic, base)
            for protocol, g in act.groupby("protocol", sort=False):
                for h in synthetic_headlines(g).itertuples(index=False):
                    add(bench, h.metric if protocol == "authors" else f"{protocol}:{h.metric}", h.value,
                        reason + f"; protocol {protocol}", src)
                for r in g[g["class"] != "all"].to_dict("records"):
                    add(bench, f"{protocol}:class:{r['class']}:pearson", float(r["pearson"]), reason, src)
        else:
            raise ValueError(f"collect_scores: no scorer for {bench}")
    df = pd.DataFrame(rows, columns=COLUMNS)
    # the headline rows first (one per metric), then details; stable order
    order = {k: i for i, (b, k, _, _) in enumerate(HEADLINES)}
    df["_o"] = [order.get(m, len(order)) if h else len(order) + 1 for m, h in zip(df["metric"], df["headline"])]
    df["_b"] = [BENCHMARKS.index(b) for b in df["benchmark"]]
    df = df.sort_values(["_b", "_o"], kind="stable").drop(columns=["_o", "_b"]).reset_index(drop=True)
    with atomic_path(out_tsv) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if figure is not None:
        model_figure(df, name, *figure)
    return df


def model_figure(scores: pd.DataFrame, name: str, pdf, png) -> None:
    """Bar chart of the model's scored headline metrics, one panel per scored benchmark; a
    benchmark that was skipped is listed with its reason."""
    from regbench.plotting.style import STUDY_COLORS, new_figure, save_figure

    ok = scores[(scores["status"] == "ok") & scores["headline"].astype(bool)]
    skipped = scores[scores["status"] == "skipped"]
    benches = list(dict.fromkeys(ok["benchmark"]))
    n = max(1, len(benches))
    fig, axes = new_figure(3.0 * n, 2.8, ncols=n, squeeze=False)
    labels = {(b, k): lab for b, k, lab, _ in HEADLINES}
    for ax, bench in zip(axes[0], benches):
        g = ok[ok["benchmark"] == bench]
        ax.bar(range(len(g)), g["value"].astype(float), color=STUDY_COLORS.get(bench, "grey"))
        ax.set_xticks(range(len(g)))
        ax.set_xticklabels([labels[(bench, m)] for m in g["metric"]], rotation=30, ha="right")
        ax.set_title(f"{name}: {bench}")
        ax.axhline(0, color="black", lw=0.5)
    if not benches:
        axes[0][0].axis("off")
    note = "; ".join(f"{r.benchmark} skipped" for r in skipped.itertuples())
    if note:
        fig.suptitle(note, fontsize=6, x=0.01, ha="left", y=1.04)
    save_figure(fig, pdf, png)
