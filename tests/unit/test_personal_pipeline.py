"""Personal study building blocks: TSS/window coordinates, GTF 5' ends, readouts, weights files,
elastic net with a predefined split."""

import gzip

import numpy as np
import pandas as pd
import pytest

from regbench.studies.personal.elastic_net import fit_elastic_net, write_weights_csv
from regbench.studies.personal.genes import gene_window, read_gtf_genes, select_genes, vcf_contig
from regbench.studies.personal.predictions import aggregate, combine_haplotypes, read_weights_csv


def test_window_puts_tss_in_bin_448():
    start, end = gene_window(1_000_000, 196_608)
    assert end - start == 196_608 and 1_000_000 - start == 98_304
    # enformer-pytorch crops 1536 bins to the central 896: bin b covers offsets (b + 320) * 128 ...
    assert (1_000_000 - start) // 128 - 320 == 448
    s, e = gene_window(5000, 8192)
    assert (5000 - s) // 128 == 32  # demo: centre bins 31-33


def test_gtf_tss_is_gene_5prime_end(tmp_path):
    p = tmp_path / "g.gtf.gz"
    with gzip.open(p, "wt") as f:
        f.write("#c\n")
        f.write('chr1\tx\tgene\t101\t200\t.\t+\t.\tgene_id "ENSG1.4"; gene_name "A"; gene_type "protein_coding";\n')
        f.write('chr1\tx\ttranscript\t101\t150\t.\t+\t.\tgene_id "ENSG1.4";\n')
        f.write('chr2\tx\tgene\t301\t400\t.\t-\t.\tgene_id "ENSG2"; gene_name "B"; gene_type "lncRNA";\n')
    g = read_gtf_genes(p)
    assert list(g["gene_id"]) == ["ENSG1", "ENSG2"]
    assert list(g["tss"]) == [100, 399]  # 0-based: start-1 on +, end-1 on -
    sel = select_genes(g, ["ENSG1", "ENSG2"], None, 0, 1, ["protein_coding"], test_chroms=["chr1"])
    assert list(sel["gene_id"]) == ["ENSG1"] and sel["split"].iloc[0] == "test"
    assert vcf_contig("chr8", "") == "8" and vcf_contig("chr8", "chr") == "chr8"


def test_readouts_and_haplotype_combination():
    x = np.array([[[1.0, 0.0], [2.0, 1.0], [3.0, 3.0]]])  # (1, 3 bins, 2 tracks)
    np.testing.assert_allclose(aggregate(x, "raw_sum"), [[6.0, 4.0]])
    np.testing.assert_allclose(aggregate(x, "sum_log1p"), [[np.log(2) + np.log(3) + np.log(4), np.log(2) + np.log(4)]])
    np.testing.assert_allclose(aggregate(x, "log_of_sum"), [[np.log(7), np.log(5)]])
    with pytest.raises(ValueError):
        aggregate(x, "nope")
    assert combine_haplotypes(np.array([1.0]), np.array([3.0]))[0] == 2.0
    assert combine_haplotypes(np.array([1.0]), np.array([3.0]), "sum")[0] == 4.0


def test_published_weights_layout(shared_data, tmp_path):
    coef, off = read_weights_csv(shared_data / "sasse2023" / "GTExWeights.csv")
    assert coef.shape == (5313,) and off == pytest.approx(3.87769)
    assert int((coef != 0).sum()) == 697 and coef[4980] == pytest.approx(0.0514, abs=1e-4)
    p = tmp_path / "w.csv"
    write_weights_csv(p, ["t0", "t1"], np.array([0.5, -1.0]), 2.0)
    c2, o2 = read_weights_csv(p)
    np.testing.assert_allclose(c2, [0.5, -1.0])
    assert o2 == 2.0


def test_elastic_net_predefined_split_recovers_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 20))
    y = 2 * x[:, 3] - x[:, 7] + rng.normal(scale=0.1, size=300)
    split = np.array(["train"] * 200 + ["valid"] * 50 + ["test"] * 50)
    coef, intercept, alpha = fit_elastic_net(x, y, split)
    assert np.argmax(np.abs(coef)) == 3 and coef[7] < 0
    assert np.corrcoef(x[250:] @ coef + intercept, y[250:])[0, 1] > 0.95
