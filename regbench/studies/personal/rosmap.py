"""ROSMAP inputs as the authors prepared them (Sasse et al. 2023 §1.3-1.4, spec §2.1).

Genotypes (rules in rules/personal.smk, tools from Debian / the Eagle download): the GRCh37
per-chromosome joint VCFs of the ROSMAP WGS release -> Picard ``LiftoverVcf`` to GRCh38 (UCSC
hg19ToHg38 chain) -> PLINK 1.9 QC (``--keep-allele-order``, optional PCA-outlier removal, MAF /
HWE / missingness filters) -> phasing (Eagle 2.4.1 as the authors, or SHAPEIT4 here) ->
``bcftools concat`` into one indexed ``chrAll.phased.vcf.gz``. :func:`~regbench.studies.personal.plan.plink_qc_args`
and :func:`~regbench.studies.personal.plan.phasing_command` build the command lines from config.

Expression (:func:`build_expression`): DLPFC RNA-seq gene counts -> the paired individuals
(WGS <-> RNA-seq through the ROSMAP ID key) -> TMM normalisation factors (``rnanorm``, edgeR's
algorithm) -> log2 CPM as voom (``log2((count + 0.5) / (lib * nf + 1) * 1e6)``) ->
genes with mean log2 CPM > ``min_mean_log2cpm`` (2) -> OLS regression of each gene on the
covariates (technical and biological, categorical ones as indicator columns, plus the top
``n_pcs`` expression principal components) -> residuals + the gene's mean. Columns are the VCF
sample IDs of the paired individuals, so the study joins genotypes and expression by name.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.studies.personal.plan import phasing_command, plink_qc_args  # noqa: F401 (re-exported)


def eagle_map_for_shapeit4(eagle_map_gz: str, chrom: str, out: str) -> int:
    """SHAPEIT4 genetic map (``pos chr cM``, tab-separated, header) of one chromosome from Eagle's
    ``genetic_map_hg38_withX.txt.gz`` (chr position rate(cM/Mb) map(cM)). Returns rows written."""
    from regbench.workflow import atomic_path

    want = str(chrom).removeprefix("chr")
    n = 0
    with gzip.open(eagle_map_gz, "rt") as fh, atomic_path(out) as tmp, open(tmp, "w") as oh:
        oh.write("pos\tchr\tcM\n")
        header = fh.readline()
        if not header.lower().startswith("chr"):
            raise InputError(eagle_map_gz, "line 1", "header chr position COMBINED_rate(cM/Mb) Genetic_Map(cM)", header[:60])
        for line in fh:
            f = line.split()
            if f and f[0].removeprefix("chr") == want:
                oh.write(f"{f[1]}\t{want}\t{f[3]}\n")
                n += 1
    return n


# ---------------------------------------------------------------------------------------------
# expression


def read_counts(path: str | Path) -> pd.DataFrame:
    """Gene x specimen count matrix (TSV/CSV, optionally gzipped): first column the gene ID
    (Ensembl, version stripped), one column per RNA-seq specimen. STAR summary rows (``N_*``,
    ``__*``) and other non-Ensembl rows are dropped; duplicated genes (PAR_Y) are summed."""
    path = Path(path)
    sep = "," if path.name.removesuffix(".gz").endswith(".csv") else "\t"
    df = pd.read_csv(path, sep=sep, index_col=0)
    if df.shape[1] == 0:
        raise InputError(path, "header", "gene ID followed by one column per specimen", list(df.columns))
    ids = df.index.astype(str)
    keep = ids.str.startswith("ENSG")
    if not keep.any():
        raise InputError(path, "first column", "Ensembl gene IDs (ENSG...)", list(ids[:3]))
    df = df[keep]
    df.index = [g.split(".")[0] for g in df.index.astype(str)]
    bad = ~df.apply(lambda c: pd.api.types.is_numeric_dtype(c)).to_numpy()
    if bad.any():
        raise InputError(path, f"column {df.columns[int(np.flatnonzero(bad)[0])]!r}", "integer counts", "text")
    return df.groupby(level=0, sort=False).sum()


def tmm_factors(counts: pd.DataFrame, trim_m: float = 0.3, trim_a: float = 0.05) -> np.ndarray:
    """TMM normalisation factors (geometric mean 1) of a genes x samples count matrix, with
    ``rnanorm.TMM`` (a maintained port of edgeR's ``calcNormFactors(method = "TMM")``: reference =
    the sample whose upper quartile is closest to the mean, rank-based double trimming, inverse
    variance weights)."""
    from rnanorm import TMM

    x = counts.to_numpy(np.float64).T  # rnanorm: samples x genes
    return np.asarray(TMM(m_trim=trim_m, a_trim=trim_a).fit(x).get_norm_factors(x), np.float64)


def log2_cpm(counts: pd.DataFrame, norm_factors: np.ndarray) -> pd.DataFrame:
    """voom's log2 CPM: log2((count + 0.5) / (lib_size * norm_factor + 1) * 1e6)."""
    lib = counts.sum(axis=0).to_numpy(np.float64) * np.asarray(norm_factors, np.float64)
    return np.log2((counts.astype(np.float64) + 0.5) / (lib + 1.0) * 1e6)


