"""Gene sets of the personal study: Enformer-region split, chunk spreading, forced example genes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regbench.studies.personal.genes import (
    enformer_split,
    n_chunks,
    read_enformer_regions,
    select_genes,
    spread_chunks,
)


def test_enformer_split_needs_the_whole_window_inside_one_region(tmp_path):
    bed = tmp_path / "sequences.bed"
    bed.write_text("chr1\t0\t131072\ttrain\nchr1\t100000\t231072\tvalid\nchr1\t300000\t431072\ttest\n"
                   "chr2\t0\t131072\ttest\n")
    reg = read_enformer_regions(bed)
    genes = pd.DataFrame({"chrom": ["chr1", "chr1", "chr1", "chr1", "chr2", "chr3", "chr1"],
                          "tss": [50_000, 120_000, 150_000, 420_000, 65_536, 50_000, 19_999]})
    # 50,000 +- 20 kb in [0, 131072) train; 120,000 +-20 kb = [100000, 140000) in valid only;
    # 150,000 -> valid; 420,000 + 20 kb crosses 431,072 -> none; chr2 -> test; chr3 -> none;
    # 19,999 - 20,000 < 0 -> none
    assert list(enformer_split(genes, reg, 40_000)) == ["train", "valid", "valid", "none", "test", "none", "none"]
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t0\t10\tholdout\n")
    with pytest.raises(Exception, match="fold train, valid or test"):
        read_enformer_regions(bad)


def test_spread_chunks_fixed_count_any_size():
    for n, k in ((10, 3), (100, 7), (6827, 69), (5, 5)):
        c = spread_chunks(n, k)
        assert c.min() == 0 and c.max() == k - 1 and (np.diff(c) >= 0).all()
        sizes = np.bincount(c)
        assert sizes.max() - sizes.min() <= 1
    assert n_chunks({"genes": {"n_genes": 6825, "chunk_size": 100, "n_reference": 13397}}) == 69
    assert n_chunks({"genes": {"n_genes": 6825, "chunk_size": 100, "n_reference": 13397}}, "reference") == 134


def test_examples_forced_into_subsample():
    gtf = pd.DataFrame({"gene_id": [f"ENSG{i:011d}" for i in range(200)], "gene_name": "x",
                        "gene_type": "protein_coding", "chrom": "chr1", "tss": np.arange(200) * 1000, "strand": "+"})
    expressed = list(gtf["gene_id"])
    plain = select_genes(gtf, expressed, 20, 1, 10)
    missing = [g for g in expressed if g not in set(plain["gene_id"])][:2]
    ex = {"positive": missing[0], "negative": missing[1]}
    g = select_genes(gtf, expressed, 20, 1, 10, examples=ex, n_chunks=2)
    assert len(g) == 22 and set(missing) <= set(g["gene_id"])
    assert set(plain["gene_id"]) <= set(g["gene_id"])  # the draw itself is unchanged
    assert dict(zip(g.loc[g["example"] != "", "example"], g.loc[g["example"] != "", "gene_id"])) == ex
    assert sorted(g["chunk"].unique()) == [0, 1] and list(g["gene_id"]) == sorted(g["gene_id"])
    with pytest.raises(ValueError, match="not expressed"):
        select_genes(gtf, expressed[:50], 20, 1, 10, examples={"positive": expressed[150]})
