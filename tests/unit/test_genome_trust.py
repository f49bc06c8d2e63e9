"""Genome-layer defects of issue 20 that gave wrong answers with exit code 0 or a traceback, each with
a case that failed before the fix (numbers refer to the issue's list):

1. a stale .tbi (the index of another file / an older version) -> InputError naming both files
2. a .fai out of step with its FASTA (truncated, longer, another line layout) -> InputError
6. REF checked in the personal dosage path
7. bcftools' overlap rule for a complex indel starting on the last base of a deletion / MNP
8. messages instead of tracebacks (no GT, missing sample column, non-numeric POS, GT '.', the
   unphased advice, start > end, a record past the contig end, truncated GTF, empty expression)
9. symbolic ALTs: <DEL> applied as bcftools does; <INS>, <CN0>, IUPAC counted and logged per file
(10, secrets, is in test_download_verify.py.)
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.haplotypes import htslib_variant_type, personal_haplotypes
from regbench.genome.variants import index_vcf, read_genotypes
from tests.conftest import require_tool

RNG = np.random.default_rng(20)
SEQ = "".join(RNG.choice(list("ACGT"), 2000))
OTHER = {"A": "C", "C": "G", "G": "T", "T": "A"}


tool = require_tool


def fasta(path: Path, seqs: dict, width=60) -> Path:
    path.write_text("".join(f">{k}\n" + "\n".join(v[i : i + width] for i in range(0, len(v), width)) + "\n" for k, v in seqs.items()))
    return path


def vcf(path: Path, rows, samples=("S1", "S2"), contigs=(("chr1", len(SEQ)),), index=True, info_end=False) -> Path:
    head = ["##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length={n}>" for c, n in contigs]
    if info_end:
        head.append('##INFO=<ID=END,Number=1,Type=Integer,Description="End">')
        head.append('##ALT=<ID=DEL,Description="Deletion">')
    head += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    path.write_text("\n".join(head + ["\t".join(map(str, r)) for r in rows]) + "\n")
    subprocess.run([tool("bgzip"), "-f", str(path)], check=True)
    gz = path.with_name(path.name + ".gz")
    if index:
        subprocess.run([tool("tabix"), "-f", "-p", "vcf", str(gz)], check=True)
    return gz


def snv_rows(positions, gts=("0|1", "1|1")):
    return [("chr1", p, ".", SEQ[p - 1], OTHER[SEQ[p - 1]], ".", ".", ".", "GT") + tuple(gts) for p in positions]


def consensus(fa, gz, sample, h):
    out = subprocess.run([tool("bcftools"), "consensus", "-f", str(fa), "-s", sample, "-H", str(h), str(gz)],
                         check=True, capture_output=True, text=True).stdout
    return "".join(out.split("\n")[1:]).upper()


# ---------------------------------------------------------------------------------------------
# 1. stale tabix index


def test_index_of_an_older_version_is_rejected_naming_both_files(tmp_path):
    old = vcf(tmp_path / "old.vcf", snv_rows(range(10, 1900, 3)[:300]))
    new = vcf(tmp_path / "new.vcf", snv_rows(range(10, 1900, 3)), index=False)  # 630 records, same header
    shutil.copy(str(old) + ".tbi", str(new) + ".tbi")
    with pytest.raises(InputError) as ei:
        read_genotypes(new, "chr1", 0, 2000)
    msg = str(ei.value)
    assert str(new) in msg and f"{new}.tbi" in msg and "tabix -f -p vcf" in msg
    index_vcf(new)  # rebuilt: now consistent
    assert len(read_genotypes(new, "chr1", 0, 2000)) == 630


def test_index_of_another_file_is_rejected(tmp_path):
    a = vcf(tmp_path / "a.vcf", snv_rows(range(10, 1900, 2)), contigs=(("chr1", 2000), ("chr2", 2000)))
    rows_b = [("chr2",) + r[1:] for r in snv_rows(range(10, 1900, 7))]
    b = vcf(tmp_path / "b.vcf", rows_b, contigs=(("chr1", 2000), ("chr2", 2000)))
    shutil.copy(str(a) + ".tbi", str(b) + ".tbi")
    os.utime(str(b), (1_000_000_000, 1_000_000_000))  # the data newer than nothing: mtime is not the test
    with pytest.raises(InputError, match=r"made from this file"):
        read_genotypes(b, "chr2", 0, 2000)


def test_consistent_index_older_than_its_data_is_accepted(tmp_path, caplog):
    gz = vcf(tmp_path / "a.vcf", snv_rows([100, 200]))
    os.utime(str(gz) + ".tbi", (1_000_000_000, 1_000_000_000))  # e.g. downloaded before the VCF
    with caplog.at_level(logging.INFO):
        assert len(read_genotypes(gz, "chr1", 0, 2000)) == 2
    assert "older than" in caplog.text


def test_personal_dosages_do_not_read_zero_snvs_through_a_stale_index(tmp_path):
    from regbench.studies.personal.genotypes import chunk_dosages

    old = vcf(tmp_path / "old.vcf", snv_rows(range(1500, 1900, 5)))
    new = vcf(tmp_path / "new.vcf", snv_rows(range(10, 1900, 5)), index=False)
    shutil.copy(str(old) + ".tbi", str(new) + ".tbi")
    genes = pd.DataFrame({"gene_id": ["G1"], "chrom": ["chr1"], "tss": [500]})
    with pytest.raises(InputError, match="made from this file"):
        chunk_dosages(str(new), genes, 801, vcf_prefix="chr")


# ---------------------------------------------------------------------------------------------
# 2. .fai out of step with the FASTA


@pytest.fixture()
def fai_world(tmp_path):
    tool("samtools")
    seqs = {"chr1": SEQ[:1000], "chr2": SEQ[1000:1800]}
    good = fasta(tmp_path / "good.fa", seqs)
    subprocess.run(["samtools", "faidx", str(good)], check=True)
    return tmp_path, seqs, good


@pytest.mark.parametrize("variant", ["truncated", "longer", "wider_lines", "other_order"])
def test_fai_out_of_step_is_rejected_naming_both_files(fai_world, variant):
    d, seqs, good = fai_world
    bad = d / f"{variant}.fa"
    if variant == "truncated":
        fasta(bad, {"chr1": seqs["chr1"][:141]})
    elif variant == "longer":
        fasta(bad, {"chr1": seqs["chr1"] + "ACGT" * 30, "chr2": seqs["chr2"]})
    elif variant == "wider_lines":
        fasta(bad, seqs, width=80)
    else:
        fasta(bad, {"chr2": seqs["chr2"], "chr1": seqs["chr1"]})
    shutil.copy(str(good) + ".fai", str(bad) + ".fai")
    with pytest.raises(InputError) as ei:
        Genome(bad).fetch("chr1", 100, 250)
    assert str(bad) in str(ei.value) and f"{bad}.fai" in str(ei.value) and "samtools faidx" in str(ei.value)


@pytest.mark.parametrize("suffix", [".fa", ".fasta", ".fna"])
def test_fai_out_of_step_hint_for_every_fasta_suffix(fai_world, suffix):
    """The advice is the FASTA's own rebuild command whatever its suffix (not the VCF one)."""
    d, seqs, good = fai_world
    bad = d / f"truncated{suffix}"
    fasta(bad, {"chr1": seqs["chr1"][:141]})
    shutil.copy(str(good) + ".fai", str(bad) + ".fai")
    with pytest.raises(InputError) as ei:
        Genome(bad).fetch("chr1", 100, 250)
    assert str(ei.value).endswith(f"; rebuild it: samtools faidx {bad}")


