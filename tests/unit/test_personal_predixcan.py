"""PrediXcan re-implementation: PredictDB schema, MetaXcan allele matching, Fig. 2C numbers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from regbench.studies.personal import predixcan_comparison
from regbench.studies.personal.predixcan import predict_gene, read_predictdb, write_predictdb


def _genotypes():
    # 3 records (0-based pos 99, 199, 299), 4 samples; record 3 is multi-allelic A -> C,G
    alleles = np.array(
        [
            [[0, 1], [1, 1], [0, 0], [1, 0]],
            [[0, 0], [0, 1], [1, 1], [0, 0]],
            [[2, 1], [0, 2], [0, 0], [2, 2]],
        ],
        dtype=np.int8,
    )
    return SimpleNamespace(pos=np.array([99, 199, 299]), ref=["A", "C", "A"],
                           alts=[["G"], ["T"], ["C", "G"]], alleles=alleles,
                           samples=["s1", "s2", "s3", "s4"])


def test_predictdb_roundtrip_and_allele_matching(tmp_path):
    w = pd.DataFrame(
        {
            "gene": ["ENSG1.3"] * 4,
            "rsid": ["rs1", "rs2", "rs3", "rs4"],
            # rs1: eff = ALT; rs2: eff = VCF REF (flipped); rs3: multi-allelic second ALT;
            # rs4: alleles that match nothing (strand flip) -> unused
            "varID": ["chr1_100_A_G_b38", "chr1_200_T_C_b38", "chr1_300_A_G_b38", "chr1_100_T_C_b38"],
            "ref_allele": ["A", "T", "A", "T"],
            "eff_allele": ["G", "C", "G", "C"],
            "weight": [1.0, 0.5, -2.0, 10.0],
        }
    )
    extra = pd.DataFrame({"gene": ["ENSG1.3"], "genename": ["G1"], "n.snps.in.model": [4],
                          "pred.perf.R2": [0.1], "pred.perf.pval": [0.01], "pred.perf.qval": [0.02]})
    db = tmp_path / "m.db"
    write_predictdb(db, w, extra)
    weights, ex = read_predictdb(db)
    assert list(ex["gene"]) == ["ENSG1"] and set(weights["gene"]) == {"ENSG1"}
    assert list(weights["pos"]) == [99, 199, 299, 99]
    pred, counts = predict_gene(weights, _genotypes())
    alt1 = np.array([1, 2, 0, 1])
    ref2 = 2 - np.array([0, 1, 2, 0])
    g3 = np.array([1, 1, 0, 2])
    np.testing.assert_allclose(pred, 1.0 * alt1 + 0.5 * ref2 - 2.0 * g3)
    assert counts == {"used": 3, "flipped": 1, "unmatched": 1}


def test_comparison_counts_positive_only():
    df = pd.DataFrame({"gene": list("abcde"), "r_enformer": [0.3, -0.5, 0.1, 0.25, 0.9],
                       "r_predixcan": [0.5, 0.4, 0.1, np.nan, 0.21]})
    s = predixcan_comparison(df)
    assert s["n_genes"] == 4
    assert s["n_predixcan_above"] == 3 and s["n_enformer_above"] == 2
    assert s["n_enformer_abs_above"] == 3
    assert s["mean_r_enformer"] == pytest.approx(np.mean([0.3, -0.5, 0.1, 0.9]))
    assert s["corr_predixcan_abs_enformer"] == pytest.approx(
        np.corrcoef([0.5, 0.4, 0.1, 0.21], [0.3, 0.5, 0.1, 0.9])[0, 1])


def test_comparison_on_published_table(shared_data):
    t = pd.read_csv(shared_data / "sasse2023" / "SupplementaryTable1.tsv", sep="\t")
    s = predixcan_comparison(pd.DataFrame({"gene": t["gene_id"], "r_enformer": t["PearsonRCAGE,adult,brain"],
                                           "r_predixcan": t["PrediXcanR"]}))
    assert s["n_genes"] == 1568
    assert (s["n_predixcan_above"], s["n_enformer_above"]) == (921, 162)
    assert s["mean_r_predixcan"] == pytest.approx(0.261, abs=1e-3)
    assert s["corr_predixcan_abs_enformer"] == pytest.approx(0.585, abs=1e-3)
