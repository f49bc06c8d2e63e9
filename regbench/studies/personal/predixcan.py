"""PrediXcan baseline: apply a PredictDB elastic-net model to phased genotypes.

Re-implements MetaXcan ``Predict.py`` (individual-level PrediXcan) as used by Sasse et al. 2023:
the model's ``varID`` (``chr{c}_{pos}_{ref}_{alt}_b38``, POS 1-based) is matched to VCF records at
the same position; the dosage is the number of haplotypes carrying the model's effect allele
(missing alleles count as REF). MetaXcan allele matching: when the VCF REF/ALT equal the model's
ref/effect alleles the ALT count is used; when they are swapped (effect allele = VCF REF) the
dosage is 2 - ALT count; any other combination (strand flips, different ALT) is not used and is
counted. Prediction = sum(weight * dosage) per gene and individual.

PredictDB schema: table ``weights(gene, rsid, varID, ref_allele, eff_allele, weight)`` and table
``extra(gene, genename, "n.snps.in.model", "pred.perf.R2", "pred.perf.pval", "pred.perf.qval")``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.metrics.correlation import pearson

WEIGHT_COLUMNS = ["gene", "rsid", "varID", "ref_allele", "eff_allele", "weight"]
EXTRA_COLUMNS = [
    "gene",
    "genename",
    "n.snps.in.model",
    "pred.perf.R2",
    "pred.perf.pval",
    "pred.perf.qval",
]
_VARID = re.compile(r"^(?:chr)?([^_]+)_(\d+)_([ACGTN]+)_([ACGTN]+)(?:_b\d+)?$", re.I)


def strip_version(gene: str) -> str:
    """ENSG00000000419.12 -> ENSG00000000419."""
    return str(gene).split(".")[0]


def write_predictdb(path: str | Path, weights: pd.DataFrame, extra: pd.DataFrame) -> None:
    """Write a PredictDB SQLite file (``weights`` and ``extra`` tables) at ``path``."""
    path = Path(path)
    if path.exists():
        path.unlink()
    with sqlite3.connect(path) as con:
        weights[WEIGHT_COLUMNS].to_sql("weights", con, index=False)
        extra[EXTRA_COLUMNS].to_sql("extra", con, index=False)
        con.execute("CREATE INDEX weights_gene ON weights (gene)")
        con.execute("CREATE INDEX weights_varID ON weights (varID)")
    con.close()


def read_predictdb(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read (weights, extra) from a PredictDB SQLite file; gene IDs lose their version suffix.

    weights gains columns chrom (as in the varID, without 'chr'), pos (0-based).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file", "a PredictDB SQLite database", "no such file")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"weights", "extra"} <= tables:
            raise InputError(path, "schema", "tables 'weights' and 'extra'", sorted(tables))
        weights = pd.read_sql("SELECT * FROM weights", con)
        extra = pd.read_sql("SELECT * FROM extra", con)
    con.close()
    missing = set(WEIGHT_COLUMNS) - set(weights.columns)
    if missing:
        raise InputError(path, "weights table", f"columns {WEIGHT_COLUMNS}", sorted(weights.columns))
    weights["gene"] = weights["gene"].map(strip_version)
    extra["gene"] = extra["gene"].map(strip_version)
    parsed = weights["varID"].str.extract(_VARID)
    bad = parsed[0].isna()
    if bad.any():
        raise InputError(
            path, f"weights.varID {weights.loc[bad, 'varID'].iloc[0]!r}",
            "chr{chrom}_{pos}_{ref}_{alt}_b38",
        )
    weights["chrom"] = parsed[0]
    weights["pos"] = parsed[1].astype(np.int64) - 1
    return weights, extra


def effect_dosage(genotypes, pos0: int, ref_allele: str, eff_allele: str):
    """Dosage (n_samples,) of ``eff_allele`` at 0-based ``pos0`` with MetaXcan matching, or None.

    ``genotypes``: a ``regbench.genome.variants.Genotypes`` (pos 0-based, ref, alts, alleles
    (n_var, n_samples, 2) allele index with missing -> 0). Returns (dosage, how) where how is
    'alt' (model eff = VCF ALT), 'flipped' (model eff = VCF REF) or None when nothing matches.
    """
    idx = np.flatnonzero(np.asarray(genotypes.pos) == pos0)
    for i in idx:
        ref = genotypes.ref[i]
        for k, alt in enumerate(genotypes.alts[i], start=1):
            count = (np.asarray(genotypes.alleles[i]) == k).sum(axis=-1).astype(np.float64)
            if ref == ref_allele and alt == eff_allele:
                return count, "alt"
            if ref == eff_allele and alt == ref_allele:
                return 2.0 - count, "flipped"
    return None, None


def predict_gene(weights: pd.DataFrame, genotypes) -> tuple[np.ndarray, dict]:
    """PrediXcan prediction (n_samples,) of one gene from its weight rows and its genotypes."""
    n = len(genotypes.samples)
    pred = np.zeros(n, dtype=np.float64)
    counts = {"used": 0, "flipped": 0, "unmatched": 0}
    for row in weights.itertuples(index=False):
        d, how = effect_dosage(genotypes, int(row.pos), row.ref_allele, row.eff_allele)
        if d is None:
            counts["unmatched"] += 1
            continue
        counts["used"] += 1
        counts["flipped"] += how == "flipped"
        pred += float(row.weight) * d
    return pred, counts


def predixcan_predictions(
    db: str | Path,
    vcf: str | Path,
    genes: list[str] | None = None,
    samples: list[str] | None = None,
    chrom_prefix: str = "",
    log: logging.Logger | None = None,
) -> pd.DataFrame:
    """Predicted expression, genes x samples (index gene), for every gene of the model in ``genes``.

    Genotypes come from ``regbench.genome.variants.read_genotypes`` over the span of each gene's
    model SNVs; ``chrom_prefix`` is prepended to the varID chromosome to name the VCF contig
    (``"chr"`` for a GRCh38 VCF with chr names; "" for ROSMAP-style 1..22).
    """
    from regbench.genome.variants import read_genotypes

    log = log or logging.getLogger(__name__)
    weights, _extra = read_predictdb(db)
    if genes is not None:
        weights = weights[weights["gene"].isin(set(genes))]
    rows, totals = {}, {"used": 0, "flipped": 0, "unmatched": 0}
    for gene, w in weights.groupby("gene", sort=True):
        chrom = chrom_prefix + str(w["chrom"].iloc[0])
        g = read_genotypes(vcf, chrom, int(w["pos"].min()), int(w["pos"].max()) + 1, samples=samples)
        pred, counts = predict_gene(w, g)
        for k in totals:
            totals[k] += counts[k]
        rows[gene] = pd.Series(pred, index=list(g.samples))
    log.info("PrediXcan: %d genes, SNV weights %s", len(rows), totals)
    out = pd.DataFrame(rows).T
    out.index.name = "gene"
    return out


def predixcan_comparison(df: pd.DataFrame, threshold: float = 0.2) -> dict:
    """Compare PrediXcan and Enformer per-gene R over the genes that have a PrediXcan model.

    In: columns ``gene, r_enformer, r_predixcan`` (NaN r_predixcan = no model). Counts use
    positive R only (R > threshold), as the authors counted for Fig. 2C (921 vs 162).
    Returns n_genes, mean_r_predixcan, mean_r_enformer, n_predixcan_above, n_enformer_above,
    n_enformer_abs_above, corr_predixcan_abs_enformer (Supp. Fig. 4).
    """
    missing = {"gene", "r_enformer", "r_predixcan"} - set(df.columns)
    if missing:
        raise ValueError(f"predixcan_comparison: missing columns {sorted(missing)}")
    d = df[df["r_predixcan"].notna() & df["r_enformer"].notna()]
    rp = d["r_predixcan"].to_numpy(dtype=np.float64)
    re_ = d["r_enformer"].to_numpy(dtype=np.float64)
    return {
        "n_genes": int(len(d)),
        "mean_r_predixcan": float(rp.mean()) if len(d) else float("nan"),
        "mean_r_enformer": float(re_.mean()) if len(d) else float("nan"),
        "n_predixcan_above": int((rp > threshold).sum()),
        "n_enformer_above": int((re_ > threshold).sum()),
        "n_enformer_abs_above": int((np.abs(re_) > threshold).sum()),
        "corr_predixcan_abs_enformer": float(pearson(rp, np.abs(re_))) if len(d) > 2 else float("nan"),
    }


def write_predixcan_table(db: str, vcf: str, genes_tsv: str, expression: str, out: str,
                          cfg: dict, log=None) -> pd.DataFrame:
    """predixcan.tsv: gene_id, r_predixcan (Pearson R of the PrediXcan prediction with observed
    expression over the samples in common), n_samples; NaN where the gene has no model."""
    from regbench.studies.personal.genes import read_expression
    from regbench.workflow import atomic_path

    genes = pd.read_csv(genes_tsv, sep="\t")
    expr = read_expression(expression)
    from regbench.genome.variants import vcf_samples as read_vcf_samples

    vcf_samples = read_vcf_samples(vcf)
    common = sorted(set(vcf_samples) & set(expr.columns))
    pred = predixcan_predictions(db, vcf, list(genes["gene_id"]), samples=common,
                                 chrom_prefix=cfg.get("vcf_chrom_prefix", ""), log=log)
    rows = []
    for g in genes["gene_id"]:
        r = np.nan
        if g in pred.index and g in expr.index:
            r = pearson(pred.loc[g, common].to_numpy(np.float64), expr.loc[g, common].to_numpy(np.float64))
        rows.append((g, r, len(common)))
    df = pd.DataFrame(rows, columns=["gene_id", "r_predixcan", "n_samples"])
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return df
