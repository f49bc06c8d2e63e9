"""synthetic_loci demo: the planted order/orientation rule must show up in the study's tables.

The demo world (regbench/data/demo/synthetic_loci.py) makes activity proportional to the summed
intrinsic strength of the DHSs present as long as their reference order and orientation are kept
(deletions, combinations), and removes activity that accessibility does not show when DHSs are
inverted (x0.2) or out of order (x0.5 per discordant pair). Thresholds below are set from that rule
and the demo's noise (5 % clone noise), leaving room for an imperfect demo Enformer.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from regbench.panels import figure_path
from tests.integration.conftest import assert_figure_drawn, read_table

pytestmark = pytest.mark.slow

# thresholds of the CAGE head test, below the measured demo runs (seed 42, torch seeded: held-out
# median r 0.80-0.81 per track, payload RNA vs planted RNA r 0.87 with a permutation 99th
# percentile of 0.38; an earlier run without torch seeding: 0.76-0.77 and 0.93)
HELDOUT_R = 0.5
PAYLOAD_RNA_R = 0.7


@pytest.fixture(scope="module")
def sl(demo_results):
    d = demo_results / "synthetic_loci"
    if not (d / "metrics" / "activity_correlation.tsv").exists():
        pytest.fail(f"{d}/metrics/activity_correlation.tsv missing: the demo run did not build all_synthetic_loci")
    return d


def _act(sl):
    return pd.read_csv(sl / "metrics" / "activity_correlation.tsv", sep="\t").set_index(["model", "protocol", "class"])


def test_truth_rule_separates_classes(demo_results):
    # sanity of the world itself: in reference-order classes activity is linear in summed strength
    truth = json.loads((demo_results.parent / "resources/demo/synthetic_loci/truth.json").read_text())
    rows = [(p["group"], sum(d["c"] for d in p["dhs"]), p["activity"]) for p in truth["payloads"].values()]
    df = pd.DataFrame(rows, columns=["group", "c", "activity"])
    ref = df[df["group"].isin(["deletion", "combination"])]
    assert np.corrcoef(ref["c"], ref["activity"])[0, 1] > 0.99
    rea = df[df["group"] == "rearrangement"]
    assert rea["activity"].std() > 0.1


def test_baseline_good_for_reference_like_designs_poor_for_order_orientation(sl):
    a = _act(sl)
    r = {c: a.loc[("baseline", "authors", c), "pearson"] for c in ["deletion", "combination", "inversion", "rearrangement"]}
    good = (r["deletion"] + r["combination"]) / 2
    bad = (r["inversion"] + r["rearrangement"]) / 2
    # deletions/combinations: activity is linear in the summed strength that also sets accessibility,
    # so a model that learned the accessibility grammar correlates; the bound allows an imperfect
    # demo Enformer (its own held-out accuracy is limited by a few hundred CPU training steps)
    assert good > 0.5, r
    # inversions/rearrangements: activity varies while DHS content is (nearly) constant
    assert bad < good - 0.3, r
    # within inversions / rearrangements the planted activity changes with orientation and order,
    # which accessibility does not carry: r must not be significantly positive. Threshold = the
    # one-sided p = 0.01 critical r of a null correlation for the class's n (scipy t quantile):
    # 0.79 for the 8 inversions, 0.66 for the 12 rearrangements; pooled (20 payloads) 0.52
    from scipy import stats

    def r_crit(n, p=0.01):
        t = stats.t.ppf(1 - p, n - 2)
        return t / np.sqrt(n - 2 + t**2)

    for c in ("inversion", "rearrangement"):
        n = a.loc[("baseline", "authors", c), "n"]
        assert r[c] < r_crit(n), (c, r[c], n, r_crit(n))
    g = pd.read_csv(sl / "metrics" / "class_groups.tsv", sep="\t").set_index(["model", "protocol", "group"])
    oo = g.loc[("baseline", "authors", "order_orientation")]
    assert oo["pearson"] < r_crit(oo["n"]), oo
    assert g.loc[("baseline", "authors", "reference_order"), "pearson"] > oo["pearson"] + 0.3, g
    mse = {c: a.loc[("baseline", "cv", c), "mse"] for c in ["deletion", "combination", "rearrangement"]}
    assert mse["rearrangement"] > 2 * max(mse["deletion"], mse["combination"]), mse


def test_finetuning_lowers_heldout_error_for_rearrangements(sl):
    a = _act(sl)
    heads = [m for m, p, c in a.index if not m.startswith("baseline") and p == "cv"]  # baseline, baseline_raw, baseline_wt
    assert heads, "no cross-validated fine-tuned model"
    for h in sorted(set(heads)):
        before = a.loc[("baseline", "cv", "rearrangement"), "mse"]
        after = a.loc[(h, "cv", "rearrangement"), "mse"]
        # held-out payloads: the fine-tuned head must learn part of the order rule
        assert after < 0.75 * before, (h, before, after)
        assert a.loc[(h, "cv", "all"), "mse"] < a.loc[("baseline", "cv", "all"), "mse"]


def test_retained_performance_other_tracks_nearly_unchanged(sl):
    s = pd.read_csv(sl / "metrics" / "retained_summary.tsv", sep="\t")
    s = s[s["track"] >= 0]
    assert len(s) >= 2
    # fine-tuned trunk + original mouse head vs original Enformer on the held-out contig: the demo
    # fine-tunes the whole trunk for 30 steps at lr 3e-4 (paper: 1,000 steps at 1e-5), so "nearly
    # unchanged" = predictions still strongly correlated with the original model's and the
    # agreement with the observed signal moves by less than 0.15 in r (median over regions)
    assert (s["median_r_original_vs_finetuned"] > 0.7).all(), s
    assert (s["median_delta"].abs() < 0.15).all(), s


def test_figures_have_data_and_tracks_cover_the_locus(demo_results, sl):
    for p in ["activity_scatter", "class_correlation", "dhs_accessibility", "error_before_after", "error_per_fold", "retained_performance",
              "accessibility_correlation", "rna_vs_expression"]:
        assert_figure_drawn(demo_results.parent / figure_path("synthetic_loci", p, "png"))
        read_table(sl / "panels" / f"{p}.tsv", [], min_rows=1)
    read_table(sl / "metrics" / "activity_correlation.tsv", ["model", "protocol", "class", "n", "pearson", "mse"],
               min_rows=5, finite=["n", "mse"])
    bg = sorted((sl / "tracks" / "baseline").glob("*.bedGraph"))
    assert len(bg) >= 2 * 40
    wt = (sl / "tracks" / "baseline" / "Sox2LCR_WT.escj7.bedGraph").read_text().splitlines()[1:]
    ends = [int(l.split("\t")[2]) for l in wt]
    assert max(ends) <= 2000 and min(int(l.split("\t")[1]) for l in wt) >= 0


def test_contract_summary_and_baseline_variants(sl):
    c = pd.read_csv(sl / "inputs" / "contract.tsv", sep="\t").set_index("input")
    assert (c["status"] == "ok").all() and c.loc["payload_fasta", "records"] >= 40
    a = _act(sl)
    # a least-squares line with a positive slope does not change Pearson r: the calibrated baseline
    # and the raw peak sum (no fitted line) must agree on r under the authors' protocol, per class
    for cls in ["all", "deletion", "combination", "inversion", "rearrangement"]:
        assert a.loc[("baseline_raw", "authors", cls), "pearson"] == pytest.approx(a.loc[("baseline", "authors", cls), "pearson"], abs=1e-9)
        assert a.loc[("baseline_wt", "authors", cls), "spearman"] == pytest.approx(a.loc[("baseline_raw", "authors", cls), "spearman"], abs=1e-9)
    # the wild-type-scaled peak sum is on the activity scale (WT = 1): its MSE is finite and the
    # reference payload is predicted exactly
    pp = pd.read_csv(sl / "metrics" / "payload_predictions.tsv", sep="\t")
    wt = pp[(pp["model"] == "baseline_wt") & (pp["class"] == "reference") & (pp["protocol"] == "authors")]
    assert wt["pred"].tolist() == pytest.approx([1.0])


def test_accessibility_correlation_panel_has_data(sl):
    acc = pd.read_csv(sl / "metrics" / "accessibility_correlation.tsv", sep="\t")
    assert (acc["status"] == "ok").all()
    base = acc[(acc["model"] == "baseline") & (acc["track"] == "escj7")].set_index("class")
    # measured accessibility of DHS j = c_j (0.6 + 0.4 p_j o_j): set by the DHS's motif content, which the
    # demo Enformer's DNase track learned on the genome; chance |r| for n DHSs is ~2/sqrt(n)
    n = base.loc["all", "n"]
    assert base.loc["all", "pearson"] > max(0.5, 3 / np.sqrt(n)), base


def _rna_truth(demo_results):
    truth = json.loads((demo_results.parent / "resources/demo/synthetic_loci/truth.json").read_text())
    return pd.Series({k: v["rna"] for k, v in truth["payloads"].items()}, name="truth")


def test_cage_head_recovers_the_planted_rna_signal(demo_results, sl):
    rna = pd.read_csv(sl / "metrics" / "rna_correlation.tsv", sep="\t")
    held = rna[rna["what"] == "heldout_vs_observed"].set_index("track")["pearson"]
    # held-out contig chr19: the head on the frozen trunk reproduces the planted CAGE profile of each
    # track (median over regions of the per-region r across 16 bins; chance ~0)
    assert len(held) == 5 and (held > HELDOUT_R).all(), held
    per = pd.read_csv(sl / "metrics" / "payload_rna.tsv", sep="\t").set_index("name")
    t = _rna_truth(demo_results).reindex(per.index)
    r = np.corrcoef(per["rna"], t)[0, 1]
    # planted RNA of a payload = sum of its DHSs' CAGE motif weights; chance level from 2,000 label
    # permutations (99th percentile of r)
    rng = np.random.default_rng(0)
    null = [np.corrcoef(rng.permutation(per["rna"].to_numpy()), t)[0, 1] for _ in range(2000)]
    assert r > max(np.quantile(null, 0.99), PAYLOAD_RNA_R), (r, np.quantile(null, 0.99))


def test_retained_rows_per_track_class(sl):
    t = pd.read_csv(sl / "retained" / "SH64_64.tsv", sep="\t")
    rc = t[t["level"] == "region_class"]
    regions = t.loc[t["level"] == "region", "region"].nunique()
    assert set(rc["description"]) == {"DNASE"} and len(rc) == regions
    s = pd.read_csv(sl / "metrics" / "retained_summary.tsv", sep="\t")
    assert set(s["level"]) == {"track", "class", "all"}
    cls = s[(s["level"] == "class") & (s["head"] == "SH64_64")].iloc[0]
    assert np.isfinite(cls["median_r_obs_original"]) and cls["n_tracks"] == 2


def test_streamed_predictions_equal_an_in_memory_reference(demo_results, sl):
    """run_predict streams (chunks of windows, one payload written at a time, uint8 sequences); here
    the first 3 payloads are recomputed the plain way (every window one-hot at once, one engine call)
    and must give the same per-window peak sums and per-DHS peaks as the rule's tables."""
    import torch
    import yaml

    from regbench.genome.onehot import one_hot
    from regbench.predict.engine import predict
    from regbench.predict.enformer import EnformerHead, load_enformer, read_targets, track_index
    from regbench.studies.synthetic_loci.predict import dhs_bin_mask, dhs_peaks
    from regbench.studies.synthetic_loci.payloads import read_dataset

    torch.set_num_threads(1)
    cfg = yaml.safe_load((demo_results.parent / "config" / "config.yaml").read_text())
    c, enf = cfg["synthetic_loci"], cfg["enformer"]
    ds, seqs, dhs, win = read_dataset(sl / "dataset")
    names = list(ds["name"])[:3]
    w = win[(win["set"] == "predict") & win["name"].isin(names)].reset_index(drop=True)
    targets = read_targets(demo_results.parent / enf["targets_mouse"])
    tidx = [track_index(targets, d) for d in c["tracks"].values()]
    model = EnformerHead(load_enformer(demo_results.parent / enf["weights"], use_tf_gamma=False, target_length=-1), "mouse")
    x = one_hot([seqs[n][o : o + c["window"]] for n, o in zip(w["name"], w["offset"])], n_value=c["n_value"])
    p = predict(model, x, batch_size=c["predict_batch_size"], shifts=tuple(range(c["shifts"])), precision="fp32", progress=False)[:, :, tidx]
    rule_w = pd.read_csv(sl / "predictions" / "enformer" / "windows.tsv", sep="\t").set_index(["name", "window"])
    rule_p = pd.read_csv(sl / "predictions" / "enformer" / "peaks.tsv", sep="\t").set_index(["name", "window", "label", "track"])
    for k, r in w.iterrows():
        d = dhs[dhs["name"] == r["name"]].reset_index(drop=True)
        pk = dhs_peaks(p[k], dhs_bin_mask(d, int(r["offset"]), c["window"] // 128))
        for t, key in enumerate(c["tracks"]):
            assert rule_w.loc[(r["name"], r["window"]), f"peaksum_{key}"] == pytest.approx(np.nansum(pk[:, t]), rel=1e-5, abs=1e-6)
            assert rule_w.loc[(r["name"], r["window"]), f"binsum_{key}"] == pytest.approx(p[k, :, t].sum(dtype=np.float64), rel=1e-5, abs=1e-5)
            for j, lab in enumerate(d["label"]):
                assert rule_p.loc[(r["name"], r["window"], lab, key), "peak"] == pytest.approx(pk[j, t], rel=1e-5, abs=1e-6)
