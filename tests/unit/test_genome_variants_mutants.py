"""variants.py outside read_genotypes: Genotypes.subset, the BGZF EOF check, opening a VCF, htslib's
error lines, the region reader's overlap filter, order check, GT and ploidy errors, REF checks
against a FASTA, and the tool index_vcf runs for a BCF.

Written against the survivors of the 2026-12-04 mutmut run of regbench/genome/variants.py
(docs/mutation.md): each case is a small VCF written in tmp_path (bgzip/tabix via
tests.conftest.bgzip_index) whose expected values are read off the file by hand; messages are
compared whole (htslib's own words, which vary by version, only by their ``[E::`` prefix)."""

from __future__ import annotations

import logging
import shutil
import subprocess

import numpy as np
import pytest

import regbench.genome.variants as variants
from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.variants import BGZF_EOF, Genotypes, check_bgzf_complete, index_vcf, read_genotypes
from tests.conftest import bgzip_index, require_tool

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr8,length=300>\n##contig=<ID=chr9,length=300>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n")


def _vcf(tmp_path, body, name="v.vcf", head=HEAD):
    p = tmp_path / name
    p.write_text(head + body)
    return bgzip_index(p)


# --- Genotypes --------------------------------------------------------------------------------

def _genotypes():
    """Three records; the middle one a <DEL> whose rlen (10) is not len(REF) (1)."""
    return Genotypes("chr8", np.array([4, 9, 30], dtype=np.int64), ["A", "C", "GT"], [["G"], ["<DEL>"], ["G", "T"]],
                     ["rs1", None, "rs3"], np.arange(12, dtype=np.int8).reshape(3, 2, 2), ["S1", "S2"],
                     n_missing=2, n_unphased=1, source="a.vcf.gz", rlen=np.array([1, 10, 2], dtype=np.int64))


@pytest.mark.parametrize("mask", [np.array([False, True, True]), np.array([2, 1]), [2, 1]])
def test_subset_by_mask_and_by_index_array_keeps_every_field(mask):
    g = _genotypes()
    s = g.subset(mask)
    order = [1, 2] if np.asarray(mask).dtype == bool else [2, 1]
    assert s.chrom == "chr8" and s.source == "a.vcf.gz" and s.samples == ["S1", "S2"]
    assert (s.n_missing, s.n_unphased) == (2, 1)
    assert s.pos.tolist() == [[4, 9, 30][i] for i in order]
    assert s.ref == [g.ref[i] for i in order] and s.alts == [g.alts[i] for i in order]
    assert s.ids == [g.ids[i] for i in order]
    assert s.alleles.tolist() == g.alleles[order].tolist()
    assert s.rlen.tolist() == [[1, 10, 2][i] for i in order]  # the <DEL>'s 10, not len(REF)


def test_rlen_defaults_to_int64_ref_lengths_even_when_empty():
    g = Genotypes("chr8", np.array([3], dtype=np.int64), ["ACG"], [["A"]], [None], np.zeros((1, 1, 2), np.int8), ["S1"])
    assert g.rlen.dtype == np.int64 and g.rlen.tolist() == [3]
    e = Genotypes("chr8", np.zeros(0, np.int64), [], [], [], np.zeros((0, 1, 2), np.int8), ["S1"])
    assert e.rlen.dtype == np.int64 and e.rlen.shape == (0,)  # np.array([]) alone would be float64


# --- check_bgzf_complete ----------------------------------------------------------------------

def test_bgzf_eof_check_on_an_empty_bgzip_file_and_a_truncated_one(tmp_path):
    bgzip = require_tool("bgzip")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    subprocess.run([bgzip, "-f", str(empty)], check=True)
    gz = tmp_path / "empty.gz"
    assert gz.read_bytes() == BGZF_EOF  # bgzip of nothing is the 28-byte EOF block alone
    check_bgzf_complete(gz)  # complete: no error
    p = tmp_path / "t.vcf"
    p.write_text(HEAD + "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n")
    full = bgzip_index(p, index=False)
    data = full.read_bytes()
    assert data.endswith(BGZF_EOF)
    check_bgzf_complete(full)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[:-28])
    with pytest.raises(InputError) as e:
        check_bgzf_complete(cut)
    assert str(e.value) == (f"{cut}: expected a complete bgzip file ending in the BGZF EOF block, "
                            "found truncated file (no EOF block)")


# --- _htslib_errors / _open_vcf ---------------------------------------------------------------

def test_htslib_error_lines_returned_and_only_the_others_logged(caplog):
    msgs = ["[W::bcf_hdr_register_hrec] An INFO field has no Type defined. Assuming String",
            "[E::vcf_parse] Could not parse the position 'abc'", "\tcontinued line"]
    with caplog.at_level(logging.WARNING, logger="regbench.genome.variants"):
        errs = variants._htslib_errors(msgs, variants.Path("x.vcf.gz"))
    assert errs == ["[E::vcf_parse] Could not parse the position 'abc'"]
    assert [r.getMessage() for r in caplog.records] == ["x.vcf.gz: htslib: " + msgs[0], "x.vcf.gz: htslib: \tcontinued line"]


