"""Personal study on the demo world: the analyses recover the planted truth.

Truth (resources/demo/personal/): causal SNVs break planted promoter motifs; most act in the
motif grammar's direction (the demo Enformer learned it), a planted minority act against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regbench.panels import figure_path
from tests.integration.conftest import assert_figure_drawn, read_table

DEMO = "resources/demo/personal"


@pytest.fixture(scope="module")
def personal(demo_results):
    root = demo_results.parent
    r = demo_results / "personal" / "models" / "enformer"  # the paper model's tables
    out = {
        "stats": pd.read_csv(r / "gene_stats.tsv", sep="\t"),
        "snvs": pd.read_csv(r / "snvs.tsv", sep="\t"),
        "drivers": pd.read_csv(r / "drivers.tsv", sep="\t"),
        "support": pd.read_csv(r / "driver_support.tsv", sep="\t"),
        "truth": pd.read_csv(root / DEMO / "truth.tsv", sep="\t"),
        "gene_truth": pd.read_csv(root / DEMO / "gene_truth.tsv", sep="\t"),
        "root": root,
    }
    return out


def test_every_panel_has_data_drawn(demo_results):
    for panel in ["fig1b", "fig1d", "fig1e", "fig2a", "fig2b", "fig2c", "fig2d", "fig2e", "fig2f", "fig2g",
                  "ed1a", "ed1b", "ed1c", "ed2a", "ed2b", "supp1", "supp2", "supp3", "supp4", "supp5", "supp6",
                  "supp7", "supp8", "supp9", "supp10", "supp11", "supp12"]:
        assert_figure_drawn(demo_results.parent / figure_path("personal", panel, "png"))
        data = pd.read_csv(demo_results / "personal" / "panels" / f"{panel}.tsv", sep="\t")
        assert len(data) > 0, panel  # every panel has data behind it


def test_causal_genes_are_significant_more_often(personal):
    st = personal["stats"].merge(personal["gene_truth"], on="gene_id")
    causal = st[st["category"] != "none"]
    none = st[st["category"] == "none"]
    assert len(causal) >= 10 and len(none) >= 5
    f_c, f_n = causal["significant"].mean(), none["significant"].mean()
    assert f_c > f_n + 0.2, (f_c, f_n)


def test_correlation_sign_follows_planted_and_learned_direction(personal):
    st = personal["stats"].merge(personal["gene_truth"], on="gene_id")
    sig = st[st["significant"].astype(bool)]
    cons = sig[sig["category"] == "consistent"]
    against = sig[sig["category"] == "against"]
    assert len(cons) >= 3 and len(against) >= 1
    # The sign of R is not the planted sign alone: it is the planted sign times the direction the
    # demo model learned for that motif (the small demo Enformer learns some motifs backwards), so
    # the check is the exact relation below (0.92 on a clean CI run; chance 0.5).
    # exact: sign(R) = sign(true effect) x sign(model's ISM) of the causal SNV
    snv = personal["snvs"].merge(personal["truth"], on=["gene_id", "pos"])
    m = sig.merge(snv[["gene_id", "ism", "effect_sign"]], on="gene_id")
    m = m[m["ism"].abs() > 0.05]
    assert len(m) >= 5
    agree = np.sign(m["r"]) == np.sign(m["ism"]) * m["effect_sign"]
    # chance level 0.5 (a random sign); measured 0.92 (CI run) and 0.846 = 11/13 (demo run of
    # 2026-12-02, binomial p = 0.011). Thresholds: >= 0.8 and one-sided binomial p < 0.05.
    from scipy.stats import binomtest

    k, n = int(agree.sum()), len(agree)
    assert k / n >= 0.8 and binomtest(k, n, 0.5, alternative="greater").pvalue < 0.05, (k, n)


def test_drivers_are_the_planted_causal_snvs(personal):
    d, truth = personal["drivers"], personal["truth"]
    main = d[d["main"].astype(bool)]
    assert len(main) >= 3
    causal = set(zip(truth["gene_id"], truth["pos"]))
    hit = [(g, p) in causal for g, p in zip(main["gene_id"], main["pos"])]
    # chance: ~8% of the scored SNVs are planted causal ones; a clean CI run gives 0.69
    assert np.mean(hit) >= 0.6, main
    # genes with causal SNVs that got drivers: most have a causal SNV among their drivers (0.77)
    genes = set(d["gene_id"]) & set(truth["gene_id"])
    ok = [bool(set(d.loc[d["gene_id"] == g, "pos"]) & set(truth.loc[truth["gene_id"] == g, "pos"])) for g in genes]
    assert np.mean(ok) >= 0.7


def test_support_matches_planted_signs_against_learned_signs(personal):
    d = personal["drivers"].merge(personal["truth"], on=["gene_id", "pos"])
    assert len(d) >= 3
    # supported <=> the true effect sign equals the model's learned (ISM) sign
    expected = np.sign(d["effect_sign"]) == np.sign(d["ism"])
    assert (d["supported"].astype(bool) == expected).mean() >= 0.9
    # where the model learned the grammar's direction, support = grammar consistency
    learned = np.sign(d["ism"]) == np.sign(d["grammar_sign"])
    sub = d[learned]
    assert (sub["supported"].astype(bool) == sub["grammar_consistent"].astype(bool)).mean() >= 0.9


def test_positive_genes_supported_negative_unsupported(personal):
    s = personal["support"].dropna(subset=["supported_fraction"])
    pos = s[s["group"] == "positive"]["supported_fraction"]
    neg = s[s["group"] == "negative"]["supported_fraction"]
    # chance level: a driver's support is a coin flip for a model with random signs (expected
    # supported fraction 0.5); positive genes must be well above it and negative genes below
    assert len(pos) >= 2 and pos.mean() > 0.8, pos.tolist()
    assert len(neg) >= 1 and neg.mean() < 0.3, neg.tolist()


def test_predixcan_and_summaries(demo_results):
    enf = demo_results / "personal" / "models" / "enformer"
    s = pd.read_csv(enf / "summary" / "predixcan.tsv", sep="\t").set_index("metric")["value"]
    assert s["n_genes"] >= 5 and s["mean_r_predixcan"] > 0.2
    # the stored summary equals counts taken directly from the per-gene table
    sig = pd.read_csv(enf / "summary" / "significance.tsv", sep="\t").set_index("metric")["value"]
    st = read_table(enf / "gene_stats.tsv", ["gene_id", "r", "significant", "p_bh"], min_rows=10)
    is_sig = st["significant"].astype(str).str.lower() == "true"
    assert int(sig["n_genes"]) == len(st)
    assert int(sig["n_significant"]) == int(is_sig.sum()) == int((st["p_bh"] <= 0.05).sum())
    assert int(sig["n_significant_negative"]) == int((is_sig & (st["r"] < 0)).sum())
    assert float(sig["mean_r"]) == pytest.approx(st["r"].mean(), rel=1e-4)


def test_demo_cohort_formats(personal):
    import cyvcf2

    root = personal["root"]
    vcf = cyvcf2.VCF(str(root / DEMO / "population.vcf.gz"))
    assert len(vcf.samples) >= 200
    n_indel = n_multi = n_missing = 0
    for v in vcf:
        n_indel += v.is_indel
        n_multi += len(v.ALT) > 1
        n_missing += int((v.genotype.array()[:, :2] < 0).sum())
        assert v.genotype.array()[:, 2].all()  # phased
    assert n_indel > 0 and n_multi > 0 and n_missing > 0
    expr = pd.read_csv(root / DEMO / "expression.tsv", sep="\t", index_col=0)
    assert set(expr.columns) <= set(vcf.samples) and len(expr.columns) < len(vcf.samples)
    truth, sites = personal["truth"], pd.read_csv(root / "resources/demo/hg38/motif_sites.tsv", sep="\t")
    assert (~truth["grammar_consistent"]).sum() >= 2 and truth["grammar_consistent"].sum() >= 5
    for t in truth.itertuples():  # every causal SNV sits in a planted promoter motif of its gene
        s = sites[(sites["chrom"] == t.chrom) & (sites["start"] <= t.pos) & (sites["end"] > t.pos)]
        assert (s["gene_id"] == t.gene_id).any()
    assert (personal["gene_truth"]["category"] == "none").sum() >= 5
