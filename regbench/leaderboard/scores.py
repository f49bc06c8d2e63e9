"""Per-benchmark training and evaluation of a model card through the study libraries' own code.

Nothing here re-implements a study: the accessibility model is trained by
:func:`regbench.studies.accessibility.experiments.train_model` and evaluated by
:func:`regbench.studies.accessibility.evaluate.run_evaluation` (the same functions, settings and
datasets as the study's own models, with the card's architecture injected as one more entry of
``accessibility.architectures``). DREAM has no code here: a qualified card is one more model of
the study's rules (``dream_train`` trains it with a team recipe, ``dream_model_score`` writes its
official score, :mod:`regbench.studies.dream.specs`); :func:`collect_scores` reads that table.

Pretrained cards are read out through the studies' own code: accessibility ``readout`` mode
(declared tracks stand for the cell lines) by ``run_evaluations(model=, cells=)``. Personal and
synthetic_loci cards are not scored here: the study's own rules predict and score them as they do
the paper's Enformer (personal: ``personal_predict``, ``personal_gene_stats``, ``personal_ism``,
``personal_drivers`` -> ``results/personal/models/<model>/``, :mod:`regbench.studies.personal.models`;
synthetic_loci: ``results/synthetic_loci/metrics/<model>/activity_correlation.tsv``).

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

from regbench.leaderboard.cards import BENCHMARKS, benchmark_hparams, pretrained_model, qualify
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


# --- training folders ---------------------------------------------------------------------------

RUN_FILE = "leaderboard_run.json"


def prepare_run_dir(outdir, settings: dict, log=None) -> Path:
    """Make ``outdir`` ready for :func:`regbench.train.trainer.fit`: keep its checkpoint (the
    trainer resumes an interrupted run) only when it was written with the same ``settings``
    (card + study spec); otherwise clear the folder so a changed card never resumes from weights
    of another model. Records the settings in ``outdir/leaderboard_run.json``."""
    import json
    import shutil

    outdir = Path(outdir)
    stamp = json.dumps(settings, sort_keys=True, default=str)
    run = outdir / RUN_FILE
    if outdir.exists() and (not run.exists() or run.read_text() != stamp):
        if any(outdir.iterdir()):
            (log or log_).info("%s: settings changed (or unknown); starting the training afresh", outdir)
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    run.write_text(stamp)
    return outdir


# --- accessibility ------------------------------------------------------------------------------


def accessibility_spec(card: dict, acc_cfg: dict) -> tuple[dict, dict]:
    """The study's model spec for the card and a copy of the study config with the card's
    architecture added to ``architectures`` (key = card name).

    spec: ``{arch, dataset, loss, bin, aug, seed, binary}`` as in
    :func:`regbench.studies.accessibility.experiments.expand_entry`.
    """
    from regbench.leaderboard.cards import _bin_size, accessibility_dataset

    b = card["benchmarks"]["accessibility"]
    hp = benchmark_hparams(card, "accessibility")
    hp.pop("bin_size", None)  # the study sets bin_size from the spec
    arch_key = card["name"]
    cfg = dict(acc_cfg)
    arch = {"model": card["arch"], "hparams": hp}
    if b.get("train"):
        arch["train"] = dict(b["train"])  # merged over training.quantitative by the study's train_model
    cfg["architectures"] = {**acc_cfg.get("architectures", {}), arch_key: arch}
    # evaluation_models picks which of the study's own models run an evaluation; the card's
    # evaluations always run on the card's model
    cfg["evaluation_models"] = {k: v for k, v in (acc_cfg.get("evaluation_models") or {}).items() if k not in b["evaluations"]}
    spec = {
        "arch": arch_key,
        "dataset": accessibility_dataset(card, acc_cfg),
        "loss": b["loss"],
        "bin": int(_bin_size(card, "accessibility")),
        "aug": b["aug"],
        "seed": int(b["seed"]),
        "binary": False,
    }
    return spec, cfg


def train_accessibility(card: dict, acc_cfg: dict, dataset_path, outdir, log=None, device=None) -> dict:
    """Train the card's architecture on the study's dataset with the study's trainer settings
    (``accessibility.training.quantitative``); writes ``outdir/model.pt``, ``history.tsv``,
    ``spec.json``. The built model is first checked to map ``(1, input_length, 4)`` to
    ``(1, input_length / bin, n_cells)``."""
    from regbench.leaderboard.cards import check_model, register_card_models
    from regbench.studies.accessibility.experiments import build_model, train_model

    log = log or log_
    register_card_models(card)
    spec, cfg = accessibility_spec(card, acc_cfg)
    n_cells = len(acc_cfg["cells"])
    probe = build_model(spec, cfg, n_cells)
    shape = check_model(probe, card, "accessibility", int(cfg["input_length"]), n_cells, spec["bin"])
    log.info("%s: accessibility model %s -> %s; training %s", card["name"], card["arch"], shape, spec)
    del probe
    prepare_run_dir(outdir, {"card": card, "spec": spec, "arch": cfg["architectures"][spec["arch"]],
                             "training": acc_cfg.get("training", {}), "dataset": str(dataset_path)}, log)
    return train_model(spec, cfg, dataset_path, outdir, log=log, device=device)


def evaluate_accessibility(card: dict, acc_cfg: dict, evaluations: list[str], model_dir, datasets: dict, out,
                           extra_out=None, device=None, log=None) -> pd.DataFrame:
    """The study's evaluations (whole, peak, robustness, cagi) of the trained card model with
    :func:`regbench.studies.accessibility.evaluate.run_evaluations`: one long table ``out``
    (evaluation, metric, param, cell, value, ...) and the CAGI per-variant effects ``extra_out``."""
    from regbench.leaderboard.cards import register_card_models
    from regbench.studies.accessibility.evaluate import run_evaluations

    register_card_models(card)
    spec, cfg = accessibility_spec(card, acc_cfg)
    if card["benchmarks"]["accessibility"]["mode"] == "readout":
        spec = {**spec, "dataset": "readout", "loss": "na", "aug": "na", "seed": 0}
        model = accessibility_readout_model(card, acc_cfg)
        return run_evaluations(list(evaluations), spec, cfg, None, datasets, out, extra_out=extra_out, device=device,
                               log=log, model=model, cells=list(acc_cfg["cells"]))
    return run_evaluations(list(evaluations), spec, cfg, model_dir, datasets, out, extra_out=extra_out, device=device,
                           log=log)


def select_tracks(model, tracks: list[int]):
    """``nn.Module`` returning ``model(x)[:, :, tracks]`` - a pretrained profile model's declared
    tracks, in the order a study wants them."""
    import torch
    from torch import nn

    class _Select(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model
            self.register_buffer("idx", torch.tensor([int(t) for t in tracks], dtype=torch.long), persistent=False)

        def forward(self, x):
            return self.model(x)[:, :, self.idx]

    return _Select().eval()


def accessibility_readout_model(card: dict, acc_cfg: dict):
    """Readout mode: the card's pretrained model with its declared ``tracks`` (cell line -> output
    track) as ``(N, input_length // bin, n_cells)`` in the study's cell order."""
    from regbench.leaderboard.cards import resolve_track

    b = card["benchmarks"]["accessibility"]
    model, shape = pretrained_model(card, "accessibility", int(acc_cfg["input_length"]))
    idx = [resolve_track(card, b["tracks"][c]) for c in acc_cfg["cells"]]
    if max(idx) >= shape[2]:
        raise ValueError(f"models.{card['name']}: accessibility readout tracks {idx} outside the output {shape}")
    return select_tracks(model, idx)


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

    acc_table: the evaluations TSV written by :func:`evaluate_accessibility`.
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
