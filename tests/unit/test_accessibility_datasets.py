"""Dataset builders: Basset merge, peak windows, thresholds, binary labels, storage, online binning."""

import gzip

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from regbench.studies.accessibility import datasets as D
from regbench.studies.accessibility.experiments import expand_experiments, model_slug


def test_merge_peak_windows_basset_rule():
    mids = pd.DataFrame({"chrom": ["c1", "c1", "c1"], "mid": [1000, 1300, 5000], "cells": [frozenset([0]), frozenset([1]), frozenset([0])]})
    # windows of 1000: [500,1500) and [800,1800) overlap by 700 >= 200 -> merged at mean 1150
    out = D.merge_peak_windows(mids, 1000, 200, {"c1": 10000})
    assert out[["start", "end"]].values.tolist() == [[650, 1650], [4500, 5500]]
    assert out["cells"].iloc[0] == frozenset([0, 1])
    # overlap 700 < 800 -> not merged
    assert len(D.merge_peak_windows(mids, 1000, 800, {"c1": 10000})) == 3


@pytest.fixture
def world(tmp_path):
    rng = np.random.default_rng(0)
    sizes = {"chr1": 4000, "chr8": 2000, "chr9": 2000}
    fa = tmp_path / "g.fa"
    with open(fa, "w") as fh:
        for c, n in sizes.items():
            fh.write(f">{c}\n{''.join(rng.choice(list('ACGT'), n))}\n")
    bws, peaks = [], []
    for k in range(2):
        p = tmp_path / f"c{k}.bw"
        bw = pyBigWig.open(str(p), "w")
        bw.addHeader(list(sizes.items()))
        for c, n in sizes.items():
            v = np.full(n, 0.5)
            if c == "chr1":
                v[2100:2200] = 5.0 + k  # one peak in the second chr1 window
            bw.addEntries(c, 0, values=v.tolist(), span=1, step=1)
        bw.close()
        bws.append(str(p))
        pk = tmp_path / f"c{k}.bed.gz"
        with gzip.open(pk, "wt") as fh:
            fh.write("chr1\t2100\t2200\tp\t0\t.\t5\t-1\t-1\t50\n")
            if k == 1:
                fh.write("chr8\t900\t1000\tp\t0\t.\t5\t-1\t-1\t50\n")
        peaks.append(str(pk))
    bl = tmp_path / "bl.bed"
    bl.write_text("chr1\t0\t10\n")
    return fa, bws, peaks, bl


def test_build_coverage_threshold_and_binning(world, tmp_path):
    fa, bws, peaks, bl = world
    out = tmp_path / "cov.h5"
    counts = D.build_dataset({"kind": "coverage", "length": 1000, "threshold": 2}, fa, bws, peaks, bl, ["a", "b"], out)
    # chr1 contig [10, 4000) -> 3 windows, only [2010, 3010) passes the threshold; test keeps all
    assert counts == {"train": 1, "valid": 0, "test": 2}
    tr = D.load_split(out, "train", bin_size=100)
    assert tr["coords"].iloc[0].tolist() == ["chr1", 2010, 3010]
    assert tr["y"].shape == (1, 10, 2) and tr["y"][0, 0, 1] == pytest.approx((90 * 0.5 + 10 * 6.0) / 100)
    assert tr["x"].shape == (1, 1000, 4) and np.allclose(tr["x"].sum(-1), 1)
    te = D.load_split(out, "test", crop=500)
    assert te["x"].shape == (2, 500, 4) and te["coords"]["start"].tolist() == [250, 1250]


def test_build_binary_labels(world, tmp_path):
    fa, bws, peaks, bl = world
    out = tmp_path / "bin.h5"
    counts = D.build_dataset({"kind": "binary", "length": 1000, "merge_overlap": 500}, fa, bws, peaks, bl, ["a", "b"], out)
    assert counts == {"train": 1, "valid": 0, "test": 1}
    assert D.load_split(out, "train")["labels"].tolist() == [[1, 1]]
    assert D.load_split(out, "test")["labels"].tolist() == [[0, 1]]


def test_grid_expansion_and_slugs():
    cfg = {
        "architectures": {"b": {"model": "basenji_v2"}, "bs": {"model": "basset", "binary": True}},
        "experiments": {"e": [{"arch": "b", "dataset": "d", "loss": ["poisson", "mse"], "bin": [32, 128]}, {"arch": "bs", "dataset": "bd", "bin": [1, 2]}]},
    }
    models = expand_experiments(cfg)["e"]
    assert len(models) == 5  # 4 quantitative + binary (bin collapsed)
    assert "b-d-mse-b128-rc_shift-s0" in models and "bs-bd-bce-bna-none-s0" in models
    assert model_slug(models["b-d-mse-b128-rc_shift-s0"]) == "b-d-mse-b128-rc_shift-s0"


def test_replicate_ceiling_on_a_subset_of_cells(tmp_path):
    """Single-replicate experiments (GM21381, HG03575) have no rep2: the ceiling compares only the
    named cells' rep1 columns with their rep2 bigWigs; values equal scipy's Pearson."""
    from scipy.stats import pearsonr

    from regbench.genome.tracks import write_bigwig_arrays
    from regbench.studies.accessibility.evaluate import replicate_ceiling

    rng = np.random.default_rng(3)
    sizes = {"chr8": 2000}
    fa = tmp_path / "g.fa"
    fa.write_text(">chr8\n" + "".join(rng.choice(list("ACGT"), 2000)) + "\n")
    rep1 = {c: rng.gamma(1.0, 1.0, 2000).round(3) for c in ("a", "b")}
    rep2_b = (rep1["b"] + rng.normal(0, 0.5, 2000)).clip(0).round(3)
    paths = {}
    for name, v in (("a1", rep1["a"]), ("b1", rep1["b"]), ("b2", rep2_b)):
        paths[name] = str(tmp_path / f"{name}.bw")
        write_bigwig_arrays(paths[name], sizes, {"chr8": v})
    bl = tmp_path / "bl.bed"
    bl.write_text("chr8\t0\t0\n")
    whole = tmp_path / "whole.h5"
    D.build_dataset({"kind": "coverage", "length": 1000, "test_only": True}, fa, [paths["a1"], paths["b1"]], [], bl,
                    ["a", "b"], whole)
    out = tmp_path / "ceiling.tsv"
    df = replicate_ceiling(whole, [paths["b2"]], [1, 100], out, cells=["b"])
    got = df.set_index(["bin", "cell"])["value"]
    assert set(df["cell"]) == {"b", "mean"}  # per cell + the mean over cells
    assert got[(1, "b")] == pytest.approx(pearsonr(rep1["b"], rep2_b)[0], abs=1e-4)
    binned = lambda v: v.reshape(-1, 100).mean(1)  # noqa: E731
    assert got[(100, "b")] == pytest.approx(pearsonr(binned(rep1["b"]), binned(rep2_b))[0], abs=1e-4)
    with pytest.raises(ValueError, match="one per rep2"):
        replicate_ceiling(whole, [paths["b2"]], [1], out, cells=["a", "b"])
