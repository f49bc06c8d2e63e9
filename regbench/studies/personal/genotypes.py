"""Per-gene SNV dosage matrices (ALT-allele counts) for the null model, eQTLs, ISM and drivers.

Sasse et al. use every SNV in TSS +-100 kb (``variant_info_100k``), dosage = number of non-REF
alleles (0/1/2) per individual; missing alleles count as REF (``read_genotypes`` counts them).
The ISM allele is the most common non-REF base over all haplotypes (§1.9).
Stored flat in one NPZ per chunk: ``gene`` (n,), ``pos`` (n, 0-based), ``ref``, ``alt`` (main
ALT), ``dosage`` (n, n_samples) int8, ``samples`` (n_samples,).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.workflow import atomic_path


def gene_dosages(vcf: str, chrom: str, start: int, end: int, samples=None, genome=None,
                 snv_only: bool = True, aliases=None) -> dict:
    """SNVs of ``chrom:[start, end)``: pos (0-based), ref, alt (most common non-REF allele),
    dosage (n_snv, n_samples) non-REF allele count, samples. ``genome``: a Genome whose bases
    every REF must match (InputError naming the record otherwise); ``aliases``: chrom -> VCF contig."""
    from regbench.genome.variants import read_genotypes

    g = read_genotypes(vcf, chrom, start, end, samples=samples, genome=genome, aliases=aliases)
    keep, alts = [], []
    alleles = np.asarray(g.alleles)
    for i in range(len(g.pos)):
        ref, al = g.ref[i], list(g.alts[i])
        if snv_only and (len(ref) != 1 or any(len(a) != 1 or a == "*" for a in al)):
            continue
        counts = np.array([(alleles[i] == k + 1).sum() for k in range(len(al))])
        if counts.sum() == 0:
            continue
        keep.append(i)
        alts.append(al[int(np.argmax(counts))])
    keep = np.asarray(keep, dtype=np.int64)
    dosage = (alleles[keep] > 0).sum(axis=-1).astype(np.int8) if len(keep) else np.zeros(
        (0, len(g.samples)), np.int8)
    return {
        "pos": np.asarray(g.pos)[keep].astype(np.int64) if len(keep) else np.zeros(0, np.int64),
        "ref": np.array([g.ref[i] for i in keep], dtype=object),
        "alt": np.array(alts, dtype=object),
        "dosage": dosage,
        "samples": list(g.samples),
    }


def chunk_dosages(vcf: str, genes: pd.DataFrame, window_bp: int, vcf_prefix: str = "",
                  snv_only: bool = True, samples=None, log=None, genome=None) -> dict:
    """Concatenate gene_dosages over a gene table (windows TSS +- window_bp // 2); REF alleles are
    checked against ``genome`` (a Genome or FASTA path) when given."""
    from regbench.genome.fasta import Genome
    from regbench.studies.personal.genes import gene_window, vcf_contig

    log = log or logging.getLogger(__name__)
    if genome is not None and not isinstance(genome, Genome):
        genome = Genome(genome)
    parts, sample_names = [], samples
    for g in genes.itertuples():
        start, end = gene_window(g.tss, window_bp)
        d = gene_dosages(vcf, g.chrom, max(0, start), end, samples=samples, snv_only=snv_only,
                         genome=genome, aliases={g.chrom: vcf_contig(g.chrom, vcf_prefix)})
        sample_names = d["samples"]
        parts.append((g.gene_id, d))
        log.info("%s: %d SNVs", g.gene_id, len(d["pos"]))
    n_s = len(sample_names or [])
    cat = lambda k, dt: (np.concatenate([d[k] for _, d in parts]).astype(dt)  # noqa: E731
                         if parts else np.zeros(0, dt))
    return {
        "gene": np.concatenate([np.full(len(d["pos"]), gid, dtype=object) for gid, d in parts]).astype(str)
        if parts else np.zeros(0, str),
        "pos": cat("pos", np.int64),
        "ref": cat("ref", object).astype(str),
        "alt": cat("alt", object).astype(str),
        "dosage": np.concatenate([d["dosage"] for _, d in parts]) if parts else np.zeros((0, n_s), np.int8),
        "samples": np.array(sample_names or [], dtype=str),
    }


def save_dosages(path: str | Path, d: dict) -> None:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **d)


def load_dosages(paths) -> dict:
    """Load and concatenate chunk NPZs (same sample order required)."""
    parts = [np.load(p, allow_pickle=False) for p in paths]
    samples = [str(s) for s in parts[0]["samples"]] if parts else []
    for p, z in zip(paths, parts):
        if [str(s) for s in z["samples"]] != samples:
            raise ValueError(f"{p}: sample order differs from {paths[0]}")
    return {
        "gene": np.concatenate([z["gene"] for z in parts]).astype(str),
        "pos": np.concatenate([z["pos"] for z in parts]),
        "ref": np.concatenate([z["ref"] for z in parts]).astype(str),
        "alt": np.concatenate([z["alt"] for z in parts]).astype(str),
        "dosage": np.concatenate([z["dosage"] for z in parts]),
        "samples": samples,
    }


def write_chunk_dosages(vcf: str, genes_tsv: str, chunk: int, out: str, cfg: dict, log=None, genome=None) -> None:
    """Dosages of the SNVs within TSS +- null_window_bp / 2 of the chunk's genes -> NPZ (REF alleles
    checked against the ``genome`` FASTA when given)."""
    genes = pd.read_csv(genes_tsv, sep="\t")
    genes = genes[genes["chunk"] == chunk]
    d = chunk_dosages(vcf, genes, int(cfg.get("null_window_bp", 200001)),
                      cfg.get("vcf_chrom_prefix", ""), snv_only=True, log=log, genome=genome)
    if len(d["samples"]) == 0:  # empty chunk: record the VCF's samples anyway
        from regbench.genome.variants import read_genotypes  # noqa: F401
        import cyvcf2

        d["samples"] = np.array(cyvcf2.VCF(vcf).samples, dtype=str)
        d["dosage"] = np.zeros((0, len(d["samples"])), np.int8)
    save_dosages(out, d)
