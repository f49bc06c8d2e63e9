"""Streamed gene statistics and drivers (issue 15) give the numbers of the whole-table computation.

The reference below is the pre-streaming algorithm (every chunk's dosage matrix concatenated,
per-gene string masks, one predictions table), kept here as an independent computation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import memory_personal as mp  # noqa: E402

from regbench.studies.personal.drivers import backward_drivers, forward_drivers, run_driver_analysis  # noqa: E402
from regbench.studies.personal.genes import read_expression  # noqa: E402
from regbench.studies.personal.genotypes import DosageChunk, load_dosages  # noqa: E402
from regbench.studies.personal.significance import build_gene_stats, gene_null, per_gene_correlations  # noqa: E402


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setattr(mp, "GENES", 4)
    monkeypatch_module.setattr(mp, "SNVS", 60)
    monkeypatch_module.setattr(mp, "SAMPLES", 80)
    root = tmp_path_factory.mktemp("stream")
    p = mp.write_inputs(root, 3, seed=5)
    genes = pd.read_csv(p["genes"], sep="\t")
    genes["example"] = ""
    genes.loc[5, "example"] = "positive"  # a named example gene: its individual rows and genotypes come out
    genes.to_csv(p["genes"], sep="\t", index=False)
    return root, p


@pytest.fixture(scope="module")
def monkeypatch_module():
    mpatch = pytest.MonkeyPatch()
    yield mpatch
    mpatch.undo()


def reference_gene_stats(p, cfg):
    """Old algorithm: concatenate everything, string masks, sorted genes, one random stream."""
    dos = load_dosages(p["genotypes"])
    preds = pd.concat([pd.read_csv(x, sep="\t") for x in p["predictions"]], ignore_index=True)
    expr = read_expression(p["expression"])
    cols = [c for c in preds.columns if c.startswith("cage") or c.startswith("finetuned")]
    st = per_gene_correlations(preds, expr, cols).rename(columns={"r_cage": "r"})
    samples = list(dos["samples"])
    rs = np.random.RandomState(cfg["null_model"]["seed"])
    rows = []
    for g in sorted(st["gene_id"]):
        common = sorted(set(samples) & set(expr.columns))
        m = dos["gene"] == g
        d = dos["dosage"][m][:, [samples.index(s) for s in common]].astype(np.float64)
        rows.append((g, int(m.sum()), *gene_null(d, expr.loc[g, common].to_numpy(np.float64), rs,
                                                 cfg["null_model"]["n_draws"])))
    nd = pd.DataFrame(rows, columns=["gene_id", "n_snv", "null_mean", "null_std", "n_null"])
    return st.merge(nd, on="gene_id")


def test_streamed_gene_stats_equal_whole_table(inputs):
    root, p = inputs
    out = build_gene_stats(p["genes"], p["predictions"], p["genotypes"], p["expression"], p["predixcan"],
                           root / "stats.tsv", root / "ind.tsv", root / "sig.tsv", root / "px.tsv", mp.CFG,
                           out_example_genotypes=root / "eg.tsv")
    ref = reference_gene_stats(p, mp.CFG)
    assert len(out) == len(ref) == 12
    m = out.merge(ref, on="gene_id", suffixes=("", "_ref"))
    for c in ("r", "r_finetuned", "r_cage_raw_sum", "n_snv", "null_mean", "null_std", "mean_pred", "std_pred"):
        np.testing.assert_allclose(m[c].to_numpy(float), m[f"{c}_ref"].to_numpy(float), rtol=0, atol=1e-12, err_msg=c)
    # the examples (most significant gene of each sign) and their genotypes come out too
    ind = pd.read_csv(root / "ind.tsv", sep="\t")
    eg = pd.read_csv(root / "eg.tsv", sep="\t")
    assert set(ind["gene_id"]) == set(eg["gene_id"]) >= {"ENSG00000000005"} and len(ind) > 0
    assert list(ind.loc[ind["gene_id"] == "ENSG00000000005", "role"].unique()) == ["positive"]
    assert len(eg[eg["gene_id"] == "ENSG00000000005"]) == mp.SNVS
    dc = DosageChunk(p["genotypes"][0])
    assert dc.gene_ids == list(pd.read_csv(p["genes"], sep="\t").query("chunk == 0")["gene_id"])


def test_chunks_out_of_gene_order_are_refused(inputs):
    root, p = inputs
    with pytest.raises(ValueError, match="gene-id order"):
        build_gene_stats(p["genes"], p["predictions"][::-1], p["genotypes"][::-1], p["expression"], p["predixcan"],
                         root / "s2.tsv", root / "i2.tsv", root / "g2.tsv", root / "p2.tsv", mp.CFG)


def test_streamed_drivers_equal_whole_table(inputs):
    root, p = inputs
    st = pd.read_csv(p["genes"], sep="\t")[["gene_id", "tss", "strand"]]
    st["r"], st["xai"] = 0.5, True
    st.to_csv(root / "dstats.tsv", sep="\t", index=False)
    run_driver_analysis(root / "dstats.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                        root / "snvs.tsv", root / "drv.tsv", root / "bw.tsv", root / "sup.tsv", root / "sum.tsv", mp.CFG)
    drv = pd.read_csv(root / "drv.tsv", sep="\t")
    dos = load_dosages(p["genotypes"])
    preds = pd.concat([pd.read_csv(x, sep="\t") for x in p["predictions"]], ignore_index=True)
    ism = pd.concat([pd.read_csv(x, sep="\t") for x in p["ism"]], ignore_index=True)
    samples = list(dos["samples"])
    n_fw = n_bw = 0
    for gene, gi in ism.groupby("gene_id"):
        m = dos["gene"] == gene
        key = pd.Series(np.flatnonzero(m), index=dos["pos"][m])
        d = dos["dosage"][key.reindex(gi["pos"]).to_numpy()].astype(float)
        y = preds[preds["gene_id"] == gene].set_index("sample").loc[samples, "cage"].to_numpy(float)
        fw = forward_drivers(gi["ism"].to_numpy(float), d, y, 0.05, 0.01)
        n_fw += len(fw)
        n_bw += len(backward_drivers(gi["ism"].to_numpy(float), d, y, 0.01))
        got = drv[drv["gene_id"] == gene].sort_values("pos")
        exp = gi.iloc[fw["snv"]].assign(gain=fw["gain"].to_numpy()).sort_values("pos")
        assert list(got["pos"]) == list(exp["pos"])
        np.testing.assert_allclose(got["gain"], exp["gain"], rtol=1e-5)
    assert n_fw == len(drv) > 0
    assert n_bw == len(pd.read_csv(root / "bw.tsv", sep="\t"))
    snvs = pd.read_csv(root / "snvs.tsv", sep="\t")
    assert len(snvs) == len(ism) and snvs["driver"].sum() == len(drv)
