"""Streamed gene statistics and drivers (issue 15) give the numbers of the whole-table computation.

The reference below is the pre-streaming algorithm (every chunk's dosage matrix concatenated,
per-gene string masks, one predictions table), kept here as an independent computation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import memory_personal as mp  # noqa: E402

from regbench.studies.personal.drivers import backward_drivers, forward_drivers, run_driver_analysis  # noqa: E402
from regbench.studies.personal.genes import read_expression  # noqa: E402
from regbench.studies.personal.genotypes import DosageChunk, load_dosages  # noqa: E402
from regbench.studies.personal.significance import build_gene_stats, gene_null  # noqa: E402


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
    rows = []
    for g, d in preds.groupby("gene_id"):  # per-gene R by scipy, over the samples in common
        d = d.set_index("sample")
        common = sorted(set(d.index) & set(expr.columns))
        row = {"gene_id": g, "mean_pred": d.loc[common, "cage"].mean(), "std_pred": d.loc[common, "cage"].std(ddof=0)}
        for c in cols:
            row["r" if c == "cage" else f"r_{c}"] = stats.pearsonr(d.loc[common, c], expr.loc[g, common])[0]
        rows.append(row)
    st = pd.DataFrame(rows)
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


# --- from the mutation run (docs/mutation.md): every output of run_driver_analysis by hand ---


def _driver_inputs(root, p):
    """The streamed inputs with: per-gene R, XAI flag and strand varied over the 6 ISM genes; 4
    samples missing from chunk 0's predictions and 7 from the expression table; one ISM gene
    without gradients (NaN)."""
    ism_all = pd.concat([pd.read_csv(x, sep="\t") for x in p["ism"]], ignore_index=True)
    ism_genes = sorted(ism_all["gene_id"].unique())
    assert len(ism_genes) == 6
    st = pd.read_csv(p["genes"], sep="\t")[["gene_id", "tss", "strand"]]
    st["r"], st["xai"] = 0.9, True  # genes without ISM: never in the driver tables
    spec = {g: v for g, v in zip(ism_genes, [(0.5, True, "+"), (-0.5, True, "-"), (0.1, True, "+"),
                                             (0.5, False, "-"), (-0.2, True, "+"), (0.35, True, "-")])}
    for g, (r, xai, strand) in spec.items():
        st.loc[st["gene_id"] == g, ["r", "xai", "strand"]] = [r, xai, strand]
    st.to_csv(root / "dstats_hand.tsv", sep="\t", index=False)
    samples = list(pd.read_csv(p["expression"], sep="\t", nrows=0).columns[1:])
    expr = pd.read_csv(p["expression"], sep="\t")
    expr.drop(columns=samples[-7:]).to_csv(root / "expr_hand.tsv", sep="\t", index=False)
    preds = [root / f"pred_hand_{i}.tsv" for i in range(len(p["predictions"]))]
    for i, (src, dst) in enumerate(zip(p["predictions"], preds)):
        d = pd.read_csv(src, sep="\t")
        if i == 0:
            d = d[~d["sample"].isin(samples[3:7])]
        d.to_csv(dst, sep="\t", index=False)
    isms = [root / f"ism_hand_{i}.tsv" for i in range(len(p["ism"]))]
    for src, dst in zip(p["ism"], isms):
        d = pd.read_csv(src, sep="\t")
        d.loc[d["gene_id"] == ism_genes[2], "grad"] = np.nan
        d.to_csv(dst, sep="\t", index=False)
    return st, root / "expr_hand.tsv", preds, isms


def test_driver_analysis_tables_by_hand(inputs):
    from scipy import stats

    from regbench.studies.personal.drivers import SNV_COLUMNS

    root, p = inputs
    st, expr_path, pred_paths, ism_paths = _driver_inputs(root, p)
    outs = [root / f"hand_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    ret = run_driver_analysis(root / "dstats_hand.tsv", ism_paths, p["genotypes"], pred_paths, expr_path,
                              *outs, mp.CFG)
    snvs, drv, bw, sup, summ = (pd.read_csv(o, sep="\t") for o in outs)

    dos = load_dosages(p["genotypes"])
    expr = pd.read_csv(expr_path, sep="\t").set_index("gene_id")
    preds = pd.concat([pd.read_csv(x, sep="\t") for x in pred_paths], ignore_index=True)
    ism = pd.concat([pd.read_csv(x, sep="\t") for x in ism_paths], ignore_index=True)
    sti = st.set_index("gene_id")
    samples = list(dos["samples"])
    fw_all, bw_all, approx = [], [], []
    for gene, gi in ism.groupby("gene_id", sort=True):
        rows = {int(x): k for k, x in enumerate(np.flatnonzero(dos["gene"] == gene))}
        sel = [int(np.flatnonzero((dos["gene"] == gene) & (dos["pos"] == q))[0]) for q in gi["pos"]]
        assert len(sel) == len(rows)
        pg = preds[preds["gene_id"] == gene].set_index("sample")["cage"]
        have = [s for s in samples if s in pg.index]
        d_pred = dos["dosage"][sel][:, [samples.index(s) for s in have]].astype(float)
        y = pg.loc[have].to_numpy(float)
        a = gi["ism"].to_numpy(float)
        fw = forward_drivers(a, d_pred, y, 0.05, 0.01)
        bwd = backward_drivers(a, d_pred, y, 0.01)
        ecols = [s for s in samples if s in expr.columns]
        d_obs = dos["dosage"][sel][:, [samples.index(s) for s in ecols]].astype(float)
        obs = expr.loc[gene, ecols].to_numpy(float)
        slope = np.array([np.polyfit(x, obs, 1)[0] for x in d_obs])
        er = np.array([stats.pearsonr(x, obs)[0] for x in d_obs])
        sign = -1 if sti.loc[gene, "strand"] == "-" else 1
        dist = (gi["pos"].to_numpy() - sti.loc[gene, "tss"]) * sign
        got = snvs[snvs["gene_id"] == gene].reset_index(drop=True)
        np.testing.assert_array_equal(got["pos"], gi["pos"])
        np.testing.assert_array_equal(got["distance_to_tss"], dist)
        np.testing.assert_allclose(got["ism_norm"], a / np.abs(a).max(), rtol=1e-5)
        np.testing.assert_allclose(got["eqtl_slope"], slope, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(got["eqtl_r"], er, rtol=1e-5, atol=1e-9)
        drv_mask = np.zeros(len(gi), bool)
        drv_mask[fw["snv"].to_numpy(int)] = True
        assert got["driver"].tolist() == drv_mask.tolist()
        gain = np.full(len(gi), np.nan)
        gain[fw["snv"].to_numpy(int)] = fw["gain"]
        np.testing.assert_allclose(got["gain"], gain, rtol=1e-5)
        main = np.zeros(len(gi), bool)
        main[fw.loc[fw["main"], "snv"].to_numpy(int)] = True
        assert got["main"].tolist() == main.tolist()
        bmask, bmain = np.zeros(len(gi), bool), np.zeros(len(gi), bool)
        bmask[bwd["snv"].to_numpy(int)] = True
        bmain[bwd.loc[bwd["step"] == 0, "snv"].to_numpy(int)] = True
        assert got["driver_backward"].tolist() == bmask.tolist() and got["main_backward"].tolist() == bmain.tolist()
        g = gi["grad"].to_numpy(float)
        r_grad = stats.pearsonr(d_pred.T @ g, y)[0] if np.isfinite(g).any() else np.nan
        approx.append(dict(gene_id=gene, linear_approx_r=stats.pearsonr(d_pred.T @ a, y)[0],
                           linear_approx_grad_r=r_grad, n_drivers_forward=len(fw), n_drivers_backward=len(bwd)))
        for r in fw.itertuples():
            fw_all.append(dict(gene_id=gene, pos=gi["pos"].iloc[r.snv], ism=a[r.snv], eqtl_slope=slope[r.snv],
                               gain=r.gain, main=bool(r.main), r_single=r.r_single, n_carriers=r.n_carriers,
                               pct_carriers=100.0 * r.n_carriers / len(have), distance_to_tss=dist[r.snv],
                               gene_r=sti.loc[gene, "r"], supported=bool(a[r.snv] * slope[r.snv] > 0)))
        for r in bwd.itertuples():
            bw_all.append(dict(gene_id=gene, pos=gi["pos"].iloc[r.snv], ism=a[r.snv], step=r.step, main=r.step == 0,
                               distance_to_tss=dist[r.snv], gene_r=sti.loc[gene, "r"]))
    assert list(snvs.columns) == SNV_COLUMNS and len(snvs) == len(ism)
    np.testing.assert_allclose(snvs["ism"], ism["ism"], rtol=1e-5)
    np.testing.assert_allclose(snvs["grad"], ism["grad"], rtol=1e-5)
    ap = pd.DataFrame(approx)
    ok = set(ap.loc[(ap["linear_approx_r"] > 0.2) & ap["gene_id"].map(sti["xai"]), "gene_id"])
    assert 3 <= len(ok) < 6  # the non-XAI gene is left out

    want_fw = pd.DataFrame(fw_all)
    assert len(want_fw) >= 4 and want_fw["supported"].any() and not want_fw["supported"].all()
    assert list(drv.columns) == ["gene_id", "pos", "ref", "alt", "ism", "eqtl_slope", "gain", "main", "r_single",
                                 "n_carriers", "pct_carriers", "distance_to_tss", "gene_r", "supported"]
    assert drv["ref"].eq("A").all() and drv["alt"].eq("G").all()
    for c in want_fw.columns:
        if c == "gene_id" or want_fw[c].dtype == bool:
            assert drv[c].tolist() == want_fw[c].tolist(), c
        else:
            np.testing.assert_allclose(drv[c].to_numpy(float), want_fw[c].to_numpy(float), rtol=1e-5, err_msg=c)

    want_bw = pd.DataFrame(bw_all)
    cut = 0.2
    want_bw["group"] = [("positive" if r > cut else "negative" if r < -cut else "none") if g in ok else "none"
                        for g, r in zip(want_bw["gene_id"], want_bw["gene_r"])]
    assert set(want_bw["group"]) == {"positive", "negative", "none"}
    assert list(bw.columns) == list(want_bw.columns)
    for c in want_bw.columns:
        if c in ("gene_id", "group", "main", "step", "pos", "distance_to_tss"):
            assert bw[c].tolist() == want_bw[c].tolist(), c
        else:
            np.testing.assert_allclose(bw[c].to_numpy(float), want_bw[c].to_numpy(float), rtol=1e-5, err_msg=c)

    # driver_support.tsv: every ISM gene; the support columns only for the XAI genes with r > 0.2
    assert list(sup.columns) == ["gene_id", "linear_approx_r", "linear_approx_grad_r", "n_drivers_forward",
                                 "n_drivers_backward", "xai", "gene_r", "n_drivers", "n_supported",
                                 "n_unsupported", "supported_fraction", "group"]
    assert sup["gene_id"].tolist() == ap["gene_id"].tolist()
    for c in ("linear_approx_r", "linear_approx_grad_r"):
        np.testing.assert_allclose(sup[c], ap[c], rtol=1e-5, err_msg=c)
    assert np.isnan(sup["linear_approx_grad_r"]).sum() == 1
    assert sup["n_drivers_forward"].tolist() == ap["n_drivers_forward"].tolist() == sup["n_drivers"].tolist()
    assert sup["n_drivers_backward"].tolist() == ap["n_drivers_backward"].tolist()
    assert sup["xai"].tolist() == [bool(sti.loc[g, "xai"]) for g in ap["gene_id"]]
    for gene, row in sup.set_index("gene_id").iterrows():
        f = want_fw[want_fw["gene_id"] == gene]
        if gene not in ok or f.empty:
            assert np.isnan(row["gene_r"]) and pd.isna(row["group"]) and np.isnan(row["n_supported"])
            continue
        sgn = np.sign(f["ism"]) * np.sign(f["eqtl_slope"])
        assert row["n_supported"] == (sgn > 0).sum() and row["n_unsupported"] == (sgn < 0).sum()
        assert row["supported_fraction"] == pytest.approx(f.loc[sgn > 0, "gain"].sum() / f.loc[sgn != 0, "gain"].sum())
        r = sti.loc[gene, "r"]
        assert row["gene_r"] == r and row["group"] == ("positive" if r > cut else "negative" if r < -cut else "none")
    assert ret["gene_id"].tolist() == sup["gene_id"].tolist()

    # summary.tsv: the support summary plus counts over the XAI genes
    s = dict(zip(summ["metric"], summ["value"]))
    xai_ap = ap[ap["gene_id"].map(sti["xai"])]
    nd = xai_ap["n_drivers_forward"]
    has = nd[nd > 0]
    fx = want_fw[want_fw["gene_id"].map(sti["xai"])]
    sg = sup.dropna(subset=["group"])
    pos = sg.loc[sg["group"] == "positive", "supported_fraction"].dropna()
    neg = sg.loc[sg["group"] == "negative", "supported_fraction"].dropna()
    assert len(pos) and len(neg)
    want_s = {
        "n_positive": len(pos), "n_negative": len(neg), "mean_supported_positive": pos.mean(),
        "mean_supported_negative": neg.mean(), "mannwhitney_p": stats.mannwhitneyu(pos, neg).pvalue,
        "n_xai_genes": 5, "n_linear_approx_above_0.2": len(ok),
        "median_linear_approx_r": xai_ap["linear_approx_r"].median(), "n_forward_drivers": len(fx),
        "n_genes_with_drivers": len(has), "frac_genes_one_driver": (has == 1).mean(),
        "frac_genes_le5_drivers": (has <= 5).mean(),
        "n_backward_drivers": int(want_bw["gene_id"].map(sti["xai"]).sum()),
        "frac_supported_drivers": fx["supported"].mean(),
    }
    assert list(s) == ["n_positive", "n_negative", "mean_supported_positive", "mean_supported_negative",
                       "mannwhitney_p", "prediction_column", *list(want_s)[5:]]
    assert s.pop("prediction_column") == "cage"
    for k, v in want_s.items():
        assert float(s[k]) == pytest.approx(v, rel=1e-5), k  # the fractions above come from 6-digit tables


def test_driver_analysis_defaults_and_prediction_scale(inputs):
    root, p = inputs
    _driver_inputs(root, p)
    args = (root / "dstats_hand.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"])

    def run(tag, cfg):
        outs = [root / f"{tag}_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
        run_driver_analysis(*args, *outs, cfg)
        return [o.read_text() for o in outs]

    explicit = run("explicit", mp.CFG)
    assert run("defaults", {}) == explicit  # gain_min 0.05, alpha 0.01, abs_r_min 0.2, readout scale
    raw = run("raw", {**mp.CFG, "drivers": {**mp.CFG["drivers"], "prediction_scale": "raw_sum"}})
    assert "prediction_column\tcage_raw_sum" in raw[4] and "prediction_column\tcage\n" in explicit[4]
    # raw_sum: the drivers are selected against exp(cage / 4), the generated raw column
    drv = pd.read_csv(root / "raw_drv.tsv", sep="\t")
    dos = load_dosages(p["genotypes"])
    preds = pd.concat([pd.read_csv(x, sep="\t") for x in p["predictions"]], ignore_index=True)
    ism = pd.concat([pd.read_csv(x, sep="\t") for x in p["ism"]], ignore_index=True)
    gains = []
    for gene, gi in ism.groupby("gene_id"):
        sel = [int(np.flatnonzero((dos["gene"] == gene) & (dos["pos"] == q))[0]) for q in gi["pos"]]
        y = preds[preds["gene_id"] == gene].set_index("sample").loc[list(dos["samples"]), "cage_raw_sum"]
        gains += forward_drivers(gi["ism"].to_numpy(float), dos["dosage"][sel].astype(float), y.to_numpy(float))[
            "gain"].tolist()
    np.testing.assert_allclose(drv["gain"], gains, rtol=1e-5)
    with pytest.raises(ValueError, match=r"^drivers\.prediction_scale must be one of \('readout', 'raw_sum'\), got 'log'$"):
        run("bad", {"drivers": {"prediction_scale": "log"}})


def test_driver_analysis_input_errors_and_empty_ism_chunk(inputs):
    root, p = inputs
    _driver_inputs(root, p)
    outs = [root / f"err_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    st = root / "dstats_hand.tsv"
    with pytest.raises(ValueError, match="^3 ISM tables for 2 genotype chunks$"):
        run_driver_analysis(st, p["ism"], p["genotypes"][:2], p["predictions"][:2], p["expression"], *outs, mp.CFG)
    # chunk 1's ISM table listed against chunk 0's genotypes: its genes are not in that chunk
    with pytest.raises(ValueError, match=r"^/.*/genotypes_0000.npz: gene ENSG00000000004 has ISM values but no genotypes$"):
        run_driver_analysis(st, p["ism"][1:2], p["genotypes"][:1], p["predictions"][:1], p["expression"], *outs, mp.CFG)
    moved = pd.read_csv(p["ism"][0], sep="\t")
    moved.loc[3, "pos"] += 1  # not a genotyped position
    moved.to_csv(root / "ism_moved.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"^ENSG00000000000: ISM positions missing from the genotype table /.*/genotypes_0000.npz$"):
        run_driver_analysis(st, [root / "ism_moved.tsv"], p["genotypes"][:1], p["predictions"][:1], p["expression"],
                            *outs, mp.CFG)
    assert not any(o.exists() for o in outs)  # no partial output
    # an empty ISM table (no ISM gene in that chunk) is skipped
    pd.read_csv(p["ism"][0], sep="\t").iloc[:0].to_csv(root / "ism_empty.tsv", sep="\t", index=False)
    run_driver_analysis(st, [root / "ism_empty.tsv", p["ism"][1]], p["genotypes"][:2], p["predictions"][:2],
                        p["expression"], *outs, mp.CFG)
    snvs = pd.read_csv(outs[0], sep="\t")
    assert set(snvs["gene_id"]) == set(pd.read_csv(p["ism"][1], sep="\t")["gene_id"])


def test_driver_analysis_reads_its_thresholds_from_the_config(inputs):
    # thresholds away from the defaults: drivers.gain_min 0, drivers.alpha 0.5, xai.abs_r_min 0.4
    root, p = inputs
    _driver_inputs(root, p)  # dstats_hand.tsv: gene R 0.5, -0.5, 0.1, 0.5, -0.2, 0.35
    cfg = {"drivers": {"gain_min": 0.0, "alpha": 0.5}, "xai": {"abs_r_min": 0.4}}
    outs = [root / f"thr_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    run_driver_analysis(root / "dstats_hand.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                        *outs, cfg)
    drv, bw, sup = (pd.read_csv(o, sep="\t") for o in outs[1:4])
    dos = load_dosages(p["genotypes"])
    preds = pd.concat([pd.read_csv(x, sep="\t") for x in p["predictions"]], ignore_index=True)
    ism = pd.concat([pd.read_csv(x, sep="\t") for x in p["ism"]], ignore_index=True)
    samples = list(dos["samples"])
    run_driver_analysis(root / "dstats_hand.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                        *[root / f"thr0_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")],
                        {"drivers": {"gain_min": 0.0}})  # alpha left at its default, 0.01
    n_alpha_default = len(pd.read_csv(root / "thr0_drv.tsv", sep="\t"))
    n_default = n_fw = n_fw_001 = n_fw_101 = 0
    for gene, gi in ism.groupby("gene_id"):
        m = dos["gene"] == gene
        key = pd.Series(np.flatnonzero(m), index=dos["pos"][m])
        d = dos["dosage"][key.reindex(gi["pos"]).to_numpy()].astype(float)
        y = preds[preds["gene_id"] == gene].set_index("sample").loc[samples, "cage"].to_numpy(float)
        a = gi["ism"].to_numpy(float)
        fw = forward_drivers(a, d, y, 0.0, 0.5)
        n_fw += len(fw)
        n_default += len(forward_drivers(a, d, y))
        n_fw_001 += len(forward_drivers(a, d, y, 0.0, 0.01))
        n_fw_101 += len(forward_drivers(a, d, y, 0.0, 1.01))
        got = drv[drv["gene_id"] == gene].sort_values("pos")
        exp = gi.iloc[fw["snv"]].assign(gain=fw["gain"].to_numpy()).sort_values("pos")
        assert list(got["pos"]) == list(exp["pos"])
        np.testing.assert_allclose(got["gain"], exp["gain"], rtol=1e-5)
        assert (bw["gene_id"] == gene).sum() == len(backward_drivers(a, d, y, 0.5))
    assert n_fw == len(drv) and n_fw != n_default
    assert n_alpha_default == n_fw_001 != n_fw_101
    grouped = sup.dropna(subset=["group"])
    want = np.where(grouped["gene_r"] > 0.4, "positive", np.where(grouped["gene_r"] < -0.4, "negative", "none"))
    assert grouped["group"].tolist() == want.tolist()
    assert ((grouped["gene_r"].abs() > 0.2) & (grouped["gene_r"].abs() <= 0.4)).any()  # cut 0.4, not 0.2
    bg = bw[bw["group"] != "none"]
    assert len(bg) and (bg["gene_r"].abs() > 0.4).all()


def test_driver_analysis_file_layout_and_no_forward_driver(inputs):
    # drivers.gain_min 10 (a gain is at most ~1): no forward driver anywhere; the tables are
    # still written with their headers, and snvs.tsv has one field per column, floats as %.6g
    from regbench.studies.personal.drivers import SNV_COLUMNS

    root, p = inputs
    _driver_inputs(root, p)
    outs = [root / f"none_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    run_driver_analysis(root / "dstats_hand.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                        *outs, {"drivers": {"gain_min": 10.0, "alpha": 1e-300}})  # alpha: no backward driver
    drv = pd.read_csv(outs[1], sep="\t")
    bw, sup = pd.read_csv(outs[2], sep="\t"), pd.read_csv(outs[3], sep="\t")
    assert bw.empty and list(bw.columns) == ["gene_id", "pos", "ism", "step", "main", "distance_to_tss", "gene_r",
                                              "group"]
    assert list(sup.columns) == ["gene_id", "linear_approx_r", "linear_approx_grad_r", "n_drivers_forward",
                                 "n_drivers_backward", "xai", "gene_r", "n_drivers", "n_supported",
                                 "n_unsupported", "supported_fraction", "group"]
    assert len(sup) == 6 and (sup["n_drivers"] == 0).all() and sup["group"].isna().all()
    assert drv.empty and list(drv.columns) == ["gene_id", "pos", "ref", "alt", "ism", "eqtl_slope", "gain", "main",
                                                "r_single", "n_carriers", "pct_carriers", "distance_to_tss",
                                                "gene_r", "supported"]
    assert "n_forward_drivers\t0\n" in outs[4].read_text()
    lines = outs[0].read_text().splitlines()
    assert lines[0].split("\t") == SNV_COLUMNS
    ism = pd.concat([pd.read_csv(x, sep="\t") for x in p["ism"]], ignore_index=True)
    assert len(lines) == 1 + len(ism)
    floats = [SNV_COLUMNS.index(c) for c in ("ref_pred", "ism", "ism_norm", "eqtl_slope", "eqtl_r")]
    for line in lines[1:]:
        f = line.split("\t")
        assert len(f) == len(SNV_COLUMNS)  # no index column
        for k in floats:
            assert f[k] == "" or f[k] == "%.6g" % float(f[k]), (SNV_COLUMNS[k], f[k])


# --- hand-built genes for the boundaries of run_driver_analysis (docs/mutation.md, the 30 open) ---

_GA, _GB, _GC, _GD = (f"ENSG0000000000{k}" for k in (1, 2, 3, 4))


def _edge_inputs(root, xai=True):
    """One chunk, 200 samples, four genes built so that every value below is known by hand.

    GA: 5 SNVs of near-equal ISM, predictions = the exact linear approximation (5 forward drivers,
    linear_approx_r = 1), stats r exactly 0.2 (= the abs_r_min cut), constant observed expression
    (every eQTL slope exactly 0). GB: the same with 6 SNVs, ISM ~1e-5 (written in exponent
    form), no gradients (NaN), stats r 0.5. GC: 3 SNVs whose ISM values are all 0. GD: 1 SNV whose
    linear approximation correlates exactly 0.2 (centred dosage (1, -1, 0, ...), centred
    predictions (1, -1, 4, -4, 2, -2, 2, -2, 0, ...): 2 / sqrt(2 * 50) = 0.2 in floating point;
    one forward driver: the p of r = 0.2 over 200 samples is 0.0045 < alpha).
    The ISM table lists the genes out of order (GB, GD, GA, GC) with its columns in another order
    than snvs.tsv."""
    rng = np.random.default_rng(11)
    n = 200
    samples = [f"S{i:03d}" for i in range(n)]
    dos = {_GA: rng.binomial(2, 0.3, (5, n)), _GB: rng.binomial(2, 0.3, (6, n)), _GC: rng.binomial(2, 0.3, (3, n)),
           _GD: np.ones((1, n), int)}
    dos[_GD][0, :2] = (2, 0)
    ism = {_GA: np.array([1.0, 0.99, 0.98, 0.97, 0.96]), _GB: np.array([1.05, 1.04, 1.03, 1.02, 1.01, 1.0]) * 1e-5,
           _GC: np.zeros(3), _GD: np.array([1.0])}
    pred = {g: dos[g].T @ ism[g] for g in (_GA, _GB)}
    pred[_GC] = rng.normal(0, 1, n)
    pred[_GD] = np.full(n, 10.0)
    pred[_GD][:8] += (1, -1, 4, -4, 2, -2, 2, -2)
    tss = {_GA: 10_000, _GB: 50_000, _GC: 90_000, _GD: 130_000}
    pos = {g: tss[g] - 500 + 100 * np.arange(len(ism[g])) for g in dos}
    genes = [_GA, _GB, _GC, _GD]
    np.savez(root / "edge_geno.npz", gene=np.repeat(genes, [len(ism[g]) for g in genes]),
             pos=np.concatenate([pos[g] for g in genes]).astype(np.int64),
             ref=np.full(15, "A"), alt=np.full(15, "G"),
             dosage=np.concatenate([dos[g] for g in genes]).astype(np.int8), samples=np.array(samples),
             gene_ids=np.array(genes), offsets=np.array([0, 5, 11, 14, 15], np.int64))
    pd.concat([pd.DataFrame({"gene_id": g, "sample": samples, "cage": pred[g]}) for g in genes]).to_csv(
        root / "edge_pred.tsv", sep="\t", index=False)
    expr = pd.DataFrame(rng.normal(5, 1, (4, n)), columns=samples)
    expr.loc[0] = 5.0  # GA: constant observed expression
    expr.insert(0, "gene_id", genes)
    expr.to_csv(root / "edge_expr.tsv", sep="\t", index=False)
    rows = []
    for g in (_GB, _GD, _GA, _GC):
        grad = np.full(len(ism[g]), np.nan) if g == _GB else ism[g] * 2
        rows.append(pd.DataFrame({"gene_id": g, "pos": pos[g], "ref": "A", "alt": "G", "ism": ism[g], "grad": grad,
                                  "frequency": (dos[g] > 0).mean(axis=1), "offset": 0, "ref_pred": 3.5}))
    ism_df = pd.concat(rows, ignore_index=True)
    ism_df.to_csv(root / "edge_ism.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": genes, "tss": [tss[g] for g in genes], "strand": "+", "r": [0.2, 0.5, 0.5, 0.5],
                  "xai": xai}).to_csv(root / "edge_stats.tsv", sep="\t", index=False)
    return ism_df, dos, expr.set_index("gene_id")


def test_driver_analysis_boundaries_by_hand(tmp_path, caplog):
    import logging
    import re

    from scipy import stats

    from regbench.metrics.correlation import pearson
    from regbench.studies.personal.drivers import SNV_COLUMNS

    ism_df, dos, expr = _edge_inputs(tmp_path)
    assert pearson(dos[_GD][0].astype(float), pd.read_csv(tmp_path / "edge_pred.tsv", sep="\t").query(
        "gene_id == @_GD")["cage"].to_numpy()) == 0.2  # the construction above: exactly the cut
    outs = [tmp_path / f"edge_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    log = logging.getLogger("test_driver_edges")
    with caplog.at_level(logging.INFO, logger="test_driver_edges"):
        run_driver_analysis(tmp_path / "edge_stats.tsv", [tmp_path / "edge_ism.tsv"], [tmp_path / "edge_geno.npz"],
                            [tmp_path / "edge_pred.tsv"], tmp_path / "edge_expr.tsv", *outs, mp.CFG, log=log)
    snvs, drv, bw, sup, summ = (pd.read_csv(o, sep="\t") for o in outs)

    # snvs.tsv: genes in sorted order whatever the ISM table's order, columns by name
    want = ism_df.set_index("gene_id").loc[[_GA, _GB, _GC, _GD]].reset_index()
    assert list(snvs.columns) == SNV_COLUMNS
    assert snvs["gene_id"].tolist() == want["gene_id"].tolist()
    for c in ("pos", "ism", "grad", "frequency", "offset", "ref_pred"):
        np.testing.assert_allclose(snvs[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-5, err_msg=c)
    # GC: max |ISM| = 0, ISM / max |ISM| is taken as ISM / 1 = 0 (not 0/0)
    assert snvs.loc[snvs["gene_id"] == _GC, "ism_norm"].tolist() == [0.0, 0.0, 0.0]
    assert (snvs.loc[snvs["gene_id"] == _GA, "eqtl_slope"] == 0).all()  # constant expression

    # drivers.tsv: 5 drivers of GA, 6 of GB, 1 of GD (the design); slope 0 is neither supported nor not
    assert drv.groupby("gene_id").size().to_dict() == {_GA: 5, _GB: 6, _GD: 1}
    ga, gb = drv[drv["gene_id"] == _GA], drv[drv["gene_id"] == _GB]
    assert (ga["eqtl_slope"] == 0).all() and (ga["ism"] > 0).all() and not ga["supported"].any()
    tss = {_GA: 10_000, _GB: 50_000, _GD: 130_000}
    slope = np.array([stats.linregress(dos[g][(q - tss[g] + 500) // 100].astype(float),
                                       expr.loc[g].to_numpy(float)).slope if g != _GA else 0.0
                      for g, q in zip(drv["gene_id"], drv["pos"])])
    np.testing.assert_allclose(drv["eqtl_slope"], slope, rtol=1e-5)
    assert drv["supported"].tolist() == (np.sign(drv["ism"]) * np.sign(slope) > 0).tolist()

    # drivers_backward.tsv: GA's gene R is exactly the cut (0.2 > 0.2 is false): group none;
    # GD's linear approximation r is exactly 0.2 (not above it): none
    assert set(bw.loc[bw["gene_id"] == _GA, "group"]) == {"none"} and (bw["gene_id"] == _GA).any()
    assert set(bw.loc[bw["gene_id"] == _GB, "group"]) == {"positive"}
    assert bw.loc[bw["gene_id"] == _GD, "group"].tolist() == ["none"]

    # driver_support.tsv: GD's r = 0.2 is not above 0.2, so only GA and GB get support columns
    s = sup.set_index("gene_id")
    assert s.loc[_GD, "linear_approx_r"] == pytest.approx(0.2, abs=1e-12)
    assert s["group"].notna().tolist() == [True, True, False, False]
    assert s.loc[_GA, "group"] == "none" and s.loc[_GB, "group"] == "positive"
    assert np.isnan(s.loc[_GB, "linear_approx_grad_r"])
    gains = gb["gain"].to_numpy(float)
    frac_b = gains[gb["supported"].to_numpy()].sum() / gains.sum()

    # summary: GB counts as a positive gene though its gradient r is NaN; counts over the XAI genes
    got = dict(zip(summ["metric"], summ["value"]))
    want_s = {"n_positive": 1, "n_negative": 0, "mean_supported_positive": frac_b, "n_xai_genes": 4,
              "n_linear_approx_above_0.2": 2, "n_forward_drivers": 12, "n_genes_with_drivers": 3,
              "frac_genes_one_driver": 1 / 3, "frac_genes_le5_drivers": 2 / 3, "n_backward_drivers": len(bw),
              "frac_supported_drivers": drv["supported"].sum() / 12}
    for key, v in want_s.items():
        assert float(got[key]) == pytest.approx(v, rel=1e-5), key
    assert np.isnan(float(got["mean_supported_negative"])) and np.isnan(float(got["mannwhitney_p"]))

    # the three driver tables write floats as %.6g (GB's ISM in exponent form)
    seen_exp = False
    for o in outs[1:4]:
        for line in o.read_text().splitlines()[1:]:
            for f in line.split("\t"):
                if f in ("", "True", "False") or re.fullmatch(r"-?\d+", f) or f.startswith("ENSG") or f.isalpha():
                    continue
                assert f == "%.6g" % float(f), (o.name, f)
                seen_exp |= "e-" in f
    assert seen_exp

    # the log line: the whole summary
    msgs = [r.getMessage() for r in caplog.records if r.name == "test_driver_edges"]
    assert len(msgs) == 1 and msgs[0].startswith("drivers: {'n_positive': 1, 'n_negative': 0, ")
    assert "'prediction_column': 'cage'" in msgs[0] and "'n_forward_drivers': 12" in msgs[0]


def test_driver_analysis_without_xai_genes(tmp_path):
    # no gene passes the XAI filter: the counts over XAI genes are 0 and their medians/fractions NaN
    _edge_inputs(tmp_path, xai=False)
    outs = [tmp_path / f"noxai_{k}.tsv" for k in ("snvs", "drv", "bw", "sup", "sum")]
    run_driver_analysis(tmp_path / "edge_stats.tsv", [tmp_path / "edge_ism.tsv"], [tmp_path / "edge_geno.npz"],
                        [tmp_path / "edge_pred.tsv"], tmp_path / "edge_expr.tsv", *outs, mp.CFG)
    got = dict(zip(*(pd.read_csv(outs[4], sep="\t")[c] for c in ("metric", "value"))))
    for key in ("n_xai_genes", "n_linear_approx_above_0.2", "n_forward_drivers", "n_genes_with_drivers",
                "n_backward_drivers", "n_positive", "n_negative"):
        assert float(got[key]) == 0, key
    for key in ("median_linear_approx_r", "frac_genes_one_driver", "frac_genes_le5_drivers",
                "frac_supported_drivers", "mean_supported_positive", "mannwhitney_p"):
        assert np.isnan(float(got[key])), key
    sup = pd.read_csv(outs[3], sep="\t")
    assert len(sup) == 4 and sup["group"].isna().all() and not sup["xai"].any()
    assert len(pd.read_csv(outs[1], sep="\t")) == 12  # the drivers themselves are still written
