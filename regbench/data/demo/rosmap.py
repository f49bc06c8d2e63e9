"""Raw ROSMAP-layout files from a phased GRCh38 cohort (tests, the paper rehearsal's fake Synapse).

The personal study's paper configuration starts from the files the authors had: per-chromosome
GRCh37 joint VCFs (unphased, bare chromosome names), DLPFC RNA-seq gene counts with specimen
metadata, Picard metrics and clinical covariates, and the ROSMAP ID key. This module turns a
phased GRCh38 cohort (the demo world's ``population.vcf.gz`` and ``expression.tsv``) back into
that layout, so the preprocessing rules (liftover, QC, phasing, TMM/covariates) run on it and
the planted signal flows through:

* :func:`offset_chain`: a UCSC chain mapping "GRCh37" = GRCh38 shifted left by ``offset`` bp
  (one ungapped block per chromosome), so LiftoverVcf restores the GRCh38 positions;
* :func:`write_b37_vcfs`: one bgzipped VCF per chromosome (contig ``1``..; POS - offset; genotypes
  unphased ``a/b``; SNVs only, as the study uses), REF/ALT as in the cohort;
* :func:`write_rnaseq`: counts whose TMM / log2 CPM equal the cohort's expression up to a
  per-specimen depth and a batch factor the covariates remove; specimen metadata (RIN,
  libraryBatch), Picard metrics, clinical table (projid, age_death, pmi, msex, Study) and the ID
  key (projid, rnaseq_id, wgs_id), with a few individuals that have only one of the two assays.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

PICARD_METRICS = ["PF_READS_ALIGNED", "PCT_CODING_BASES", "PCT_INTERGENIC_BASES", "PCT_PF_READS_ALIGNED",
                  "PCT_RIBOSOMAL_BASES", "PCT_UTR_BASES", "PERCENT_DUPLICATION", "MEDIAN_3PRIME_BIAS",
                  "MEDIAN_5PRIME_TO_3PRIME_BIAS", "MEDIAN_CV_COVERAGE"]


def offset_chain(chrom_sizes: dict[str, int], offset: int, chrom_prefix: str = "chr") -> str:
    """UCSC chain text: source (GRCh37) chrom c = target (GRCh38) chrom c shifted by -offset.
    Source and target names carry ``chrom_prefix`` as UCSC chains do. 0-based half-open."""
    lines = []
    for k, (chrom, size) in enumerate(chrom_sizes.items(), start=1):
        name = chrom if chrom.startswith(chrom_prefix) else chrom_prefix + chrom
        n = int(size) - offset
        lines.append(f"chain {n} {name} {n} + 0 {n} {name} {size} + {offset} {size} {k}\n{n}\n")
    return "\n".join(lines) + "\n"


def write_b37_vcfs(phased_vcf: str, out_pattern: str, chroms: list[str], offset: int, samples: list[str] | None = None,
                   rename: dict[str, str] | None = None) -> list[Path]:
    """Per-chromosome GRCh37-layout VCFs (bgzipped with the ``bgzip`` tool) from a phased GRCh38
    VCF: ``out_pattern.format(chrom=c)`` for c in ``chroms`` (names without 'chr'); SNV records
    only; POS - ``offset`` (records that would fall below 1 are dropped); GT unphased; sample
    IDs renamed through ``rename``. Returns the written paths."""
    from regbench.genome.variants import import_cyvcf2

    cyvcf2 = import_cyvcf2()

    vcf = cyvcf2.VCF(str(phased_vcf), samples=samples)
    names = [rename.get(s, s) if rename else s for s in vcf.samples]
    contigs = dict(zip(vcf.seqnames, vcf.seqlens)) if vcf.seqlens else {}
    paths = []
    for c in chroms:
        src = next((n for n in (f"chr{c}", c) if n in set(vcf.seqnames)), None)
        out = Path(out_pattern.format(chrom=c))
        out.parent.mkdir(parents=True, exist_ok=True)
        plain = out.with_suffix("")  # .vcf
        with open(plain, "w") as fh:
            fh.write("##fileformat=VCFv4.2\n")
            if src in contigs:
                fh.write(f"##contig=<ID={c},length={contigs[src] - offset}>\n")
            fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
            fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
            if src is not None:
                for v in vcf(src):
                    if not v.is_snp or v.POS - offset < 1:
                        continue
                    gt = v.genotype.array()[:, :2]
                    calls = ["/".join("." if a < 0 else str(a) for a in row) for row in gt]
                    fh.write(f"{c}\t{v.POS - offset}\t{v.ID or '.'}\t{v.REF}\t{','.join(v.ALT)}\t.\tPASS\t.\tGT\t"
                             + "\t".join(calls) + "\n")
        subprocess.run(["bgzip", "-f", str(plain)], check=True)
        paths.append(out)
    return paths


def write_rnaseq(expression_tsv: str, wgs_samples: list[str], out_dir: str | Path, seed: int = 0,
                 n_rna_only: int = 2, depth: float = 2e7) -> dict[str, Path]:
    """ROSMAP-layout RNA-seq files from an expression table (genes x WGS sample IDs, log scale).

    Files: ``ROSMAP_all_counts_matrix.txt.gz`` (feature + specimen columns, STAR ``N_*`` rows
    first), ``ROSMAP_assay_rnaSeq_metadata.csv`` (specimenID, RIN, libraryBatch),
    ``ROSMAP_all_metrics_matrix.txt`` (specimenID + Picard metrics), ``ROSMAP_clinical.csv``
    (projid, age_death with "90+", pmi, msex, Study), ``ROSMAP_IDkey.csv`` (projid, rnaseq_id,
    wgs_id; WGS-only individuals have no rnaseq_id, ``n_rna_only`` RNA-only specimens no
    wgs_id). Counts: Poisson(depth_j * b_j * 2^expr / sum), b_j a batch factor."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    expr = pd.read_csv(expression_tsv, sep="\t", index_col=0)
    have = [s for s in expr.columns if s in set(wgs_samples)]
    expr = expr[have]
    ids = {s: 100000 + k for k, s in enumerate(wgs_samples)}
    spec = {s: f"{ids[s]}_{120400 + k % 7}" for k, s in enumerate(have)}
    extra = [f"R{900 + k}_120999" for k in range(n_rna_only)]
    batch = {sp: ("B1" if k % 2 == 0 else "B2") for k, sp in enumerate(list(spec.values()) + extra)}
    lin = np.exp2(expr.to_numpy(np.float64) - expr.to_numpy(np.float64).max())
    lin = np.concatenate([lin, lin[:, rng.integers(0, lin.shape[1], n_rna_only)]], axis=1)
    specimens = list(spec.values()) + extra
    fac = np.array([1.0 if batch[sp] == "B1" else 1.6 for sp in specimens])
    dep = depth * rng.uniform(0.6, 1.4, len(specimens)) * fac
    counts = rng.poisson(lin / lin.sum(axis=0) * dep)
    genes = [f"{g}.{rng.integers(1, 20)}" for g in expr.index]
    paths = {k: out_dir / v for k, v in {
        "counts": "ROSMAP_all_counts_matrix.txt.gz", "metadata": "ROSMAP_assay_rnaSeq_metadata.csv",
        "metrics": "ROSMAP_all_metrics_matrix.txt", "clinical": "ROSMAP_clinical.csv", "id_key": "ROSMAP_IDkey.csv"}.items()}
    with gzip.open(paths["counts"], "wt") as fh:
        fh.write("feature\t" + "\t".join(specimens) + "\n")
        for star in ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous"):
            fh.write(star + "\t" + "\t".join(str(int(x)) for x in rng.integers(1e4, 1e5, len(specimens))) + "\n")
        for g, row in zip(genes, counts):
            fh.write(g + "\t" + "\t".join(str(int(x)) for x in row) + "\n")
    pd.DataFrame({"specimenID": specimens, "RIN": rng.uniform(5, 9, len(specimens)).round(1),
                  "libraryBatch": [batch[s] for s in specimens], "platform": "IlluminaHiSeq2500"}).to_csv(
        paths["metadata"], index=False)
    m = pd.DataFrame({"specimenID": specimens})
    for c in PICARD_METRICS:
        m[c] = rng.uniform(0.1, 0.9, len(specimens)).round(4) if c.startswith(("PCT", "PERCENT", "MEDIAN")) else \
            rng.integers(1e7, 5e7, len(specimens))
    m.to_csv(paths["metrics"], sep="\t", index=False)
    age = rng.uniform(70, 100, len(wgs_samples)).round(1).astype(object)
    age[age.astype(float) >= 90] = "90+"
    pd.DataFrame({"projid": [ids[s] for s in wgs_samples], "age_death": age,
                  "pmi": rng.uniform(2, 20, len(wgs_samples)).round(1), "msex": rng.integers(0, 2, len(wgs_samples)),
                  "Study": rng.choice(["ROS", "MAP"], len(wgs_samples))}).to_csv(paths["clinical"], index=False)
    key = pd.DataFrame({"projid": [ids[s] for s in wgs_samples], "rnaseq_id": [spec.get(s, "") for s in wgs_samples],
                        "wgs_id": wgs_samples})
    key = pd.concat([key, pd.DataFrame({"projid": [200000 + k for k in range(n_rna_only)], "rnaseq_id": extra,
                                        "wgs_id": ""})], ignore_index=True)
    key.to_csv(paths["id_key"], index=False)
    return paths
