"""Indel-mode cropping of personal_haplotypes / _indel_haplotypes at the edges (mutation triage).

Small hand-made cases for the window arithmetic of ``regbench.genome.haplotypes._indel_haplotypes``:
a personal sequence that covers the window exactly (no margin growth needed), a deletion that
leaves exactly as many bases before the anchor as the window needs (the first output base is the
first base of the personal sequence), and a ``<DEL>`` whose INFO/END lies past the contig end (the
rest of the window is N-padded by the cropping itself, with coordinate -1). Expected sequences are
slices of the reference, checked against ``bcftools consensus`` where a VCF is involved.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from regbench.genome.fasta import Genome
from regbench.genome.haplotypes import _indel_haplotypes, personal_haplotypes
from regbench.genome.variants import Genotypes, index_vcf
from tests.conftest import require_tool

SEQ = "".join(np.random.default_rng(11).choice(list("ACGT"), 60))
NEXT = {"A": "C", "C": "G", "G": "T", "T": "A"}


@pytest.fixture(scope="module")
def fa(tmp_path_factory):
    path = tmp_path_factory.mktemp("indel_cases") / "ref.fa"
    path.write_text(">chr1\n" + SEQ[:30] + "\n" + SEQ[30:] + "\n")
    return path


def geno(recs, rlen=None):
    """recs: (0-based POS, REF, [ALT, ...], [allele of haplotype 0, 1]) -> Genotypes of one sample S0."""
    alleles = np.array([r[3] for r in recs], np.int8).reshape(len(recs), 1, 2)
    return Genotypes(
        "chr1", np.array([r[0] for r in recs], np.int64), [r[1] for r in recs], [list(r[2]) for r in recs],
        [None] * len(recs), alleles, ["S0"], 0, 0, "", None if rlen is None else np.array(rlen, np.int64),
    )


def test_sequence_covering_the_window_exactly_is_enough(fa):
    """_indel_haplotypes with [lo, hi) == [start, end) and no length change: the personal sequence
    covers the window exactly (s0 == 0 and s0 + L == len), so it returns the haplotypes without
    asking for a wider margin (None), even when not final."""
    genome = Genome(fa)
    g = geno([(12, SEQ[12], [NEXT[SEQ[12]]], [1, 0])])
    hap = _indel_haplotypes(genome, g, "chr1", 10, 20, 15, 10, 20, final=False)
    assert hap is not None
    assert hap.haplotype("S0", 0) == SEQ[10:12] + NEXT[SEQ[12]] + SEQ[13:20]
    assert hap.haplotype("S0", 1) == SEQ[10:20]
    for m in hap.coord_maps:
        assert m.tolist() == list(range(10, 20))


def test_del_past_the_contig_end_is_n_padded_with_coordinate_minus_one(fa):
    """A ``<DEL>`` at 25 whose END lies far past the end of the 60-bp contig deletes everything
    after base 25, whatever the margin: the anchor (30) has no surviving base after it, so the
    window [20, 40) holds the 10 bases before it (16-25) and then 10 N added by the cropping, whose
    coordinates are -1; coord_maps are int64."""
    g = geno([(25, SEQ[25], ["<DEL>"], [1, 0])], rlen=[10**6])
    hap = personal_haplotypes(fa, g, "chr1", 20, 40, mode="indel", anchor=30)
    assert hap.haplotype("S0", 0) == SEQ[16:26] + "N" * 10
    assert hap.haplotype("S0", 1) == SEQ[20:40]
    m0, m1 = (hap.coord_maps[int(hap.index[0, h])] for h in (0, 1))
    assert m0.tolist() == list(range(16, 26)) + [-1] * 10
    assert m1.tolist() == list(range(20, 40))
    assert all(m.dtype == np.int64 for m in hap.coord_maps)
    assert (hap.n_applied, hap.n_skipped_other) == (1, 0)


def test_deletion_leaving_exactly_the_bases_before_the_anchor(tmp_path):
    """3,000-bp contig, window [1500, 1510), anchor 1505 (offset 5), first margin 1000 (lo = 500):
    a deletion at 500 (0-based) of bases 501-1500 leaves exactly 5 bases (500, 1501-1504) before
    the anchor in [lo, hi), so the window starts at the first base of the personal sequence
    (base 500) and is seq[500] + seq[1501:1510], as in bcftools consensus."""
    bgzip, bcftools = require_tool("bgzip"), require_tool("bcftools")
    seq = "".join(np.random.default_rng(2).choice(list("ACGT"), 3000))
    assert seq[500] != seq[1500]  # else both haplotypes are one unique sequence (and coordinate map)
    fa = tmp_path / "ref.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 80] for i in range(0, 3000, 80)) + "\n")
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=3000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS0",
             f"chr1\t501\t.\t{seq[500:1501]}\t{seq[500]}\t.\t.\t.\tGT\t1|0"]
    vcf = tmp_path / "d.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    subprocess.run([bgzip, "-f", str(vcf)], check=True)
    gz = tmp_path / "d.vcf.gz"
    index_vcf(gz)
    out = subprocess.run([bcftools, "consensus", "-f", str(fa), "-s", "S0", "-H", "1", str(gz)],
                         check=True, capture_output=True, text=True).stdout
    bc = "".join(out.split("\n")[1:]).upper()
    assert bc == seq[:501] + seq[1501:]
    hap = personal_haplotypes(fa, gz, "chr1", 1500, 1510, mode="indel", anchor=1505)
    assert hap.haplotype("S0", 0) == bc[500:510] == seq[500] + seq[1501:1510]
    assert hap.coord_maps[int(hap.index[0, 0])].tolist() == [500] + list(range(1501, 1510))
    assert hap.haplotype("S0", 1) == seq[1500:1510]


def test_records_after_the_margin_do_not_shift_into_the_window(tmp_path):
    """Genotypes given directly (3,000-bp contig, window [1500, 1510), anchor 1505, first margin
    1000 so hi = 2510): a deletion of 1506-2506 leaves 4 bases right of the anchor in [lo, hi), so
    the window needs base 2510 (the margin must grow, as for a VCF read of [lo, hi)); a SNV at 2600,
    past hi, must not be placed there. Expected: seq[1500:1506] + seq[2507:2511]."""
    seq = "".join(np.random.default_rng(2).choice(list("ACGT"), 3000))
    fa = tmp_path / "ref.fa"
    fa.write_text(">chr1\n" + seq + "\n")
    recs = [(1505, seq[1505:2507], [seq[1505]], [1, 0]), (2600, seq[2600], [NEXT[seq[2600]]], [1, 0])]
    hap = personal_haplotypes(fa, geno(recs), "chr1", 1500, 1510, mode="indel", anchor=1505)
    assert hap.haplotype("S0", 0) == seq[1500:1506] + seq[2507:2511]


def test_insertion_at_the_read_end_waits_for_a_wider_read(tmp_path):
    """As above, with an insertion whose POS is hi itself (2510: REF seq[2510], ALT that base + 3
    other bases). [lo, hi) holds no base of it, so it is applied only once the margin has grown
    past it: the window's last base is the reference base 2510, not an inserted one. (Kept with
    the first read, its inserted bases would follow base 2509 in place of 2510.)"""
    seq = "".join(np.random.default_rng(2).choice(list("ACGT"), 3000))
    fa = tmp_path / "ref.fa"
    fa.write_text(">chr1\n" + seq + "\n")
    ins = seq[2510] + NEXT[seq[2510]] * 3
    recs = [(1505, seq[1505:2507], [seq[1505]], [1, 0]), (2510, seq[2510], [ins], [1, 0])]
    hap = personal_haplotypes(fa, geno(recs), "chr1", 1500, 1510, mode="indel", anchor=1505)
    assert hap.haplotype("S0", 0) == seq[1500:1506] + seq[2507:2511]
    assert hap.haplotype("S0", 1) == seq[1500:1510]
