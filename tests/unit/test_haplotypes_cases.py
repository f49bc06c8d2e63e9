"""personal_haplotypes on small hand-made genotypes, every output by hand (issue 24, mutation triage).

A 60-bp contig (``SEQ``, with ``ACGTN`` at 50-54) and :class:`Genotypes` built directly (no VCF
reading), so each case pins one rule of ``regbench.genome.haplotypes``: which alleles are applied
in snv and indel mode, the skipped-allele counters and kinds with their log lines, reference
blocks (``<*>``/``<NON_REF>``) protecting their span, ``<DEL>``, ALT equal to REF, the allele-index
and window errors, and the Haplotypes fields. Expected sequences are slices of ``SEQ``.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.haplotypes import (
    _skip_reason,
    _unique_columns,
    htslib_variant_type,
    personal_haplotypes,
    resolve_applied,
)
from regbench.genome.variants import Genotypes, read_genotypes

_rng = np.random.default_rng(5)
SEQ = "".join(_rng.choice(list("ACGT"), 60))
SEQ = SEQ[:50] + "ACGTN" + SEQ[55:]
NEXT = {"A": "C", "C": "G", "G": "T", "T": "A"}


def X(p: int) -> str:
    """A base other than the reference base at 0-based ``p``."""
    return NEXT[SEQ[p]]


@pytest.fixture(scope="module")
def fa(tmp_path_factory):
    path = tmp_path_factory.mktemp("cases") / "ref.fa"
    path.write_text(">chr1\n" + SEQ[:30] + "\n" + SEQ[30:] + "\n")
    return path


def geno(recs, n_samples=2, rlen=None, source="", n_missing=0, n_unphased=0):
    """recs: (0-based POS, REF, [ALT, ...], [allele of haplotype 0, 1, 2, ...]) -> Genotypes."""
    alleles = np.array([r[3] for r in recs], np.int8).reshape(len(recs), n_samples, 2)
    return Genotypes(
        "chr1", np.array([r[0] for r in recs], np.int64), [r[1] for r in recs], [list(r[2]) for r in recs],
        [None] * len(recs), alleles, [f"S{i}" for i in range(n_samples)], n_missing, n_unphased, source,
        None if rlen is None else np.array(rlen, np.int64),
    )


# one record of each kind; haplotypes 0-3 are S0|S0, S1|S1
MIXED = [
    (2, SEQ[2], ["*", X(2)], [2, 1, 0, 2]),  # "*" first, then a SNV (allele 2 applies)
    (5, SEQ[5], ["<INS>"], [1, 0, 1, 1]),
    (8, SEQ[8], ["R"], [0, 1, 0, 0]),  # IUPAC ALT
    (11, SEQ[11], [SEQ[11] + "TT", X(11)], [1, 2, 2, 0]),  # insertion, then a SNV
    (14, SEQ[14], ["<DEL>"], [0, 1, 0, 1]),  # <DEL>, END = POS + 2: deletes 15, 16
    (20, SEQ[20:22], [SEQ[20:22], SEQ[20]], [1, 0, 2, 1]),  # ALT = REF, then a deletion of 21
    (24, SEQ[24], [SEQ[24]], [1, 1, 0, 0]),  # ALT = REF (one base)
    (24, SEQ[24], [X(24)], [1, 0, 0, 0]),  # after a record at the same POS
    (27, SEQ[27], ["<*>"], [0, 0, 1, 0]),
    (30, SEQ[30], ["<NON_REF>"], [0, 0, 0, 1]),
    (33, SEQ[33], ["<INS>"], [0, 1, 0, 0]),
]
MIXED_RLEN = [1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 1]
KINDS = {"IUPAC ALT": 1, "reference block <*>": 1, "reference block <NON_REF>": 1, "spanning deletion *": 1, "symbolic <INS>": 4}
WARNING = ("<genotypes> chr1:3-34: 8 haplotype alleles not applied (no A/C/G/T sequence to apply): 1 IUPAC ALT, "
           "1 reference block <*>, 1 reference block <NON_REF>, 1 spanning deletion *, 4 symbolic <INS>")


def sub(s: str, p: int, b: str) -> str:
    return s[:p] + b + s[p + 1 :]


def test_htslib_variant_type_ref_mnp_and_other():
    assert htslib_variant_type("A", "A") == "ref" and htslib_variant_type("a", "A") == "ref"
    assert htslib_variant_type("AC", "AC") == "ref" and htslib_variant_type("ACG", "acg") == "ref"
    assert htslib_variant_type("ACG", "ATT") == "mnp"  # common first base, then 2 vs 2
    assert htslib_variant_type("CAG", "CTT") == "mnp" and htslib_variant_type("AC", "GT") == "mnp"
    assert htslib_variant_type("ACGT", "AGG") == "other"  # 3 REF bases left against 2 ALT bases
    assert htslib_variant_type("ACGTA", "ATTA") == "other"


def test_skip_reason_texts():
    assert _skip_reason("A", "") == "empty ALT"
    assert _skip_reason("A", "*") == "spanning deletion *"
    assert _skip_reason("A", "<INS>") == "symbolic <INS>"
    for bnd in ("A[chr2:10[", "[chr2:10[A", "A]chr2:10]", "]chr2:10]A"):
        assert _skip_reason("A", bnd) == "breakend", bnd
    assert _skip_reason("A", "R") == "IUPAC ALT"
    assert _skip_reason("AR", "A") == "IUPAC REF"
    # every one of A, C, G, T, N in an allele is still a sequence
    assert _skip_reason("A", "ACGTN") is None and _skip_reason("ACGTN", "A") is None
    assert _skip_reason("A", "G") is None


def test_unique_columns_without_applied_alleles():
    U, inv = _unique_columns(np.zeros((3, 4), np.int8))  # 3 variants, 4 haplotypes, none applied
    assert U.shape == (1, 3) and U.dtype == np.int8 and not U.any()
    assert inv.dtype == np.int64 and inv.tolist() == [0, 0, 0, 0]


def test_all_reference_genotypes_give_the_reference_in_indel_mode(fa):
    g = geno([(10, SEQ[10], [X(10)], [0, 0, 0, 0])])
    hap = personal_haplotypes(fa, g, "chr1", 0, 60, mode="indel", anchor=0)
    assert hap.sequences == [SEQ] and hap.index.tolist() == [[0, 0], [0, 0]]
    assert hap.coord_maps[0].tolist() == list(range(60)) and hap.n_applied == 0


def test_mixed_records_snv_mode(fa, caplog):
    caplog.set_level(logging.INFO, logger="regbench.genome.haplotypes")
    g = geno(MIXED, rlen=MIXED_RLEN)
    E, snv_base, counts = resolve_applied(g)  # default mode: snv
    assert E.dtype == np.int8 and E.shape == (11, 4)
    assert E[:, 0].tolist() == [2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert E[:, 1].tolist() == [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert E[:, 2].tolist() == [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert E[:, 3].tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert snv_base.dtype == np.uint8 and snv_base[0, 2] == ord(X(2)) and snv_base[3, 2] == ord(X(11))
    assert counts == {"n_skipped_non_snv": 4, "n_skipped_other": 12, "n_skipped_overlap": 0, "skipped_kinds": KINDS}
    assert caplog.messages == [WARNING]
    caplog.clear()
    hap = personal_haplotypes(fa, g, "chr1", 0, 60)
    assert hap.haplotype("S0", 0) == sub(sub(SEQ, 2, X(2)), 24, X(24))
    assert hap.haplotype("S0", 1) == sub(SEQ, 11, X(11))
    assert hap.haplotype("S1", 0) == sub(SEQ, 11, X(11))
    assert hap.haplotype("S1", 1) == sub(SEQ, 2, X(2))
    assert (hap.n_variants, hap.n_applied, hap.n_skipped_non_snv, hap.n_skipped_other, hap.n_skipped_overlap) == (11, 5, 4, 12, 0)
    assert hap.skipped_kinds == KINDS and len(hap.sequences) == 3


def test_mixed_records_indel_mode(fa, caplog):
    caplog.set_level(logging.INFO, logger="regbench.genome.haplotypes")
    g = geno(MIXED, rlen=MIXED_RLEN, n_missing=3, n_unphased=2)
    hap = personal_haplotypes(fa, g, "chr1", 0, 60, mode="indel", anchor=0)
    exp = [
        SEQ[:2] + X(2) + SEQ[3:12] + "TT" + SEQ[12:58],  # 24: the one-base ALT = REF protects 24
        SEQ[:11] + X(11) + SEQ[12:15] + SEQ[17:] + "NN",
        SEQ[:11] + X(11) + SEQ[12:21] + SEQ[22:] + "N",
        SEQ[:2] + X(2) + SEQ[3:15] + SEQ[17:] + "NN",
    ]
    got = [hap.haplotype(s, h) for s in ("S0", "S1") for h in (0, 1)]
    assert got == exp
    cm0 = hap.coord_maps[hap.index[0, 0]]
    assert cm0.dtype == np.int64 and cm0.tolist() == list(range(12)) + [-1, -1] + list(range(12, 58))
    cm1 = hap.coord_maps[hap.index[0, 1]]
    assert cm1.tolist() == list(range(15)) + list(range(17, 60)) + [-1, -1]
    assert (hap.chrom, hap.start, hap.end, hap.anchor, hap.mode) == ("chr1", 0, 60, 0, "indel")
    assert (hap.n_variants, hap.n_applied, hap.n_skipped_non_snv, hap.n_skipped_other, hap.n_skipped_overlap) == (11, 12, 0, 8, 1)
    assert (hap.n_missing, hap.n_unphased) == (3, 2) and hap.skipped_kinds == KINDS
    assert hap.index.dtype == np.int64 and sorted(hap.index.ravel().tolist()) == [0, 1, 2, 3]
    assert caplog.messages == [
        "<genotypes> chr1:3-34: 1 haplotype alleles skipped (overlap with an earlier applied variant)", WARNING,
    ]


def test_reference_blocks_protect_their_span_in_indel_mode(fa, caplog):
    recs = [
        (10, SEQ[10], ["<*>"], [1, 1, 0, 0]),  # END 14: 10-14 frozen on haplotypes 0, 1
        (14, SEQ[14], [X(14)], [1, 1, 1, 0]),  # on the block's last base: skipped on 0, 1
        (15, SEQ[15], [X(15)], [1, 0, 0, 0]),  # after it: applied
        (30, SEQ[30], ["<NON_REF>"], [1, 0, 0, 0]),  # END 32
        (31, SEQ[31], [X(31)], [1, 0, 1, 0]),
        (33, SEQ[33], [X(33)], [1, 0, 0, 0]),
        (40, SEQ[40], ["<NON_REF>", X(40)], [0, 2, 0, 0]),  # a real ALT after the block allele
        (50, "ACGTN", ["<DEL>"], [0, 0, 0, 1]),  # deletes 51-54 (REF holds every one of A, C, G, T, N)
    ]
    g = geno(recs, rlen=[5, 1, 1, 3, 1, 1, 1, 5], source="b.vcf.gz")
    hap = personal_haplotypes(fa, g, "chr1", 0, 60, mode="indel", anchor=0)
    assert hap.haplotype("S0", 0) == sub(sub(SEQ, 15, X(15)), 33, X(33))
    assert hap.haplotype("S0", 1) == sub(SEQ, 40, X(40))
    assert hap.haplotype("S1", 0) == sub(sub(SEQ, 14, X(14)), 31, X(31))
    assert hap.haplotype("S1", 1) == SEQ[:51] + SEQ[55:] + "NNNN"
    assert (hap.n_applied, hap.n_skipped_overlap, hap.n_skipped_other) == (6, 3, 3)
    assert hap.skipped_kinds == {"reference block <*>": 2, "reference block <NON_REF>": 1}
    # snv mode: no freezing, every SNV applied; <DEL> is a non-SNV
    hs = personal_haplotypes(fa, g, "chr1", 0, 60)
    assert hs.haplotype("S0", 0) == sub(sub(sub(sub(SEQ, 14, X(14)), 15, X(15)), 31, X(31)), 33, X(33))
    assert (hs.n_applied, hs.n_skipped_overlap, hs.n_skipped_non_snv, hs.n_skipped_other) == (8, 0, 1, 3)


def test_del_of_one_base_is_not_an_indel_on_the_last_base(fa):
    """A <DEL> whose END is its POS deletes nothing and counts as same-length: like a SNV, it may
    not start on the last base of the previous applied record. An ALT after <DEL> is still read."""
    recs = [(10, SEQ[10], [X(10)], [1, 0]), (10, SEQ[10], ["<DEL>"], [1, 1]), (20, SEQ[20], ["<DEL>", X(20)], [0, 2])]
    g = geno(recs, n_samples=1, rlen=[1, 1, 1])
    hap = personal_haplotypes(fa, g, "chr1", 0, 60, mode="indel", anchor=0)
    assert hap.haplotype("S0", 0) == sub(SEQ, 10, X(10)) and hap.haplotype("S0", 1) == sub(SEQ, 20, X(20))
    assert (hap.n_applied, hap.n_skipped_overlap) == (3, 1)
    hs = personal_haplotypes(fa, g, "chr1", 0, 60)
    assert hs.haplotype("S0", 0) == sub(SEQ, 10, X(10)) and hs.haplotype("S0", 1) == sub(SEQ, 20, X(20))
    assert (hs.n_applied, hs.n_skipped_overlap, hs.n_skipped_non_snv, hs.n_skipped_other) == (2, 0, 2, 0)


def test_snv_mode_fields_and_window(fa):
    """Genotypes given directly may reach past the window: only records inside it count."""
    recs = [(p, SEQ[p], [X(p)], [1, 1, 1, 0]) for p in (9, 10, 19, 20)]
    g = geno(recs, n_missing=4, n_unphased=1)
    hap = personal_haplotypes(fa, g, "chr1", 10, 20)
    assert hap.sequences == [SEQ[10:20], sub(sub(SEQ, 10, X(10)), 19, X(19))[10:20]]
    assert hap.index.dtype == np.int64 and hap.index.tolist() == [[1, 1], [1, 0]]
    assert (hap.chrom, hap.start, hap.end, hap.mode, hap.anchor, hap.coord_maps) == ("chr1", 10, 20, "snv", None, None)
    assert (hap.n_variants, hap.n_applied, hap.n_skipped_overlap, hap.n_missing, hap.n_unphased) == (2, 6, 0, 4, 1)


def test_two_snvs_at_one_position_first_wins(fa):
    recs = [(10, SEQ[10], [X(10)], [1, 0]), (10, SEQ[10], [NEXT[X(10)]], [1, 1])]
    hap = personal_haplotypes(fa, geno(recs, n_samples=1), "chr1", 0, 60)
    assert hap.haplotype("S0", 0) == sub(SEQ, 10, X(10)) and hap.haplotype("S0", 1) == sub(SEQ, 10, NEXT[X(10)])
    assert (hap.n_applied, hap.n_skipped_overlap) == (2, 1)


def test_record_on_the_first_bases_applied_in_indel_mode(fa):
    recs = [(0, SEQ[0], [X(0)], [1, 0]), (1, SEQ[1], [X(1)], [0, 1])]
    hap = personal_haplotypes(fa, geno(recs, n_samples=1), "chr1", 0, 60, mode="indel", anchor=0)
    assert hap.haplotype("S0", 0) == sub(SEQ, 0, X(0)) and hap.haplotype("S0", 1) == sub(SEQ, 1, X(1))
    assert hap.n_skipped_overlap == 0


def test_allele_index_past_the_alts_is_an_error():
    g = geno([(3, SEQ[3], [X(3), "T"], [0, 1, 2, 0]), (7, SEQ[7], [X(7)], [0, 2, 1, 0])], source="x.vcf.gz")
    for mode in ("snv", "indel"):
        with pytest.raises(InputError) as e:
            resolve_applied(g, mode)
        assert str(e.value) == "x.vcf.gz: chr1:8: expected allele indices < 2 (REF + 1 ALT), found allele 2"


def test_window_and_mode_errors(fa):
    g = geno([(10, SEQ[10], [X(10)], [1, 0, 0, 0])])
    path = Genome(fa).path
    with pytest.raises(ValueError) as e:
        personal_haplotypes(fa, g, "chr1", 0, 60, mode="SNV")
    assert str(e.value) == "mode must be 'snv' or 'indel', got 'SNV'"
    with pytest.raises(InputError) as e:
        personal_haplotypes(fa, g, "chr1", 20, 19)
    assert str(e.value) == f"{path}: chr1:20-19: expected a window with end >= start (0-based half-open)"
    with pytest.raises(InputError) as e:
        personal_haplotypes(fa, g, "chr1", 20, 30, mode="indel", anchor=31)
    assert str(e.value) == f"{path}: chr1:20-30: expected an anchor inside the window [20, 30], found 31"
    empty = personal_haplotypes(fa, g, "chr1", 20, 20)  # an empty window is allowed
    assert empty.sequences == [""] and empty.index.tolist() == [[0, 0], [0, 0]]
    end = personal_haplotypes(fa, g, "chr1", 20, 30, mode="indel", anchor=30)  # the anchor may be the end
    assert end.sequences == [SEQ[20:30]] and end.anchor == 30 and end.coord_maps[0].tolist() == list(range(20, 30))
    mid = personal_haplotypes(fa, g, "chr1", 0, 60, mode="indel")
    assert mid.anchor == 30


def test_records_before_the_margin_are_dropped_in_indel_mode(tmp_path):
    """Genotypes given directly: records before ``start - margin`` (margin 1000 here) are not
    counted; one exactly at ``start - margin`` is."""
    rng = np.random.default_rng(9)
    seq = "".join(rng.choice(list("ACGT"), 1300))
    fa = tmp_path / "long.fa"
    fa.write_text(">chr1\n" + seq + "\n")
    recs = [(p, seq[p], [NEXT[seq[p]]], [1, 0]) for p in (99, 100, 1120)]
    hap = personal_haplotypes(fa, geno(recs, n_samples=1), "chr1", 1100, 1160, mode="indel", anchor=1130)
    assert hap.haplotype("S0", 0) == seq[1100:1120] + NEXT[seq[1120]] + seq[1121:1160]
    assert hap.haplotype("S0", 1) == seq[1100:1160]
    assert (hap.n_variants, hap.n_applied) == (2, 2)


def _long_world(tmp_path, size, records):
    """A random contig of ``size`` and a bgzipped, indexed VCF of one sample with ``records``
    (0-based POS, REF length, GT); every record deletes all but its first REF base."""
    import subprocess

    from regbench.genome.variants import index_vcf
    from tests.conftest import require_tool

    bgzip = require_tool("bgzip")
    rng = np.random.default_rng(21)
    seq = "".join(rng.choice(list("ACGT"), size))
    fa = tmp_path / "long.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 80] for i in range(0, size, 80)) + "\n")
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={size}>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS0"]
    lines += [f"chr1\t{p + 1}\t.\t{seq[p : p + n]}\t{seq[p]}\t.\t.\t.\tGT\t{gt}" for p, n, gt in records]
    vcf = tmp_path / "long.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    subprocess.run([bgzip, "-f", str(vcf)], check=True)
    index_vcf(tmp_path / "long.vcf.gz")
    return seq, fa, tmp_path / "long.vcf.gz"


def _consensus(fa, vcf, h):
    import subprocess

    from tests.conftest import require_tool

    out = subprocess.run([require_tool("bcftools"), "consensus", "-f", str(fa), "-s", "S0", "-H", str(h), str(vcf)],
                         check=True, capture_output=True, text=True).stdout
    return "".join(out.split("\n")[1:]).upper()


def test_deletion_longer_than_the_first_margin_over_the_anchor(tmp_path):
    """A 1,599-bp deletion from 2041 over the anchor 2050 and past ``end + 1000``: the first read
    (margin 1000) has no base at or after the anchor, so the margin grows (to 4000) and the first
    surviving base, 3640, takes the anchor's place, as in ``bcftools consensus``."""
    seq, fa, vcf = _long_world(tmp_path, 8000, [(2040, 1600, "1|0")])
    hap = personal_haplotypes(fa, vcf, "chr1", 2000, 2100, mode="indel", anchor=2050)
    exp = seq[1991:2041] + seq[3640:3690]
    bc = _consensus(fa, vcf, 1)
    assert bc == seq[:2041] + seq[3640:] and exp == bc[2041 - 50 : 2041 + 50]
    assert hap.haplotype("S0", 0) == exp and hap.haplotype("S0", 1) == seq[2000:2100]
    cm = hap.coord_maps[hap.index[0, 0]]
    assert cm.tolist() == list(range(1991, 2041)) + list(range(3640, 3690))