def covariate_design(covariates: pd.DataFrame, numeric: list[str], categorical: list[str]) -> np.ndarray:
    """(n_samples, k) design without intercept: numeric columns standardised, each categorical
    column as indicator columns of all but its first level. Missing numeric values -> column mean."""
    cols = []
    for c in numeric:
        # ROSMAP codes ages over 90 as "90+": read as 90
        v = pd.to_numeric(covariates[c].astype(str).str.rstrip("+"), errors="coerce").astype(np.float64)
        v = v.fillna(v.mean())
        sd = v.std(ddof=0)
        cols.append(((v - v.mean()) / (sd if sd > 0 else 1.0)).to_numpy()[:, None])
    for c in categorical:
        d = pd.get_dummies(covariates[c].astype(str), drop_first=True, dtype=np.float64)
        if d.shape[1]:
            cols.append(d.to_numpy())
    return np.concatenate(cols, axis=1) if cols else np.zeros((len(covariates), 0))


def regress_out(y: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Residuals of each row of ``y`` (genes, samples) on [1, design] by least squares, plus the
    row's mean (the authors kept mean expression levels). design: (samples, k)."""
    y = np.asarray(y, np.float64)
    x = np.column_stack([np.ones(y.shape[1]), design])
    beta, *_ = np.linalg.lstsq(x, y.T, rcond=None)
    return (y.T - x @ beta).T + y.mean(axis=1, keepdims=True)


def expression_pcs(y: np.ndarray, n: int) -> np.ndarray:
    """(samples, n) top principal-component scores of a genes x samples matrix (genes centred)."""
    if n <= 0:
        return np.zeros((y.shape[1], 0))
    yc = np.asarray(y, np.float64) - np.asarray(y, np.float64).mean(axis=1, keepdims=True)
    u, s, vt = np.linalg.svd(yc, full_matrices=False)
    return (vt[:n].T * s[:n])


def pair_individuals(id_key: pd.DataFrame, cfg: dict, specimens: list[str], vcf_samples: list[str]) -> pd.DataFrame:
    """The individuals with both an RNA-seq specimen (a count column) and a WGS sample (a VCF
    sample), one row each: individual, rnaseq, wgs. ``cfg``: rosmap.id_key column names
    (individual, rnaseq, wgs). An individual with several specimens keeps the first listed."""
    ind, rna, wgs = cfg.get("individual", "projid"), cfg.get("rnaseq", "rnaseq_id"), cfg.get("wgs", "wgs_id")
    missing = [c for c in (ind, rna, wgs) if c not in id_key.columns]
    if missing:
        raise KeyError(f"ID key lacks columns {missing} (has {list(id_key.columns)}); set personal.rosmap.id_key")
    k = id_key[[ind, rna, wgs]].dropna().astype(str)
    k = k[k[rna].isin(set(specimens)) & k[wgs].isin(set(vcf_samples))]
    k = k.drop_duplicates(ind, keep="first").drop_duplicates(wgs, keep="first")
    return k.rename(columns={ind: "individual", rna: "rnaseq", wgs: "wgs"}).reset_index(drop=True)


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    sep = "," if path.name.removesuffix(".gz").endswith(".csv") else "\t"
    return pd.read_csv(path, sep=sep, dtype=str)


def build_expression(counts_path: str, id_key_path: str, covariate_paths: dict[str, str], vcf: str,
                     out_expression: str, out_pairs: str, cfg: dict, log: logging.Logger | None = None) -> pd.DataFrame:
    """Observed expression of the paired individuals (genes x VCF sample IDs, TSV), see module doc.
    ``vcf``: the phased VCF, or its sample list (``.txt``, one ID per line: what the rule reads, so
    the job's input is the expression data, not the 15 GB VCF).

    ``cfg`` = config personal.rosmap.rnaseq: ``id_key`` column names, ``covariates`` (list of
    tables: name (key of ``covariate_paths``), key (individual | rnaseq | wgs: which ID the
    table's ``id_column`` holds), numeric, categorical), ``min_mean_log2cpm``, ``n_pcs``.
    ``out_pairs``: individual, rnaseq, wgs, norm_factor, lib_size of every paired individual.
    """
    from regbench.workflow import atomic_path

    log = log or logging.getLogger(__name__)
    counts = read_counts(counts_path)
    key = read_table(id_key_path)
    if str(vcf).endswith(".txt"):  # the sample list of the VCF (bcftools query -l)
        vcf_samples = [x.strip() for x in Path(vcf).read_text().splitlines() if x.strip()]
    else:
        from regbench.genome.variants import vcf_samples as read_vcf_samples

        vcf_samples = read_vcf_samples(vcf)
    pairs = pair_individuals(key, cfg.get("id_key", {}), list(counts.columns), vcf_samples)
    if len(pairs) < 3:
        raise InputError(id_key_path, "paired individuals", ">= 3 individuals with both a count column and a VCF sample",
                         f"{len(pairs)} (counts: {list(counts.columns[:3])}..., VCF: {vcf_samples[:3]}...)")
    counts = counts[pairs["rnaseq"].tolist()]
    nf = tmm_factors(counts)
    lcpm = log2_cpm(counts, nf)
    keep = lcpm.mean(axis=1) > float(cfg.get("min_mean_log2cpm", 2.0))
    lcpm = lcpm[keep]
    ids = {"individual": pairs["individual"], "rnaseq": pairs["rnaseq"], "wgs": pairs["wgs"]}
    design_parts = []
    for spec in cfg.get("covariates", []):
        table = read_table(covariate_paths[spec["name"]])
        col = spec["id_column"]
        if col not in table:
            raise InputError(covariate_paths[spec["name"]], "header", f"ID column {col!r}", list(table.columns)[:10])
        wanted = list(spec.get("numeric", [])) + list(spec.get("categorical", []))
        absent = [c for c in wanted if c not in table.columns]
        if absent:
            raise InputError(covariate_paths[spec["name"]], "header", f"covariate columns {wanted}", f"missing {absent}")
        t = table.drop_duplicates(col).set_index(col).reindex(ids[spec.get("key", "rnaseq")].astype(str).to_numpy())
        if t[wanted].isna().all(axis=1).any():
            lost = ids[spec.get("key", "rnaseq")][t[wanted].isna().all(axis=1).to_numpy()].tolist()[:5]
            log.warning("%s: no covariates for %d individuals (e.g. %s): numeric values set to the mean",
                        spec["name"], int(t[wanted].isna().all(axis=1).sum()), lost)
        design_parts.append(covariate_design(t.reset_index(drop=True), list(spec.get("numeric", [])),
                                             list(spec.get("categorical", []))))
    pcs = expression_pcs(lcpm.to_numpy(), int(cfg.get("n_pcs", 10)))
    design = np.concatenate(design_parts + [pcs], axis=1) if design_parts else pcs
    if design.shape[1] >= len(pairs) - 1:
        raise InputError(counts_path, "design", f"fewer covariate columns than individuals - 1 ({len(pairs) - 1})",
                         design.shape[1])
    resid = regress_out(lcpm.to_numpy(), design)
    out = pd.DataFrame(resid, index=lcpm.index, columns=pairs["wgs"].tolist())
    out.index.name = "gene_id"
    with atomic_path(out_expression) as tmp:
        out.to_csv(tmp, sep="\t", float_format="%.6g")
    pairs = pairs.assign(norm_factor=nf, lib_size=counts.sum(axis=0).to_numpy())
    with atomic_path(out_pairs) as tmp:
        pairs.to_csv(tmp, sep="\t", index=False)
    log.info("expression: %d paired individuals, %d of %d genes with mean log2 CPM > %s, design %d columns "
             "(%d expression PCs)", len(pairs), int(keep.sum()), len(keep), cfg.get("min_mean_log2cpm", 2.0),
             design.shape[1], pcs.shape[1])
    return out
