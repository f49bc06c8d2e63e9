"""Reference and personal haplotype windows of a gene (Sasse et al. 2023 §1.2).

Thin layer over ``regbench.genome.haplotypes.personal_haplotypes`` (unique sequences + index):
windows of ``window_bp`` with the TSS at offset window_bp // 2, SNV-only by default
(``mode="indel"`` applies indels too, anchored at the TSS). A window without any VCF record
gives the reference sequence for every haplotype.
"""

from __future__ import annotations


import numpy as np


def gene_haplotypes(genome, vcf: str, chrom: str, start: int, end: int, samples=None,
                    mode: str = "snv", anchor: int | None = None):
    """Haplotypes of ``chrom:[start, end)`` (``sequences`` unique, ``index`` (n_samples, 2))."""
    from regbench.genome.haplotypes import personal_haplotypes

    return personal_haplotypes(genome, vcf, chrom, start, end, samples=samples, mode=mode,
                               anchor=anchor)
