"""What the personal study's workflow runs, from config alone: the GPU chunk counts and the
genotype tools' command lines. Standard library only: rules/common/personal.smk imports it at
parse time (docs/architecture.md, "Light parse")."""

from __future__ import annotations

import math


def n_chunks(cfg: dict, which: str = "personal") -> int:
    """Number of chunks of the personal gene set (``which="personal"``: ceil(n_genes / chunk_size))
    or of the reference gene set (``"reference"``: ceil(genes.n_reference / chunk_size)); fixed
    from config so a dry-run lists every job (genes are spread over them, :func:`regbench.studies.personal.genes.spread_chunks`)."""
    gcfg = cfg.get("genes", {})
    size = int(gcfg.get("chunk_size", 100))
    n_ref = gcfg.get("n_reference") or 20000
    if which == "reference":
        return max(1, math.ceil(int(n_ref) / size))
    n = gcfg.get("n_genes") or n_ref
    return max(1, math.ceil(int(n) / size))


def plink_qc_args(qc: dict, keep_outliers_file: str | None = None) -> list[str]:
    """PLINK 1.9 QC flags of config ``rosmap.qc`` (the authors' script: ``--keep-allele-order``,
    PCA outliers removed; its commented line ``--maf 0.0004 --hwe 1e-50 --geno 0.1``)."""
    args = ["--keep-allele-order"]
    for key in ("maf", "hwe", "geno"):
        if qc.get(key) is not None:
            args += [f"--{key}", f"{qc[key]:g}" if isinstance(qc[key], float) else str(qc[key])]
    if keep_outliers_file:
        args += ["--remove", keep_outliers_file]
    return args


def phasing_command(tool: str, vcf_in: str, vcf_out: str, chrom: str, threads: int, eagle_dir: str | None = None,
                    genetic_map: str | None = None) -> str:
    """Shell command phasing one chromosome: ``eagle`` (the authors' Eagle 2.4.1, default
    settings, no reference panel, the hg38 genetic map of its ``tables/``) or ``shapeit4``
    (Debian; the map is optional). Output: bgzipped VCF ``vcf_out``."""
    if tool == "eagle":
        prefix = vcf_out[: -len(".vcf.gz")] if vcf_out.endswith(".vcf.gz") else vcf_out
        gmap = genetic_map or f"{eagle_dir}/tables/genetic_map_hg38_withX.txt.gz"
        return (f"{eagle_dir}/eagle --vcf={vcf_in} --geneticMapFile={gmap} --chrom={chrom} "
                f"--numThreads {threads} --vcfOutFormat=z --outPrefix={prefix}")
    if tool == "shapeit4":
        m = f" --map {genetic_map}" if genetic_map else ""
        return f"shapeit4 --input {vcf_in} --region {chrom} --output {vcf_out} --thread {threads}{m}"
    raise ValueError(f"rosmap.phasing.tool must be eagle or shapeit4, got {tool!r}")