def test_deletion_longer_than_sixteen_windows_is_sequence_not_n(tmp_path):
    """A 6,999-bp deletion over the anchor of a 100-bp window: the margin grows past 16 windows
    until the personal sequence covers the window (it was N-padded inside the chromosome before)."""
    seq, fa, vcf = _long_world(tmp_path, 12000, [(2040, 7000, "1|0")])
    hap = personal_haplotypes(fa, vcf, "chr1", 2000, 2100, mode="indel", anchor=2050)
    bc = _consensus(fa, vcf, 1)
    assert bc == seq[:2041] + seq[9040:]
    assert hap.haplotype("S0", 0) == bc[2041 - 50 : 2041 + 50] == seq[1991:2041] + seq[9040:9090]


def test_deletion_from_before_the_margin_into_the_window(tmp_path):
    """A deletion starting 1,100 bp before the window (margin 1000) deletes up to 5099, the whole
    window: the first surviving base, 5100, takes the anchor's place (the record was dropped before,
    leaving the reference). The same from Genotypes given directly."""
    seq, fa, vcf = _long_world(tmp_path, 8000, [(3900, 1200, "1|0")])
    bc = _consensus(fa, vcf, 1)
    assert bc == seq[:3901] + seq[5100:]
    exp = bc[3901 - 50 : 3901 + 50]
    hap = personal_haplotypes(fa, vcf, "chr1", 5000, 5100, mode="indel", anchor=5050)
    assert hap.haplotype("S0", 0) == exp == seq[3851:3901] + seq[5100:5150]
    assert hap.coord_maps[hap.index[0, 0]].tolist() == list(range(3851, 3901)) + list(range(5100, 5150))
    g = read_genotypes(vcf, "chr1", 0, 8000)
    assert personal_haplotypes(fa, g, "chr1", 5000, 5100, mode="indel", anchor=5050).haplotype("S0", 0) == exp