def test_missing_file_message(tmp_path):
    p = tmp_path / "absent.vcf.gz"
    for call in (lambda: index_vcf(p), lambda: read_genotypes(p, "chr8", 0, 10)):
        with pytest.raises(InputError) as e:
            call()
        assert str(e.value) == f"{p}: expected an existing VCF/BCF file, found no such file"


def test_unreadable_header_message_and_its_log_lines(tmp_path, caplog):
    """A #CHROM line with too few columns: htslib writes an [E::] line and a continuation line,
    cyvcf2 raises a bare Exception; the error line and the exception are joined by '; '."""
    p = tmp_path / "h.vcf"
    p.write_text(HEAD.split("#CHROM")[0] + "#CHROM\tPOS\tID\n")
    gz = bgzip_index(p, index=False)
    with caplog.at_level(logging.WARNING, logger="regbench.genome.variants"):
        with pytest.raises(InputError) as e:
            read_genotypes(gz, "chr8", 0, 10)
    found = e.value.found
    parts = found.split("; ")
    assert parts[0].startswith("[E::") and parts[-1] == "Exception: cannot parse VCF header" and len(parts) >= 2
    assert str(e.value) == f"{gz}: expected a VCF/BCF file readable by htslib, found {found}"
    logged = [r.getMessage() for r in caplog.records]
    assert logged and all(m.startswith(f"{gz}: htslib: ") for m in logged)  # the continuation line, with the file
    assert not any("[E::" in m for m in logged)  # the error line is in the message, not logged


def test_not_a_vcf_message_names_the_exception_type(tmp_path):
    p = tmp_path / "x.vcf"
    p.write_text("chr8\t1\t.\tA\tG\t.\t.\t.\tGT\t0|0\n")  # no header at all
    gz = bgzip_index(p, index=False)
    with pytest.raises(InputError) as e:
        index_vcf(gz)
    assert str(e.value) == f"{gz}: expected a VCF/BCF file readable by htslib, found {e.value.found}"
    assert e.value.found.startswith("OSError: ") and e.value.record is None


def test_header_warning_logged_with_the_file_name(tmp_path, caplog):
    head = HEAD.replace("##FORMAT=<ID=GT", "##INFO=<ID=X,Number=1>\n##FORMAT=<ID=GT")
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n", head=head)
    with caplog.at_level(logging.WARNING, logger="regbench.genome.variants"):
        g = read_genotypes(gz, "chr8", 0, 300)
    assert g.pos.tolist() == [4]
    warned = [r.getMessage() for r in caplog.records if "[W::bcf_hdr_register_hrec]" in r.getMessage()]
    assert warned and all(m.startswith(f"{gz}: htslib: [W::bcf_hdr_register_hrec]") for m in warned)


# --- index_vcf --------------------------------------------------------------------------------

def test_index_vcf_runs_bcftools_for_a_bcf(tmp_path, monkeypatch):
    bcftools = require_tool("bcftools")
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n")
    bcf = tmp_path / "v.bcf"
    subprocess.run([bcftools, "view", "-Ob", "-o", str(bcf), str(gz)], check=True)
    seen, which = [], shutil.which
    monkeypatch.setattr(variants.shutil, "which", lambda name: seen.append(name) or which(name))
    assert index_vcf(bcf) == tmp_path / "v.bcf.csi"
    assert seen == ["bcftools"]


# --- _read_region -----------------------------------------------------------------------------

def test_first_base_ids_and_other_contig_not_read(tmp_path):
    gz = _vcf(tmp_path, "chr8\t1\trs1\tA\tG\t.\t.\t.\tGT\t0|0\t1|0\nchr8\t5\trs5\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n"
                        "chr9\t2\trs9\tC\tA\t.\t.\t.\tGT\t1|1\t1|1\n")
    g = read_genotypes(gz, "chr8", 0, 300)
    assert g.pos.tolist() == [0, 4] and g.ids == ["rs1", "rs5"]
    assert read_genotypes(gz, "chr9", 0, 300).ids == ["rs9"]


def test_telomere_record_left_of_the_region_is_skipped_not_the_end(tmp_path):
    """POS 0 (0-based -1, REF T) covers [-1, 0); tabix returns it for chr8:1-1, the filter drops it
    and goes on to POS 1 (0-based 0); an empty region [0, 0) keeps nothing."""
    gz = _vcf(tmp_path, "chr8\t0\tt0\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\nchr8\t1\tt1\tC\tA\t.\t.\t.\tGT\t1|1\t0|0\n"
                        "chr8\t3\tt3\tC\tA\t.\t.\t.\tGT\t1|1\t0|0\n")
    g = read_genotypes(gz, "chr8", 0, 1)
    assert g.pos.tolist() == [0] and g.ids == ["t1"]
    assert len(read_genotypes(gz, "chr8", 0, 0)) == 0
    assert read_genotypes(gz, "chr8", -1, 1).ids == ["t0", "t1"]


