"""ROSMAP preprocessing: TMM (rnanorm) against edgeR's algorithm written out, log2 CPM, covariate
regression, ID pairing, the expression builder end to end, command lines."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from regbench.studies.personal import rosmap


def edger_tmm(counts: np.ndarray, trim_m=0.3, trim_a=0.05) -> np.ndarray:
    """edgeR calcNormFactors(method = "TMM") transcribed (calcFactorTMM with doWeighting,
    rank-based trimming, reference = sample with upper quartile closest to the mean)."""
    x = np.asarray(counts, float)
    lib = x.sum(axis=0)
    f75 = np.quantile(x / lib, 0.75, axis=0)
    ref = int(np.argmin(np.abs(f75 - f75.mean())))
    out = []
    for j in range(x.shape[1]):
        obs, rf = x[:, j], x[:, ref]
        n_o, n_r = obs.sum(), rf.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            log_r = np.log2((obs / n_o) / (rf / n_r))
            abs_e = (np.log2(obs / n_o) + np.log2(rf / n_r)) / 2
            v = (n_o - obs) / n_o / obs + (n_r - rf) / n_r / rf
        fin = np.isfinite(log_r) & np.isfinite(abs_e)
        log_r, abs_e, v = log_r[fin], abs_e[fin], v[fin]
        if np.abs(log_r).max() < 1e-6:
            out.append(1.0)
            continue
        n = len(log_r)
        lo_l, lo_s = np.floor(n * trim_m) + 1, np.floor(n * trim_a) + 1
        hi_l, hi_s = n + 1 - lo_l, n + 1 - lo_s
        rl, ra = rankdata(log_r), rankdata(abs_e)
        keep = (rl >= lo_l) & (rl <= hi_l) & (ra >= lo_s) & (ra <= hi_s)
        out.append(2 ** (np.sum(log_r[keep] / v[keep]) / np.sum(1 / v[keep])))
    f = np.array(out)
    return f / np.exp(np.log(f).mean())


def simulated_counts(n_genes=2000, n_samples=12, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.lognormal(3, 1.5, n_genes)
    depth = rng.uniform(0.5, 2.0, n_samples)
    comp = np.ones((n_genes, n_samples))
    comp[:100, :4] *= 8.0  # a few genes very high in 4 samples: composition bias TMM corrects
    return rng.poisson(base[:, None] * depth[None] * comp), depth


def test_tmm_matches_edger_algorithm():
    c, depth = simulated_counts()
    df = pd.DataFrame(c, index=[f"ENSG{i:011d}" for i in range(len(c))])
    ours = rosmap.tmm_factors(df)
    ref = edger_tmm(c)
    assert np.exp(np.log(ours).mean()) == pytest.approx(1.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)
    # TMM removes the composition bias: the effective library size (lib x factor) follows the true
    # sequencing depth of the unchanged genes, while the raw library size of samples 0-3 is inflated
    eff = c.sum(axis=0) * ours / depth
    raw = c.sum(axis=0) / depth
    assert eff.std() / eff.mean() < 0.02 < raw.std() / raw.mean()


def test_log2_cpm_is_voom_formula():
    c = pd.DataFrame([[10, 0], [90, 50]], index=["ENSG1", "ENSG2"])
    nf = np.array([1.0, 2.0])
    got = rosmap.log2_cpm(c, nf).to_numpy()
    lib = c.sum(axis=0).to_numpy(float) * nf  # 100 and 50 reads
    np.testing.assert_allclose(got, np.log2((c.to_numpy() + 0.5) / (lib + 1) * 1e6))


def test_regress_out_removes_covariates_keeps_mean():
    rng = np.random.default_rng(1)
    cov = rng.normal(size=(50, 2))
    y = 5 + cov @ np.array([[2.0, -1.0], [0.5, 3.0]]).T + rng.normal(0, 0.1, (50, 2))
    r = rosmap.regress_out(y.T, cov)
    np.testing.assert_allclose(r.mean(axis=1), y.mean(axis=0))
    for k in range(2):
        assert abs(np.corrcoef(r[k], cov[:, 0])[0, 1]) < 1e-10 and abs(np.corrcoef(r[k], cov[:, 1])[0, 1]) < 1e-10
    # the same residuals as statsmodels-free normal equations
    x = np.column_stack([np.ones(50), cov])
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    np.testing.assert_allclose(r.T, y - x @ beta + y.mean(axis=0), atol=1e-10)


def test_covariate_design_age_90_plus_and_categories():
    t = pd.DataFrame({"age_death": ["80.5", "90+", "70"], "msex": ["0", "1", "1"]})
    d = rosmap.covariate_design(t, ["age_death"], ["msex"])
    assert d.shape == (3, 2)
    assert d[1, 0] > d[0, 0] > d[2, 0]  # 90+ read as 90
    assert list(d[:, 1]) == [0.0, 1.0, 1.0]


def test_pair_individuals_keeps_one_specimen_per_person():
    key = pd.DataFrame({"projid": ["1", "1", "2", "3", "4"], "rnaseq_id": ["r1", "r1b", "r2", "r3", None],
                        "wgs_id": ["w1", "w1", "w2", "w9", "w4"]})
    p = rosmap.pair_individuals(key, {}, ["r1", "r1b", "r2", "r3"], ["w1", "w2", "w4"])
    assert p.to_dict("list") == {"individual": ["1", "2"], "rnaseq": ["r1", "r2"], "wgs": ["w1", "w2"]}


def test_build_expression_end_to_end(tmp_path):
    import subprocess

    from tests.conftest import require_tool

    require_tool("bgzip")
    rng = np.random.default_rng(3)
    n_ind = 30
    wgs = [f"SM-{i:03d}" for i in range(n_ind + 5)]  # 5 WGS-only individuals
    rna = [f"{i}_120515" for i in range(n_ind + 3)]  # 3 RNA-only
    counts = pd.DataFrame(rng.poisson(20000, (300, len(rna))), index=[f"ENSG{i:011d}.3" for i in range(300)],
                          columns=rna)
    counts.iloc[:40] = rng.poisson(1, (40, len(rna)))  # lowly expressed: filtered out
    batch = np.array(["b1", "b2"] * ((len(rna) + 1) // 2))[: len(rna)]
    counts.loc[:, batch == "b2"] = counts.loc[:, batch == "b2"] * 2  # a batch effect the covariate removes
    cpath = tmp_path / "counts.txt.gz"
    with gzip.open(cpath, "wt") as fh:
        fh.write("feature\t" + "\t".join(rna) + "\n")
        fh.write("N_unmapped\t" + "\t".join("5" for _ in rna) + "\n")
        counts.to_csv(fh, sep="\t", header=False)
    key = pd.DataFrame({"projid": [str(1000 + i) for i in range(n_ind + 5)],
                        "rnaseq_id": rna[:n_ind] + [None] * 5, "wgs_id": wgs})
    key.to_csv(tmp_path / "idkey.csv", index=False)
    meta = pd.DataFrame({"specimenID": rna, "RIN": rng.uniform(5, 9, len(rna)), "batch": batch})
    meta.to_csv(tmp_path / "meta.csv", index=False)
    clin = pd.DataFrame({"projid": key["projid"], "age_death": rng.uniform(70, 95, len(key)).round(1).astype(str),
                         "msex": rng.integers(0, 2, len(key)).astype(str)})
    clin.loc[0, "age_death"] = "90+"
    clin.to_csv(tmp_path / "clinical.csv", index=False)
    vcf = tmp_path / "g.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(wgs) + "\n"
                   "1\t10\t.\tA\tG\t.\tPASS\t.\tGT\t" + "\t".join("0|1" for _ in wgs) + "\n")
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    cfg = {"id_key": {"individual": "projid", "rnaseq": "rnaseq_id", "wgs": "wgs_id"},
           "covariates": [{"name": "meta", "key": "rnaseq", "id_column": "specimenID", "numeric": ["RIN"], "categorical": ["batch"]},
                          {"name": "clin", "key": "individual", "id_column": "projid", "numeric": ["age_death"], "categorical": ["msex"]}],
           "min_mean_log2cpm": 2, "n_pcs": 2}
    out = rosmap.build_expression(cpath, tmp_path / "idkey.csv", {"meta": tmp_path / "meta.csv", "clin": tmp_path / "clinical.csv"},
                                  str(vcf) + ".gz", tmp_path / "expr.tsv", tmp_path / "pairs.tsv", cfg)
    assert list(out.columns) == wgs[:n_ind] and out.shape[0] == 260  # 40 low genes dropped, N_* row dropped
    assert out.index[0] == "ENSG00000000040"
    pairs = pd.read_csv(tmp_path / "pairs.tsv", sep="\t")
    assert len(pairs) == n_ind and {"norm_factor", "lib_size"} <= set(pairs.columns)
    b = batch[:n_ind] == "b2"
    # the doubled batch is gone after TMM + the batch covariate: per-gene batch differences ~0
    diff = out.loc[:, b].mean(axis=1) - out.loc[:, ~b].mean(axis=1)
    assert np.abs(diff).max() < 1e-8
    with pytest.raises(Exception, match="covariate columns"):
        bad = dict(cfg, covariates=[dict(cfg["covariates"][0], numeric=["RIN", "PMI"])])
        rosmap.build_expression(cpath, tmp_path / "idkey.csv", {"meta": tmp_path / "meta.csv"}, str(vcf) + ".gz",
                                tmp_path / "e2.tsv", tmp_path / "p2.tsv", bad)
    assert not (tmp_path / "e2.tsv").exists()


def test_command_lines():
    assert rosmap.plink_qc_args({"maf": 0.0004, "hwe": 1e-50, "geno": 0.1}, "out.txt") == [
        "--keep-allele-order", "--maf", "0.0004", "--hwe", "1e-50", "--geno", "0.1", "--remove", "out.txt"]
    e = rosmap.phasing_command("eagle", "in.vcf.gz", "out/chr1.vcf.gz", "1", 8, "/opt/eagle")
    assert e == ("/opt/eagle/eagle --vcf=in.vcf.gz --geneticMapFile=/opt/eagle/tables/genetic_map_hg38_withX.txt.gz "
                 "--chrom=1 --numThreads 8 --vcfOutFormat=z --outPrefix=out/chr1")
    s = rosmap.phasing_command("shapeit4", "in.vcf.gz", "o.vcf.gz", "1", 2)
    assert s == "shapeit4 --input in.vcf.gz --region 1 --output o.vcf.gz --thread 2"
    with pytest.raises(ValueError):
        rosmap.phasing_command("beagle", "a", "b", "1", 1)
