"""Leaderboard scores table, reference extraction and the HTML page (links resolve, skipped
benchmarks carry their reason)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr

from regbench.leaderboard import cards, page, scores, tables
from regbench.studies.dream.data import SUBSETS
from tests.unit.test_dream_scoring import SPEC_DENOMINATOR, SPEC_WEIGHTS

STUDIES = {
    "accessibility": {"input_length": 1024, "cells": ["A"], "datasets": {"cov": {"kind": "coverage"}}},
    "dream": {"inputs": {"test_labels": "x"}},
    "personal": {"window_bp": 8192},
    "synthetic_loci": {"window": 4096},
}


def _acc_table(model, whole, peak, var, cagi):
    rows = []
    for metric, param, v in (("pearson_whole", "raw", whole), ("pearson_whole", "scaled", whole + 0.01),
                             ("pearson_per_seq", "peak", peak), ("variation_score", "peak", var),
                             ("cagi_robust", "mean", cagi), ("cagi_robust", "el1", 0.9)):
        rows.append({"model": model, "metric": metric, "param": param, "cell": "mean", "value": v})
        rows.append({"model": model, "metric": metric, "param": param, "cell": "K562", "value": -1.0})
    return pd.DataFrame(rows)


def test_accessibility_headlines_pick_the_mean_rows():
    t = pd.concat([_acc_table("m1", 0.5, 0.4, 0.2, 0.3), _acc_table("m2", 0.6, 0.3, 0.1, 0.2)])
    h = scores.accessibility_headlines(t).set_index(["model", "metric"])["value"]
    assert h[("m1", "pearson_whole")] == 0.5 and h[("m2", "pearson_whole")] == 0.6
    assert h[("m1", "pearson_peak")] == 0.4 and h[("m2", "variation_score")] == 0.1
    assert h[("m1", "cagi_robust")] == 0.3
    assert len(h) == 8


def _toy_dream(d: Path, rng):
    """20 test ids in the official file layouts; ids 0 and 1 public."""
    n = 20
    y = rng.normal(size=n)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(n)]
    (d / "subsets").mkdir(parents=True)
    (d / "public").mkdir()
    pd.DataFrame({"s": seqs, "e": y}).to_csv(d / "labels.txt", sep="\t", header=False, index=False)
    singles = {"high": [0, 2, 3, 4, 5], "low": [1, 6, 7, 8, 9], "yeast": [10, 11, 12, 13], "random": list(range(0, 20, 2)),
               "challenging": [3, 5, 7, 9, 11, 13]}
    pairs = {"SNVs": [(2, 3), (4, 5), (6, 7), (8, 9)], "motif_perturbation": [(10, 11), (12, 13), (14, 15)],
             "motif_tiling": [(16, 17), (18, 19), (14, 17), (0, 1)]}
    for name, ids in singles.items():
        pd.DataFrame({"sequence": [seqs[i] for i in ids], "pos": ids}).to_csv(d / "subsets" / SUBSETS[name][0])
        pub = {str(i): 0.0 for i in ids if i in (0, 1)}
        (d / "public" / SUBSETS[name][1]).write_text(json.dumps(pub))
    for name, pr in pairs.items():
        pd.DataFrame({"alt_sequence": [seqs[a] for a, b in pr], "ref_sequence": [seqs[b] for a, b in pr],
                      "alt_pos": [a for a, b in pr], "ref_pos": [b for a, b in pr]}).to_csv(d / "subsets" / SUBSETS[name][0])
        pub = {f"{a},{b}": [0, 0] for a, b in pr if (a, b) == (0, 1)}
        (d / "public" / SUBSETS[name][1]).write_text(json.dumps(pub))
    pred = y + rng.normal(scale=0.7, size=n)
    pd.DataFrame({"id": np.arange(n), "prediction": pred}).to_csv(d / "pred.tsv", sep="\t", index=False)
    pd.DataFrame([{"model": "m", "holdout_pearson": 0.5, "holdout_spearman": 0.4}]).to_csv(d / "holdout.tsv", sep="\t", index=False)
    return y, pred, singles, pairs


def test_collect_scores_dream_matches_independent_computation(tmp_path):
    rng = np.random.default_rng(0)
    y, pred, singles, pairs = _toy_dream(tmp_path / "dream", rng)
    d = tmp_path / "dream"
    card = cards.validate_card("m", {"arch": "tiny_cnn", "output": {"bin_size": None}, "benchmarks": {"dream": {}}})
    out = tmp_path / "lb" / "m" / "scores.tsv"
    # the study's per-model official score (rule dream_model_score), then the card's table
    from regbench.studies.dream.runs import score_one

    official = tmp_path / "official" / "m"
    official.mkdir(parents=True)
    score_one("m", d / "pred.tsv", d / "holdout.tsv", d / "labels.txt", d / "subsets", d / "public",
              official / "scores.tsv", official / "summary.tsv", discard_public=True)
    df = scores.collect_scores(card, STUDIES, out, dream={"scores": official / "scores.tsv", "summary": official / "summary.tsv"})
    t = pd.read_csv(out, sep="\t").set_index(["benchmark", "metric"])
    # 'all' = every id except the public singles 0, 1 (and both members of public pairs: 0, 1)
    keep = np.arange(2, 20)
    assert t.loc[("dream", "subset:all:pearson"), "value"] == pytest.approx(pearsonr(y[keep], pred[keep])[0], rel=1e-5)
    # weighted score from independently computed subset correlations
    total_p, total_s = pearsonr(y[keep], pred[keep])[0] ** 2, spearmanr(y[keep], pred[keep])[0]
    for name, ids in singles.items():
        ids = [i for i in ids if i not in (0, 1)]
        total_p += SPEC_WEIGHTS[name] * pearsonr(y[ids], pred[ids])[0] ** 2
        total_s += SPEC_WEIGHTS[name] * spearmanr(y[ids], pred[ids])[0]
    for name, pr in pairs.items():
        pr = [p for p in pr if p != (0, 1)]
        dt = np.array([y[b] - y[a] for a, b in pr])
        dp = np.array([pred[b] - pred[a] for a, b in pr])
        total_p += SPEC_WEIGHTS[name] * pearsonr(dt, dp)[0] ** 2
        total_s += SPEC_WEIGHTS[name] * spearmanr(dt, dp)[0]
    # the scores table is written with 6 significant digits: rel 1e-5 (swapping the motif
    # perturbation / tiling weights moves the Pearson score from 0.8376 to 0.8518 here)
    assert t.loc[("dream", "pearson_score"), "value"] == pytest.approx(total_p / SPEC_DENOMINATOR, rel=1e-5)
    assert t.loc[("dream", "spearman_score"), "value"] == pytest.approx(total_s / SPEC_DENOMINATOR, rel=1e-5)
    assert t.loc[("dream", "holdout_pearson"), "value"] == 0.5
    assert bool(t.loc[("dream", "pearson_score"), "headline"])
    # the three other benchmarks: one skipped row each with the qualification reason
    sk = df[df["status"] == "skipped"].set_index("benchmark")
    assert sorted(sk.index) == ["accessibility", "personal", "synthetic_loci"]
    assert sk.loc["accessibility", "reason"] == cards.qualify(card, STUDIES)["accessibility"][1]
    assert (tmp_path / "lb" / "m" / t.loc[("dream", "pearson_score"), "source"]).resolve() == (official / "summary.tsv").resolve()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.rows, self.skipped = [], [], []
        self._in_skip = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a["href"])
        if tag == "tr" and "data-model" in a:
            self.rows.append(a["data-model"])
        self._in_skip = tag == "td" and a.get("class") == "skipped"

    def handle_data(self, data):
        if self._in_skip:
            self.skipped.append(data)
            self._in_skip = False


def test_page_user_and_reference_rows_with_working_links(tmp_path, monkeypatch):
    from regbench.plotting import style

    drawn = []  # the comparison figure's axes as saved: (title, [(label, bar width)])
    save = style.save_figure

    def capture(fig, *paths):
        for ax in fig.axes:
            if ax.patches:
                labels = [t.get_text() for t in ax.get_yticklabels()]
                drawn.append((ax.get_title(), list(zip(labels, [b.get_width() for b in ax.patches]))))
        save(fig, *paths)

    monkeypatch.setattr(style, "save_figure", capture)
    res = tmp_path / "results"
    acc = res / "accessibility" / "new_models"
    acc.mkdir(parents=True)
    _acc_table("cnn_exp-cov", 0.5, 0.4, 0.2, 0.3).to_csv(acc / "whole.tsv", sep="\t", index=False)
    (res / "accessibility" / "threshold").mkdir()
    (res / "accessibility" / "threshold" / "peak.tsv").write_text("\n")  # an empty collected table is skipped
    # a table that exists but is not declared is not read
    _acc_table("junk", 9, 9, 9, 9).to_csv(res / "accessibility" / "threshold" / "whole.tsv", sep="\t", index=False)
    (res / "dream").mkdir()
    pd.DataFrame([{"model": "legnet", "pearson_score": 0.8, "spearman_score": 0.7},
                  {"model": "dream_cnn", "pearson_score": 0.6, "spearman_score": 0.75}]).to_csv(res / "dream" / "summary.tsv", sep="\t", index=False)
    enf = res / "personal" / "models" / "enformer"  # the paper model's tables (its model folder)
    (enf / "summary").mkdir(parents=True)
    (res / "personal" / "cnn").mkdir()
    pd.DataFrame({"metric": ["n_genes", "mean_r", "n_significant"], "value": [72, 0.21, 17]}).to_csv(
        enf / "summary" / "significance.tsv", sep="\t", index=False)
    pd.DataFrame({"metric": ["n_positive", "frac_supported_drivers"], "value": [3, 0.75]}).to_csv(
        enf / "summary" / "drivers.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": ["g1", "g2", "g3"], "r": [0.1, 0.2, 0.6], "significant": [False, True, True]}).to_csv(
        res / "personal" / "cnn" / "gene_stats.tsv", sep="\t", index=False)
    (res / "synthetic_loci" / "metrics").mkdir(parents=True)
    pd.DataFrame([
        {"model": "baseline", "protocol": "authors", "class": "all", "n": 9, "pearson": 0.5, "spearman": 0.4, "mse": 2.0},
        {"model": "baseline", "protocol": "authors", "class": "deletion", "n": 4, "pearson": 0.2, "spearman": 0.4, "mse": 2.0},
        {"model": "baseline", "protocol": "authors", "class": "inversion", "n": 5, "pearson": 0.4, "spearman": 0.4, "mse": 2.0},
        {"model": "SH64_64", "protocol": "cv", "class": "all", "n": 9, "pearson": 0.7, "spearman": 0.4, "mse": 1.0},
    ]).to_csv(res / "synthetic_loci" / "metrics" / "activity_correlation.tsv", sep="\t", index=False)
    lb = res / "leaderboard"
    user = lb / "mine"
    user.mkdir(parents=True)
    (user / "dream").mkdir()
    (user / "dream" / "predictions.tsv").write_text("id\tprediction\n")
    (user / "scores.png").write_bytes(b"png")
    reason = "the model takes 110-bp inputs but the accessibility benchmark needs 1024 bp"
    pd.DataFrame([
        {"model": "mine", "benchmark": "accessibility", "status": "skipped", "metric": "", "value": np.nan, "headline": False, "reason": reason, "source": ""},
        {"model": "mine", "benchmark": "dream", "status": "ok", "metric": "pearson_score", "value": 0.9, "headline": True, "reason": "r", "source": "dream/predictions.tsv"},
        {"model": "mine", "benchmark": "dream", "status": "ok", "metric": "spearman_score", "value": 0.5, "headline": True, "reason": "r", "source": "dream/predictions.tsv"},
        {"model": "mine", "benchmark": "dream", "status": "ok", "metric": "subset:all:pearson", "value": 0.1, "headline": False, "reason": "r", "source": "dream/predictions.tsv"},
    ]).to_csv(user / "scores.tsv", sep="\t", index=False)
    table = page.write_leaderboard({"mine": str(user / "scores.tsv")}, {"mine": "my model"}, lb / "index.html", lb / "leaderboard.tsv",
                                   figures={"mine": str(user / "scores.png")},
                                   references=tables.reference_inputs(
                                       ["accessibility", "dream", "personal", "synthetic_loci"],
                                       [acc / "whole.tsv", res / "accessibility" / "threshold" / "peak.tsv"], res),
                                   comparison=(lb / "headlines.pdf", lb / "headlines.png"))
    t = pd.read_csv(lb / "leaderboard.tsv", sep="\t").set_index("model")
    assert list(t.index) == ["mine", "cnn_exp-cov (new_models)", "legnet", "dream_cnn", "Enformer (personal)",
                             "simple CNN (personal)", "baseline (authors)", "SH64_64 (cv)"]
    assert t.loc["Enformer (personal)", "personal:mean_gene_r"] == 0.21
    assert t.loc["Enformer (personal)", "personal:n_significant"] == 17
    assert t.loc["Enformer (personal)", "personal:sign_concordance"] == 0.75
    assert t.loc["simple CNN (personal)", "personal:mean_gene_r"] == pytest.approx(0.3)
    assert t.loc["simple CNN (personal)", "personal:n_significant"] == 2
    assert t.loc["baseline (authors)", "synthetic_loci:activity_pearson"] == 0.5
    assert t.loc["baseline (authors)", "synthetic_loci:mean_class_pearson"] == pytest.approx(0.3)
    assert t.loc["SH64_64 (cv)", "synthetic_loci:activity_mse"] == 1.0
    assert t.loc["mine", "dream:pearson_score"] == 0.9 and t.loc["legnet", "dream:pearson_score"] == 0.8
    assert t.loc["mine", "accessibility:status"] == f"skipped: {reason}"
    assert t.loc["cnn_exp-cov (new_models)", "accessibility:pearson_whole"] == 0.5
    assert t.loc["cnn_exp-cov (new_models)", "kind"] == "reference"
    assert np.isnan(t.loc["mine", "accessibility:pearson_whole"])
    p = _Links()
    p.feed((lb / "index.html").read_text())
    assert p.rows == list(table["model"])
    assert any(reason in s for s in p.skipped)
    assert "leaderboard.tsv" in p.hrefs and "mine/scores.tsv" in p.hrefs and "mine/scores.png" in p.hrefs
    assert "../dream/summary.tsv" in p.hrefs and "../accessibility/new_models/whole.tsv" in p.hrefs
    assert "headlines.png" in p.hrefs and (lb / "headlines.pdf").exists()
    # the comparison figure: one panel per headline metric with values, a bar per model with
    # its table value, best first
    panels = dict(drawn)
    for bench, metric, label, higher_is_better in page.headline_columns():
        col = t[f"{bench}:{metric}"].dropna()
        if col.empty:
            assert f"{bench}: {label}" not in panels
            continue
        bars = panels[f"{bench}: {label}"]
        assert sorted(bars) == sorted((m, pytest.approx(v)) for m, v in col.items()), (bench, metric)
        widths = [w for _, w in bars]
        assert widths == sorted(widths, reverse=higher_is_better), (bench, metric, bars)
    assert len(panels) == sum(t[f"{b}:{m}"].notna().any() for b, m, _, _ in page.headline_columns()) >= 5, panels
    for h in p.hrefs:
        assert not h.startswith("/") and (lb / h).exists(), h
    html_text = (lb / "index.html").read_text()
    assert '<td class="best"><a href="mine/dream/predictions.tsv">0.900</a></td>' in html_text
    assert "No reference table found yet" not in html_text
    assert "../personal/models/enformer/summary/drivers.tsv" in p.hrefs and "../synthetic_loci/metrics/activity_correlation.tsv" in p.hrefs
    # the lower-is-better MSE column marks the lowest value
    assert '<td class="best"><a href="../synthetic_loci/metrics/activity_correlation.tsv">1.000</a></td>' in html_text


def test_reference_inputs_declare_the_enabled_studies_tables():
    refs = tables.reference_inputs(["dream", "accessibility"], ["r/acc/b/whole.tsv", "r/acc/a/peak.tsv", "r/acc/b/whole.tsv"], "r")
    assert refs == {"accessibility": ["r/acc/a/peak.tsv", "r/acc/b/whole.tsv"], "dream": "r/dream/summary.tsv"}
    refs = tables.reference_inputs(["personal", "synthetic_loci"])
    assert refs == {"personal_significance": "results/personal/models/enformer/summary/significance.tsv",
                    "personal_drivers": "results/personal/models/enformer/summary/drivers.tsv",
                    "personal_cnn": "results/personal/cnn/gene_stats.tsv",
                    "synthetic_loci": "results/synthetic_loci/metrics/activity_correlation.tsv"}
    assert page.reference_scores({}).empty