@pytest.mark.parametrize("name", ["g.fa", "g.fasta", "g.fna", "g.fa.gz", "g.fasta.gz", "v.vcf.gz", "v.bcf"])
def test_rebuild_hint_names_the_tool_of_the_file(name):
    from regbench.genome.indexes import rebuild_hint

    p = Path("/d") / name
    fa = name.startswith("g.")
    assert rebuild_hint(p) == (f"rebuild it: samtools faidx {p}" if fa else
                               f"rebuild it: tabix -f -p vcf {p} (or bcftools index -f for BCF)")


def test_good_fai_passes_and_fetch_is_exact(fai_world):
    d, seqs, good = fai_world
    g = Genome(good)
    assert g.fetch("chr1", 100, 250) == seqs["chr1"][100:250] and g.fetch("chr2", 790, 810) == seqs["chr2"][790:] + "N" * 10


def test_bgzip_fasta_with_a_stale_index_fails_at_fetch(tmp_path):
    tool("samtools")
    full = fasta(tmp_path / "full.fa", {"chr1": SEQ[:1000]})
    short = fasta(tmp_path / "short.fa", {"chr1": SEQ[:700]})
    for p in (full, short):
        subprocess.run([tool("bgzip"), "-f", "-i", str(p)], check=True)
    subprocess.run(["samtools", "faidx", str(full) + ".gz"], check=True)
    shutil.copy(str(full) + ".gz.fai", str(short) + ".gz.fai")
    g = Genome(str(short) + ".gz")
    assert g.fetch("chr1", 100, 250) == SEQ[100:250]
    with pytest.raises(InputError, match=r"chr1:750-950: expected (200 bases of chr1 as its index|bases readable at the offsets its index) .*short\.fa\.gz\.fai"):
        g.fetch("chr1", 750, 950)


