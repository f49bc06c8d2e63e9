"""Gene tables of the personal study: TSS (gene 5' end) from a GENCODE-style GTF, the expressed
genes (reference analyses: all of them, 13,397 in the paper), a seeded subsample for the personal
analyses (the paper's random 6,825) with the paper's example genes forced in, the gene split
(Enformer's train/valid/test regions, or chromosomes) and the GPU chunks."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.studies.personal.plan import n_chunks

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


def read_expression(path: str | Path, genes=None, chunksize: int = 2000) -> pd.DataFrame:
    """Observed expression, genes x samples (index gene_id without version, columns sample IDs),
    float64. ``genes``: keep only these gene IDs; the file is then read ``chunksize`` rows at a
    time, so memory is the kept rows plus one block (the whole table otherwise)."""
    path = Path(path)
    try:
        header = pd.read_csv(path, sep="\t", nrows=0)
    except pd.errors.EmptyDataError:
        raise InputError(path, None, "a TSV with a header (gene_id, one column per sample) and one row per gene",
                         "an empty file") from None
    if header.shape[1] < 2:
        raise InputError(path, "header", "gene_id followed by one column per sample", list(header.columns))
    keep = None if genes is None else set(str(g) for g in genes)
    parts = []
    try:
        for block in pd.read_csv(path, sep="\t", index_col=0, chunksize=chunksize):
            block.index = [str(g).split(".")[0] for g in block.index]
            if keep is not None:
                block = block[block.index.isin(keep)]
            parts.append(block.astype(np.float64))
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise InputError(path, None, "a tab-separated expression table of numbers", f"{type(e).__name__}: {e}") from None
    df = pd.concat(parts) if parts else pd.DataFrame(columns=header.columns[1:], dtype=np.float64)
    df.index.name = "gene_id"
    return df


def read_enformer_regions(path: str | Path) -> pd.DataFrame:
    """Basenji/Enformer ``sequences.bed`` (chrom, start, end, fold; fold in train/valid/test),
    0-based half-open. Raises InputError on another layout."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", header=None, comment="#", dtype={0: str})
    if df.shape[1] < 4:
        raise InputError(path, "line 1", "4 columns chrom, start, end, fold (train/valid/test)", df.shape[1])
    df = df.iloc[:, :4]
    df.columns = ["chrom", "start", "end", "fold"]
    bad = ~df["fold"].isin(["train", "valid", "test"])
    if bad.any():
        raise InputError(path, f"line {int(np.flatnonzero(bad)[0]) + 1}", "fold train, valid or test",
                         df.loc[bad, "fold"].iloc[0])
    return df


def enformer_split(genes: pd.DataFrame, regions: pd.DataFrame, window_bp: int = 40_000) -> np.ndarray:
    """Enformer fold of each gene (SAGEnet ``save_enformer_gene_sets.py``): the fold of a
    ``sequences.bed`` region that contains the whole window TSS +- window_bp // 2 (0-based,
    half-open [tss - w/2, tss + w/2)); ``none`` when no single region contains it.

    Enformer's regions of one fold may overlap each other, never regions of another fold at the
    same place in a way that matters here: the first containing region (test, valid, train order)
    wins. Returns an object array aligned with ``genes``.
    """
    half = window_bp // 2
    out = np.full(len(genes), "none", dtype=object)
    lo = genes["tss"].to_numpy(np.int64) - half
    hi = genes["tss"].to_numpy(np.int64) + half
    chroms = genes["chrom"].astype(str).to_numpy()
    for fold in ("train", "valid", "test"):  # later folds overwrite: test wins over valid over train
        r = regions[regions["fold"] == fold]
        for chrom, rc in r.groupby("chrom"):
            m = np.flatnonzero(chroms == chrom)
            if not len(m):
                continue
            starts = rc["start"].to_numpy(np.int64)
            ends = rc["end"].to_numpy(np.int64)
            order = np.argsort(starts)
            starts, ends = starts[order], ends[order]
            run_max_end = np.maximum.accumulate(ends)
            # the region with the largest end among those starting at or before the window start
            k = np.searchsorted(starts, lo[m], side="right") - 1
            ok = (k >= 0) & (run_max_end[np.clip(k, 0, None)] >= hi[m])
            out[m[ok]] = fold
    return out


