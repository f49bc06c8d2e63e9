"""The ROSMAP preprocessing rules run end to end on small raw files in the real layout:
GRCh37 per-chromosome VCFs -> LiftoverVcf (Picard) -> PLINK QC -> SHAPEIT4 -> bcftools concat,
and RNA-seq counts -> paired individuals -> TMM / log2 CPM / covariates (rules/personal.smk).

Known answers: the chain shifts GRCh37 = GRCh38 - 500 bp, so every lifted SNV is back at its GRCh38
position with the same REF/ALT; phasing keeps each individual's genotype (allele counts); the
expression is the cohort's own up to the removed batch/depth (per-gene correlation with the
original ~0.9, limited by the regressed covariates)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import require_tool

pytestmark = pytest.mark.slow

OFFSET = 500


def _world(root: Path, n_ind=40, n_snv=120, seed=7):
    rng = np.random.default_rng(seed)
    sizes = {"chr1": 30_000, "chr2": 30_000}
    seqs = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in sizes.items()}
    fa = root / "hg38.fa"
    fa.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    subprocess.run(["samtools", "faidx", str(fa)], check=True)
    samples = [f"SM-{i:04d}" for i in range(n_ind)]
    rows = []
    for c in sizes:
        pos = np.sort(rng.choice(np.arange(1000, sizes[c] - 1000), n_snv, replace=False)) + 1  # 1-based
        for p in pos:
            ref = seqs[c][p - 1]
            alt = rng.choice([b for b in "ACGT" if b != ref])
            f = rng.uniform(0.1, 0.5)
            gt = rng.random((n_ind, 2)) < f
            rows.append((c, p, ref, alt, gt))
    vcf = root / "cohort.vcf"
    with open(vcf, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={n}>\n" for c, n in sizes.items()))
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n")
        for c, p, ref, alt, gt in rows:
            fh.write(f"{c}\t{p}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(f"{int(a)}|{int(b)}" for a, b in gt) + "\n")
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(vcf) + ".gz"], check=True)
    expr = pd.DataFrame(rng.normal(6, 1, (60, n_ind)), index=[f"ENSG{i:011d}" for i in range(60)], columns=samples)
    expr.iloc[:30] += rng.normal(0, 1.5, (30, 1))  # spread of gene means
    expr.index.name = "gene_id"
    expr.to_csv(root / "expression.tsv", sep="\t")
    return fa, Path(str(vcf) + ".gz"), samples, rows, sizes, expr


def test_rosmap_chain_rules(tmp_path, root):
    for tool in ("samtools", "bgzip", "tabix", "bcftools", "shapeit4"):
        require_tool(tool)
    if not (shutil.which("PicardCommandLine") or shutil.which("picard")):
        pytest.skip("Picard not installed (make apt installs picard-tools)")
    if not (shutil.which("plink1.9") or shutil.which("plink")):
        pytest.skip("PLINK 1.9 not installed (make apt installs plink1.9)")
    from regbench.data.demo.rosmap import offset_chain, write_b37_vcfs, write_rnaseq

    work = tmp_path / "work"
    raw = work / "resources/downloads/personal/rosmap"
    fa, vcf, samples, rows, sizes, expr = _world(tmp_path)
    chain = tmp_path / "chain.over.chain.gz"
    with gzip.open(chain, "wt") as fh:
        fh.write(offset_chain(sizes, OFFSET))
    write_b37_vcfs(vcf, str(raw / "wgs/chr{chrom}.b37.vcf.gz"), ["1", "2"], OFFSET)
    rp = write_rnaseq(tmp_path / "expression.tsv", samples, raw / "rnaseq", seed=1)
    overlay = {"personal": {
        "inputs": {"genome": str(fa)},
        "rosmap": {
            "wgs": {"folder": "syn1", "file": "x_{chrom}.vcf.gz", "chromosomes": ["1", "2"]},
            "chain": str(chain),
            "qc": {"maf": 0.01, "hwe": None, "geno": 0.1, "remove": None},
            "phasing": {"tool": "shapeit4", "threads": 1},
            "rnaseq": {
                "counts": str(rp["counts"]),
                "id_key": {"file": str(rp["id_key"]), "individual": "projid", "rnaseq": "rnaseq_id", "wgs": "wgs_id"},
                "covariates": [
                    {"name": "meta", "file": str(rp["metadata"]), "key": "rnaseq", "id_column": "specimenID",
                     "numeric": ["RIN"], "categorical": ["libraryBatch"]},
                    {"name": "clinical", "file": str(rp["clinical"]), "key": "individual", "id_column": "projid",
                     "numeric": ["age_death", "pmi"], "categorical": ["msex"]}],
                "min_mean_log2cpm": 2, "n_pcs": 2}}}}
    ov = tmp_path / "overlay.yaml"
    ov.write_text(yaml.safe_dump(overlay))
    target = "resources/personal/rosmap/Observed_gene_expression.tsv"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(root / "Snakefile"), "--directory", str(work), "--cores", "2",
           "--configfile", str(root / "config/config.yaml"), str(ov), "--workflow-profile", "none", target]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]

    import cyvcf2

    out = cyvcf2.VCF(str(work / "resources/personal/rosmap/chrAll.phased.vcf.gz"))
    assert list(out.samples) == samples and list(out.seqnames)[:2] == ["1", "2"]
    truth = {(c.removeprefix("chr"), p): (ref, alt, gt.sum(axis=1)) for c, p, ref, alt, gt in rows}
    n = 0
    for v in out:
        ref, alt, dose = truth[(v.CHROM, v.POS)]  # lifted back to the GRCh38 position
        assert (v.REF, v.ALT[0]) == (ref, alt)
        g = v.genotype.array()
        assert g[:, 2].all()  # phased
        np.testing.assert_array_equal(g[:, :2].sum(axis=1), dose)
        n += 1
    assert n >= 0.9 * len(rows)  # QC (maf 0.01, geno 0.1) keeps nearly all simulated SNVs
    got = pd.read_csv(work / target, sep="\t", index_col=0)
    assert list(got.columns) == samples
    common = got.index.intersection(expr.index)
    assert len(common) == 60
    r = [np.corrcoef(got.loc[g], expr.loc[g])[0, 1] for g in common]
    # regressing k = 7 design columns (RIN, batch, age, pmi, sex, 2 PCs) out of n = 40 individuals
    # removes ~k/(n-1) of each gene's variance: expected r ~ sqrt(1 - 7/39) = 0.91 (0.86 measured,
    # the PCs take a little more); chance 0
    assert np.median(r) > 0.8, np.median(r)