# ---------------------------------------------------------------------------------------------
# 6. REF in the dosage path


def test_dosage_path_checks_ref(tmp_path):
    from regbench.studies.personal.genotypes import chunk_dosages

    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ})
    rows = snv_rows([300, 400])
    wrong = OTHER[SEQ[399]]
    rows[1] = ("chr1", 400, ".", wrong, OTHER[wrong], ".", ".", ".", "GT", "0|1", "1|1")
    gz = vcf(tmp_path / "v.vcf", rows)
    genes = pd.DataFrame({"gene_id": ["G1"], "chrom": ["chr1"], "tss": [350]})
    assert len(chunk_dosages(str(gz), genes, 401, vcf_prefix="chr")["pos"]) == 2  # without a genome nothing is checked
    with pytest.raises(InputError, match=rf"chr1:400: expected REF={SEQ[399]} \(as in the FASTA"):
        chunk_dosages(str(gz), genes, 401, vcf_prefix="chr", genome=fa)
    # the VCF may name contigs without 'chr' (vcf_chrom_prefix ""): REF is still checked on chr1
    rows1 = [("1",) + r[1:] for r in rows]
    gz1 = vcf(tmp_path / "v1.vcf", rows1, contigs=(("1", len(SEQ)),))
    with pytest.raises(InputError, match="chr1:400"):
        chunk_dosages(str(gz1), genes, 401, vcf_prefix="", genome=Genome(fa))


# ---------------------------------------------------------------------------------------------
# 7. overlap rule against bcftools


def test_htslib_variant_types():
    assert [htslib_variant_type(r, a) for r, a in [
        ("A", "G"), ("AC", "TC"), ("AC", "ACT"), ("ACG", "AG"), ("ACG", "AT"), ("AC", "AGC"), ("ACG", "TTT"), ("A", "GTT")
    ]] == ["snp", "snp", "indel", "indel", "other", "indel", "mnp", "other"]


@pytest.mark.parametrize("first", ["deletion", "mnp"])
def test_complex_indel_on_the_last_base_of_a_deletion_or_mnp_is_skipped_like_bcftools(tmp_path, first):
    p = 500  # 1-based
    ref3 = SEQ[p - 1 : p + 2]
    rec1 = (ref3, ref3[0]) if first == "deletion" else (ref3, "".join(OTHER[b] for b in ref3))
    q = p + 2  # the last REF base of record 1
    ref2 = SEQ[q - 1 : q + 2]
    alt2 = ref2[0] + next(b for b in "ACGT" if b not in ref2[1:])  # shares the first base, complex
    assert htslib_variant_type(ref2, alt2) == "other"
    ins = SEQ[q - 1] + "TT"  # a pure insertion at the same base: applied by bcftools after a deletion/MNP
    rows = [("chr1", p, ".", rec1[0], rec1[1], ".", ".", ".", "GT", "1|0", "1|1"),
            ("chr1", q, ".", ref2, alt2, ".", ".", ".", "GT", "1|1", "0|0"),
            ("chr1", q, ".", SEQ[q - 1], ins, ".", ".", ".", "GT", "0|0", "1|1")]
    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ})
    gz = vcf(tmp_path / "v.vcf", rows)
    hap = personal_haplotypes(fa, gz, "chr1", 0, len(SEQ), mode="indel", anchor=0)
    for j, s in enumerate(["S1", "S2"]):
        for h in (0, 1):
            bc = consensus(fa, gz, s, h + 1)
            got = hap.haplotype(s, h)
            assert got[: len(bc)] == bc[: len(got)] and set(got[len(bc):]) <= {"N"}, (first, s, h)
    assert hap.n_skipped_overlap >= 1