def _vcf_world(tmp_path, size, contig, samples, records, seed=33):
    """A random contig ``chr1`` of ``size`` and a bgzipped, indexed VCF whose contig is named
    ``contig``, with ``samples`` and ``records`` (0-based POS, REF, ALT, [GT per sample]); REF
    ``None`` means the genome's base(s) ``seq[POS:POS + len]`` given as an int length."""
    import subprocess

    from regbench.genome.variants import index_vcf
    from tests.conftest import require_tool

    bgzip = require_tool("bgzip")
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(list("ACGT"), size))
    fa = tmp_path / "world.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 80] for i in range(0, size, 80)) + "\n")
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={contig},length={size}>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for p, ref, alt, gts in records:
        lines.append(f"{contig}\t{p + 1}\t.\t{ref}\t{alt}\t.\t.\t.\tGT\t" + "\t".join(gts))
    vcf = tmp_path / "world.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    subprocess.run([bgzip, "-f", str(vcf)], check=True)
    index_vcf(tmp_path / "world.vcf.gz")
    return seq, fa, tmp_path / "world.vcf.gz"


@pytest.mark.parametrize("mode", ["snv", "indel"])
def test_vcf_reading_gets_samples_aliases_and_the_genome(tmp_path, mode):
    """Read from a VCF path (both modes): ``samples`` picks and orders the samples, ``aliases``
    maps the genome's ``chr1`` to the VCF's contig ``1`` (without it the contig is unknown to the
    VCF), and REF is checked against the genome (a wrong REF raises, naming the record)."""
    seq = "".join(np.random.default_rng(33).choice(list("ACGT"), 6000))
    recs = [(3010, seq[3010], NEXT[seq[3010]], ["1|0", "0|1", "1|1"]),
            (3050, seq[3050:3053], seq[3050], ["0|0", "1|0", "0|1"])]
    seq, fa, vcf = _vcf_world(tmp_path, 6000, "1", ["A", "B", "C"], recs)
    hap = personal_haplotypes(fa, vcf, "chr1", 3000, 3100, samples=["C", "B"], mode=mode, aliases={"chr1": "1"})
    assert hap.samples == ["C", "B"]
    snv = seq[3000:3010] + NEXT[seq[3010]] + seq[3011:3100]
    if mode == "snv":  # the deletion is not applied in snv mode
        assert [hap.haplotype("C", h) for h in (0, 1)] == [snv, snv]
        assert [hap.haplotype("B", h) for h in (0, 1)] == [seq[3000:3100], snv]
    else:  # anchor 3050 is the deletion's first base: the sequence closes up after it
        dele = seq[3000:3051] + seq[3053:3102]
        assert [hap.haplotype("C", h) for h in (0, 1)] == [snv, snv[:51] + seq[3053:3102]]
        assert [hap.haplotype("B", h) for h in (0, 1)] == [dele, snv]
    with pytest.raises(InputError):  # the VCF names its contig 1: chr1 is not in it
        personal_haplotypes(fa, vcf, "chr1", 3000, 3100, mode=mode)
    bad = tmp_path / "bad"
    bad.mkdir()
    wrong = [(3010, NEXT[seq[3010]], seq[3010], ["1|0"])]
    _, fa2, vcf2 = _vcf_world(bad, 6000, "chr1", ["A"], wrong)
    with pytest.raises(InputError, match="3011"):
        personal_haplotypes(fa2, vcf2, "chr1", 3000, 3100, mode=mode)


