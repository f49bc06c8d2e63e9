"""Demo-truth assertions of the accessibility study (GOPHER) on the demo run's tables.

The demo world plants a known grammar (regbench/data/demo/core.py): AP-1 (MA0491.1) with a flank
rule (best flanks [AG]TGA[CG]TCA[CT], factor 1.0 vs 0.25 for the worst), a cooperative
GATA1 x AP-1 pair in K562 with an optimal edge-to-edge gap of 20 bp, and CAGI5-like effects
computed from the same grammar plus noise. Thresholds are set from repeated demo runs (see each
test) with margin; they are deliberately loose because the demo models train for seconds.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from regbench.panels import figure_path
from tests.integration.conftest import assert_figure_drawn, read_table

pytestmark = [pytest.mark.slow, pytest.mark.demo]

ACC = "accessibility"


def _tsv(results, rel):
    p = results / ACC / rel
    assert p.exists(), f"missing demo output {p}"
    return pd.read_csv(p, sep="\t")


def _finite_numbers(df: pd.DataFrame) -> int:
    num = df.select_dtypes("number").to_numpy(dtype=float)
    return int(np.isfinite(num).sum())


def test_every_panel_and_table_has_data(demo_results):
    """Every panel: data drawn in the figure (coloured marks, see conftest.assert_figure_drawn)
    and a plotted table with rows and finite numbers; every supplementary table: a row per model
    with finite values."""
    from regbench.studies.accessibility.panels import FIGURES

    for panel in FIGURES:
        assert_figure_drawn(demo_results.parent / figure_path(ACC, panel, "png"))
        t = read_table(demo_results / ACC / "panels" / f"{panel}.tsv", [], min_rows=1)
        assert _finite_numbers(t) > 0, (panel, t.head().to_dict())
    for name in ("T2_targeted", "T3_new_models", "T4_tomtom", "SD3_cagi"):
        t = read_table(demo_results / ACC / "tables" / f"{name}.tsv", ["model"], min_rows=1)
        assert t["model"].notna().all() and _finite_numbers(t) >= len(t), (name, t.head().to_dict())
    t = read_table(demo_results / ACC / "tables" / "T5_replicate_ceiling.tsv", [], min_rows=1)
    assert _finite_numbers(t) > 0


def _cfg():
    import yaml

    from tests.integration.conftest import ROOT

    return yaml.safe_load(open(ROOT / "config" / "config.yaml"))["accessibility"]


def _models(experiment_filter=None, evaluation=None):
    """(experiment, slug) of the demo grid that run ``evaluation`` (config selection rules)."""
    from regbench.studies.accessibility.experiments import expand_experiments, selected

    cfg = _cfg()
    return {(e, s) for e, ms in expand_experiments(cfg).items() for s in ms
            if (evaluation is None or (evaluation in cfg["evaluations"].get(e, []) and selected(evaluation, s, cfg, e)))
            and (experiment_filter is None or e == experiment_filter)}


def _finite(t, cols):
    for c in cols:
        v = pd.to_numeric(t[c], errors="coerce")
        assert v.notna().all() and np.isfinite(v).all(), (c, t[c].tolist()[:10])


def test_panel_tables_hold_the_expected_models_cells_and_metrics(demo_results):
    """Each panel's data table: the models the config sends to its evaluation, the configured
    example cell / element / bins, finite values (a panel that says "no data" fails here)."""
    cfg = _cfg()
    pc = cfg["panels"]
    t = _tsv(demo_results, "panels/2a.tsv")
    assert set(t["cell"]) == {pc["tracks_cell"]} and len(t) >= 32
    _finite(t, ["value", "truth"])
    for panel, arch in (("2b", "basenji"), ("ED1a", "bpnet")):
        t = _tsv(demo_results, f"panels/{panel}.tsv")
        want = {s for e, s in _models("loss_resolution") if s.startswith(arch + "-")}
        assert set(t["model"]) == want, (panel, set(t["model"]), want)
        _finite(t, ["pearson", "mse"])
    for panel in ("2c", "ED1b", "2d", "ED2"):
        _finite(_tsv(demo_results, f"panels/{panel}.tsv"), ["value"])
    assert set(_tsv(demo_results, "panels/2d.tsv")["dataset"]) == {"coverage_thr4", "peak"}
    t = _tsv(demo_results, "panels/2e.tsv")
    assert set(t["bin"].astype(int)) == set(pc["test_threshold_bins"])
    assert set(t["threshold"]) == {float(x) for x in cfg["evaluation"]["test_thresholds"]}
    _finite(t, ["value"])
    t = _tsv(demo_results, "panels/3b.tsv")
    assert set(t["bin"].astype(int)) == {pc["robustness_bin"]} and len(t) == len(_models("augmentation", "robustness"))
    _finite(t, ["variation_score", "pearson_per_seq"])
    for panel in ("4b", "ED3"):
        t = _tsv(demo_results, f"panels/{panel}.tsv")
        assert set(zip(t["experiment"], t["model"])) == _models(evaluation="binary")
        _finite(t, ["auroc_peak", "auroc_whole", "aupr_peak", "aupr_whole", "pearson_coverage_peak", "pearson_coverage_whole"])
    t = _tsv(demo_results, "panels/5a.tsv")
    assert set(t["kind"]) == {"effect", "profile", "variant"}
    assert set(t["model"]) == {pc["cagi_example_model"]}
    for panel in ("5b", "5c"):
        t = _tsv(demo_results, f"panels/{panel}.tsv")
        assert set(zip(t["experiment"], t["model"])) == _models(evaluation="cagi")
        assert set(t["binary"].astype(str)) == {"True", "False"}
        assert set(t[t["binary"].astype(str) == "True"]["whole_metric"]) == {"pearson_coverage_whole"}
        _finite(t, ["cagi_standard", "cagi_robust", "pearson_whole", "delta"])
    gia_models = {s for _, s in _models(evaluation="gia")}
    t = _tsv(demo_results, "panels/6a.tsv")
    assert set(t["model"]) == {cfg["reference_model"]} and len(t) == 1024 and t["marker"].sum() == 1
    assert t[t["marker"]]["pwm_score"].iloc[0] == pytest.approx(12.800, abs=1e-3)
    _finite(t, ["value", "pwm_score"])
    for panel in ("ED4", "ED5", "ED6"):
        assert set(_tsv(demo_results, f"panels/{panel}.tsv")["model"]) == gia_models, panel
    for panel in ("6b", "ED5"):
        t = _tsv(demo_results, f"panels/{panel}.tsv")
        assert set(t["pair"]) == {"..TGA.TCA..+GATAAG"}
        _finite(t, ["value", "position"])
    t = _tsv(demo_results, "panels/6c.tsv")
    assert set(t["what"]) == {"motif1", "motif2", "sum", "both"}
    _finite(t, ["mean", "median"])
    t = _tsv(demo_results, "panels/SF1.tsv")
    assert set(t["model"]) == {s for _, s in _models("sweeps")}
    _finite(t, ["valid_loss_best", "pearson_whole", "epochs_run"])
    assert set(_tsv(demo_results, "panels/SF2.tsv")["model"]) == {cfg["reference_model"]}
    t = _tsv(demo_results, "tables/T2_targeted.tsv")
    assert {"peak", "coverage"} <= set(t["dataset"]) and "pearson_per_seq_peak" in t


def test_quantitative_beats_binary_on_whole_chromosome(demo_results):
    """Fig 4b: Pearson of per-window mean coverage on the whole test chromosome. In the demo run
    (2026-11-22) quantitative models averaged r = 0.15 (Basenji reference 0.41) vs 0.025 for the
    two Basset binary models; the assertion compares means (single weak models may overlap)."""
    t = _tsv(demo_results, "panels/4b.tsv")
    quant = t[t["binary"].astype(str) == "False"]["pearson_coverage_whole"]
    binary = t[t["binary"].astype(str) == "True"]["pearson_coverage_whole"]
    assert len(quant) >= 2 and len(binary) >= 2
    assert quant.mean() > binary.mean(), (quant.tolist(), binary.tolist())


def _reference():
    import yaml

    from tests.integration.conftest import ROOT

    return yaml.safe_load(open(ROOT / "config" / "config.yaml"))["accessibility"]["reference_model"]


def _gia(results):
    parts = [pd.read_csv(p, sep="\t") for p in sorted((results / ACC).glob("*/gia.tsv"))]
    assert parts, "no GIA tables"
    return pd.concat(parts, ignore_index=True)


def test_gia_ranks_planted_ap1_flanks(demo_results):
    """Fig 6a: planted best flanks [AG]TGA[CG]TCA[CT] have a higher GI than the worst flanks
    [CT]TGA[CG]TCA[AG] and than the mean over all flank variants (= random flanks)."""
    g = _gia(demo_results)
    g = g[(g["metric"] == "gia_flank") & (g["model"] == _reference()) & (g["cell"] != "mean")].copy()
    g["param"] = g["param"].str.split("|").str[1]  # <pattern>|<variant>
    best = g[g["param"].str.contains("[AG]TGA[CG]TCA[CT]", regex=True)]
    worst = g[g["param"].str.contains("[CT]TGA[CG]TCA[AG]", regex=True)]
    by_cell = []
    for cell in g["cell"].unique():
        b = best[best["cell"] == cell]["value"].mean()
        w = worst[worst["cell"] == cell]["value"].mean()
        a = g[g["cell"] == cell]["value"].mean()
        by_cell.append((cell, b, w, a))
    # the AP-1 weight is largest in A549 (1.5) and K562 (1.0)
    assert {"K562", "A549"} <= {c for c, *_ in by_cell}, by_cell
    for cell, b, w, a in by_cell:
        if cell in ("K562", "A549"):
            assert b > w and b > a, by_cell


def _gia_distance(results) -> pd.DataFrame:
    g = _gia(results)
    ref = g[g["model"] == _reference()]
    dist = ref[(ref["metric"] == "gia_distance") & (ref["cell"] == "K562")].copy()
    dist["rel"] = pd.to_numeric(dist["param"].str.split("|").str[2], errors="coerce")  # <pair>|<pos>|<relative>
    return dist.dropna(subset=["rel"])


def test_gia_cooperative_pair(demo_results):
    """Fig 6b/6c: in K562 embedding AP-1 and GATA together at the best distance gives more than
    the sum of the single embeddings (chance: both = motif1 + motif2 for independent effects).
    Measured: 0.067 > 0.044 (seed 42), 0.047 > 0.039 (seed 7)."""
    g = _gia(demo_results)
    ref = g[g["model"] == _reference()]
    coop = ref[(ref["metric"] == "gia_coop") & (ref["cell"] == "K562")].copy()
    coop = coop.set_index(coop["param"].str.split("|").str[1])["value"]  # <pair>|<what>
    assert coop["both"] > coop["motif1"] + coop["motif2"], coop.to_dict()
    assert len(_gia_distance(demo_results)) >= 20


@pytest.mark.xfail(
    reason="the demo reference model does not learn the planted GATA1 x AP-1 distance law (optimum "
    "20 bp, sd 8): mean GI at 10-30 bp vs > 45 bp measured 0.0440 vs 0.0439 (seed 42) and 0.0400 vs "
    "0.0406 (seed 7) on the main-branch demo (commit 713680c)",
    strict=False,
)
def test_gia_distance_recovers_planted_optimum(demo_results):
    """Fig 6c: near-optimal gaps (|gap| 10-30 bp, planted law >= 0.46) beat far gaps (> 45 bp,
    law < 0.003) by 10 % of mean GI, and the best gap lies in 10-30 bp. Chance level: without a
    distance law near = far, and a random best gap falls in 10-30 bp with the fraction of scanned
    gaps there (computed below, asserted < 0.5)."""
    d = _gia_distance(demo_results)
    near = d[d["rel"].abs().between(10, 30)]["value"].mean()
    far = d[d["rel"].abs() > 45]["value"].mean()
    best = d.loc[d["value"].idxmax(), "rel"]
    chance = d["rel"].abs().between(10, 30).mean()
    assert chance < 0.5, chance
    assert near > 1.1 * far, (near, far)
    assert 10 <= abs(best) <= 30, (best, chance)


def test_tomtom_exp_filters_match_planted_motifs_more_often(demo_results):
    """Supp Table 4: first-layer filters of exponential-activation models match the planted
    JASPAR motifs more often than those of their ReLU twins. A filter matches a planted motif
    when a planted motif (base matrix id) is among its significant Tomtom hits (q < 0.5); see
    regbench.studies.accessibility.filters.hit_summary.

    Demo run 2026-11-22 (same models as before the definition change; 132 peak test windows):
    planted_hit_ratio exp / ReLU = cnn 0.031 / 0, resbind32 0.062 / 0, basset 0.125 / 0.016
    (means 0.073 / 0.005); distinct planted motifs found 1+1+5 = 7 / 0+0+1 = 1. The overall
    hit_ratio is not higher for exp (0.56/0.69, 0.38/0.63, 0.63/0.38), so this is not just
    "more hits". With the old definition (best hit only, full versioned ids) every value was 0.
    Second demo world (--config seed=7, all_accessibility from scratch): exp / ReLU = cnn
    0.125 / 0, resbind32 0.188 / 0, basset 0.109 / 0; motifs found 10 / 0.
    Thresholds: means; in every family exp strictly above ReLU (so exp = 0 fails; ReLU was 0 in
    5 of 6 measured families, where ">=" held for any exp); more distinct motifs found."""
    t = _tsv(demo_results, "tables/T4_tomtom.tsv")
    t = t.dropna(subset=["planted_hit_ratio"]).copy()
    t["family"] = t["arch"].str.replace(r"_(exp|relu)$", "", regex=True)
    t["act"] = t["arch"].str.extract(r"_(exp|relu)$")[0]
    w = t.pivot_table(index="family", columns="act", values="planted_hit_ratio")
    found = t.groupby("act")["planted_motifs_found"].sum()
    info = t[["model", "planted_hit_ratio", "planted_motifs_found", "hit_ratio"]].to_dict("records")
    assert len(w.dropna()) >= 2, info
    assert w["exp"].mean() > w["relu"].mean(), info
    assert (w["exp"] > w["relu"]).all(), info
    assert found["exp"] > found["relu"], info


def _occlusion(results):
    parts = [pd.read_csv(p, sep="\t") for p in sorted((results / ACC).glob("*/occlusion.tsv"))]
    assert parts, "no occlusion tables"
    o = pd.concat(parts, ignore_index=True)
    return o[o["model"] == _reference()]


def test_occluding_planted_ap1_lowers_prediction_more_than_background(demo_results):
    """Supp Fig 2: occluding the AP-1 cores (TGA[CG]TCA, all planted in the demo genome; AP-1
    weight > 0 in every cell line) lowers the reference model's predicted coverage, and more
    than occluding the same number of equally long random background windows.

    Demo run 2026-11-22 (reference Basenji b32, 92 windows with >= 1 core, 5 random fills):
    mean effect motif -0.031 (HepG2 -0.029, K562 -0.043, GM12878 -0.016, A549 -0.036) vs
    background +0.0005 (all cells |effect| < 0.001); motif-occluded < background-occluded in
    97 % of the windows (chance 50 %); thresholds: sign, ordering in every cell, > 80 %."""
    o = _occlusion(demo_results)
    assert not o.empty, "reference model has no occlusion rows"
    n = o[(o["metric"] == "occlusion_n_seqs") & (o["param"] == "all")]["value"].iloc[0]
    assert n >= 10, n
    eff = o[(o["param"] == "all") & (o["cell"] != "mean")].pivot_table(index="cell", columns="metric", values="value")
    motif, bg = eff["occlusion_effect_motif"], eff["occlusion_effect_background"]
    assert (motif < 0).all(), eff.to_dict()
    assert (motif < bg).all(), eff.to_dict()
    # per sequence: the motif-occluded prediction is below the background-occluded one for most
    seq = o[o["metric"] == "occlusion_seq"].copy()
    parts = seq["param"].str.split("|")
    seq["seq"], seq["kind"] = parts.str[0], parts.str[2]
    w = seq.groupby(["seq", "kind"])["value"].mean().unstack()
    assert (w["removed"] < w["background"]).mean() > 0.8, w.describe().to_dict()


def test_occluded_motifs_are_planted_ap1_sites(demo_results):
    """The occluded pattern matches of the demo run are planted AP-1 sites of the truth file
    (resources/demo/hg38/motif_sites.tsv), i.e. the occlusion hits the planted grammar."""
    import re

    from regbench.genome.onehot import decode
    from regbench.studies.accessibility.datasets import load_split
    from tests.integration.conftest import ROOT

    o = _occlusion(demo_results)
    idx = sorted({int(p.split("|")[0]) for p in o[o["metric"] == "occlusion_seq"]["param"]})
    d = load_split(demo_results / ACC / "datasets" / "whole.h5", "test")
    sites = pd.read_csv(ROOT / "resources/demo/hg38/motif_sites.tsv", sep="\t")
    ap1 = sites[sites["tf"] == "AP-1"]
    n_match = n_planted = 0
    for i in idx:
        chrom, start = d["coords"]["chrom"][i], int(d["coords"]["start"][i])
        s = ap1[ap1["chrom"] == chrom]
        for m in re.finditer("TGA[CG]TCA", decode(d["x"][i])):
            a, b = start + m.start(), start + m.end()
            n_match += 1
            n_planted += bool(((s["start"] <= a) & (s["end"] >= b)).any())
    assert n_match > 0
    assert n_planted == n_match, (n_planted, n_match)


def test_robust_cagi_predictions_correlate_with_planted_effects(demo_results):
    """Fig 5b: the reference model's robust CAGI5-like predictions correlate with the grammar's
    effects (mean r over the 6 demo elements)."""
    t = _tsv(demo_results, "panels/5b.tsv")
    ref = t[t["model"] == _reference()]
    assert len(ref) == 1
    # demo run: 0.37 (standard 0.36); Basenji b128 models 0.41
    assert ref["cagi_robust"].iloc[0] > 0.1, t.to_dict("records")
    # and across all models the robust score is positive on average
    assert t["cagi_robust"].mean() > 0
