"""Elastic-net heads side by side (published + fitted), the GTEx tissue-mean target, the SuSiE
gene list of Supplementary Table 1."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from regbench.studies.personal.elastic_net import finemapped_from_table, gtex_tissue_mean, run_elastic_net
from regbench.studies.personal.predictions import read_weights_csv


def test_gtex_tissue_mean_streams_the_tissue_columns(tmp_path):
    rng = np.random.default_rng(0)
    samples = [f"GTEX-{i}" for i in range(9)]
    tissue = ["Brain - Cortex", "Liver", "Brain - Cortex"] * 3
    tpm = rng.gamma(2, 10, (7, 9))
    gct = tmp_path / "tpm.gct.gz"
    with gzip.open(gct, "wt") as fh:
        fh.write("#1.2\n7\t9\n")
        fh.write("Name\tDescription\t" + "\t".join(samples) + "\n")
        for i, row in enumerate(tpm):
            fh.write(f"ENSG{i:011d}.{i + 1}\tG{i}\t" + "\t".join(f"{v:.4f}" for v in row) + "\n")
    attr = tmp_path / "attr.txt"
    pd.DataFrame({"SAMPID": samples + ["GTEX-X"], "SMTS": "x", "SMTSD": tissue + ["Brain - Cortex"]}).to_csv(
        attr, sep="\t", index=False)
    out = gtex_tissue_mean(str(gct), str(attr), tmp_path / "mean.tsv", chunksize=3)
    cortex = np.array(tissue) == "Brain - Cortex"
    exp = np.log2(np.round(tpm, 4)[:, cortex] + 1).mean(axis=1)
    np.testing.assert_allclose(out["mean_expression"], exp, rtol=1e-12)
    assert list(out["gene_id"]) == [f"ENSG{i:011d}" for i in range(7)] and (out["n_samples"] == 6).all()
    with pytest.raises(Exception, match="samples of tissue"):
        gtex_tissue_mean(str(gct), str(attr), tmp_path / "m2.tsv", tissue="Brain - Nowhere")


def test_finemapped_genes_from_supplementary_table(shared_data, tmp_path):
    st1 = shared_data / "sasse2023" / "SupplementaryTable1.tsv"
    cortex = finemapped_from_table(st1, "SusieCausalCortexhg38", tmp_path / "c.tsv")
    brain = finemapped_from_table(st1, "SuSieCausalBrainhg38", tmp_path / "b.tsv")
    # spec §3.3: 168 cortex and 665 brain genes in the table's columns
    assert cortex["gene_id"].nunique() == 168 and brain["gene_id"].nunique() == 665
    assert cortex["variant_id"].str.match(r"^chr\d+_\d+_[ACGT]+_[ACGT]+_b38").all()


def test_both_heads_side_by_side(tmp_path):
    rng = np.random.default_rng(1)
    n, t = 300, 12
    x = rng.normal(size=(n, t))
    y = 2 * x[:, 3] - x[:, 7] + rng.normal(0, 0.1, n)
    ids = [f"ENSG{i:011d}" for i in range(n)]
    split = np.array(["train"] * 200 + ["valid"] * 50 + ["test"] * 40 + ["none"] * 10)
    genes = pd.DataFrame({"gene_id": ids, "gene_name": ids, "chrom": "chr1", "split": split})
    genes.to_csv(tmp_path / "genes.tsv", sep="\t", index=False)
    for k, sl in enumerate((slice(0, 150), slice(150, n))):
        np.savez(tmp_path / f"ref{k}.npz", gene_id=np.array(ids[sl]), sum_log1p=x[sl].astype(np.float32),
                 raw_sum=x[sl].astype(np.float32), log_of_sum=x[sl].astype(np.float32))
    targets = tmp_path / "targets.txt"
    pd.DataFrame({"index": range(t), "genome": 0, "identifier": [f"T{i}" for i in range(t)], "file": "f", "clip": 1,
                  "scale": 1, "sum_stat": "sum", "description": [f"CAGE:t{i}" for i in range(t)]}).to_csv(targets, sep="\t", index=False)
    pub = np.zeros(t)
    pub[5] = 1.0
    pd.DataFrame({"tracks": [f"CAGE:t{i}" for i in range(t)] + ["offset"], "weights": list(pub) + [0.5]}).to_csv(
        tmp_path / "pub.csv", index=False)
    expr = pd.DataFrame(rng.normal(size=(n, 5)), index=ids, columns=list("abcde"))
    expr.index.name = "gene_id"
    expr.to_csv(tmp_path / "expr.tsv", sep="\t")
    pd.DataFrame({"gene_id": ids, "mean_expression": y}).to_csv(tmp_path / "pm.tsv", sep="\t", index=False)
    cfg = {"track": "CAGE:t2", "elastic_net": {"heads": ["published", "sklearn"], "l1_ratio": 0.5}}
    w = {"published": tmp_path / "w_pub.csv", "sklearn": tmp_path / "w_sk.csv"}
    out = run_elastic_net(tmp_path / "genes.tsv", tmp_path / "expr.tsv", [tmp_path / "ref0.npz", tmp_path / "ref1.npz"],
                          targets, w, tmp_path / "pred.tsv", cfg, population_mean=tmp_path / "pm.tsv",
                          published=tmp_path / "pub.csv")
    np.testing.assert_allclose(out["finetuned_published"], x[:, 5] + 0.5, atol=1e-6)  # float32 features
    np.testing.assert_allclose(out["finetuned"], out["finetuned_published"])  # first head
    np.testing.assert_allclose(out["cage"], x[:, 2], atol=1e-6)
    test = split == "test"
    assert np.corrcoef(out.loc[test, "finetuned_sklearn"], y[test])[0, 1] > 0.95
    coef, _ = read_weights_csv(w["sklearn"])
    assert np.argmax(np.abs(coef)) == 3 and coef[7] < 0
    cfg1 = {"track": "CAGE:t2", "elastic_net": {"heads": ["sklearn"]}}
    with pytest.raises(ValueError, match="population_mean"):
        run_elastic_net(tmp_path / "genes.tsv", tmp_path / "expr.tsv", [tmp_path / "ref0.npz"], targets,
                        {"sklearn": tmp_path / "w2.csv"}, tmp_path / "p2.tsv", cfg1)