def test_indel_mode_grows_the_margin_to_the_first_base_of_the_chromosome(tmp_path):
    """Window [1001, 1101) of a 1,200-bp contig, anchor 1051, a deletion of 2-1049 (0-based, the
    record at POS 1 keeps base 1): left of the anchor only bases 1050, 1, 0 survive, so the 50
    bases before the anchor are 47 N, seq[0], seq[1], seq[1050]. The first read ([1, 2101)) holds
    the chromosome's end but not base 0: the margin must grow once more before N-padding."""
    seq = "".join(np.random.default_rng(33).choice(list("ACGT"), 1200))
    seq, fa, vcf = _vcf_world(tmp_path, 1200, "chr1", ["S0"], [(1, seq[1:1050], seq[1], ["1|0"])])
    bc = _consensus(fa, vcf, 1)
    assert bc == seq[:2] + seq[1050:]
    hap = personal_haplotypes(fa, vcf, "chr1", 1001, 1101, mode="indel", anchor=1051)
    assert hap.haplotype("S0", 0) == "N" * 47 + seq[0:2] + seq[1050:1101]
    assert hap.haplotype("S0", 1) == seq[1001:1101]


def test_indel_mode_deletion_past_the_chromosome_end_is_n_padded(tmp_path):
    """A deletion from 2,841 (0-based, keeping base 2,840) to the end of a 3,000-bp contig, window
    [2800, 2900), anchor 2850: nothing survives right of the anchor, so once [lo, hi) holds the
    whole chromosome the right half is N (bcftools consensus ends at base 2,840)."""
    seq = "".join(np.random.default_rng(33).choice(list("ACGT"), 3000))
    seq, fa, vcf = _vcf_world(tmp_path, 3000, "chr1", ["S0"], [(2840, seq[2840:3000], seq[2840], ["0|1"])])
    assert _consensus(fa, vcf, 2) == seq[:2841]
    hap = personal_haplotypes(fa, vcf, "chr1", 2800, 2900, mode="indel", anchor=2850)
    assert hap.haplotype("S0", 1) == seq[2791:2841] + "N" * 50
    assert hap.haplotype("S0", 0) == seq[2800:2900]


def test_indel_mode_long_window_margin(tmp_path):
    """A 4,100-bp window (initial margin L // 4 = 1,025 > 1,000) with an insertion and a SNV,
    against bcftools consensus around the anchor."""
    seq = "".join(np.random.default_rng(33).choice(list("ACGT"), 9000))
    recs = [(2500, seq[2500], seq[2500] + "GATTACA", ["1|0"]), (4000, seq[4000], NEXT[seq[4000]], ["1|1"])]
    seq, fa, vcf = _vcf_world(tmp_path, 9000, "chr1", ["S0"], recs)
    hap = personal_haplotypes(fa, vcf, "chr1", 2000, 6100, mode="indel", anchor=4050)
    bc = _consensus(fa, vcf, 1)
    a = 4050 + 7  # the anchor in consensus coordinates, after the 7-bp insertion
    assert hap.haplotype("S0", 0) == bc[a - 2050 : a + 2050]
    assert hap.haplotype("S0", 1) == _consensus(fa, vcf, 2)[2000:6100]