def test_records_out_of_order_behind_a_borrowed_index(tmp_path):
    """Two lines of equal length swapped after indexing: the other file's index passes
    check_vcf_index (same offsets), and the reader itself finds the order broken."""
    a = "chr8\t10\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n"
    b = "chr8\t20\t.\tC\tA\t.\t.\t.\tGT\t1|1\t0|0\n"
    sorted_gz = _vcf(tmp_path, a + b, name="s.vcf")
    p = tmp_path / "u.vcf"
    p.write_text(HEAD + b + a)
    gz = bgzip_index(p, index=False)
    assert gz.stat().st_size == sorted_gz.stat().st_size
    shutil.copy(str(sorted_gz) + ".tbi", str(gz) + ".tbi")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value) == f"{gz}: chr8:10: expected records sorted by position (POS >= 20), found POS=10"


def test_record_without_gt_message(tmp_path):
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tDP\t3\t4\n")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value) == f"{gz}: chr8:5: expected a FORMAT/GT field (genotypes), found no GT"


@pytest.mark.parametrize(("s1", "s2", "sample", "ploidy"), [
    ("0|0", "0|1|1", "S2", 3),   # triploid second sample (array 4 wide)
    ("0|1", "1", "S2", 1),       # haploid second sample in a diploid record (array 3 wide)
    ("1", "0", "S1", 1),         # every sample haploid (array 2 wide): the first is named
])
def test_ploidy_message_names_the_sample_and_its_ploidy(tmp_path, s1, s2, sample, ploidy):
    gz = _vcf(tmp_path, f"chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t{s1}\t{s2}\n")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value) == f"{gz}: chr8:5 sample {sample}: expected diploid genotypes (ploidy 2), found ploidy {ploidy}"


def test_all_haploid_record_names_a_sample_with_an_allele_not_a_missing_one(tmp_path):
    """Bug found in this triage: with S1 '.' (a missing call, accepted) and S2 '1' (haploid) the
    error named S1 ("ploidy 1"); it names S2, the first sample with an allele."""
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t.\t1\n")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value) == f"{gz}: chr8:5 sample S2: expected diploid genotypes (ploidy 2), found ploidy 1"


def test_all_missing_haploid_record_keeps_integer_alleles(tmp_path):
    """A record of lone '.' calls becomes missing diploid calls; the unphased-het error of the next
    record still prints integer alleles (0/1, not 0.0/1.0)."""
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t.\t.\nchr8\t9\t.\tG\tA\t.\t.\t.\tGT\t0|0\t0/1\n")
    g = read_genotypes(gz, "chr8", 0, 8)  # the first record only
    assert g.alleles.tolist() == [[[0, 0], [0, 0]]] and g.n_missing == 4
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value).endswith(", found unphased 0/1 (1 unphased heterozygous calls)")
    assert read_genotypes(gz, "chr8", 0, 300, unphased="phased").alleles.dtype == np.int8


# --- _check_ref -------------------------------------------------------------------------------

SEQ = "ACGTTGCAAC" * 10  # 100 bases


@pytest.fixture
def genome(tmp_path):
    fa = tmp_path / "g.fa"
    fa.write_text(">chr8\n" + "\n".join(SEQ[i:i + 60] for i in range(0, 100, 60)) + "\n")
    return Genome(fa)


def test_record_past_the_contig_end_message(tmp_path, genome):
    # POS 99 (0-based 98) with a 3-base REF ends at 101 > 100
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\nchr8\t99\t.\tACG\tA\t.\t.\t.\tGT\t0|1\t0|0\n")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300, genome=genome)
    assert str(e.value) == (f"{gz}: chr8:99: expected a record inside chr8 (length 100 in {genome.path}; a VCF for "
                            "another assembly?), found REF ACG at 99-101")


def test_ref_mismatch_message_and_a_match(tmp_path, genome):
    assert SEQ[4] == "T" and SEQ[19] == "C"
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\nchr8\t20\t.\tC\tA\t.\t.\t.\tGT\t0|1\t0|0\n"
                        "chr8\t99\t.\tAC\tA\t.\t.\t.\tGT\t0|1\t0|0\n", name="ok.vcf")
    assert read_genotypes(gz, "chr8", 0, 300, genome=genome).pos.tolist() == [4, 19, 98]  # last base included
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\nchr8\t20\t.\tG\tA\t.\t.\t.\tGT\t0|1\t0|0\n", name="bad.vcf")
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300, genome=genome)
    assert str(e.value) == f"{gz}: chr8:20: expected REF=C (as in the FASTA {genome.path}), found REF=G"
