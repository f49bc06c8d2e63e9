"""read_genotypes and personal_haplotypes against bcftools consensus -s S -H 1/-H 2, base for base."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.haplotypes import personal_haplotypes
from regbench.genome.variants import index_vcf, read_genotypes
from tests.conftest import require_tool

SIZE = 3000
SAMPLES = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]  # S6: all REF


tool = require_tool


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("hap")
    rng = np.random.default_rng(7)
    seq = "".join(rng.choice(list("ACGT"), SIZE))
    fa = d / "ref.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 60] for i in range(0, SIZE, 60)) + "\n")
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}

    def b(p):  # reference base at 1-based POS
        return seq[p - 1]

    def o(p, k=1):
        x = b(p)
        for _ in range(k):
            x = other[x]
        return x

    # (POS, REF, ALT, genotypes for S0..S5, snv-only?)
    recs = [
        (100, b(100), o(100), ["0|1", "1|1", "./.", "1|.", "0/1", "1|0", "0|0"], True),
        (200, b(200), f"{o(200)},{o(200, 2)}", ["1|2", "2|0", "2|2", "0|0", "1|1", "0|2", "0|0"], True),  # multi-allelic SNV
        (300, b(300), o(300), ["1|0", "1|1", "0|1", "0|0", "1|0", "1|0", "0|0"], True),
        (300, b(300), o(300, 2), ["1|1", "0|1", "1|0", "0|0", "0|1", "1|0", "0|0"], True),  # same position: first wins
        (400, b(400), b(400) + "TTT", ["0|1", "1|0", "1|1", "0|0", "0|1", "0|0", "0|0"], False),  # insertion
        (500, seq[499:503], b(500), ["1|0", "0|1", "1|1", "0|0", "1|0", "0|0", "0|0"], False),  # 3-bp deletion
        (502, b(502), o(502), ["1|1", "1|0", "0|1", "0|0", "1|1", "0|0", "0|0"], True),  # inside the deletion
        (600, seq[599:601], f"{b(600)},{seq[599:601]}G", ["1|2", "2|0", "2|1", "0|0", "1|1", "0|0", "0|0"], False),  # multi-allelic indel
        (700, b(700), o(700), ["1|1", "0|1", "1|0", "0|0", "0|0", "0|0", "0|0"], True),
        (700, b(700), b(700) + "AA", ["1|1", "1|0", "1|1", "0|0", "0|0", "0|0", "0|0"], False),  # C>T then C>CAA -> TAA
        (800, b(800), o(800), ["1|0", "1|1", "0|0", "0|0", "0|0", "0|0", "0|0"], True),
        (800, seq[799:801], b(800), ["1|0", "0|1", "1|1", "0|0", "0|0", "0|0", "0|0"], False),  # deletion after SNV at same POS
        (900, seq[899:901], "TGG", ["0|1", "1|1", "0|0", "0|0", "0|0", "0|0", "0|0"], False),  # complex
        (950, seq[949:952], o(950) + o(951) + o(952), ["1|0", "0|0", "0|1", "0|0", "0|0", "0|0", "0|0"], False),  # MNP
    ]
    header = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID=chr1,length={SIZE}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES),
    ]

    def write(path, rows):
        lines = [f"chr1\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT\t" + "\t".join(gt) for p, r, a, gt, _ in rows]
        path.write_text("\n".join(header + lines) + "\n")
        subprocess.run([tool("bgzip"), "-f", str(path)], check=True)
        gz = path.with_name(path.name + ".gz")
        index_vcf(gz)
        return gz

    full = write(d / "full.vcf", recs)
    snv = write(d / "snv.vcf", [r for r in recs if r[4]])
    return d, fa, seq, full, snv


def consensus(fa, vcf, sample, h, region=None):
    bcftools = tool("bcftools")
    if region:
        src = subprocess.run([tool("samtools"), "faidx", str(fa), region], check=True, capture_output=True, text=True).stdout
        cmd = [bcftools, "consensus", "-s", sample, "-H", str(h), str(vcf)]
        out = subprocess.run(cmd, input=src, check=True, capture_output=True, text=True).stdout
    else:
        out = subprocess.run([bcftools, "consensus", "-f", str(fa), "-s", sample, "-H", str(h), str(vcf)], check=True, capture_output=True, text=True).stdout
    return "".join(out.split("\n")[1:]).upper()


def test_read_genotypes(world):
    d, fa, seq, full, snv = world
    g = read_genotypes(full, "chr1", 0, SIZE, unphased="phased", genome=Genome(fa))
    assert len(g) == 14 and g.pos[0] == 99 and g.samples == SAMPLES
    assert g.alleles.shape == (14, 7, 2) and g.alleles.dtype == np.int8
    assert g.alleles[0].tolist() == [[0, 1], [1, 1], [0, 0], [1, 0], [0, 1], [1, 0], [0, 0]]
    assert g.n_missing == 3 and g.n_unphased == 1
    assert g.alts[1] == [g.alts[1][0], g.alts[1][1]] and g.alleles[1, 0].tolist() == [1, 2]
    assert g.dosage()[1].tolist() == [2, 1, 2, 0, 2, 1, 0]
    assert g.allele_dosage(2)[1].tolist() == [1, 1, 2, 0, 0, 1, 0]
    sub = read_genotypes(full, "chr1", 150, 450, samples=["S3", "S1"], unphased="phased")
    assert sub.samples == ["S3", "S1"] and sub.pos.tolist() == [199, 299, 299, 399]
    np.testing.assert_array_equal(sub.alleles, g.alleles[1:5][:, [3, 1]])
    with pytest.raises(InputError, match="unphased"):
        read_genotypes(full, "chr1", 0, SIZE)
    # records overlapping the window start are returned (deletion at POS 500 spans 500-503)
    assert read_genotypes(full, "chr1", 501, 502, unphased="phased").pos.tolist() == [499, 501]


@pytest.mark.parametrize("start,end", [(0, SIZE), (150, 1000), (299, 701)])
def test_snv_haplotypes_equal_bcftools(world, start, end):
    d, fa, seq, full, snv = world
    hap = personal_haplotypes(fa, full, "chr1", start, end, mode="snv", unphased="phased")
    assert all(len(s) == end - start for s in hap.sequences)
    for j, s in enumerate(SAMPLES):
        for h in (0, 1):
            exp = consensus(fa, snv, s, h + 1, region=f"chr1:{start + 1}-{end}")
            assert hap.haplotype(s, h) == exp, (s, h)
    assert len(set(hap.sequences)) == len(hap.sequences)
    if start == 0:
        assert hap.n_skipped_non_snv > 0 and hap.n_skipped_overlap > 0 and hap.n_missing == 3


def test_indel_haplotypes_equal_bcftools(world):
    d, fa, seq, full, snv = world
    start, end, anchor = 50, 1450, 1000
    L, offset = end - start, anchor - start
    hap = personal_haplotypes(fa, full, "chr1", start, end, mode="indel", anchor=anchor, unphased="phased")
    marker = seq[anchor : anchor + 25]
    for s in SAMPLES:
        for h in (0, 1):
            bc = "N" * 5000 + consensus(fa, full, s, h + 1) + "N" * 5000
            assert bc.count(marker) == 1
            a = bc.find(marker)
            exp = bc[a - offset : a - offset + L]
            got = hap.haplotype(s, h)
            assert len(got) == L and got == exp, (s, h)
            cm = hap.coord_maps[hap.index[SAMPLES.index(s), h]]
            assert cm[offset] == anchor
            valid = cm[cm >= 0]
            assert (np.diff(valid) > 0).all()
    # S6 carries no ALT allele: reference haplotype
    assert hap.haplotype("S6", 0) == seq[start:end]
    assert hap.n_skipped_overlap > 0


def test_indel_window_near_chrom_start_pads_n(world):
    d, fa, seq, full, snv = world
    hap = personal_haplotypes(fa, full, "chr1", -200, 600, mode="indel", anchor=0, unphased="phased")
    s = hap.haplotype("S6", 0)
    assert s == "N" * 200 + seq[:600]
    assert (hap.coord_maps[hap.index[6, 0]][:200] == -1).all()
    # S1 haplotype 0 carries the insertion at 400: right flank shifts by 3, left stays
    s1 = hap.haplotype("S1", 0)
    assert s1[:200] == "N" * 200 and len(s1) == 800


def test_dedupe_and_sample_subset(world):
    d, fa, seq, full, snv = world
    hap = personal_haplotypes(fa, full, "chr1", 0, SIZE, samples=["S6", "S5", "S6"], mode="snv", unphased="phased")
    assert hap.samples == ["S6", "S5", "S6"]
    assert hap.index[0].tolist() == hap.index[2].tolist()
    assert hap.index[0, 0] == hap.index[0, 1]  # S6 is all-REF: one sequence for both haplotypes
    assert hap.haplotype(0, 0) == seq
    assert len(hap.sequences) == len({hap.haplotype(j, h) for j in range(3) for h in (0, 1)})


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_variants_equal_bcftools(tmp_path, seed):
    """Many random, often overlapping SNVs/MNPs/indels/multi-allelics, missing and unphased calls."""
    bgzip = tool("bgzip")
    rng = np.random.default_rng(seed)
    size = 4000
    seq = "".join(rng.choice(list("ACGT"), size))
    fa = tmp_path / "r.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 70] for i in range(0, size, 70)) + "\n")
    anchor = 2500  # keep [anchor - 5, anchor + 40) variant-free for the marker
    samples = ["A", "B", "C", "D"]
    gts = np.array(["0|0", "0|1", "1|0", "1|1", "./.", "1|.", "0/1", "1|2", "2|2", "2|0"])
    rows = []
    for p in np.sort(rng.choice(np.r_[20:anchor - 45, anchor + 40 : size - 20], 220, replace=False)):
        p = int(p)
        kind = rng.choice(["snv", "ins", "del", "mnp", "multi", "cplx"], p=[0.45, 0.15, 0.15, 0.05, 0.12, 0.08])
        ref = seq[p]
        if kind == "snv":
            alts = [rng.choice([b for b in "ACGT" if b != ref])]
        elif kind == "ins":
            alts = [ref + "".join(rng.choice(list("ACGT"), int(rng.integers(1, 6))))]
        elif kind == "del":
            ref = seq[p : p + int(rng.integers(2, 7))]
            alts = [ref[0]]
        elif kind == "mnp":
            ref = seq[p : p + 2]
            alts = ["".join("ACGT"["ACGT".index(b) ^ 1] for b in ref)]
        elif kind == "multi":
            ref = seq[p : p + 2]
            alts = [ref[0], ref + "T"]
        else:
            ref = seq[p : p + 2]
            alts = [("C" if ref[0] != "C" else "G") + "TT"]
        n_alt = len(alts)
        choice = [g for g in gts if max((int(x) for x in g.replace("|", "/").split("/") if x != "."), default=0) <= n_alt]
        gt = rng.choice(choice, len(samples))
        rows.append((p + 1, ref, ",".join(alts), gt, kind == "snv"))
    if rows:  # a duplicate-position SNV to exercise "first wins"
        p, ref = rows[0][0], rows[0][1]
        if rows[0][4]:
            rows.insert(1, (p, ref, rng.choice([b for b in "ACGT" if b not in (ref, rows[0][2])]), rng.choice(gts[:4], len(samples)), True))
    header = [
        "##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={size}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples),
    ]

    def write(name, rs):
        path = tmp_path / name
        path.write_text("\n".join(header + [f"chr1\t{p}\t.\t{r}\t{a}\t.\t.\t.\tGT\t" + "\t".join(g) for p, r, a, g, _ in rs]) + "\n")
        subprocess.run([bgzip, "-f", str(path)], check=True)
        gz = tmp_path / (name + ".gz")
        index_vcf(gz)
        return gz

    full, snv = write("full.vcf", rows), write("snv.vcf", [r for r in rows if r[4]])
    L, offset = 3000, 2000
    start = anchor - offset
    hi = personal_haplotypes(fa, full, "chr1", start, start + L, mode="indel", anchor=anchor, unphased="phased")
    hs = personal_haplotypes(fa, snv, "chr1", 0, size, mode="snv", unphased="phased")
    marker = seq[anchor : anchor + 30]
    for s in samples:
        for h in (0, 1):
            bc = "N" * 5000 + consensus(fa, full, s, h + 1) + "N" * 5000
            assert bc.count(marker) == 1
            a = bc.find(marker)
            assert hi.haplotype(s, h) == bc[a - offset : a - offset + L], (seed, s, h, "indel")
            assert hs.haplotype(s, h) == consensus(fa, snv, s, h + 1), (seed, s, h, "snv")
    assert hi.n_skipped_overlap > 0


def test_benchmark_script_smoke(capsys):
    import importlib.util
    from pathlib import Path

    for t in ("bgzip", "tabix", "bcftools", "samtools"):
        tool(t)
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "haplotypes.py"
    spec = importlib.util.spec_from_file_location("bench_haplotypes", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(["--samples", "12", "--snvs", "40", "--length", "4096", "--bcftools-haplotypes", "2", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "haplotypes/s" in out and "bcftools consensus" in out and "ratio regbench build / numpy baseline build" in out


@pytest.mark.parametrize("mode", ["snv", "indel"])
def test_window_without_records_is_the_reference(world, mode):
    d, fa, seq, full, snv = world
    hap = personal_haplotypes(fa, full, "chr1", 1000, 1200, mode=mode, unphased="phased")
    assert hap.sequences == [seq[1000:1200]]
    assert (hap.index == 0).all() and hap.index.shape == (len(SAMPLES), 2)