def spread_chunks(n: int, n_chunks: int) -> np.ndarray:
    """Chunk of each of ``n`` rows over ``n_chunks`` contiguous, near-equal chunks
    (``i * n_chunks // n``): the chunk count is fixed at parse time from config, the row count is
    whatever the data give, and no chunk is empty while n >= n_chunks."""
    if n == 0:
        return np.zeros(0, np.int64)
    return (np.arange(n, dtype=np.int64) * int(n_chunks)) // n


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
    n_chunks: int | None = None,
    examples: dict | None = None,
    regions: pd.DataFrame | None = None,
    split_window_bp: int = 40_000,
) -> pd.DataFrame:
    """Expressed genes (optionally of ``gene_types`` on ``chromosomes``), a seeded random subset of
    ``n_genes`` (None = all), sorted by gene_id, with ``split``, ``example`` and ``chunk``.

    * ``examples``: role -> gene_id (e.g. {positive: ENSG00000013573}); those genes are added to
      the subset when the draw missed them (the paper's DDX11 and GSTM3) and named in column
      ``example`` (empty otherwise). A configured example gene that is not an expressed gene of
      the GTF raises ValueError.
    * ``split``: Enformer fold from ``regions`` (:func:`enformer_split`), else train/valid/test by
      chromosome (``test_chroms``, ``valid_chroms``).
    * ``chunk``: :func:`spread_chunks` over ``n_chunks`` (default ceil(n / chunk_size)).
    """
    g = genes[genes["gene_id"].isin(set(expressed))]
    if gene_types:
        g = g[g["gene_type"].isin(gene_types)]
    if chromosomes:
        g = g[g["chrom"].isin(chromosomes)]
    g = g.drop_duplicates("gene_id").sort_values("gene_id").reset_index(drop=True)
    examples = {k: v for k, v in (examples or {}).items() if v}
    missing = {r: gid for r, gid in examples.items() if gid not in set(g["gene_id"])}
    if missing:
        raise ValueError(f"example genes {missing} are not expressed genes of the GTF (after the gene_types/"
                         "chromosomes filters); check personal.genes.examples")
    if n_genes is not None and len(g) > n_genes:
        rng = np.random.default_rng(seed)
        keep = np.zeros(len(g), bool)
        keep[rng.choice(len(g), n_genes, replace=False)] = True
        keep |= g["gene_id"].isin(set(examples.values())).to_numpy()
        g = g[keep].reset_index(drop=True)
    role = {gid: r for r, gid in examples.items()}
    g["example"] = [role.get(x, "") for x in g["gene_id"]]
    if regions is not None:
        g["split"] = enformer_split(g, regions, split_window_bp)
    else:
        g["split"] = np.where(g["chrom"].isin(test_chroms), "test",
                              np.where(g["chrom"].isin(valid_chroms), "valid", "train"))
    k = n_chunks if n_chunks is not None else max(1, -(-len(g) // chunk_size))
    g["chunk"] = spread_chunks(len(g), k)
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


def write_gene_table(gtf: str, expression: str, out: str, cfg: dict, log=None, out_reference: str | None = None,
                     regions: str | None = None) -> pd.DataFrame:
    """genes.tsv of the study (the personal subsample: gene_id, gene_name, gene_type, chrom, tss
    (0-based), strand, example, split, chunk; see :func:`select_genes`) and, with
    ``out_reference``, reference_genes.tsv (every expressed gene: the reference-sequence analyses
    of Fig. 1B, Supp. Fig. 1, ED Fig. 2A; its own ``chunk`` over ``genes.n_reference``).
    ``regions``: Enformer ``sequences.bed`` for the gene split (else the chromosome split)."""
    from regbench.workflow import atomic_path

    genes = read_gtf_genes(gtf)
    expr = pd.read_csv(expression, sep="\t", usecols=[0]).iloc[:, 0].astype(str)
    expressed = [g.split(".")[0] for g in expr]
    gcfg = cfg.get("genes", {})
    reg = read_enformer_regions(regions) if regions else None
    common = dict(
        gene_types=gcfg.get("gene_types"), chromosomes=gcfg.get("chromosomes"),
        test_chroms=cfg.get("test_chroms", []), valid_chroms=cfg.get("valid_chroms", []),
        examples=gcfg.get("examples") or {}, regions=reg,
        split_window_bp=int(cfg.get("split", {}).get("window_bp", 40_000)),
    )
    try:
        table = select_genes(genes, expressed, gcfg.get("n_genes"), int(gcfg.get("seed", 1)),
                             int(gcfg.get("chunk_size", 100)), n_chunks=n_chunks(cfg), **common)
        ref = select_genes(genes, expressed, None, 0, int(gcfg.get("chunk_size", 100)),
                           n_chunks=n_chunks(cfg, "reference"), **common) if out_reference else None
    except ValueError as e:
        raise InputError(gtf, "gene records", "the configured example genes among the expressed genes", str(e)) from None
    if table.empty:
        raise InputError(gtf, "gene records", f"genes that are also rows of {expression}", "none")
    for path, df in ((out, table), (out_reference, ref)):
        if path:
            with atomic_path(path) as tmp:
                df.to_csv(tmp, sep="\t", index=False)
    if log:
        log.info("%d GTF genes, %d expressed, %d selected in %d chunks%s", len(genes),
                 len(expressed), len(table), table["chunk"].nunique(),
                 f"; {len(ref)} reference genes in {ref['chunk'].nunique()} chunks" if ref is not None else "")
        log.info("split: %s", table["split"].value_counts().to_dict())
    return table
