"""Per-gene SNV dosage matrices (ALT-allele counts) for the null model, eQTLs, ISM and drivers.

Sasse et al. use every SNV in TSS +-100 kb (``variant_info_100k``), dosage = number of non-REF
alleles (0/1/2) per individual; missing alleles count as REF (``read_genotypes`` counts them).
The ISM allele is the most common non-REF base over all haplotypes (§1.9).
Stored flat in one NPZ per chunk: ``gene`` (n,), ``pos`` (n, 0-based), ``ref``, ``alt`` (main
ALT), ``dosage`` (n, n_samples) int8, ``samples`` (n_samples,), ``gene_ids`` + ``offsets`` (gene k
= rows offsets[k]:offsets[k+1]); :class:`DosageChunk` reads one chunk with per-gene slices.
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
    """:func:`gene_dosages` of every gene of a chunk table (windows TSS +- window_bp // 2), flat:
    gene (n,), pos, ref, alt, dosage (n, n_samples) int8, samples, and the per-gene index
    ``gene_ids`` (genes in table order) + ``offsets`` (len(gene_ids) + 1): gene k's SNVs are rows
    ``offsets[k]:offsets[k + 1]`` (so readers slice a gene without scanning string masks). REF
    alleles are checked against ``genome`` (a Genome or FASTA path) when given."""
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
    counts = np.array([len(d["pos"]) for _, d in parts], dtype=np.int64)
    return {
        "gene": np.concatenate([np.full(len(d["pos"]), gid, dtype=object) for gid, d in parts]).astype(str)
        if parts else np.zeros(0, str),
        "pos": cat("pos", np.int64),
        "ref": cat("ref", object).astype(str),
        "alt": cat("alt", object).astype(str),
        "dosage": np.concatenate([d["dosage"] for _, d in parts]) if parts else np.zeros((0, n_s), np.int8),
        "samples": np.array(sample_names or [], dtype=str),
        "gene_ids": np.array([gid for gid, _ in parts], dtype=str),
        "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    }


def save_dosages(path: str | Path, d: dict) -> None:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **d)


class DosageChunk:
    """One genotype chunk NPZ (:func:`chunk_dosages`) with O(1) per-gene slices.

    ``samples`` (list), ``gene_ids`` (genes in file order), ``gene(gid)`` -> dict pos, ref, alt,
    dosage (n_snv, n_samples) int8 of that gene (views into the loaded arrays). Chunks written
    before ``offsets`` existed are indexed from their (contiguous) ``gene`` column once.
    Memory: one chunk's arrays (the dosage matrix dominates: n_snv x n_samples bytes).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with np.load(self.path, allow_pickle=False) as z:
            self.pos = z["pos"]
            self.ref = z["ref"].astype(str)
            self.alt = z["alt"].astype(str)
            self.dosage = z["dosage"]
            self.samples = [str(s) for s in z["samples"]]
            if "offsets" in z.files:
                self.gene_ids = [str(g) for g in z["gene_ids"]]
                offsets = z["offsets"].astype(np.int64)
            else:
                gene = z["gene"].astype(str)
                change = np.flatnonzero(gene[1:] != gene[:-1]) + 1 if len(gene) else np.zeros(0, int)
                starts = np.concatenate([[0], change]) if len(gene) else np.zeros(0, int)
                self.gene_ids = [str(gene[i]) for i in starts]
                offsets = np.concatenate([starts, [len(gene)]]).astype(np.int64)
        if len(set(self.gene_ids)) != len(self.gene_ids):
            raise ValueError(f"{self.path}: a gene's SNVs are not contiguous")
        self._index = {g: (int(offsets[k]), int(offsets[k + 1])) for k, g in enumerate(self.gene_ids)}

    def __contains__(self, gene_id: str) -> bool:
        return gene_id in self._index

    def gene(self, gene_id: str) -> dict:
        a, b = self._index.get(gene_id, (0, 0))
        return {"pos": self.pos[a:b], "ref": self.ref[a:b], "alt": self.alt[a:b], "dosage": self.dosage[a:b]}


def load_dosages(paths) -> dict:
    """Load and concatenate chunk NPZs (same sample order required). Memory grows with the number
    of chunks: for tests and small inputs only; the study's steps read :class:`DosageChunk` one
    chunk at a time."""
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
        from regbench.genome.variants import vcf_samples

        d["samples"] = np.array(vcf_samples(vcf), dtype=str)
        d["dosage"] = np.zeros((0, len(d["samples"])), np.int8)
    save_dosages(out, d)
