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

from tests.integration.conftest import assert_figure_drawn, read_table

pytestmark = pytest.mark.slow


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
    assert r["inversion"] < 0.5 and r["rearrangement"] < 0.5, r
    mse = {c: a.loc[("baseline", "cv", c), "mse"] for c in ["deletion", "combination", "rearrangement"]}
    assert mse["rearrangement"] > 2 * max(mse["deletion"], mse["combination"]), mse


def test_finetuning_lowers_heldout_error_for_rearrangements(sl):
    a = _act(sl)
    heads = [m for m, p, c in a.index if m != "baseline" and p == "cv"]
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
    for p in ["activity_scatter", "class_correlation", "dhs_accessibility", "error_before_after", "error_per_fold", "retained_performance"]:
        assert_figure_drawn(demo_results / "figures" / "synthetic_loci" / f"{p}.png")
    read_table(sl / "metrics" / "activity_correlation.tsv", ["model", "protocol", "class", "n", "pearson", "mse"],
               min_rows=5, finite=["n", "mse"])
    bg = sorted((sl / "tracks" / "baseline").glob("*.bedGraph"))
    assert len(bg) >= 2 * 40
    wt = (sl / "tracks" / "baseline" / "Sox2LCR_WT.escj7.bedGraph").read_text().splitlines()[1:]
    ends = [int(l.split("\t")[2]) for l in wt]
    assert max(ends) <= 2000 and min(int(l.split("\t")[1]) for l in wt) >= 0