# ---------------------------------------------------------------------------------------------
# 8. messages, not tracebacks


def test_vcf_without_gt(tmp_path):
    p = tmp_path / "nogt.vcf"
    p.write_text("\n".join(["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=2000>",
                            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">',
                            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
                            f"chr1\t5\t.\t{SEQ[4]}\t{OTHER[SEQ[4]]}\t.\t.\t.\tDP\t3"]) + "\n")
    subprocess.run([tool("bgzip"), "-f", str(p)], check=True)
    subprocess.run([tool("tabix"), "-f", "-p", "vcf", str(p) + ".gz"], check=True)
    with pytest.raises(InputError, match=r"chr1:5: expected a FORMAT/GT field"):
        read_genotypes(str(p) + ".gz", "chr1", 0, 100)


def test_row_missing_a_sample_column(tmp_path):
    rows = snv_rows([5, 20])
    rows[0] = rows[0][:10]
    gz = vcf(tmp_path / "v.vcf", rows)
    with pytest.raises(InputError, match=r"Number of columns at chr1:5 does not match the number of samples"):
        read_genotypes(gz, "chr1", 0, 100)


def test_non_numeric_pos(tmp_path):
    rows = snv_rows([5, 20])
    rows[1] = ("chr1", "2x0") + rows[1][2:]
    gz = vcf(tmp_path / "v.vcf", rows, index=False)
    with pytest.raises(InputError, match=r"Could not parse the position '2x0'"):
        index_vcf(gz)


def test_lone_dot_is_a_missing_call(tmp_path):
    rows = snv_rows([5, 20])
    rows[0] = rows[0][:9] + (".", "0|1")
    gz = vcf(tmp_path / "v.vcf", rows)
    g = read_genotypes(gz, "chr1", 0, 100)
    assert g.alleles[0, 0].tolist() == [0, 0] and g.n_missing == 2
    rows[0] = rows[0][:9] + (".", ".")  # every sample '.'
    gz = vcf(tmp_path / "w.vcf", rows)
    assert read_genotypes(gz, "chr1", 0, 100).n_missing == 4
    rows[0] = rows[0][:9] + ("1", "0|1")  # a real haploid call still fails
    gz = vcf(tmp_path / "x.vcf", rows)
    with pytest.raises(InputError, match="ploidy 1"):
        read_genotypes(gz, "chr1", 0, 100)


def test_unphased_message_advises_no_config_key(tmp_path):
    rows = snv_rows([5, 20])
    rows[1] = rows[1][:9] + ("0|0", "0/1")
    gz = vcf(tmp_path / "v.vcf", rows)
    with pytest.raises(InputError) as ei:
        read_genotypes(gz, "chr1", 0, 100)
    assert "unphased: phased" not in str(ei.value) and "phase the VCF" in str(ei.value)


@pytest.mark.parametrize("mode", ["snv", "indel"])
def test_start_after_end(tmp_path, mode):
    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ})
    gz = vcf(tmp_path / "v.vcf", snv_rows([5, 20]))
    with pytest.raises(InputError, match=r"chr1:100-50: expected a window with end >= start"):
        personal_haplotypes(fa, gz, "chr1", 100, 50, mode=mode)
    with pytest.raises(InputError, match=r"chr1:100-50: expected a region with end >= start"):
        read_genotypes(gz, "chr1", 100, 50)


