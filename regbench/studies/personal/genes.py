"""Gene table of the personal study: TSS (gene 5' end) from a GENCODE-style GTF, the expressed
genes, a seeded subsample (the paper's random 6,825 of 13,397) and the GPU chunks."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError

_ATTR = re.compile(r'(\S+) "([^"]*)"')


def read_gtf_genes(path: str | Path) -> pd.DataFrame:
    """Gene records of a GTF: gene_id (version stripped), gene_name, gene_type, chrom, tss, strand.

    ``tss`` is the 0-based position of the gene's 5' end (GTF start - 1 on '+', GTF end - 1 on
    '-'), as the authors' ``gene-ids-and-positions.tsv`` (gene-level, not transcript-level).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as fh:
            rows = _gtf_gene_rows(path, fh)
    except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as e:
        raise InputError(path, None, "a complete, readable GTF (gzip when named .gz)",
                         f"{type(e).__name__}: {e} (truncated or corrupt download?)") from None
    return pd.DataFrame(rows, columns=["gene_id", "gene_name", "gene_type", "chrom", "tss", "strand"])


def _gtf_gene_rows(path: Path, fh) -> list[tuple]:
    """(gene_id, gene_name, gene_type, chrom, tss, strand) of every gene line of an open GTF."""
    rows = []
    for n, line in enumerate(fh, 1):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 9:
            raise InputError(path, f"line {n}", "9 tab-separated GTF columns", len(f))
        if f[2] != "gene":
            continue
        attrs = dict(_ATTR.findall(f[8]))
        if "gene_id" not in attrs:
            raise InputError(path, f"line {n}", "a gene_id attribute", f[8][:80])
        try:
            start, end, strand = int(f[3]), int(f[4]), f[6]
        except ValueError:
            raise InputError(path, f"line {n}", "integer start and end (GTF columns 4 and 5)", f"{f[3]!r}, {f[4]!r}") from None
        if strand not in ("+", "-"):
            raise InputError(path, f"line {n}", "strand + or - for a gene", repr(strand))
        rows.append(
            (attrs["gene_id"].split(".")[0], attrs.get("gene_name", attrs["gene_id"]),
             attrs.get("gene_type", attrs.get("gene_biotype", "")), f[0],
             start - 1 if strand == "+" else end - 1, strand)
        )
    return rows


def read_expression(path: str | Path) -> pd.DataFrame:
    """Observed expression, genes x samples (index gene_id without version, columns sample IDs)."""
    try:
        df = pd.read_csv(path, sep="\t", index_col=0)
    except pd.errors.EmptyDataError:
        raise InputError(path, None, "a TSV with a header (gene_id, one column per sample) and one row per gene",
                         "an empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError(path, None, "a tab-separated expression table", f"{type(e).__name__}: {e}") from None
    if df.shape[1] == 0:
        raise InputError(path, "header", "gene_id followed by one column per sample", list(df.columns))
    df.index = [str(g).split(".")[0] for g in df.index]
    df.index.name = "gene_id"
    return df.astype(np.float64)


def select_genes(
    genes: pd.DataFrame,
    expressed: list[str],
    n_genes: int | None,
    seed: int,
    chunk_size: int,
    gene_types: list[str] | None = None,
    chromosomes: list[str] | None = None,
    test_chroms: list[str] = (),
    valid_chroms: list[str] = (),
) -> pd.DataFrame:
    """Expressed genes (optionally of ``gene_types`` on ``chromosomes``), a seeded random subset of
    ``n_genes`` (None = all), sorted by gene_id, with ``split`` (train/valid/test by chromosome)
    and ``chunk`` (row // chunk_size)."""
    g = genes[genes["gene_id"].isin(set(expressed))]
    if gene_types:
        g = g[g["gene_type"].isin(gene_types)]
    if chromosomes:
        g = g[g["chrom"].isin(chromosomes)]
    g = g.drop_duplicates("gene_id").sort_values("gene_id").reset_index(drop=True)
    if n_genes is not None and len(g) > n_genes:
        rng = np.random.default_rng(seed)
        g = g.iloc[np.sort(rng.choice(len(g), n_genes, replace=False))].reset_index(drop=True)
    g["split"] = np.where(g["chrom"].isin(test_chroms), "test",
                          np.where(g["chrom"].isin(valid_chroms), "valid", "train"))
    g["chunk"] = np.arange(len(g)) // chunk_size
    return g


def vcf_contig(chrom: str, prefix: str) -> str:
    """VCF contig name of a genome chromosome: ``prefix`` + name without 'chr' ("1" or "chr1")."""
    return prefix + str(chrom).removeprefix("chr")


def gene_window(tss: int, window_bp: int) -> tuple[int, int]:
    """0-based half-open window of ``window_bp`` with the TSS at offset window_bp // 2.

    For 196,608 bp this is TSS0 - 98,304 ... TSS0 + 98,304, the TSS in Enformer output bin 448.
    """
    start = int(tss) - window_bp // 2
    return start, start + window_bp


def write_gene_table(gtf: str, expression: str, out: str, cfg: dict, log=None) -> pd.DataFrame:
    """genes.tsv of the study: gene_id, gene_name, gene_type, chrom, tss (0-based), strand,
    split, chunk (see :func:`select_genes`; settings from config[personal])."""
    from regbench.workflow import atomic_path

    genes = read_gtf_genes(gtf)
    expr = pd.read_csv(expression, sep="\t", usecols=[0]).iloc[:, 0].astype(str)
    expressed = [g.split(".")[0] for g in expr]
    gcfg = cfg.get("genes", {})
    table = select_genes(
        genes, expressed, gcfg.get("n_genes"), int(gcfg.get("seed", 1)),
        int(gcfg.get("chunk_size", 100)), gcfg.get("gene_types"), gcfg.get("chromosomes"),
        cfg.get("test_chroms", []), cfg.get("valid_chroms", []),
    )
    if table.empty:
        raise InputError(gtf, "gene records", f"genes that are also rows of {expression}", "none")
    with atomic_path(out) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    if log:
        log.info("%d GTF genes, %d expressed, %d selected in %d chunks", len(genes),
                 len(expressed), len(table), table["chunk"].nunique())
    return table