def test_record_past_the_contig_end(tmp_path):
    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ[:300]})
    gz = vcf(tmp_path / "v.vcf", snv_rows([5]) + [("chr1", 310, ".", "A", "C", ".", ".", ".", "GT", "0|1", "1|1")])
    with pytest.raises(InputError, match=r"chr1:310: expected a record inside chr1 \(length 300 in .*another assembly"):
        read_genotypes(gz, "chr1", 0, 400, genome=Genome(fa))


def test_truncated_gtf_and_empty_expression(tmp_path):
    from regbench.studies.personal.genes import read_expression, read_gtf_genes

    line = 'chr1\tHAVANA\tgene\t100\t2000\t.\t+\t.\tgene_id "ENSG00000000001.1"; gene_name "A"; gene_type "protein_coding";\n'
    data = gzip.compress((line * 5000).encode())
    gtf = tmp_path / "g.gtf.gz"
    gtf.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"g\.gtf\.gz: expected a complete, readable GTF"):
        read_gtf_genes(gtf)
    empty = tmp_path / "expr.tsv"
    empty.write_text("")
    with pytest.raises(InputError, match=r"expr\.tsv: expected a TSV with a header .*found an empty file"):
        read_expression(empty)


# ---------------------------------------------------------------------------------------------
# 9. symbolic alleles


def test_symbolic_del_is_applied_like_bcftools(tmp_path):
    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ})
    rows = [("chr1", 300, ".", SEQ[299], "<DEL>", ".", ".", "END=320", "GT", "1|0", "0|1"),
            ("chr1", 310, ".", SEQ[309], OTHER[SEQ[309]], ".", ".", ".", "GT", "1|1", "1|1"),  # inside: skipped
            ("chr1", 600, ".", SEQ[599], OTHER[SEQ[599]], ".", ".", ".", "GT", "1|1", "0|1")]
    gz = vcf(tmp_path / "v.vcf", rows, info_end=True)
    g = read_genotypes(gz, "chr1", 0, len(SEQ))
    assert g.rlen.tolist() == [21, 1, 1]
    hap = personal_haplotypes(fa, gz, "chr1", 0, len(SEQ), mode="indel", anchor=0)
    for s in ("S1", "S2"):
        for h in (0, 1):
            bc = consensus(fa, gz, s, h + 1)
            got = hap.haplotype(s, h)
            assert got[: len(bc)] == bc[: len(got)] and set(got[len(bc):]) <= {"N"}, (s, h)
    assert len(hap.haplotype("S1", 0).rstrip("N")) == len(SEQ) - 20


def test_other_symbolic_and_iupac_alleles_are_counted_and_logged(tmp_path, caplog):
    fa = fasta(tmp_path / "ref.fa", {"chr1": SEQ})
    rows = [("chr1", 300, ".", SEQ[299], "<INS>", ".", ".", ".", "GT", "1|1", "0|1"),
            ("chr1", 400, ".", SEQ[399], "<CN0>", ".", ".", "END=420", "GT", "1|0", "0|0"),
            ("chr1", 500, ".", SEQ[499], "R" if SEQ[499] != "R" else "Y", ".", ".", ".", "GT", "0|1", "0|0"),
            ("chr1", 600, ".", SEQ[599], OTHER[SEQ[599]], ".", ".", ".", "GT", "1|1", "0|1")]
    gz = vcf(tmp_path / "v.vcf", rows, info_end=True)
    for mode in ("snv", "indel"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            hap = personal_haplotypes(fa, gz, "chr1", 0, len(SEQ), mode=mode)
        assert hap.skipped_kinds == {"symbolic <INS>": 3, "symbolic <CN0>": 1, "IUPAC ALT": 1}, mode
        assert hap.n_skipped_other == 5
        assert str(gz) in caplog.text and "5 haplotype alleles not applied" in caplog.text and "symbolic <INS>" in caplog.text
        expect = SEQ[:599] + OTHER[SEQ[599]] + SEQ[600:]
        assert hap.haplotype("S1", 0)[: len(SEQ)] == expect  # only the SNV applied
